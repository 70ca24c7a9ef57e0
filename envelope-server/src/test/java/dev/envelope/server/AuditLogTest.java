package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.server.audit.AuditChainVerifier;
import dev.envelope.server.audit.ChainedAuditLog;
import dev.envelope.server.audit.StuckDisk;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The audit log of a real server: a line for every security event, and no answer the log does not hold. */
class AuditLogTest {
  private static final String NODE = "test-node";
  private static final byte[] CONTENT = "the plaintext nobody may log: 4c6f6e6720".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path auditDir;

  private TestServer server(ChainedAuditLog log) throws Exception {
    return TestServer.configured(b -> b.auditLog(log));
  }

  private List<JsonNode> lines() throws Exception {
    return lines(auditDir, NODE);
  }

  /** Every audit line {@code node} wrote under {@code auditDir}, in order. */
  static List<JsonNode> lines(Path auditDir, String node) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    Path dir = Files.isDirectory(auditDir.resolve("log")) ? auditDir.resolve("log") : auditDir;
    for (Path file : AuditChainVerifier.chains(dir).get(node)) {
      for (String line : Files.readAllLines(file)) {
        lines.add(Json.MAPPER.readTree(line));
      }
    }
    return lines;
  }

  /** The lines of one request, by the id the server sent back. */
  private List<JsonNode> linesOf(HttpResponse<?> response) throws Exception {
    String id = response.headers().firstValue(AuditTrail.HEADER).orElseThrow();
    return lines().stream().filter(l -> id.equals(l.path("requestId").asText())).collect(Collectors.toList());
  }

  /**
   * The lines of a download: its last line goes down after its last byte went out, so the client may read the
   * log before it is there.
   */
  private List<JsonNode> linesOfDownload(HttpResponse<?> response) throws Exception {
    for (int tries = 0; tries < 500; tries++) {
      List<JsonNode> lines = linesOf(response);
      if (lines.size() >= 2) {
        return lines;
      }
      Thread.sleep(10);
    }
    return linesOf(response);
  }

  private static String summary(List<JsonNode> lines) {
    return lines.stream().map(l -> l.get("event").asText() + " " + l.get("outcome").asText())
        .collect(Collectors.joining(", "));
  }

  @Test
  void everyEventHasItsLines_withWhoWhatAndHowItEnded() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir, NODE, 1 << 20, Clock.systemUTC());
        TestServer t = server(log)) {
      HttpResponse<String> up = t.send(t.request("/v1/files?name=private-name.txt", t.writer)
          .POST(HttpRequest.BodyPublishers.ofByteArray(CONTENT)).build());
      String id = Json.MAPPER.readTree(up.body()).get("id").asText();
      List<JsonNode> upload = linesOf(up);
      assertEquals("file.upload started, file.upload ok", summary(upload));
      JsonNode stored = upload.get(1);
      assertEquals(id, stored.get("fileId").asText());
      assertEquals(CONTENT.length, stored.get("bytes").asLong());
      assertEquals("default", stored.get("tenant").asText());
      assertEquals(NODE, stored.get("node").asText());
      assertEquals("127.0.0.1", stored.get("address").asText());
      assertTrue(stored.get("tokenId").asText().length() > 0);
      assertTrue(stored.has("time") && stored.has("seq") && stored.has("prev"));

      HttpResponse<byte[]> whole = t.sendBytes(t.request("/v1/files/" + id, t.reader).build());
      assertArrayEquals(CONTENT, whole.body());
      List<JsonNode> download = linesOfDownload(whole);
      assertEquals("file.download started, file.download ok", summary(download));
      assertEquals(CONTENT.length, download.get(1).get("bytes").asLong());

      HttpResponse<byte[]> range = t.sendBytes(t.request("/v1/files/" + id, t.reader).header("Range", "bytes=2-5")
          .build());
      assertEquals(206, range.statusCode());
      List<JsonNode> ranged = linesOfDownload(range);
      assertEquals("file.download started, file.download ok", summary(ranged));
      assertEquals("2-5", ranged.get(1).get("range").asText());
      assertEquals(4, ranged.get(1).get("bytes").asLong());

      HttpResponse<String> head = t.send(t.request("/v1/files/" + id, t.reader)
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
      assertEquals("file.head ok", summary(linesOf(head)));
      HttpResponse<String> meta = t.send(t.request("/v1/files/" + id + "/metadata", t.reader).build());
      assertEquals("file.metadata ok", summary(linesOf(meta)));
      assertEquals(id, linesOf(meta).get(0).get("fileId").asText());
      assertEquals("file.list ok", summary(linesOf(t.send(t.request("/v1/files", t.reader).build()))));

      HttpResponse<String> missing = t.send(t.request("/v1/files/nosuchfile", t.reader).build());
      assertEquals(404, missing.statusCode());
      assertEquals("file.download error", summary(linesOf(missing)));
      assertEquals("not-found", linesOf(missing).get(0).get("code").asText());

      HttpResponse<String> forbidden = t.send(t.request("/v1/files/" + id, t.reader).DELETE().build());
      assertEquals(403, forbidden.statusCode());
      assertEquals("file.delete started, file.delete error", summary(linesOf(forbidden)));

      HttpResponse<String> created = t.send(t.request("/v1/tokens", t.admin).POST(HttpRequest.BodyPublishers
          .ofString("{\"role\":\"read\",\"name\":\"for the log\"}")).header("Content-Type", "application/json")
          .build());
      assertEquals(201, created.statusCode(), created.body());
      JsonNode token = Json.MAPPER.readTree(created.body());
      List<JsonNode> create = linesOf(created);
      assertEquals("token.create started, token.create ok", summary(create));
      assertEquals(token.get("id").asText(), create.get(1).get("target").asText());
      assertEquals("read", create.get(1).get("role").asText()); // an operator token must not look like this one
      assertEquals("default", create.get(1).get("tenant").asText());
      HttpResponse<String> revoked = t.send(t.request("/v1/tokens/" + token.get("id").asText(), t.admin)
          .DELETE().build());
      assertEquals(204, revoked.statusCode());
      assertEquals("token.revoke started, token.revoke ok", summary(linesOf(revoked)));
      assertEquals("token.create error", summary(linesOf(t.send(t.request("/v1/tokens", t.reader)
          .POST(HttpRequest.BodyPublishers.ofString("{\"role\":\"read\"}")).build()))));

      HttpResponse<String> denied = t.send(t.request("/v1/files/" + id, "env1.not-a-real-token").build());
      assertEquals(401, denied.statusCode());
      List<JsonNode> failure = linesOf(denied);
      assertEquals("auth.failure error", summary(failure));
      assertEquals("unauthenticated", failure.get(0).get("code").asText());
      assertFalse(failure.get(0).has("tokenId"));

      HttpResponse<String> gone = t.send(t.request("/v1/files/" + id, t.writer).DELETE().build());
      assertEquals(204, gone.statusCode());
      assertEquals("file.delete started, file.delete ok", summary(linesOf(gone)));

      AuditChainVerifier.Result chain = AuditChainVerifier.verify(AuditChainVerifier.chains(auditDir).get(NODE));
      assertTrue(chain.ok(), () -> chain.failure().describe());

      String all = String.join("\n", Files.readAllLines(AuditChainVerifier.chains(auditDir).get(NODE).get(0)));
      for (String secret : List.of(t.writer, t.reader, t.admin, token.get("token").asText(),
          new String(CONTENT, StandardCharsets.UTF_8), "private-name", "4c6f6e6720", "not-a-real-token")) {
        assertFalse(all.contains(secret), "the log holds " + secret);
      }
    }
  }

  @Test
  void shareLinks_areAudited_byTheirIds_andTheirSecretsAreNowhere() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir, NODE, 1 << 20, Clock.systemUTC());
        TestServer t = server(log)) {
      String id = RoundTripTest.upload(t, "shared.txt", CONTENT).get("id").asText();
      HttpResponse<String> made = json(t, "POST", "/v1/files/" + id + "/links", t.writer, "{\"maxDownloads\":1}");
      assertEquals(201, made.statusCode(), made.body());
      JsonNode link = Json.MAPPER.readTree(made.body());
      String linkId = link.get("id").asText();
      String url = link.get("url").asText();
      List<JsonNode> create = linesOf(made);
      assertEquals("link.create started, link.create ok", summary(create));
      assertEquals(id, create.get(1).get("fileId").asText());
      assertEquals(linkId, create.get(1).get("target").asText());

      HttpResponse<byte[]> got = t.sendBytes(HttpRequest.newBuilder(java.net.URI.create(url)).build());
      assertEquals(200, got.statusCode());
      List<JsonNode> download = linesOfDownload(got);
      assertEquals("link.download started, link.download ok", summary(download));
      assertEquals(linkId, download.get(1).get("target").asText());
      assertEquals(id, download.get(1).get("fileId").asText());
      assertEquals("default", download.get(1).get("tenant").asText());
      assertEquals(CONTENT.length, download.get(1).get("bytes").asLong());

      HttpResponse<byte[]> usedUp = t.sendBytes(HttpRequest.newBuilder(java.net.URI.create(url)).build());
      assertEquals(404, usedUp.statusCode());
      assertEquals("auth.failure error", summary(linesOf(usedUp)), "a used-up link is refused like an unknown one");
      HttpResponse<String> unknown = t.send(t.request("/s/aaaaaaaaaaaaaaaa." + "B".repeat(43), null).build());
      assertEquals("auth.failure error", summary(linesOf(unknown)));
      assertEquals("not-found", linesOf(unknown).get(0).get("code").asText());

      HttpResponse<String> revoked = t.send(t.request("/v1/files/" + id + "/links/" + linkId, t.writer).DELETE()
          .build());
      assertEquals(204, revoked.statusCode());
      assertEquals("link.revoke started, link.revoke ok", summary(linesOf(revoked)));
      assertEquals(linkId, linesOf(revoked).get(1).get("target").asText());

      String all = String.join("\n", Files.readAllLines(AuditChainVerifier.chains(auditDir).get(NODE).get(0)));
      String secret = url.substring(url.indexOf("/s/") + 3);
      assertFalse(all.contains(secret.substring(17)), "the log holds a link's secret");
      assertFalse(all.contains("B".repeat(43)), "the log holds a presented secret");
    }
  }

  /**
   * Every line of a tenant operation names the tenant operated on, its {@code started} line too: after a crash
   * mid-shred that line is all the log holds, and it must not read as the operator's own tenant being shredded.
   */
  @Test
  void everyLineOfATenantOperation_namesTheTenantOperatedOn() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir, NODE, 1 << 20, Clock.systemUTC());
        TestServer t = server(log)) {
      assertEquals(201, json(t, "POST", "/v1/tenants", t.operator, "{\"name\":\"acme\"}").statusCode());
      List<HttpResponse<String>> requests = List.of(
          json(t, "PUT", "/v1/tenants/acme/root-key", t.operator, "{\"rootKey\":\"envelope-files\"}"),
          json(t, "POST", "/v1/tenants/acme/shred", t.operator, "{}"),
          json(t, "POST", "/v1/tenants/acme/purge", t.operator, ""),
          json(t, "POST", "/v1/tenants/acme/shred", t.admin, "{}"));
      for (HttpResponse<String> r : requests) {
        List<JsonNode> lines = linesOf(r);
        assertFalse(lines.isEmpty());
        for (JsonNode line : lines) {
          assertEquals("acme", line.path("tenant").asText(), summary(lines) + ": " + line);
        }
      }
    }
  }

  private static HttpResponse<String> json(TestServer t, String method, String path, String token, String body)
      throws Exception {
    return t.send(t.request(path, token).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void throttledAuthentication_isOnTheLog() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir, NODE, 1 << 20, Clock.systemUTC());
        TestServer t = TestServer.configured(b -> b.auditLog(log)
            .limits(TestServer.LIMITS.withAuthFailuresPerMinute(1)))) {
      t.send(t.request("/v1/files", "env1.wrong").build());
      HttpResponse<String> throttled = t.send(t.request("/v1/files", t.reader).build());

      assertEquals(429, throttled.statusCode());
      assertEquals("auth.throttled error", summary(linesOf(throttled)));
      HttpResponse<String> again = t.send(t.request("/v1/files", t.reader).build());
      assertEquals(429, again.statusCode());
      assertEquals("", summary(linesOf(again)), "one throttled line a minute per address: refusals stay cheap");
    }
  }

  @Test
  void whenTheLogCannotBeWritten_requestsFailWith503_noFileByteIsServed_andNoUploadIsStored() throws Exception {
    // Every line starts a new file (the largest file is 1 byte), so a directory that is gone fails every line.
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir.resolve("log"), NODE, 1, Clock.systemUTC());
        TestServer t = server(log)) {
      String id = RoundTripTest.upload(t, "a.txt", CONTENT).get("id").asText();
      int files = t.fileCount();
      Files.move(auditDir.resolve("log"), auditDir.resolve("moved"));
      Files.writeString(auditDir.resolve("log"), "not a directory");

      HttpResponse<byte[]> download = t.sendBytes(t.request("/v1/files/" + id, t.reader).build());
      assertEquals(503, download.statusCode());
      assertEquals("application/problem+json", download.headers().firstValue("Content-Type").orElseThrow());
      assertTrue(download.headers().firstValue("Retry-After").isPresent());
      assertTrue(download.headers().firstValue(AuditTrail.HEADER).isPresent());
      assertFalse(new String(download.body(), StandardCharsets.ISO_8859_1).contains("plaintext"));
      HttpResponse<byte[]> range = t.sendBytes(t.request("/v1/files/" + id, t.reader).header("Range", "bytes=0-3")
          .build());
      assertEquals(503, range.statusCode());
      assertFalse(range.headers().firstValue("Content-Range").isPresent());

      HttpResponse<String> upload = t.send(t.request("/v1/files?name=b.txt", t.writer)
          .POST(HttpRequest.BodyPublishers.ofByteArray(CONTENT)).build());
      assertEquals(503, upload.statusCode());
      assertEquals(files, t.fileCount());
      assertEquals(503, t.send(t.request("/v1/files/" + id + "/metadata", t.reader).build()).statusCode());
      assertEquals(503, t.send(t.request("/v1/files/" + id, "env1.wrong").build()).statusCode());
      assertEquals(503, t.send(t.request("/v1/files/" + id, t.writer).DELETE().build()).statusCode());
      assertEquals(files, t.fileCount());

      // The disk is back: so is the service, and the chain holds across the outage.
      Files.delete(auditDir.resolve("log"));
      Files.move(auditDir.resolve("moved"), auditDir.resolve("log"));
      HttpResponse<byte[]> again = t.sendBytes(t.request("/v1/files/" + id, t.reader).build());
      assertEquals(200, again.statusCode());
      assertArrayEquals(CONTENT, again.body());
      linesOfDownload(again);
      log.close();
      AuditChainVerifier.Result chain = AuditChainVerifier.verify(AuditChainVerifier.chains(auditDir.resolve("log"))
          .get(NODE));
      assertTrue(chain.ok(), () -> chain.failure().describe());
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // the bug this guards against is a hang
  void aStuckAuditDisk_failsRequestsWith503_servesNoByte_andMakesTheNodeNotReady() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir, NODE, 1 << 20, Clock.systemUTC(),
        Duration.ofMillis(300)); TestServer t = server(log)) {
      HttpResponse<String> up = t.send(t.request("/v1/files?name=n.txt", t.writer)
          .POST(HttpRequest.BodyPublishers.ofByteArray(CONTENT)).build());
      String id = Json.MAPPER.readTree(up.body()).get("id").asText();
      assertEquals(200, t.send(t.request("/readyz", null).build()).statusCode());

      try (StuckDisk disk = StuckDisk.under(log)) {
        HttpResponse<String> download = t.send(t.request("/v1/files/" + id, t.reader).build());
        assertEquals(503, download.statusCode());
        assertEquals("unavailable", Json.MAPPER.readTree(download.body()).get("code").asText());
        assertFalse(download.body().contains(new String(CONTENT, StandardCharsets.UTF_8)));
        HttpResponse<String> denied = t.send(t.request("/v1/files/" + id, "env1.not-a-real-token").build());
        assertEquals(503, denied.statusCode()); // not held for ever either
        assertEquals(503, t.send(t.request("/readyz", null).build()).statusCode());
      }
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aFailedAuditFsync_failsRequestsWith503_keepsNoUpload_servesNoByte_andMakesTheNodeNotReady() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir, NODE, 1 << 20, Clock.systemUTC());
        TestServer t = server(log)) {
      HttpResponse<String> up = t.send(t.request("/v1/files?name=n.txt", t.writer)
          .POST(HttpRequest.BodyPublishers.ofByteArray(CONTENT)).build());
      String id = Json.MAPPER.readTree(up.body()).get("id").asText();
      int files = t.fileCount();

      StuckDisk.failingFsync(log);
      HttpResponse<String> download = t.send(t.request("/v1/files/" + id, t.reader).build());
      assertEquals(503, download.statusCode());
      assertFalse(download.body().contains(new String(CONTENT, StandardCharsets.UTF_8)));
      HttpResponse<String> upload = t.send(t.request("/v1/files?name=m.txt", t.writer)
          .POST(HttpRequest.BodyPublishers.ofByteArray(CONTENT)).build());
      assertEquals(503, upload.statusCode(), upload.body());
      assertEquals(files, t.fileCount(), "no upload is kept that the log could not record");
      assertEquals(503, t.send(t.request("/readyz", null).build()).statusCode());
    }
  }
}
