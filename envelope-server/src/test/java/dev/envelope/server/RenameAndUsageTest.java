package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.service.Role;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plaintext's SHA-256 in the upload answer and the metadata, {@code PATCH /v1/files/{id}} and {@code GET
 * /v1/usage}, through a real server.
 */
class RenameAndUsageTest {
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  private static JsonNode upload(String token, String name, byte[] body) throws Exception {
    HttpResponse<String> up = t.send(t.request("/v1/files?name=" + name, token)
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    assertEquals(201, up.statusCode(), up.body());
    return Json.MAPPER.readTree(up.body());
  }

  private static HttpResponse<String> patch(String id, String token, String body) throws Exception {
    return t.send(t.request("/v1/files/" + id, token).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void theUploadAnswerAndTheMetadata_carryThePlaintextsSha256() throws Exception {
    for (int size : new int[] {0, 1, 65_535, 65_536, 300_001}) {
      byte[] body = new byte[size];
      new Random(size).nextBytes(body);
      JsonNode stored = upload(t.writer, "d.bin", body);
      assertEquals(sha256(body), stored.get("sha256").asText(), "size " + size);
      JsonNode described = Json.MAPPER.readTree(t.send(t.request("/v1/files/" + stored.get("id").asText()
          + "/metadata", t.reader).build()).body());
      assertEquals(sha256(body), described.get("sha256").asText());
    }
  }

  @Test
  void aMultipartUpload_digestsTheFilesBytesOnly() throws Exception {
    byte[] body = "multipart content\r\n--not-a-boundary".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String boundary = "b0undary";
    byte[] form = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.txt\"\r\n"
        + "Content-Type: text/plain\r\n\r\n" + new String(body, java.nio.charset.StandardCharsets.UTF_8) + "\r\n--"
        + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> up = t.send(t.request("/v1/files", t.writer)
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(form)).build());
    assertEquals(201, up.statusCode(), up.body());
    assertEquals(sha256(body), Json.MAPPER.readTree(up.body()).get("sha256").asText());
  }

  @Test
  void patch_renamesAndRetypes_andTheDownloadFollows_withTheSameBytes() throws Exception {
    byte[] body = "renamed content".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    JsonNode stored = upload(t.writer, "before.txt", body);
    String id = stored.get("id").asText();

    HttpResponse<String> renamed = patch(id, t.writer, "{\"name\":\"after é.md\"}");
    assertEquals(200, renamed.statusCode(), renamed.body());
    JsonNode now = Json.MAPPER.readTree(renamed.body());
    assertEquals("after é.md", now.get("name").asText());
    assertEquals("text/plain", now.get("contentType").asText(), "the type stays when not given");
    assertEquals(stored.get("createdAt"), now.get("createdAt"));
    assertEquals(stored.get("sha256"), now.get("sha256"));

    HttpResponse<String> retyped = patch(id, t.writer, "{\"contentType\":\"text/markdown\"}");
    assertEquals(200, retyped.statusCode(), retyped.body());
    assertEquals("after é.md", Json.MAPPER.readTree(retyped.body()).get("name").asText());

    HttpResponse<byte[]> download = t.sendBytes(t.request("/v1/files/" + id, t.reader).build());
    assertEquals(200, download.statusCode());
    assertEquals(new String(body, java.nio.charset.StandardCharsets.UTF_8),
        new String(download.body(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals("text/markdown", download.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(download.headers().firstValue("Content-Disposition").orElseThrow().contains("after%20%C3%A9.md"),
        download.headers().firstValue("Content-Disposition").orElseThrow());

    JsonNode listed = Json.MAPPER.readTree(t.send(t.request("/v1/files?limit=1000", t.reader).build()).body());
    boolean found = false;
    for (JsonNode f : listed.get("files")) {
      found |= f.get("id").asText().equals(id) && f.get("name").asText().equals("after é.md");
    }
    assertTrue(found, "the list shows the new name");
  }

  @Test
  void patch_refusesWhatItMust_andChangesNothing() throws Exception {
    String id = upload(t.writer, "keep.txt", new byte[] {1, 2, 3}).get("id").asText();
    String otherTenant = t.token("other-tenant", Role.WRITE);
    // role, tenant, existence
    assertProblem(patch(id, t.reader, "{\"name\":\"x\"}"), 403, "forbidden");
    assertProblem(patch(id, otherTenant, "{\"name\":\"x\"}"), 404, "not-found");
    assertProblem(patch("aaaaaaaaaaaaaaaaaaaaaaaaaa", t.writer, "{\"name\":\"x\"}"), 404, "not-found");
    assertProblem(patch(id, null, "{\"name\":\"x\"}"), 401, "unauthenticated");
    // the body
    for (String bad : new String[] {"", "{}", "[]", "\"x\"", "{\"name\":1}", "{\"name\":null}", "{\"nam\":\"x\"}",
        "{\"name\":\"x\",\"name\":\"y\"}", "{\"name\":\"\"}", "{\"name\":\"a\\u0000b\"}", "{\"name\":\"\\u202e\"}",
        "{\"contentType\":\"not a type\"}", "{\"name\":\"x\"} trailing", "{\"name\":\"x\",\"size\":1}"}) {
      HttpResponse<String> r = patch(id, t.writer, bad);
      assertEquals(400, r.statusCode(), bad + " -> " + r.body());
      assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
    }
    assertProblem(patch(id, t.writer, "{\"name\":\"" + "n".repeat(1025) + "\"}"), 413, "too-large");
    assertProblem(patch(id, t.writer, "{\"name\":\"" + "n".repeat(100_000) + "\"}"), 413, "too-large");
    // conditions
    HttpResponse<String> stale = t.send(t.request("/v1/files/" + id, t.writer).header("If-Match", "\"other\"")
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}")).build());
    assertProblem(stale, 412, "precondition-failed");
    HttpResponse<String> matching = t.send(t.request("/v1/files/" + id, t.writer).header("If-Match", "\"" + id + "\"")
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"contentType\":\"text/plain\"}")).build());
    assertEquals(200, matching.statusCode(), matching.body());

    JsonNode now = Json.MAPPER.readTree(t.send(t.request("/v1/files/" + id + "/metadata", t.reader).build()).body());
    assertEquals("keep.txt", now.get("name").asText(), "no refused request changed the name");
  }

  @Test
  void aSharedKeyFile_cannotBeRenamed_itsNameIsInItsCiphertext() throws Exception {
    try (TestServer cached = TestServer.withDataKeyCache("5m,100,10M")) {
      HttpResponse<String> up = cached.send(cached.request("/v1/files?name=bound.txt", cached.writer)
          .POST(HttpRequest.BodyPublishers.ofString("bound")).build());
      assertEquals(201, up.statusCode(), up.body());
      String id = Json.MAPPER.readTree(up.body()).get("id").asText();
      HttpResponse<String> r = cached.send(cached.request("/v1/files/" + id, cached.writer)
          .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\":\"other.txt\"}")).build());
      assertProblem(r, 409, "conflict");
      HttpResponse<String> same = cached.send(cached.request("/v1/files/" + id, cached.writer)
          .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\":\"bound.txt\"}")).build());
      assertEquals(200, same.statusCode(), "a request that changes nothing is fine: " + same.body());
      assertEquals("bound", cached.send(cached.request("/v1/files/" + id, cached.reader).build()).body(),
          "and the file still reads");
    }
  }

