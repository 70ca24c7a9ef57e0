package dev.envelope.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test tool, not production code: a small real HTTP/1.1 forwarding proxy on a free loopback port, placed in
 * front of a real server so that a test can make that server look throttled, broken, unreachable or stuck,
 * over real connections, and switch back at any time.
 *
 * <p>Point the client under test at {@link #endpoint()} instead of the server. Each request is handled as the
 * behaviour set at the moment its head arrives says:
 * <ul>
 *   <li>{@link #passThrough()} (the start): forwarded to the target unchanged (the {@code Host} header too, so
 *       AWS signatures stay valid), the answer streamed back unchanged;</li>
 *   <li>{@link #respond} / {@link #respondNext}: answered here with a given status, headers and body (for
 *       example 400 {@code {"__type":"ThrottlingException"}}, or 503), every time or for the next N requests
 *       only;</li>
 *   <li>{@link #refuseConnections()}: new connections are closed as soon as they are accepted, and a request
 *       on an open connection is answered by closing it;</li>
 *   <li>{@link #hang()}: the request is read and never answered; the connection stays open until the client
 *       gives up or the proxy closes.</li>
 * </ul>
 * {@link #requests()} counts the request heads seen in every mode (a connection refused at accept carries no
 * request and is not counted).
 *
 * <p>Bodies are streamed in both directions, never buffered whole (uploads of hundreds of MiB go through in
 * constant memory): request bodies are framed by {@code Content-Length} or {@code Transfer-Encoding: chunked},
 * answers are copied byte for byte on a per-connection upstream socket, so keep-alive,
 * {@code Expect: 100-continue}, chunked answers and HEAD work as the target does them. Not supported: HTTPS
 * (it forwards plain HTTP only), pipelined requests, protocol upgrades. JDK only; two daemon threads per open
 * connection; {@link #close()} closes every socket.
 */
public final class FaultyHttpProxy implements Closeable {
  private static final int BUFFER = 64 * 1024;
  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  private enum Kind { PASS, RESPOND, REFUSE, HANG }

  /** What to do with a request; {@code remaining} null means "until changed". */
  private record Behaviour(Kind kind, byte[] answer, AtomicInteger remaining) {}

  private static final Behaviour PASS = new Behaviour(Kind.PASS, null, null);

  private final String targetHost;
  private final int targetPort;
  private final ServerSocket server;
  private final ExecutorService threads;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Behaviour> behaviour = new AtomicReference<>(PASS);
  private final AtomicInteger requests = new AtomicInteger();
  private volatile boolean closed;

  private FaultyHttpProxy(URI target, ServerSocket server) {
    this.targetHost = target.getHost();
    this.targetPort = target.getPort() != -1 ? target.getPort() : 80;
    this.server = server;
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "faulty-http-proxy-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts a proxy on a free loopback port in front of {@code target} (an {@code http://host:port} URL). */
  public static FaultyHttpProxy start(URI target) throws IOException {
    Objects.requireNonNull(target, "target");
    if (!"http".equalsIgnoreCase(target.getScheme()) || target.getHost() == null) {
      throw new IllegalArgumentException("target must be an http://host:port URL: " + target);
    }
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    FaultyHttpProxy proxy = new FaultyHttpProxy(target, server);
    proxy.threads.execute(proxy::acceptLoop);
    return proxy;
  }

  /** The URL clients use instead of the target's. */
  public URI endpoint() {
    return URI.create("http://" + server.getInetAddress().getHostAddress() + ":" + port());
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Forwards every request from now on. */
  public void passThrough() {
    behaviour.set(PASS);
  }

  /** Answers every request from now on with this status, these headers and this body. */
  public void respond(int status, Map<String, String> headers, String body) {
    behaviour.set(new Behaviour(Kind.RESPOND, answer(status, headers, body), null));
  }

  /** Answers the next {@code count} requests with this answer, then passes through again. */
  public void respondNext(int count, int status, Map<String, String> headers, String body) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1");
    }
    behaviour.set(new Behaviour(Kind.RESPOND, answer(status, headers, body), new AtomicInteger(count)));
  }

  /** Closes new connections at once, and open ones at their next request, from now on. */
  public void refuseConnections() {
    behaviour.set(new Behaviour(Kind.REFUSE, null, null));
  }

  /** Reads every request from now on and never answers it. */
  public void hang() {
    behaviour.set(new Behaviour(Kind.HANG, null, null));
  }

  /** Request heads seen since the start or the last {@link #resetRequests()}, in every mode. */
  public int requests() {
    return requests.get();
  }

  public void resetRequests() {
    requests.set(0);
  }

  /** Stops listening and closes every connection, both sides. Idempotent. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    threads.shutdownNow();
  }

  // ---- the connection loop ----

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (behaviour.get().kind() == Kind.REFUSE) {
        closeQuietly(client);
        continue;
      }
      sockets.add(client);
      try {
        threads.execute(() -> serve(client));
      } catch (RuntimeException e) { // rejected: closing
        closeQuietly(client);
      }
    }
  }

  private void serve(Socket client) {
    Socket upstream = null;
    try {
      client.setTcpNoDelay(true);
      InputStream in = new java.io.BufferedInputStream(client.getInputStream(), BUFFER);
      OutputStream out = client.getOutputStream();
      while (!closed) {
        Head head = Head.read(in);
        if (head == null) {
          return; // the client closed between requests
        }
        requests.incrementAndGet();
        Behaviour b = take();
        switch (b.kind()) {
          case REFUSE:
            return;
          case HANG:
            drainForever(in);
            return;
          case RESPOND:
            if (head.expectsContinue) {
              // The client may still be waiting to send its body: answer and close rather than guess.
              writeTo(out, withConnectionClose(b.answer()));
              return;
            }
            head.copyBody(in, OutputStream.nullOutputStream());
            writeTo(out, head.closes ? withConnectionClose(b.answer()) : b.answer());
            if (head.closes) {
              return;
            }
            break;
          default:
            if (upstream == null || upstream.isClosed()) {
              upstream = connectUpstream(client, out);
              if (upstream == null) {
                return; // target unreachable: the client sees its connection closed, as in a network failure
              }
            }
            OutputStream up = upstream.getOutputStream();
            up.write(head.bytes);
            head.copyBody(in, up);
            up.flush();
        }
      }
    } catch (IOException e) {
      // A side went away: close both, as a real proxy would.
    } finally {
      closeQuietly(upstream);
      closeQuietly(client);
      sockets.remove(client);
      if (upstream != null) {
        sockets.remove(upstream);
      }
    }
  }

  private Socket connectUpstream(Socket client, OutputStream clientOut) {
    Socket upstream = new Socket();
    try {
      upstream.setTcpNoDelay(true);
      upstream.connect(new InetSocketAddress(targetHost, targetPort), CONNECT_TIMEOUT_MS);
    } catch (IOException e) {
      closeQuietly(upstream);
      return null;
    }
    sockets.add(upstream);
    threads.execute(() -> pump(upstream, client, clientOut));
    return upstream;
  }

  /** Copies the target's answers to the client byte for byte; when the target closes, so does the client. */
  private void pump(Socket upstream, Socket client, OutputStream clientOut) {
    byte[] buffer = new byte[BUFFER];
    try (InputStream in = upstream.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) != -1) {
        synchronized (clientOut) {
          clientOut.write(buffer, 0, n);
          clientOut.flush();
        }
      }
    } catch (IOException e) {
      // fall through: close both
    } finally {
      closeQuietly(client);
      closeQuietly(upstream);
    }
  }

  private Behaviour take() {
    while (true) {
      Behaviour b = behaviour.get();
      if (b.remaining() == null || b.remaining().getAndDecrement() > 0) {
        return b;
      }
      behaviour.compareAndSet(b, PASS); // this countdown is used up
    }
  }

  private static void drainForever(InputStream in) throws IOException {
    byte[] sink = new byte[BUFFER];
    while (in.read(sink) != -1) {
      // read and never answer
    }
  }

  private static void writeTo(OutputStream out, byte[] bytes) throws IOException {
    synchronized (out) {
      out.write(bytes);
      out.flush();
    }
  }

  private static byte[] answer(int status, Map<String, String> headers, String body) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be 100 to 599: " + status);
    }
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.keySet().removeIf(k -> k.equalsIgnoreCase("Content-Length") || k.equalsIgnoreCase("Transfer-Encoding"));
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(" Faulty\r\n");
    all.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] withConnectionClose(byte[] answer) {
    String text = new String(answer, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n") + 2;
    return (text.substring(0, end) + "Connection: close\r\n" + text.substring(end))
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  /** A request head: its raw bytes (forwarded unchanged) and the framing of the body that follows. */
  private static final class Head {
    final byte[] bytes;
    final long contentLength;
    final boolean chunked;
    final boolean expectsContinue;
    final boolean closes;

    private Head(byte[] bytes, long contentLength, boolean chunked, boolean expectsContinue, boolean closes) {
      this.bytes = bytes;
      this.contentLength = contentLength;
      this.chunked = chunked;
      this.expectsContinue = expectsContinue;
      this.closes = closes;
    }

    /** The next head, or null if the stream ends cleanly before one starts. */
    static Head read(InputStream in) throws IOException {
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      int matched = 0; // of "\r\n\r\n"
      while (matched < 4) {
        int c = in.read();
        if (c == -1) {
          if (raw.size() == 0) {
            return null;
          }
          throw new EOFException("request head cut short");
        }
        raw.write(c);
        if (raw.size() > MAX_HEAD_BYTES) {
          throw new IOException("request head too large");
        }
        matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (c == '\r' ? 1 : 0);
      }
      byte[] bytes = raw.toByteArray();
      String[] lines = new String(bytes, StandardCharsets.ISO_8859_1).split("\r\n");
      long length = 0;
      boolean chunked = false;
      boolean expects = false;
      boolean closes = false;
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "expect" -> expects = value.contains("100-continue");
          case "connection" -> closes = value.contains("close");
          default -> { }
        }
      }
      return new Head(bytes, length, chunked, expects, closes);
    }

    /** Copies exactly this request's body from {@code in} to {@code out}, streaming. */
    void copyBody(InputStream in, OutputStream out) throws IOException {
      if (!chunked) {
        copy(in, out, contentLength);
        return;
      }
      while (true) {
        byte[] sizeLine = line(in);
        out.write(sizeLine);
        String size = new String(sizeLine, StandardCharsets.ISO_8859_1).trim();
        int semicolon = size.indexOf(';');
        long chunk = Long.parseLong(semicolon < 0 ? size : size.substring(0, semicolon).trim(), 16);
        if (chunk == 0) {
          byte[] trailer;
          do { // trailers, then the empty line
            trailer = line(in);
            out.write(trailer);
          } while (trailer.length > 2);
          return;
        }
        copy(in, out, chunk);
        out.write(line(in)); // the CRLF after the data
      }
    }

    private static void copy(InputStream in, OutputStream out, long count) throws IOException {
      byte[] buffer = new byte[(int) Math.min(BUFFER, Math.max(count, 1))];
      long left = count;
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n == -1) {
          throw new EOFException("request body cut short");
        }
        out.write(buffer, 0, n);
        left -= n;
      }
    }

    private static byte[] line(InputStream in) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int c;
      while ((c = in.read()) != -1) {
        line.write(c);
        if (c == '\n') {
          return line.toByteArray();
        }
        if (line.size() > 8192) {
          throw new IOException("chunk line too long");
        }
      }
      throw new EOFException("chunked body cut short");
    }
  }
}
