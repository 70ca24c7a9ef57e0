package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.http.HttpLimits;
import dev.envelope.http.RawHttp;
import dev.envelope.keyring.Keyrings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.services.kms.model.KeySpec;

/**
 * The attacks of issue 11 against a real key server, made as a hostile client makes them: raw sockets from several
 * loopback addresses, slow bodies behind headers that cannot authenticate, lying headers.
 */
class HostileClientsTest {
  private static final Duration ANSWER = Duration.ofSeconds(20);
  @TempDir
  Path home;
  private KeyServerFixture fixture;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private KeyServerFixture start(HttpLimits limits) throws Exception {
    fixture = KeyServerFixture.start(home, Keyrings.open(home, Keyrings.newMasterKeyBase64()), Clock.systemUTC(),
        limits);
    return fixture;
  }

  private RawHttp connect(String from) throws IOException {
    RawHttp raw = RawHttp.connect(fixture.endpoint().getPort(), from);
    open.add(raw);
    return raw;
  }

  /** A request's head as the AWS CLI signs it, with the given Authorization and X-Amz-Date. */
  private static String head(int contentLength, String authorization, String amzDate) {
    return "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"
        + "X-Amz-Target: TrentService.GenerateRandom\r\nX-Amz-Date: " + amzDate + "\r\n"
        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
        + "Content-Length: " + contentLength + "\r\n\r\n";
  }

  private static String now() {
    return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
        .format(Instant.now().atOffset(ZoneOffset.UTC));
  }

  private String authorization(String accessKeyId, String date) {
    return "AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/" + date.substring(0, 8) + "/us-east-1/kms/"
        + "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0".repeat(64);
  }

  private int busyThreads() throws Exception {
    var field = KeyServer.class.getDeclaredField("app");
    field.setAccessible(true);
    var app = (io.javalin.Javalin) field.get(fixture.server);
    return ((QueuedThreadPool) app.jettyServer().server().getThreadPool()).getBusyThreads();
  }

  /** A correctly signed GenerateRandom, sent from {@code from}. */
  private RawHttp.Response signedFrom(String from) throws IOException {
    byte[] body = "{\"NumberOfBytes\":8}".getBytes(StandardCharsets.UTF_8);
    SdkHttpFullRequest signed = SignedHttp.sign(fixture.endpoint(), "TrentService.GenerateRandom", body,
        fixture.accessKey.id(), fixture.accessKey.secret(), Clock.systemUTC());
    StringBuilder request = new StringBuilder("POST / HTTP/1.1\r\n");
    signed.headers().forEach((name, values) -> values.forEach(v -> request.append(name).append(": ").append(v)
        .append("\r\n")));
    request.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    return connect(from).send(request.toString()).send(body).read(ANSWER);
  }

  private static String type(RawHttp.Response r) throws IOException {
    return KmsRequest.JSON.readTree(r.body()).get("__type").asText();
  }

  @Test
  void slowBodiesThatCannotAuthenticate_areRefusedAtOnce_holdNoThread_andRealClientsAreServed() throws Exception {
    start(KeyServerFixture.LIMITS);
    String date = now();
    String stale = "20200101T000000Z";
    List<String> heads = List.of(
        head(1000, null, date),                                              // no Authorization
        head(1000, "AWS4-HMAC-SHA256 Credential=garbage", date),              // does not parse
        head(1000, authorization("ENVKNOSUCHKEY00000000", date), date),       // unknown access key
        head(1000, authorization(fixture.accessKey.id(), stale), stale));     // outside the time window
    List<String> expected = List.of("MissingAuthenticationTokenException", "IncompleteSignatureException",
        "UnrecognizedClientException", "InvalidSignatureException");
    List<RawHttp> slow = new ArrayList<>();
    for (int i = 0; i < 260; i++) {
      RawHttp raw = connect("127.0.0." + (2 + i % 5)); // 5 addresses of 52: under the per-address cap
      raw.send(heads.get(i % 4) + "{\"NumberOfBytes\":");
      slow.add(raw);
    }
    for (int i = 0; i < slow.size(); i++) {
      RawHttp.Response refused = slow.get(i).read(ANSWER);
      assertEquals(400, refused.status());
      assertEquals(expected.get(i % 4), type(refused), "answered before its body came");
      slow.get(i).send("1");
    }

    assertTrue(busyThreads() < 16, "busy threads while 260 clients trickle: " + busyThreads());
    assertEquals(32, fixture.kms.generateRandom(r -> r.numberOfBytes(32)).plaintext().asByteArray().length);
    assertEquals(KeySpec.SYMMETRIC_DEFAULT, fixture.kms.createKey(r -> {}).keyMetadata().keySpec());
    assertTrue(fixture.auditLines().size() >= 262, "every refusal is on the record");
  }

