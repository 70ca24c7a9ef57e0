package dev.envelope.awskms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.envelope.core.testing.FaultyHttpProxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The test proxy itself (core's {@link FaultyHttpProxy}), in front of a JDK HTTP server: bodies streamed both
 * ways with both framings, keep-alive, 100-continue, and each fault mode switched on and off.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FaultyHttpProxyTest {
  private static final int BIG = 32 << 20;

  private HttpServer target;
  private FaultyHttpProxy proxy;
  private HttpClient http;
  private final Set<Integer> clientPortsSeenByTarget = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start() throws IOException {
    target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    target.setExecutor(Executors.newCachedThreadPool());
    target.createContext("/echo", this::echo);
    target.createContext("/download", FaultyHttpProxyTest::download);
    target.start();
    proxy = FaultyHttpProxy.start(URI.create("http://127.0.0.1:" + target.getAddress().getPort()));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stop() {
    proxy.close();
    target.stop(0);
  }

  /** Answers "length:sha256" of the request body, read as a stream. */
  private void echo(HttpExchange exchange) throws IOException {
    clientPortsSeenByTarget.add(exchange.getRemoteAddress().getPort());
    MessageDigest sha = sha256();
    long length = 0;
    byte[] buffer = new byte[65536];
    try (InputStream in = exchange.getRequestBody()) {
      int n;
      while ((n = in.read(buffer)) != -1) {
        sha.update(buffer, 0, n);
        length += n;
      }
    }
    byte[] answer = (length + ":" + HexFormat.of().formatHex(sha.digest())).getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
  }

  /** Streams BIG pattern bytes with chunked framing. */
  private static void download(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody(); InputStream in = pattern(BIG)) {
      in.transferTo(out);
    }
  }

  @Test
  void aContentLengthUpload_streamsThroughUnchanged() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/echo"))
        .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> pattern(BIG)),
            BIG)).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(BIG + ":" + expectedSha(BIG), response.body());
  }

  @Test
  void aChunkedUpload_streamsThroughUnchanged() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/echo"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> pattern(BIG))).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(BIG + ":" + expectedSha(BIG), response.body());
  }

  @Test
  void aChunkedDownload_streamsThroughUnchanged() throws Exception {
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/download"))
        .build(), HttpResponse.BodyHandlers.ofInputStream());
    MessageDigest sha = sha256();
    try (InputStream in = response.body()) {
      byte[] buffer = new byte[65536];
      int n;
      while ((n = in.read(buffer)) != -1) {
        sha.update(buffer, 0, n);
      }
    }
    assertEquals(expectedSha(BIG), HexFormat.of().formatHex(sha.digest()));
  }

  @Test
  void keepAlive_manyRequestsShareOneUpstreamConnection() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertEquals(200, post("/echo", "hello " + i).statusCode());
    }
    assertEquals(5, proxy.requests());
    assertEquals(1, clientPortsSeenByTarget.size(), "upstream connections: " + clientPortsSeenByTarget);
  }

  @Test
  void expectContinue_passesThrough() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/echo"))
        .expectContinue(true).POST(HttpRequest.BodyPublishers.ofString("abc")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals("3:" + HexFormat.of().formatHex(sha256().digest("abc".getBytes(StandardCharsets.UTF_8))),
        response.body());
  }

  @Test
  void respondNext_answersThatManyRequests_thenPassesThrough() throws Exception {
    proxy.respondNext(2, 503, Map.of("Retry-After", "1"), "busy");

    HttpResponse<String> first = post("/echo", "a");
    assertEquals(503, first.statusCode());
    assertEquals("busy", first.body());
    assertEquals("1", first.headers().firstValue("Retry-After").orElse(null));
    assertEquals(503, post("/echo", "b").statusCode());
    assertEquals(200, post("/echo", "c").statusCode());
    assertEquals(3, proxy.requests());
    assertEquals(1, clientPortsSeenByTarget.size(), "only the third request reached the target");
  }

  @Test
  void respond_answersEveryRequest_untilPassThrough() throws Exception {
    proxy.respond(400, Map.of("Content-Type", "application/json"), "{\"__type\":\"ThrottlingException\"}");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = post("/echo", "x".repeat(100_000));
      assertEquals(400, r.statusCode());
      assertEquals("{\"__type\":\"ThrottlingException\"}", r.body());
    }
    proxy.passThrough();
    assertEquals(200, post("/echo", "x").statusCode());
  }

  @Test
  void refuseConnections_closesThem_untilPassThrough() throws Exception {
    proxy.refuseConnections();
    assertThrows(IOException.class, () -> post("/echo", "a"));

    proxy.passThrough();
    assertEquals(200, post("/echo", "a").statusCode());
  }

  @Test
  void hang_neverAnswers_butCountsTheRequest() throws Exception {
    proxy.hang();
    assertThrows(HttpTimeoutException.class, () -> http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/echo"))
        .timeout(Duration.ofMillis(300)).POST(HttpRequest.BodyPublishers.ofString("a")).build(),
        HttpResponse.BodyHandlers.ofString()));
    assertEquals(1, proxy.requests());

    proxy.passThrough();
    assertEquals(200, post("/echo", "a").statusCode());
  }

  @Test
  void aDeadTarget_looksLikeAClosedConnection() throws Exception {
    target.stop(0);
    assertThrows(IOException.class, () -> post("/echo", "a"));
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(proxy.endpoint().resolve(path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static InputStream pattern(long size) {
    return new InputStream() {
      long position;

      @Override
      public int read() {
        return position < size ? (int) (position++ * 31 % 251) : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (position >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - position);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) (position++ * 31 % 251);
        }
        return n;
      }
    };
  }

  private static String expectedSha(long size) throws IOException {
    MessageDigest sha = sha256();
    try (InputStream in = pattern(size)) {
      byte[] buffer = new byte[65536];
      int n;
      while ((n = in.read(buffer)) != -1) {
        sha.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

}
