package dev.envelope.http;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A hostile client at the socket level: it connects from a chosen local address (any of 127.0.0.0/8 reaches a
 * loopback server, so tests can be "several clients"), writes exactly the bytes it is given, as slowly as it
 * likes, and reads one response. What the JDK's HTTP client will not do: lie, stall, trickle, pick its address.
 */
public final class RawHttp implements Closeable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
  }

  /** Connects to {@code port} on 127.0.0.1 from {@code localAddress} (e.g. 127.0.0.2). */
  public static RawHttp connect(int port, String localAddress) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(localAddress, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(30_000);
    return new RawHttp(socket);
  }

  /** Writes {@code text} (ISO-8859-1, as HTTP/1.1 header bytes are). */
  public RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  public RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** A response: status, headers (names in lower case) and body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Reads one response (body by {@code Content-Length}, or to the end of the connection), within {@code timeout}. */
  public Response read(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("the connection ended before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(); line != null && !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
    }
    String length = headers.get("content-length");
    byte[] body = length != null ? in.readNBytes(Integer.parseInt(length)) : in.readAllBytes();
    return new Response(status, headers, body);
  }

  /** Reads and throws away {@code count} bytes of whatever comes. */
  public void readSome(long count) throws IOException {
    byte[] sink = new byte[64 * 1024];
    for (long left = count; left > 0; ) {
      int n = in.read(sink, 0, (int) Math.min(sink.length, left));
      if (n < 0) {
        throw new IOException("the connection ended after " + (count - left) + " bytes");
      }
      left -= n;
    }
  }

  /**
   * Whether the server has closed the connection: reading ends (or is reset) within {@code timeout}. Bytes the
   * server sent before closing are skipped.
   */
  public boolean closedByServer(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    try {
      byte[] sink = new byte[8192];
      while (in.read(sink) >= 0) {
        // skip what came before the end
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // reset
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); ; b = in.read()) {
      if (b < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
      }
      if (b == '\n') {
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