  @Test
  void aMethodOverride_isRefused_inKmsTerms_andAudited() throws Exception {
    start(KeyServerFixture.LIMITS);
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    SdkHttpFullRequest signed = SignedHttp.sign(fixture.endpoint(), "TrentService.GenerateRandom", body,
        fixture.accessKey.id(), fixture.accessKey.secret(), Clock.systemUTC());
    Map<String, List<String>> headers = new java.util.HashMap<>(signed.headers());
    headers.put("X-HTTP-Method-Override", List.of("GET"));

    SignedHttp.Response r = SignedHttp.send(signed.getUri(), headers, body);

    assertEquals(400, r.status());
    assertEquals("ValidationException", KmsRequest.JSON.readTree(r.body()).get("__type").asText());
    assertFalse(r.headers().getOrDefault("x-amzn-requestid", List.of()).isEmpty(), r.headers().toString());
    String last = fixture.auditLines().get(fixture.auditLines().size() - 1);
    assertTrue(last.contains("\"errorType\":\"ValidationException\"") && last.contains("GenerateRandom"), last);
  }

  @Test
  void jettysOwnRefusals_areKmsErrors_andAudited() throws Exception {
    start(KeyServerFixture.LIMITS.withMaxHeaderBytes(2048));
    RawHttp.Response tooLong = connect("127.0.0.2").send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: "
        + "TrentService.ListKeys\r\nX-Pad: " + "p".repeat(4096) + "\r\nContent-Length: 2\r\n\r\n{}").read(ANSWER);
    RawHttp.Response both = connect("127.0.0.2").send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n").read(ANSWER);
    RawHttp.Response gzip = connect("127.0.0.2").send("POST / HTTP/1.1\r\nHost: x\r\n"
        + "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n").read(ANSWER);

