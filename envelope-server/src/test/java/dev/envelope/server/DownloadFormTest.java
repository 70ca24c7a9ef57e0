package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.http.RawHttp;
import dev.envelope.service.Role;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/files/{id}/download}: the web page's download, with the token as a form body. */
class DownloadFormTest {
  private static final byte[] CONTENT = "attack at dawn".getBytes(StandardCharsets.UTF_8);
  private static TestServer t;
  private static String id;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
    id = RoundTripTest.upload(t, "note.txt", CONTENT).get("id").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  private static HttpResponse<byte[]> post(String fileId, String contentType, String body) throws Exception {
    return t.sendBytes(t.request("/v1/files/" + fileId + "/download", null).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static String form(String token) {
    return "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
  }

  @Test
  void aReadTokenInTheBodyGetsTheFileAsAnAttachment() throws Exception {
    HttpResponse<byte[]> r = post(id, FormToken.MEDIA_TYPE, form(t.reader));

    assertEquals(200, r.statusCode());
    assertArrayEquals(CONTENT, r.body());
    assertTrue(r.headers().firstValue("Content-Disposition").orElseThrow().startsWith("attachment;"));
    assertEquals("sandbox", r.headers().firstValue("Content-Security-Policy").orElseThrow());
  }

  @Test
  void aFormWithACharsetAndOtherFieldsIsReadToo() throws Exception {
    HttpResponse<byte[]> r = post(id, FormToken.MEDIA_TYPE + "; charset=UTF-8", "x=1&" + form(t.writer) + "&y");

    assertEquals(200, r.statusCode());
    assertArrayEquals(CONTENT, r.body());
  }

  @Test
  void aBadOrMissingTokenIs401_andABearerHeaderDoesNotCount() throws Exception {
    assertEquals(401, post(id, FormToken.MEDIA_TYPE, form("env1.aaaaaaaaaaaaaaaa.short")).statusCode());
    assertEquals(401, post(id, FormToken.MEDIA_TYPE, "nothing=here").statusCode());
    HttpResponse<String> bearerOnly = t.send(t.request("/v1/files/" + id + "/download", t.reader)
        .header("Content-Type", FormToken.MEDIA_TYPE).POST(HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(401, bearerOnly.statusCode());
    assertEquals("unauthenticated", Json.MAPPER.readTree(bearerOnly.body()).get("code").asText());
    // Two credentials (another tenant's bearer beside a good form token) are refused, not resolved by a guess.
    HttpResponse<String> both = t.send(t.request("/v1/files/" + id + "/download", t.token("other", Role.READ))
        .header("Content-Type", FormToken.MEDIA_TYPE).POST(HttpRequest.BodyPublishers.ofString(form(t.reader)))
        .build());
    assertEquals(401, both.statusCode(), both.body());
  }

  @Test
  void failedFormsAreThrottledLikeFailedBearerTokens() throws Exception {
    try (TestServer strict = TestServer.configured(b -> b.limits(TestServer.LIMITS.withAuthFailuresPerMinute(2)))) {
      String fileId = RoundTripTest.upload(strict, "n.txt", CONTENT).get("id").asText();
      HttpRequest.Builder bad = strict.request("/v1/files/" + fileId + "/download", null)
          .header("Content-Type", FormToken.MEDIA_TYPE).POST(HttpRequest.BodyPublishers.ofString(form("env1.x")));
      for (int i = 0; i < 2; i++) {
        assertEquals(401, strict.send(bad.build()).statusCode());
      }

      HttpResponse<String> good = strict.send(strict.request("/v1/files/" + fileId + "/download", null)
          .header("Content-Type", FormToken.MEDIA_TYPE).POST(HttpRequest.BodyPublishers.ofString(form(strict.reader)))
          .build());

      assertEquals(429, good.statusCode());
      assertTrue(good.headers().firstValue("Retry-After").isPresent());
    }
  }

  @Test
  void formBodiesAbandonedBeforeTheirToken_countAsFailedAuthentications() throws Exception {
    try (TestServer strict = TestServer.configured(b -> b.limits(TestServer.LIMITS.withAuthFailuresPerMinute(3)))) {
      String fileId = RoundTripTest.upload(strict, "n.txt", CONTENT).get("id").asText();
      String head = "POST /v1/files/" + fileId + "/download HTTP/1.1\r\nHost: x\r\nContent-Type: "
          + FormToken.MEDIA_TYPE + "\r\nContent-Length: ";
      for (int i = 0; i < 3; i++) {
        try (RawHttp raw = RawHttp.connect(strict.server.port(), "127.0.0.7")) {
          raw.send(head + "200\r\n\r\ntoken=env1."); // walks away before the token is whole
        }
      }
      String good = form(strict.reader);
      int status = 0;
      for (int attempt = 0; attempt < 50 && status != 429; attempt++) { // each close is heard as it happens
        try (RawHttp raw = RawHttp.connect(strict.server.port(), "127.0.0.7")) {
          status = raw.send(head + good.length() + "\r\nConnection: close\r\n\r\n" + good)
              .read(Duration.ofSeconds(5)).status();
        }
        if (status != 429) {
          Thread.sleep(100);
        }
      }

      assertEquals(429, status, "three abandoned forms spent the address's budget");
    }
  }

  @Test
  void anotherTenantsFileIs404() throws Exception {
    String stranger = t.token("other", Role.READ);

    assertEquals(404, post(id, FormToken.MEDIA_TYPE, form(stranger)).statusCode());
  }

  @Test
  void anotherBodyTypeIsRefused() throws Exception {
    HttpResponse<byte[]> r = post(id, "application/json", "{\"token\":\"" + t.reader + "\"}");

    assertEquals(400, r.statusCode());
  }

  @Test
  void aLargeBodyIsRefusedAtOnce_withoutWaitingForIt() throws Exception {
    try (RawHttp raw = RawHttp.connect(t.server.port(), "127.0.0.1")) {
      raw.send("POST /v1/files/" + id + "/download HTTP/1.1\r\nHost: x\r\nContent-Type: " + FormToken.MEDIA_TYPE
          + "\r\nContent-Length: 100000\r\n\r\n");

      RawHttp.Response r = raw.read(Duration.ofSeconds(5)); // no byte of the body was sent

      assertEquals(413, r.status());
    }
  }

  @Test
  void theFormIsParsedStrictly() throws Exception {
    assertEquals("env1.a", FormToken.token("token=env1.a"));
    assertEquals("a b+c", FormToken.token("token=a+b%2Bc"));
    assertEquals(ErrorCode.UNAUTHENTICATED, assertThrows(EnvelopeException.class,
        () -> FormToken.token("token=a&token=b")).code());
    assertEquals(ErrorCode.UNAUTHENTICATED, assertThrows(EnvelopeException.class,
        () -> FormToken.token("token=%zz")).code());
    assertEquals(ErrorCode.UNAUTHENTICATED, assertThrows(EnvelopeException.class,
        () -> FormToken.token("token")).code());
  }
}
