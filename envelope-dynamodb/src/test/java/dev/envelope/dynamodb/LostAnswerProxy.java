package dev.envelope.dynamodb;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test tool: a tiny HTTP/1.1 proxy in front of dynalite that forwards every request, and for the next N
 * requests whose head contains a marker (such as {@code DynamoDB_20120810.PutItem}) lets the server carry the
 * request out and then drops the answer (closes the client's connection without a byte). That is the
 * "committed, but the answer was lost" case a retrying client meets on a real network. Requests and answers
 * are framed by {@code Content-Length} only (which is all the AWS SDK and dynalite use here).
 */
final class LostAnswerProxy implements Closeable {
  private final ServerSocket server;
  private final URI target;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lost-answer-proxy");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger toDrop = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private volatile String marker = "";

  private LostAnswerProxy(URI target) throws IOException {
    this.target = target;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    threads.execute(this::acceptLoop);
  }

  static LostAnswerProxy start(URI target) throws IOException {
    return new LostAnswerProxy(target);
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** The next {@code count} requests whose head contains {@code marker} are executed, their answers lost. */
  void dropAnswers(String marker, int count) {
    this.marker = marker;
    toDrop.set(count);
  }

  int dropped() {
    return dropped.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        threads.execute(() -> serve(client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client; Socket upstream = new Socket(target.getHost(), target.getPort())) {
      sockets.add(upstream);
      InputStream fromClient = client.getInputStream();
      OutputStream toClient = client.getOutputStream();
      InputStream fromServer = upstream.getInputStream();
      OutputStream toServer = upstream.getOutputStream();
      while (true) {
        byte[] request = readMessage(fromClient);
        if (request == null) {
          return;
        }
        toServer.write(request);
        toServer.flush();
        byte[] answer = readMessage(fromServer);
        if (answer == null) {
          return;
        }
        String head = new String(request, StandardCharsets.ISO_8859_1);
        if (!marker.isEmpty() && head.contains(marker) && toDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          dropped.incrementAndGet();
          return; // the server did the work; the client never hears of it
        }
        toClient.write(answer);
        toClient.flush();
      }
    } catch (IOException e) {
      // a connection ended
    } finally {
      sockets.remove(client);
    }
  }

  /** One HTTP message (head and Content-Length body), or null at a clean end of the stream. */
  private static byte[] readMessage(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("message ended in its head");
      }
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    long length = 0;
    for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Long.parseLong(line.substring("content-length:".length()).strip());
      }
    }
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    head.writeTo(message);
    message.write(in.readNBytes((int) length));
    return message.toByteArray();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    threads.shutdownNow();
  }
}
