package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.core.ManagedKeyService.KeyState;
import dev.envelope.service.Role;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /v1/tenants} and the 410 of a shredded tenant, over HTTP against a real server. */
class TenantsApiTest {
  private TestServer t;

  @BeforeEach
  void start() throws Exception {
    t = TestServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  @Test
  void theOperatorGivesATenantItsOwnKey_andItsUploadsAreWrappedUnderIt() throws Exception {
    HttpResponse<String> made = post("/v1/tenants", t.operator, "{\"name\":\"acme\"}");
    assertEquals(201, made.statusCode(), made.body());
    assertEquals("/v1/tenants/acme", made.headers().firstValue("Location").orElseThrow());
    JsonNode tenant = Json.MAPPER.readTree(made.body());
    String key = tenant.get("rootKey").asText();
    assertEquals("active", tenant.get("state").asText());
    assertFalse(tenant.get("nodeKey").asBoolean());
    assertEquals(KeyState.ENABLED, t.keyring.describeKey(key).state());

    String acme = t.token("acme", Role.WRITE);
    String id = upload(acme, "hello").get("id").asText();
    assertEquals(key, t.metadata().get("acme", id).orElseThrow().wrappedKey().rootKeyId());
    assertEquals("hello", get("/v1/files/" + id, acme).body());

    JsonNode list = Json.MAPPER.readTree(get("/v1/tenants", t.operator).body());
    assertEquals("acme", list.get("tenants").get(0).get("name").asText());
    assertEquals(1, list.get("tenants").get(0).get("files").asLong());
    assertEquals(409, post("/v1/tenants", t.operator, "{\"name\":\"acme\"}").statusCode());
  }

  @Test
  void onlyTheOperator_reachesTheTenantApi() throws Exception {
    for (String token : List.of(t.admin, t.writer, t.reader)) {
      assertEquals(403, get("/v1/tenants", token).statusCode());
      assertEquals(403, post("/v1/tenants", token, "{\"name\":\"evil\"}").statusCode());
      assertEquals(403, post("/v1/tenants/default/shred", token, "{}").statusCode());
      assertEquals(403, put("/v1/tenants/default/root-key", token, "{\"rootKey\":\"envelope-files\"}").statusCode());
      assertEquals(403, post("/v1/tenants/default/purge", token, "").statusCode());
    }
    assertEquals(401, get("/v1/tenants", null).statusCode());
    assertTrue(t.stores.metadata().listTenants().isEmpty());
  }

  @Test
  void badRequestsAreClear400s_andChangeNothing() throws Exception {
    for (String body : List.of("{}", "{\"name\":\"Bad Name\"}", "{\"name\":1}", "{\"name\":\"acme\",\"x\":1}",
        "{\"name\":\"acme\",\"rootKey\":\"no-such-key\"}", "{\"name\":\"acme\",\"rootKey\":\"\"}", "[]", "nonsense",
        "{\"name\":\"acme\",\"name\":\"evil\"}")) {
      HttpResponse<String> r = post("/v1/tenants", t.operator, body);
      assertEquals(400, r.statusCode(), body + " -> " + r.body());
      assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    }
    assertEquals(400, post("/v1/tenants/default/shred", t.operator, "{\"now\":\"yes\"}").statusCode());
    HttpResponse<String> shared = post("/v1/tenants/default/shred", t.operator, "{}");
    assertEquals(400, shared.statusCode());
    assertTrue(shared.body().contains("shares the node's root key"), shared.body());
    assertEquals(400, post("/v1/tenants/default/purge", t.operator, "").statusCode());
    assertTrue(t.stores.metadata().listTenants().isEmpty());
  }

  @Test
  void aShreddedTenant_is410Gone_everywhere_andTheOtherTenantIsUntouched() throws Exception {
    assertEquals(201, post("/v1/tenants", t.operator, "{\"name\":\"acme\"}").statusCode());
    assertEquals(201, post("/v1/tenants", t.operator, "{\"name\":\"globex\"}").statusCode());
    String acme = t.token("acme", Role.WRITE);
    String globex = t.token("globex", Role.WRITE);
    String acmeFile = upload(acme, "acme's").get("id").asText();
    String globexFile = upload(globex, "globex's").get("id").asText();

    HttpResponse<String> shred = post("/v1/tenants/acme/shred", t.operator, "{\"now\":true}");
    assertEquals(200, shred.statusCode(), shred.body());
    JsonNode done = Json.MAPPER.readTree(shred.body());
    assertEquals(1, done.get("tokensRevoked").asInt());
    assertTrue(done.get("keyDestroyed").asBoolean());

    for (HttpResponse<String> r : List.of(get("/v1/files/" + acmeFile, acme), get("/v1/files", acme),
        get("/v1/files/" + acmeFile + "/metadata", acme), upload(acme, "more", 410))) {
      assertEquals(410, r.statusCode(), r.body());
      JsonNode problem = Json.MAPPER.readTree(r.body());
      assertEquals("tenant-shredded", problem.get("code").asText());
      assertTrue(problem.get("type").asText().endsWith("tenant-shredded"), problem.toString());
      assertFalse(r.body().contains("acme's"));
    }
    assertEquals("globex's", get("/v1/files/" + globexFile, globex).body());
    JsonNode purged = Json.MAPPER.readTree(post("/v1/tenants/acme/purge", t.operator, "").body());
    assertEquals(1, purged.get("filesRemoved").asInt());
    assertEquals("shredded", Json.MAPPER.readTree(get("/v1/tenants/acme", t.operator).body()).get("state").asText());
    assertEquals(410, post("/v1/tokens", t.operator, "{\"tenant\":\"acme\",\"role\":\"read\"}").statusCode());
  }

  /**
   * An upload still streaming when its tenant is shredded (it chose the node's key before the tenant had its own)
   * must not be kept: it would be a file of a shredded tenant, readable under a key that is never destroyed.
   */
  @Test
  void anUploadStreamingAcrossTheShredOfItsTenant_isGone_andLeavesNoRow() throws Exception {
    String acme = t.token("acme", Role.WRITE);
    long size = 8L << 20;
    java.util.List<Integer> shredStatus = new java.util.ArrayList<>();
    // Halfway, once the server is storing the body (its key, the node's, is chosen: acme has none yet), the
    // operator gives acme its own key and shreds it; then the rest of the body comes.
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(() -> new RoundTripTest
        .GeneratedStream(size, sha256()).pauseAt(size / 2, () -> {
          RoundTripTest.awaitBlobFileOf(t, size / 8);
          try {
            shredStatus.add(post("/v1/tenants", t.operator, "{\"name\":\"acme\"}").statusCode());
            shredStatus.add(post("/v1/tenants/acme/shred", t.operator, "{\"now\":true}").statusCode());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
    HttpResponse<String> r = t.send(t.request("/v1/files?name=late.bin", acme).POST(body).build());
    assertEquals(List.of(201, 200), shredStatus);
    assertEquals(410, r.statusCode(), r.body());
    assertEquals("tenant-shredded", Json.MAPPER.readTree(r.body()).get("code").asText());
    assertTrue(t.metadata().scan("acme", null, 100).files().isEmpty(), "a row of the shredded tenant was kept");
    assertEquals(0, t.blobCount());
  }

  private static java.security.MessageDigest sha256() {
    try {
      return java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode upload(String token, String text) throws Exception {
    HttpResponse<String> r = upload(token, text, 201);
    return Json.MAPPER.readTree(r.body());
  }

  private HttpResponse<String> upload(String token, String text, int expected) throws Exception {
    HttpResponse<String> r = t.send(t.request("/v1/files?name=f.txt", token)
        .POST(HttpRequest.BodyPublishers.ofString(text)).build());
    assertEquals(expected, r.statusCode(), r.body());
    return r;
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    return t.send(t.request(path, token).build());
  }

  private HttpResponse<String> post(String path, String token, String json) throws Exception {
    return t.send(t.request(path, token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  private HttpResponse<String> put(String path, String token, String json) throws Exception {
    return t.send(t.request(path, token).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
  }
}