  @Test
  void usage_countsTheCallersTenantOnly() throws Exception {
    String tenant = "usage-" + Long.toHexString(new Random().nextLong() & 0xffffffL);
    String writer = t.token(tenant, Role.WRITE);
    String reader = t.token(tenant, Role.READ);
    JsonNode empty = Json.MAPPER.readTree(t.send(t.request("/v1/usage", reader).build()).body());
    assertEquals(tenant, empty.get("tenant").asText());
    assertEquals(0, empty.get("files").asLong());
    assertEquals(0, empty.get("bytes").asLong());

    upload(writer, "a", new byte[1000]);
    String second = upload(writer, "b", new byte[234]).get("id").asText();
    upload(t.token("elsewhere-" + tenant, Role.WRITE), "c", new byte[99]);
    HttpResponse<String> r = t.send(t.request("/v1/usage", reader).build());
    assertEquals(200, r.statusCode(), r.body());
    JsonNode usage = Json.MAPPER.readTree(r.body());
    assertEquals(2, usage.get("files").asLong());
    assertEquals(1234, usage.get("bytes").asLong());

    assertEquals(204, t.send(t.request("/v1/files/" + second, writer).DELETE().build()).statusCode());
    usage = Json.MAPPER.readTree(t.send(t.request("/v1/usage", reader).build()).body());
    assertEquals(1, usage.get("files").asLong());
    assertEquals(1000, usage.get("bytes").asLong());
    assertProblem(t.send(t.request("/v1/usage", null).build()), 401, "unauthenticated");
  }

  @Test
  void aQuota_isSetByTheOperator_shownInUsage_andAnswers413WithItsOwnProblemType() throws Exception {
    String tenant = "quota-" + Long.toHexString(new Random().nextLong() & 0xffffffL);
    String writer = t.token(tenant, Role.WRITE);
    upload(writer, "first", new byte[600]);
    for (String bad : new String[] {"{}", "{\"bytes\":-1}", "{\"bytes\":1.5}", "{\"bytes\":\"10\"}",
        "{\"bytes\":99999999999999999999}", "{\"bytes\":1,\"other\":2}", "[]"}) {
      HttpResponse<String> r = putQuota(tenant, t.operator, bad);
      assertEquals(400, r.statusCode(), bad + " -> " + r.body());
    }
    assertProblem(putQuota(tenant, t.token(tenant, Role.ADMIN), "{\"bytes\":1}"), 403, "forbidden");
    assertProblem(putQuota(tenant, writer, "{\"bytes\":1}"), 403, "forbidden");

    HttpResponse<String> set = putQuota(tenant, t.operator, "{\"bytes\":1000}");
    assertEquals(200, set.statusCode(), set.body());
    assertEquals(1000, Json.MAPPER.readTree(set.body()).get("quotaBytes").asLong());
    assertEquals(1000, Json.MAPPER.readTree(t.send(t.request("/v1/usage", writer).build()).body())
        .get("quotaBytes").asLong());

    upload(writer, "fits", new byte[400]);
    HttpResponse<String> over = t.send(t.request("/v1/files?name=over", writer)
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1])).build());
    assertProblem(over, 413, "quota-exceeded");
    JsonNode problem = Json.MAPPER.readTree(over.body());
    assertTrue(problem.get("type").asText().endsWith("/quota-exceeded"), problem.toString());
    assertEquals("Quota exceeded", problem.get("title").asText());

    assertEquals(200, putQuota(tenant, t.operator, "{\"bytes\":null}").statusCode());
    assertTrue(Json.MAPPER.readTree(t.send(t.request("/v1/usage", writer).build()).body()).get("quotaBytes")
        .isNull());
    upload(writer, "free-again", new byte[1]);
  }

  private static HttpResponse<String> putQuota(String tenant, String token, String body) throws Exception {
    return t.send(t.request("/v1/tenants/" + tenant + "/quota", token).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static void assertProblem(HttpResponse<String> r, int status, String code) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(code, Json.MAPPER.readTree(r.body()).get("code").asText(), r.body());
  }
}
