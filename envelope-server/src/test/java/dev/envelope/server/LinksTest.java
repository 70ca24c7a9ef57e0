package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.http.HttpLimits;
import dev.envelope.service.LinkRecord;
import dev.envelope.service.Role;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Share links over real HTTP: made, listed and revoked with tokens, downloaded with the link alone. */
class LinksTest {
  private static TestServer t;
  private static final byte[] CONTENT = RoundTripTest.random(3 * TestServer.SEGMENT + 123, 15);
  private String fileId;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  @BeforeEach
  void uploadAFile() throws Exception {
    fileId = RoundTripTest.upload(t, "report.pdf", CONTENT).get("id").asText();
  }

  private HttpResponse<String> create(String token, String file, String body) throws Exception {
    return t.send(t.request("/v1/files/" + file + "/links", token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private JsonNode link(String body) throws Exception {
    HttpResponse<String> r = create(t.writer, fileId, body);
    assertEquals(201, r.statusCode(), r.body());
    return Json.MAPPER.readTree(r.body());
  }

  private HttpResponse<byte[]> fetch(String url, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return t.sendBytes(b.build());
  }

  /** The problem without what differs from request to request. */
  private static String problem(HttpResponse<?> r) throws Exception {
    String body = r.body() instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : (String) r.body();
    ObjectNode node = (ObjectNode) Json.MAPPER.readTree(body);
    return r.statusCode() + " " + r.headers().firstValue("Content-Type").orElse("") + " " + node;
  }

  @Test
  void aLink_hasTheContractsShape_andDownloadsTheFileWithoutAToken() throws Exception {
    HttpResponse<String> made = create(t.writer, fileId, "{\"expiresIn\": \"24h\", \"maxDownloads\": 10}");
    assertEquals(201, made.statusCode(), made.body());
    assertEquals(Optional.of("no-store"), made.headers().firstValue("Cache-Control"));
    JsonNode link = Json.MAPPER.readTree(made.body());
    Set<String> fields = new java.util.HashSet<>();
    link.fieldNames().forEachRemaining(fields::add);
    assertEquals(Set.of("id", "url", "expiresAt", "maxDownloads", "downloads", "createdAt"), fields);
    assertEquals(10, link.get("maxDownloads").asInt());
    assertEquals(0, link.get("downloads").asInt());
    Instant created = Instant.parse(link.get("createdAt").asText());
    assertEquals(created.plus(24, ChronoUnit.HOURS), Instant.parse(link.get("expiresAt").asText()));
    String url = link.get("url").asText();
    assertTrue(url.startsWith(t.server.url() + "/s/"), url);
    assertEquals(60, url.length() - (t.server.url() + "/s/").length(), "an id, a dot and 256 bits in base64url");

    HttpResponse<byte[]> got = fetch(url);
    assertEquals(200, got.statusCode());
    assertArrayEquals(CONTENT, got.body());
    assertEquals(Optional.of(ContentDisposition.attachment("report.pdf")),
        got.headers().firstValue("Content-Disposition"));
    assertEquals(Optional.of("\"" + fileId + "\""), got.headers().firstValue("ETag"));

    JsonNode listed = Json.MAPPER.readTree(t.send(t.request("/v1/files/" + fileId + "/links", t.reader).build())
        .body()).get("links");
    assertEquals(1, listed.size());
    assertEquals(link.get("id"), listed.get(0).get("id"));
    assertEquals(1, listed.get(0).get("downloads").asInt());
    assertFalse(listed.get(0).has("url") || listed.get(0).has("secret"), "the secret is never listed");
  }

  @Test
  void anEmptyBody_isADayAndNoBound() throws Exception {
    JsonNode link = Json.MAPPER.readTree(create(t.writer, fileId, "").body());
    assertTrue(link.get("maxDownloads").isNull());
    assertEquals(Instant.parse(link.get("createdAt").asText()).plus(24, ChronoUnit.HOURS),
        Instant.parse(link.get("expiresAt").asText()));
  }

  @Test
  void ranges_work_andAnUnsatisfiableOneIs416_andCountsNothing() throws Exception {
    String url = link("{\"maxDownloads\": 2}").get("url").asText();
    HttpResponse<byte[]> part = fetch(url, "Range", "bytes=4000-4199");
    assertEquals(206, part.statusCode());
    assertArrayEquals(Arrays.copyOfRange(CONTENT, 4000, 4200), part.body());
    assertEquals(Optional.of("bytes 4000-4199/" + CONTENT.length), part.headers().firstValue("Content-Range"));

    HttpResponse<byte[]> outside = fetch(url, "Range", "bytes=" + CONTENT.length + "-");
    assertEquals(416, outside.statusCode());
    HttpResponse<byte[]> head = t.sendBytes(HttpRequest.newBuilder(URI.create(url))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(200, head.statusCode());
    assertEquals(Optional.of(Long.toString(CONTENT.length)), head.headers().firstValue("Content-Length"));

    assertEquals(412, fetch(url, "If-Match", "\"not-this-file\"").statusCode());
    assertEquals(304, fetch(url, "If-None-Match", "*").statusCode());
    assertEquals(200, fetch(url).statusCode(), "the range was one download, the 416, HEAD, 412 and 304 none");
    assertEquals(404, fetch(url).statusCode(), "two downloads were allowed");
  }

  @Test
  void everyLinkThatOpensNothing_isTheSame404() throws Exception {
    List<String> urls = new ArrayList<>();
    String base = t.server.url() + "/s/";
    urls.add(base + "aaaaaaaaaaaaaaaa." + "A".repeat(43)); // unknown
    urls.add(base + "not-a-link"); // malformed
    urls.add(base + "aaaaaaaaaaaaaaaa." + "A".repeat(42)); // a secret too short
    String good = link("{}").get("url").asText();
    urls.add(good.substring(0, good.length() - 1) + (good.endsWith("A") ? "B" : "A")); // the wrong secret
    urls.add(good + "A"); // too long
    String used = link("{\"maxDownloads\": 1}").get("url").asText();
    assertEquals(200, fetch(used).statusCode());
    urls.add(used); // used up
    JsonNode revoked = link("{}");
    assertEquals(204, t.send(t.request("/v1/files/" + fileId + "/links/" + revoked.get("id").asText(), t.writer)
        .DELETE().build()).statusCode());
    urls.add(revoked.get("url").asText());
    urls.add(expired());
    String other = RoundTripTest.upload(t, "gone.txt", "bye".getBytes()).get("id").asText();
    String ofDeleted = Json.MAPPER.readTree(create(t.writer, other, "{}").body()).get("url").asText();
    assertEquals(204, t.send(t.request("/v1/files/" + other, t.writer).DELETE().build()).statusCode());
    urls.add(ofDeleted);
    assertEquals(List.of(), t.stores.links().listLinks("default", other), "a deleted file's links go with it");

    String expected = problem(fetch(urls.get(0)));
    assertTrue(expected.startsWith("404 application/problem+json"), expected);
    for (String url : urls) {
      assertEquals(expected, problem(fetch(url)), url.substring(base.length()).replaceAll("\\..*", ".…"));
      HttpResponse<byte[]> head = t.sendBytes(HttpRequest.newBuilder(URI.create(url))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(404, head.statusCode());
    }
    assertEquals(200, fetch(good).statusCode(), "the good link still works");
  }

  /** The URL of a link that expired a moment ago, put straight into the store with a secret we know. */
  private String expired() throws Exception {
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    String id = "expiredexpired23".substring(0, 16);
    if (t.stores.links().findLink(id).isEmpty()) {
      t.stores.links().insertLink(new LinkRecord(id, "default", fileId, hash, now.minusSeconds(60),
          now.minusSeconds(1), OptionalLong.empty(), 0, Optional.empty()));
    }
    return t.server.url() + "/s/" + id + "." + secret;
  }

  @Test
  void racingDownloads_neverPassMaxDownloads() throws Exception {
    String url = link("{\"maxDownloads\": 5}").get("url").asText();
    List<CompletableFuture<HttpResponse<byte[]>>> racing = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      racing.add(t.http.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofByteArray()));
    }
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<HttpResponse<byte[]>> r : racing) {
      HttpResponse<byte[]> response = r.get();
      statuses.add(response.statusCode());
      if (response.statusCode() == 200) {
        assertArrayEquals(CONTENT, response.body());
      }
    }
    assertEquals(5, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
    assertEquals(15, statuses.stream().filter(s -> s == 404).count(), statuses.toString());
  }

  @Test
  void aLinkNeverOutlivesTheTokenThatMadeIt() throws Exception {
    Instant tokenEnd = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
    String shortLived = t.tokens.create(dev.envelope.service.Principal.localOperator(), "default", Role.WRITE, "x",
        tokenEnd).token();
    HttpResponse<String> made = create(shortLived, fileId, "{\"expiresIn\": \"30d\"}");
    assertEquals(201, made.statusCode(), made.body());
    assertEquals(tokenEnd, Instant.parse(Json.MAPPER.readTree(made.body()).get("expiresAt").asText()));
  }

  @Test
  void roles_readListsButOnlyWriteMakesAndRevokes() throws Exception {
    assertEquals(403, create(t.reader, fileId, "{}").statusCode());
    String id = link("{}").get("id").asText();
    assertEquals(200, t.send(t.request("/v1/files/" + fileId + "/links", t.reader).build()).statusCode());
    assertEquals(403, t.send(t.request("/v1/files/" + fileId + "/links/" + id, t.reader).DELETE().build())
        .statusCode());
    assertEquals(401, create(null, fileId, "{}").statusCode());
    assertEquals(401, t.send(t.request("/v1/files/" + fileId + "/links", null).build()).statusCode());
  }

  @Test
  void revokingAnUnknownLink_is404_andTwiceIs204() throws Exception {
    String id = link("{}").get("id").asText();
    String path = "/v1/files/" + fileId + "/links/";
    assertEquals(404, t.send(t.request(path + "zzzzzzzzzzzzzzzz", t.writer).DELETE().build()).statusCode());
    assertEquals(404, t.send(t.request(path + "../../x", t.writer).DELETE().build()).statusCode());
    assertEquals(204, t.send(t.request(path + id, t.writer).DELETE().build()).statusCode());
    assertEquals(204, t.send(t.request(path + id, t.writer).DELETE().build()).statusCode());
    assertEquals(0, Json.MAPPER.readTree(t.send(t.request(path, t.reader).build()).body()).get("links").size(),
        "a revoked link is not listed");
    String otherFile = RoundTripTest.upload(t, "o.txt", "o".getBytes()).get("id").asText();
    assertEquals(404, t.send(t.request("/v1/files/" + otherFile + "/links/" + id, t.writer).DELETE().build())
        .statusCode(), "a link is revoked through its own file only");
  }

  @Test
  void aFileHasAtMost100WorkingLinks_andARevokedOneMakesRoom() throws Exception {
    String file = RoundTripTest.upload(t, "many-links.txt", "m".getBytes()).get("id").asText();
    String first = null;
    for (int i = 0; i < dev.envelope.service.ShareLinks.MAX_LINKS_PER_FILE; i++) {
      HttpResponse<String> r = create(t.writer, file, "{}");
      assertEquals(201, r.statusCode(), r.body());
      first = first == null ? Json.MAPPER.readTree(r.body()).get("id").asText() : first;
    }
    HttpResponse<String> more = create(t.writer, file, "{}");
    assertEquals(409, more.statusCode(), more.body());
    assertEquals("conflict", Json.MAPPER.readTree(more.body()).get("code").asText());
    assertEquals(204, t.send(t.request("/v1/files/" + file + "/links/" + first, t.writer).DELETE().build())
        .statusCode());
    assertEquals(201, create(t.writer, file, "{}").statusCode());
    assertEquals(100, Json.MAPPER.readTree(t.send(t.request("/v1/files/" + file + "/links", t.reader).build())
        .body()).get("links").size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"not json", "[]", "\"24h\"", "{\"expiresIn\": \"\"}", "{\"expiresIn\": \"0m\"}",
      "{\"expiresIn\": \"366d\"}", "{\"expiresIn\": \"99999999999999999999d\"}", "{\"expiresIn\": \"-5h\"}",
      "{\"expiresIn\": 24}", "{\"expiresIn\": \"24 hours\"}", "{\"maxDownloads\": 0}", "{\"maxDownloads\": -1}",
      "{\"maxDownloads\": 1.5}", "{\"maxDownloads\": \"10\"}", "{\"maxDownloads\": 1000001}",
      "{\"maxDownloads\": 99999999999999999999999}", "{\"maxDownloads\": true}", "{\"maxdownloads\": 3}",
      "{\"maxDownloads\": 1, \"maxDownloads\": 2}", "{} {}", "{\"expiresIn\": {\"h\": 1}}"})
  void badRequestsForALink_are400(String body) throws Exception {
    HttpResponse<String> r = create(t.writer, fileId, body);
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("invalid-argument", Json.MAPPER.readTree(r.body()).get("code").asText());
    assertEquals(0, t.stores.links().listLinks("default", fileId).size(), "nothing was made");
  }

  @Test
  void anOversizedBody_is413() throws Exception {
    HttpResponse<String> r = create(t.writer, fileId, "{\"expiresIn\": \"" + "1".repeat(64 * 1024) + "h\"}");
    assertEquals(413, r.statusCode(), r.body());
  }

  @Test
  void aLinkToAMissingFile_is404() throws Exception {
    assertEquals(404, create(t.writer, "aaaaaaaaaaaaaaaaaaaaaaaaaa", "{}").statusCode());
    assertEquals(404, create(t.writer, "..%2F..%2Fetc", "{}").statusCode());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/s/../v1/files", "/s/%2e%2e/v1/files", "/s/..%2Fv1%2Ffiles", "/s/", "/s",
      "/s/aaaaaaaaaaaaaaaa.%00AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/s/a/b"})
  void pathTricks_neverReachAFile(String path) throws Exception {
    String raw = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", t.server.port())) {
      socket.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      String status = answer.substring(0, answer.indexOf("\r\n"));
      assertTrue(status.matches("HTTP/1.1 (400|401|404)( .*)?"), path + ": " + status);
      assertFalse(answer.contains("\"files\""), "no listing");
    }
  }

  @Test
  void theUrlTakesTheRequestsHost() throws Exception {
    String url = Json.MAPPER.readTree(t.send(t.request("/v1/files/" + fileId + "/links", t.writer)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build()).body())
        .get("url").asText();
    assertTrue(url.startsWith("http://127.0.0.1:" + t.server.port() + "/s/"), url);
  }

  @Test
  void aConfiguredPublicUrl_isTheBaseOfEveryLink() throws Exception {
    try (TestServer other = TestServer.configured(b -> b.publicUrl(URI.create("https://files.example.com/box")))) {
      String id = RoundTripTest.upload(other, "a.txt", "a".getBytes()).get("id").asText();
      HttpResponse<String> made = other.send(other.request("/v1/files/" + id + "/links", other.writer)
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
      String url = Json.MAPPER.readTree(made.body()).get("url").asText();
      assertTrue(url.startsWith("https://files.example.com/box/s/"), url);
      String local = other.server.url() + url.substring("https://files.example.com/box".length());
      assertEquals(200, other.sendBytes(HttpRequest.newBuilder(URI.create(local)).build()).statusCode());
    }
  }

  @Test
  void failedLinks_countAsFailedAuthentications_andAreThrottled() throws Exception {
    try (TestServer strict = TestServer.configured(b -> b.limits(HttpLimits.defaults()
        .withAuthFailuresPerMinute(3)))) {
      String id = RoundTripTest.upload(strict, "a.txt", "a".getBytes()).get("id").asText();
      String good = Json.MAPPER.readTree(strict.send(strict.request("/v1/files/" + id + "/links", strict.writer)
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).body()).get("url").asText();
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        statuses.add(strict.send(strict.request("/s/aaaaaaaaaaaaaaaa." + "A".repeat(43), null).build())
            .statusCode());
      }
      assertEquals(List.of(404, 404, 404, 429, 429), statuses);
      HttpResponse<byte[]> throttled = strict.sendBytes(HttpRequest.newBuilder(URI.create(good)).build());
      assertEquals(429, throttled.statusCode(), "even a good link, until the budget refills");
      assertTrue(throttled.headers().firstValue("Retry-After").isPresent());
    }
  }
}
