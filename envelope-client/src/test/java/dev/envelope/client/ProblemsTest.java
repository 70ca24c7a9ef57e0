package dev.envelope.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.ErrorCode;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProblemsTest {
  private static final Optional<String> PROBLEM = Optional.of("application/problem+json");
  private static final URI SERVER = URI.create("http://127.0.0.1:1");

  @Test
  void theServersCodeAndDetailBecomeTheException() {
    EnvelopeClientException e = Problems.fromAnswer(404, PROBLEM, bytes(
        "{\"type\":\"https://envelope.dev/problems/not-found\",\"title\":\"Not found\",\"status\":404,"
            + "\"detail\":\"no file abc\",\"code\":\"not-found\"}"));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertEquals("no file abc", e.getMessage());
    assertEquals(404, e.status());
  }

  @Test
  void theCodeWinsOverTheStatus() {
    EnvelopeClientException e = Problems.fromAnswer(400, PROBLEM, bytes("{\"code\":\"too-large\",\"detail\":\"d\"}"));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
  }

  @Test
  void anUnknownCodeFallsBackToTheStatus() {
    assertEquals(ErrorCode.UNAUTHENTICATED,
        Problems.fromAnswer(401, PROBLEM, bytes("{\"code\":\"from-the-future\",\"detail\":\"d\"}")).code());
    assertEquals(ErrorCode.FORBIDDEN, Problems.fromAnswer(403, PROBLEM, bytes("{}")).code());
    assertEquals(ErrorCode.RANGE_NOT_SATISFIABLE, Problems.fromAnswer(416, PROBLEM, bytes("{}")).code());
    assertEquals(ErrorCode.UNAVAILABLE, Problems.fromAnswer(503, PROBLEM, bytes("{}")).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, Problems.fromAnswer(422, PROBLEM, bytes("{}")).code());
    assertEquals(ErrorCode.INTERNAL, Problems.fromAnswer(500, PROBLEM, bytes("{}")).code());
  }

  @Test
  void withoutADetailTheTitleIsTheMessage() {
    assertEquals("Forbidden", Problems.fromAnswer(403, PROBLEM, bytes("{\"title\":\"Forbidden\"}")).getMessage());
  }

  @Test
  void aProxysHtmlPageIsNotEchoed() {
    EnvelopeClientException e = Problems.fromAnswer(502, Optional.of("text/html"),
        bytes("<html><script>alert(1)</script></html>"));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertEquals("the server answered HTTP 502", e.getMessage());
  }

  @Test
  void brokenJsonFallsBackToTheStatus() {
    EnvelopeClientException e = Problems.fromAnswer(404, PROBLEM, bytes("{\"code\":"));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertEquals("the server answered HTTP 404", e.getMessage());
  }

  @Test
  void aHugeDetailIsCut() {
    String detail = "x".repeat(10_000);
    String message = Problems.fromAnswer(400, PROBLEM, bytes("{\"detail\":\"" + detail + "\"}")).getMessage();
    assertEquals(Problems.MAX_MESSAGE + 3, message.length());
  }

  @Test
  void transportFailuresAreUnavailableAndNameTheServer() {
    EnvelopeClientException refused = Problems.fromTransport(SERVER, new ConnectException(), Duration.ofSeconds(5));
    assertEquals(ErrorCode.UNAVAILABLE, refused.code());
    assertEquals("cannot connect to http://127.0.0.1:1 (connection refused)", refused.getMessage());
    EnvelopeClientException slow = Problems.fromTransport(SERVER, new HttpTimeoutException("t"), Duration.ofSeconds(5));
    assertEquals("http://127.0.0.1:1 did not answer within 5 s", slow.getMessage());
    EnvelopeClientException connect = Problems.fromTransport(SERVER, new HttpConnectTimeoutException("t"),
        Duration.ofMillis(300));
    assertTrue(connect.getMessage().startsWith("could not connect to http://127.0.0.1:1 within 300 ms"));
    assertEquals(0, connect.status());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