    for (RawHttp.Response r : List.of(tooLong, both, gzip)) {
      assertEquals("application/x-amz-json-1.1", r.header("Content-Type"), r.text());
      assertEquals("ValidationException", type(r), r.text());
      assertFalse(r.text().contains("<html"), r.text());
    }
    assertEquals(431, tooLong.status());
    assertEquals(400, both.status());
    assertEquals(501, gzip.status());
    long refusals = fixture.auditLines().stream().filter(l -> l.contains("\"127.0.0.2\"")).count();
    assertEquals(3, refusals, "each refusal leaves one audit line");
  }

  @Test
  void repeatedBadSignatures_areThrottledPerAddress() throws Exception {
    start(KeyServerFixture.LIMITS.withAuthFailuresPerMinute(4));
    for (int i = 0; i < 4; i++) {
      RawHttp.Response r = connect("127.0.0.2").send(head(2, authorization(fixture.accessKey.id(), now()), now())
          + "{}").read(ANSWER);
      assertEquals("InvalidSignatureException", type(r));
    }

    RawHttp.Response throttled = connect("127.0.0.2").send(head(2, authorization(fixture.accessKey.id(), now()),
        now()) + "{}").read(ANSWER);
    assertEquals(429, throttled.status());
    assertEquals("ThrottlingException", type(throttled));
    long retryAfter = Long.parseLong(throttled.header("Retry-After"));
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    assertEquals(32, fixture.kms.generateRandom(r -> r.numberOfBytes(32)).plaintext().asByteArray().length,
        "127.0.0.1 is another address, and signs correctly");
  }

  @Test
  void aFieldGivenTwice_isASerializationError() throws Exception {
    start(KeyServerFixture.LIMITS);
    String keyId = fixture.kms.createKey(r -> {}).keyMetadata().keyId();
    byte[] body = ("{\"KeyId\":\"" + keyId + "\",\"KeyId\":\"alias/other\",\"KeySpec\":\"AES_256\"}")
        .getBytes(StandardCharsets.UTF_8);
    SignedHttp.Response r = SignedHttp.send(SignedHttp.sign(fixture.endpoint(), "TrentService.GenerateDataKey", body,
        fixture.accessKey.id(), fixture.accessKey.secret(), Clock.systemUTC()), body);

    assertEquals(400, r.status());
    JsonNode json = KmsRequest.JSON.readTree(r.body());
    assertEquals("SerializationException", json.get("__type").asText());
    assertTrue(json.get("message").asText().contains("twice"), r.body());
  }

  @Test
  void jsonNestedDeeperThanTheLimit_isASerializationError() throws Exception {
    start(KeyServerFixture.LIMITS);
    byte[] body = ("{\"EncryptionContext\":" + "[".repeat(50) + "]".repeat(50) + "}").getBytes(StandardCharsets.UTF_8);
    SignedHttp.Response r = SignedHttp.send(SignedHttp.sign(fixture.endpoint(), "TrentService.GenerateRandom", body,
        fixture.accessKey.id(), fixture.accessKey.secret(), Clock.systemUTC()), body);

    assertEquals(400, r.status());
    assertEquals("SerializationException", KmsRequest.JSON.readTree(r.body()).get("__type").asText());
  }

  @Test
  void slowBodiesBehindARealAccessKeyId_holdNoThread_andRealClientsAreServed() throws Exception {
    start(KeyServerFixture.LIMITS);
    // An access key id is not a secret: it passes every check the headers allow. The signature, which needs the
    // body, is bogus; the body comes slowly.
    List<RawHttp> slow = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      RawHttp raw = connect("127.0.0." + (2 + i % 4));
      raw.send(head(65536, authorization(fixture.accessKey.id(), now()), now()) + "{\"NumberOfBytes\":");
      slow.add(raw);
    }
    for (RawHttp raw : slow) {
      raw.send("1");
    }

    int fewest = Integer.MAX_VALUE; // a byte's arrival wakes a thread for a moment: held ones stay busy throughout
    for (int i = 0; i < 10; i++) {
      fewest = Math.min(fewest, busyThreads());
      Thread.sleep(100);
    }
    assertTrue(fewest < 16, "busy threads while 200 signed-looking bodies trickle: " + fewest);
    assertEquals(32, fixture.kms.generateRandom(r -> r.numberOfBytes(32)).plaintext().asByteArray().length);
  }

  @Test
  void abandonedBodiesBehindARealAccessKeyId_countAsFailedAuthentications() throws Exception {
    start(KeyServerFixture.LIMITS.withAuthFailuresPerMinute(5));
    assertEquals(200, signedFrom("127.0.0.9").status(), "a good request from the address goes through");
    for (int i = 0; i < 5; i++) {
      RawHttp raw = connect("127.0.0.9");
      raw.send(head(1000, authorization(fixture.accessKey.id(), now()), now()) + "{\"Numb");
      raw.close(); // walks away before the signature can be checked
    }
    RawHttp.Response throttled = null;
    for (int attempt = 0; attempt < 50; attempt++) { // the server hears of each close as it happens
      throttled = signedFrom("127.0.0.9"); // a good request, which itself counts as no failure
      if (throttled.status() == 429) {
        break;
      }
      Thread.sleep(100);
    }

    assertEquals(429, throttled.status(), throttled.text());
    assertEquals("ThrottlingException", type(throttled));
    List<String> abandoned = List.of();
    for (int attempt = 0; attempt < 50 && abandoned.size() < 5; attempt++) {
      // The budget is spent when a close is heard; its audit line follows a moment later.
      abandoned = fixture.auditLines().stream().filter(l -> l.contains("\"127.0.0.9\"")
          && l.contains("ValidationException")).toList();
      if (abandoned.size() < 5) {
        Thread.sleep(100);
      }
    }
    assertEquals(5, abandoned.size(), "each abandoned request is on the record");
    assertTrue(abandoned.stream().allMatch(l -> l.contains("\"authenticated\":false")),
        "as claimed, never as the key's own doing");
  }

  @Test
  void anOversizedBody_isSaidToBeTooLarge() throws Exception {
    start(KeyServerFixture.LIMITS);
    RawHttp.Response r = connect("127.0.0.2").send(head(70_000, authorization(fixture.accessKey.id(), now()),
        now())).read(ANSWER);

    assertEquals("ValidationException", type(r));
    assertTrue(KmsRequest.JSON.readTree(r.body()).get("message").asText().contains("larger than"), r.text());
  }

  @Test
  void aClaimedOperationCannotSplitAnAuditLine() throws Exception {
    start(KeyServerFixture.LIMITS);
    String forged = "X\u0085{\"accessKeyId\":\"ADMIN\",\"outcome\":\"ok\"}\u2028";
    connect("127.0.0.2").send(("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: " + forged + "\r\n"
        + "Content-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.UTF_8)).read(ANSWER);

    String log = fixture.auditText();
    assertEquals(log.lines().count(), log.split("\n").length);
    for (String line : log.split("\n")) {
      assertTrue(line.chars().allMatch(c -> c < 0x80), "only ASCII on the record: " + line);
      KmsRequest.JSON.readTree(line); // each line one object
    }
  }
}
