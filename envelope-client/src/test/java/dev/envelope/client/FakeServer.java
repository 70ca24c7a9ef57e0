package dev.envelope.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for the Envelope server on a random loopback port: canned answers per "METHOD path", and a record
 * of every request. {@link #raw} serves bytes exactly as given, for answers no well-behaved server would send
 * (a body cut short, a chunked body without its last chunk).
 */
final class FakeServer implements AutoCloseable {
  /** One answer: status, content type and body. */
  record Answer(int status, String contentType, byte[] body) {
    static Answer json(int status, String json) {
      return new Answer(status, status >= 400 ? "application/problem+json" : "application/json",
          json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A request as the server saw it. */
  record Seen(String method, String rawPathAndQuery, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : values.get(0);
    }
  }

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  final List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());

  FakeServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  FakeServer on(String methodAndPath, Answer answer) {
    answers.put(methodAndPath, answer);
    return this;
  }

  Seen last() {
    return seen.get(seen.size() - 1);
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    URI uri = exchange.getRequestURI();
    seen.add(new Seen(exchange.getRequestMethod(), uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?"
        + uri.getRawQuery()), Map.copyOf(exchange.getRequestHeaders()), body));
    Answer answer = answers.getOrDefault(exchange.getRequestMethod() + " " + uri.getRawPath(),
        Answer.json(404, "{\"code\":\"not-found\",\"detail\":\"no route\"}"));
    if (answer.contentType() != null) {
      exchange.getResponseHeaders().set("Content-Type", answer.contentType());
    }
    exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer.body());
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Serves {@code response} verbatim to each connection, then closes it. */
  static AutoCloseable raw(byte[] response, ServerSocket socket) {
    Thread thread = new Thread(() -> {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          InputStream in = s.getInputStream();
          int matched = 0;
          while (matched < 4) { // the request's headers end at CRLF CRLF; GETs have no body
            int b = in.read();
            if (b == -1) {
              break;
            }
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
          }
          s.getOutputStream().write(response);
          s.getOutputStream().flush();
        } catch (IOException e) {
          // the socket was closed: the test is over
        }
      }
    }, "raw-server");
    thread.setDaemon(true);
    thread.start();
    return socket::close;
  }
}
