package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.service.Role;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccessTest {
  private static TestServer t;
  private static String id;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
    id = RoundTripTest.upload(t, "secret.txt", "mine".getBytes()).get("id").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  private static HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder b = t.request(path, null);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return t.send(b.build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer env1.aaaaaaaaaaaaaaaa.short",
      "Bearer env1.aaaaaaaaaaaaaaaa.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
  void aMissingOrWrongTokenIs401WithAChallenge(String authorization) throws Exception {
    HttpResponse<String> r = get("/v1/files/" + id, authorization.isEmpty() ? null : authorization);

    assertEquals(401, r.statusCode());
    assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElseThrow());
    assertEquals("unauthenticated", Json.MAPPER.readTree(r.body()).get("code").asText());
  }

  @Test
  void twoAuthorizationHeadersAre401_evenWhenOneIsGood() throws Exception {
    String good = t.token("default", Role.READ);
    HttpResponse<String> r = t.send(t.request("/v1/files/" + id, null)
        .header("Authorization", "Bearer " + good).header("Authorization", "Bearer env1.x").build());

    assertEquals(401, r.statusCode());
    assertEquals(200, get("/v1/files/" + id, "Bearer " + good).statusCode());
  }

  @Test
  void readinessIs503WhenTheRootKeyCannotBeUsed_andSaysNothingMore() throws Exception {
    try (TestServer own = TestServer.start()) {
      own.keyring.disableKey("envelope-files");
      HttpResponse<String> r = own.send(own.request("/readyz", null).build());
      for (int i = 0; i < 200 && r.statusCode() == 200; i++) { // the last state stands for up to 5 s
        Thread.sleep(100);
        r = own.send(own.request("/readyz", null).build());
      }

      assertEquals(503, r.statusCode());
      assertEquals("5", r.headers().firstValue("Retry-After").orElse(null));
      assertEquals("unavailable", Json.MAPPER.readTree(r.body()).get("code").asText());
      assertTrue(!r.body().contains("envelope-files") && !r.body().contains("disabled"), r.body());
    }
  }

  @Test
  void anUploadTheKeyServiceCannotServeIs503WithRetryAfter_andNoOtherAnswerHasOne() throws Exception {
    try (TestServer own = TestServer.start()) {
      HttpResponse<String> ok = own.send(own.request("/v1/files?name=a", own.writer)
          .POST(HttpRequest.BodyPublishers.ofString("a")).build());
      own.keyring.disableKey("envelope-files");
      HttpResponse<String> r = own.send(own.request("/v1/files?name=b", own.writer)
          .POST(HttpRequest.BodyPublishers.ofString("b")).build());

      assertEquals(201, ok.statusCode());
      assertTrue(ok.headers().firstValue("Retry-After").isEmpty());
      assertEquals(503, r.statusCode());
      assertEquals("5", r.headers().firstValue("Retry-After").orElse(null));
      assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
      String detail = Json.MAPPER.readTree(r.body()).get("detail").asText();
      assertTrue(detail.matches("a store or the key service cannot serve this now; try again later"
          + " \\(incident [0-9a-f]{12}\\)"), "names no key, endpoint or table: " + detail);
      assertEquals("key-disabled", Json.MAPPER.readTree(r.body()).get("code").asText());
    }
  }

  @Test
  void aTokenWithAWrongSecretIs401() throws Exception {
    String good = t.token("default", Role.READ);
    String forged = good.substring(0, good.length() - 2) + (good.endsWith("AA") ? "BB" : "AA");

    assertEquals(200, get("/v1/files/" + id, "Bearer " + good).statusCode());
    assertEquals(401, get("/v1/files/" + id, "Bearer " + forged).statusCode());
  }

  @Test
  void aRevokedTokenIs401FromThenOn() throws Exception {
    String token = t.token("default", Role.READ);
    String tokenId = token.split("\\.")[1];
    assertEquals(200, get("/v1/files", "Bearer " + token).statusCode());

    HttpResponse<String> revoke = t.send(t.request("/v1/tokens/" + tokenId, t.admin).DELETE().build());

    assertEquals(204, revoke.statusCode());
    assertEquals(401, get("/v1/files", "Bearer " + token).statusCode());
  }

  @Test
  void anExpiredTokenIs401_answeredExactlyLikeAnUnknownOne() throws Exception {
    HttpResponse<String> created = t.send(t.request("/v1/tokens", t.operator).POST(HttpRequest.BodyPublishers
        .ofString("{\"role\":\"read\",\"expiresAt\":\"" + java.time.Instant.now().plusMillis(3000) + "\"}"))
        .build());
    assertEquals(201, created.statusCode(), created.body());
    JsonNode issued = Json.MAPPER.readTree(created.body());
    String token = issued.get("token").asText();
    java.time.Instant expiresAt = java.time.Instant.parse(issued.get("expiresAt").asText());
    assertEquals(200, get("/v1/files", "Bearer " + token).statusCode());

    Thread.sleep(Math.max(0, java.time.Duration.between(java.time.Instant.now(), expiresAt).toMillis() + 50));
    HttpResponse<String> expired = get("/v1/files", "Bearer " + token);
    HttpResponse<String> unknown = get("/v1/files", "Bearer env1.aaaaaaaaaaaaaaaa." + token.split("\\.")[2]);
    assertEquals(401, expired.statusCode());
    assertEquals(unknown.statusCode(), expired.statusCode());
    assertEquals(unknown.body(), expired.body(), "nothing says the token existed");
    assertEquals(unknown.headers().firstValue("WWW-Authenticate"), expired.headers().firstValue("WWW-Authenticate"));

    JsonNode listed = Json.MAPPER.readTree(t.send(t.request("/v1/tokens", t.operator).build()).body()).get("tokens");
    JsonNode entry = null;
    for (JsonNode e : listed) {
      if (e.get("id").asText().equals(issued.get("id").asText())) {
        entry = e;
      }
    }
    assertEquals(issued.get("expiresAt"), entry.get("expiresAt"), "listed, with its expiry");
    assertTrue(entry.get("lastUsedAt").isTextual(), entry.toString());
    assertTrue(entry.get("revokedAt").isNull());
  }

  @Test
  void expiresIn_setsTheExpiryFromNow() throws Exception {
    java.time.Instant before = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    HttpResponse<String> created = t.send(t.request("/v1/tokens", t.operator).POST(HttpRequest.BodyPublishers
        .ofString("{\"role\":\"read\",\"expiresIn\":\"30d\"}")).build());
    java.time.Instant after = java.time.Instant.now();
    assertEquals(201, created.statusCode(), created.body());
    java.time.Instant expiresAt = java.time.Instant.parse(Json.MAPPER.readTree(created.body()).get("expiresAt")
        .asText());
    java.time.Duration thirtyDays = java.time.Duration.ofDays(30);
    assertTrue(!expiresAt.isBefore(before.plus(thirtyDays)) && !expiresAt.isAfter(after.plus(thirtyDays)),
        expiresAt.toString());
    String token = Json.MAPPER.readTree(created.body()).get("token").asText();
    assertEquals(200, get("/v1/files", "Bearer " + token).statusCode());
  }

  @Test
  void aReadOnlyTokenCannotWrite() throws Exception {
    HttpResponse<String> upload = t.send(t.request("/v1/files?name=x", t.reader)
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());
    HttpResponse<String> delete = t.send(t.request("/v1/files/" + id, t.reader).DELETE().build());

    assertEquals(403, upload.statusCode());
    assertEquals("forbidden", Json.MAPPER.readTree(upload.body()).get("code").asText());
    assertEquals(403, delete.statusCode());
    assertEquals(200, get("/v1/files/" + id, "Bearer " + t.reader).statusCode(), "the file is still there");
  }

  @Test
  void aRefusedUpload_alwaysGetsItsAnswer_neverAResetConnection() throws Exception {
    // The refusal comes before the body is read. The client is still sending it: unless the server takes in
    // what is small enough before it answers, its close can reset the connection under the client, which then
    // sees a network failure instead of the 403 or 401.
    for (int size : new int[] {1, 1000, 64 * 1024, 256 * 1024}) {
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> forbidden = t.send(t.request("/v1/files?name=x", t.reader)
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[size])).build());
        HttpResponse<String> anonymous = t.send(t.request("/v1/files?name=x", null)
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[size])).build());

        assertEquals(403, forbidden.statusCode(), "size " + size);
        assertEquals(401, anonymous.statusCode(), "size " + size);
      }
    }
  }

  @Test
  void onlyAdminsManageTokens() throws Exception {
    assertEquals(403, t.send(t.request("/v1/tokens", t.writer).build()).statusCode());
    assertEquals(403, t.send(t.request("/v1/tokens", t.writer)
        .POST(HttpRequest.BodyPublishers.ofString("{\"tenant\":\"x\",\"role\":\"admin\"}")).build()).statusCode());
  }

  @Test
  void anotherTenantsFileAnswersExactlyLikeAMissingOne() throws Exception {
    String other = t.token("other", Role.WRITE);
    String missing = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
    for (String path : new String[] {"/v1/files/", "/v1/files/%s/metadata"}) {
      String theirs = path.contains("%s") ? String.format(path, id) : path + id;
      String none = path.contains("%s") ? String.format(path, missing) : path + missing;
      HttpResponse<String> foreign = t.send(t.request(theirs, other).build());
      HttpResponse<String> absent = t.send(t.request(none, other).build());
      assertEquals(404, foreign.statusCode());
      assertEquals(absent.body().replace(missing, id), foreign.body());
    }
    // Share links: another tenant can neither make, list nor revoke a link to this file; it is a missing file to it.
    String link = Json.MAPPER.readTree(t.send(t.request("/v1/files/" + id + "/links", t.writer)
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).body()).get("id").asText();
    for (String path : new String[] {"/v1/files/%s/links", "/v1/files/%s/links/" + link}) {
      for (String method : new String[] {"POST", "GET", "DELETE"}) {
        if (path.endsWith("/links") == method.equals("DELETE")) {
          continue; // no such route
        }
        HttpResponse<String> foreign = t.send(t.request(String.format(path, id), other)
            .method(method, HttpRequest.BodyPublishers.ofString(method.equals("POST") ? "{}" : "")).build());
        HttpResponse<String> absent = t.send(t.request(String.format(path, missing), other)
            .method(method, HttpRequest.BodyPublishers.ofString(method.equals("POST") ? "{}" : "")).build());
        assertEquals(404, foreign.statusCode(), method + " " + path);
        assertEquals(absent.body().replace(missing, id), foreign.body(), method + " " + path);
      }
    }
    HttpResponse<String> ownLinks = t.send(t.request("/v1/files/" + id + "/links", t.reader).build());
    assertEquals(link, Json.MAPPER.readTree(ownLinks.body()).get("links").get(0).get("id").asText(),
        "the owner's link is still there, unrevoked");
    HttpResponse<String> delete = t.send(t.request("/v1/files/" + id, other).DELETE().build());
    assertEquals(404, delete.statusCode());
    assertEquals(0, Json.MAPPER.readTree(t.send(t.request("/v1/files", other).build()).body()).get("files").size());
    assertEquals(200, get("/v1/files/" + id, "Bearer " + t.reader).statusCode(), "the owner still has it");
  }

  @Test
  void aMalformedIdIsAPlain404() throws Exception {
    HttpResponse<String> r = t.send(t.request("/v1/files/..%2F..%2Fetc%2Fpasswd", t.reader).build());

    assertEquals(404, r.statusCode());
  }

  @Test
  void theOperatorCreatesListsAndRevokesTokensOfAnyTenant() throws Exception {
    HttpResponse<String> created = t.send(t.request("/v1/tokens", t.operator).POST(HttpRequest.BodyPublishers.ofString(
        "{\"tenant\":\"initech\",\"role\":\"write\",\"name\":\"ci\"}")).build());
    JsonNode token = Json.MAPPER.readTree(created.body());

    assertEquals(201, created.statusCode(), created.body());
    assertEquals(java.util.Set.of("id", "tenant", "role", "name", "createdAt", "expiresAt", "token"),
        RoundTripTest.fields(token));
    assertTrue(token.get("expiresAt").isNull(), "no expiry asked: never");
    assertEquals("initech", token.get("tenant").asText());
    assertEquals("write", token.get("role").asText());
    String text = token.get("token").asText();
    assertEquals(201, t.send(t.request("/v1/files?name=a", text)
        .POST(HttpRequest.BodyPublishers.ofString("a")).build()).statusCode());

    JsonNode listed = Json.MAPPER.readTree(t.send(t.request("/v1/tokens?tenant=initech", t.operator).build()).body());
    assertEquals(1, listed.get("tokens").size());
    JsonNode entry = listed.get("tokens").get(0);
    assertEquals(java.util.Set.of("id", "tenant", "role", "name", "createdAt", "revokedAt", "expiresAt",
        "lastUsedAt"), RoundTripTest.fields(entry));
    assertTrue(entry.get("revokedAt").isNull());
    assertTrue(entry.get("expiresAt").isNull());
    assertTrue(entry.get("lastUsedAt").isTextual(), "it was used for the upload: " + entry);
    assertTrue(!listed.toString().contains(text.split("\\.")[2]), "never the secret");

    assertEquals(204, t.send(t.request("/v1/tokens/" + token.get("id").asText(), t.operator).DELETE().build())
        .statusCode());
    JsonNode after = Json.MAPPER.readTree(t.send(t.request("/v1/tokens?tenant=initech", t.operator).build()).body());
    assertTrue(after.get("tokens").get(0).get("revokedAt").isTextual());
    assertEquals(404, t.send(t.request("/v1/tokens/zzzzzzzzzzzzzzzz", t.operator).DELETE().build()).statusCode());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not json", "[]", "{\"tenant\":\"acme\"}", "{\"tenant\":\"acme\",\"role\":\"root\"}",
      "{\"tenant\":\"ACME!\",\"role\":\"read\"}", "{\"tenant\":5,\"role\":\"read\"}",
      "{\"role\":\"read\",\"name\":null}", "{\"tenant\":null,\"role\":\"read\"}",
      "{\"role\":\"read\",\"role\":\"operator\"}", "{\"role\":\"read\",\"name\":\"\u202eexe.txt\"}",
      "{\"role\":\"read\"} {\"role\":\"operator\",\"tenant\":\"evil\"}", "{\"role\":\"read\"}xxxx",
      "{\"role\":\"read\",\"expiresIn\":\"0s\"}", "{\"role\":\"read\",\"expiresIn\":\"-5m\"}",
      "{\"role\":\"read\",\"expiresIn\":\"3661d\"}", "{\"role\":\"read\",\"expiresIn\":\"soon\"}",
      "{\"role\":\"read\",\"expiresIn\":30}", "{\"role\":\"read\",\"expiresIn\":null}",
      "{\"role\":\"read\",\"expiresAt\":\"2020-01-01T00:00:00Z\"}",
      "{\"role\":\"read\",\"expiresAt\":\"3000-01-01T00:00:00Z\"}",
      "{\"role\":\"read\",\"expiresAt\":\"2030-13-01T00:00:00Z\"}",
      "{\"role\":\"read\",\"expiresAt\":\"2030-01-01T00:00:00\"}",
      "{\"role\":\"read\",\"expiresAt\":\"2030-01-01T00:00:00Z\",\"expiresIn\":\"1d\"}",
      "{\"role\":\"read\",\"name\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":{\"k\":"
          + "{\"l\":{\"m\":{\"n\":{\"o\":{\"p\":{}}}}}}}}}}}}}}}}}}"})
  void badTokenRequestsAre400(String body) throws Exception {
    int before = t.tokens.list(dev.envelope.service.Principal.localOperator(), null).size();
    HttpResponse<String> r = t.send(t.request("/v1/tokens", t.operator).POST(HttpRequest.BodyPublishers.ofString(body))
        .build());

    assertEquals(400, r.statusCode(), r.body());
    assertEquals("invalid-argument", Json.MAPPER.readTree(r.body()).get("code").asText());
    assertEquals(before, t.tokens.list(dev.envelope.service.Principal.localOperator(), null).size(), "no token made");
  }

  @Test
  void aTenantAdmin_managesItsOwnTenant_andNothingBeyondIt() throws Exception {
    String theirs = t.token("acme", Role.WRITE);
    String theirsId = theirs.split("\\.")[1];
    String operatorsId = t.operator.split("\\.")[1]; // an operator token of tenant default, the admin's own

    HttpResponse<String> own = t.send(t.request("/v1/tokens", t.admin)
        .POST(HttpRequest.BodyPublishers.ofString("{\"role\":\"read\",\"name\":\"mine\"}")).build());
    assertEquals(201, own.statusCode(), own.body());
    assertEquals("default", Json.MAPPER.readTree(own.body()).get("tenant").asText(), "its own tenant by default");

    for (String body : new String[] {"{\"tenant\":\"acme\",\"role\":\"read\"}",
        "{\"tenant\":\"acme\",\"role\":\"admin\"}", "{\"role\":\"operator\"}",
        "{\"tenant\":\"default\",\"role\":\"operator\"}"}) {
      HttpResponse<String> r = t.send(t.request("/v1/tokens", t.admin).POST(HttpRequest.BodyPublishers.ofString(body))
          .build());
      assertEquals(403, r.statusCode(), body + " " + r.body());
      assertEquals("forbidden", Json.MAPPER.readTree(r.body()).get("code").asText());
    }
    assertEquals(403, t.send(t.request("/v1/tokens?tenant=acme", t.admin).build()).statusCode());
    JsonNode mine = Json.MAPPER.readTree(t.send(t.request("/v1/tokens", t.admin).build()).body()).get("tokens");
    mine.forEach(token -> assertEquals("default", token.get("tenant").asText(), "only its own tenant's tokens"));
    mine.forEach(token -> assertTrue(!token.get("role").asText().equals("operator"), "and no operator's"));
    HttpResponse<String> revokeTheirs = t.send(t.request("/v1/tokens/" + theirsId, t.admin).DELETE().build());
    HttpResponse<String> revokeMissing = t.send(t.request("/v1/tokens/zzzzzzzzzzzzzzzz", t.admin).DELETE().build());
    assertEquals(404, revokeTheirs.statusCode());
    assertEquals(revokeMissing.body(), revokeTheirs.body(), "another tenant's token answers like a missing one");
    assertEquals(404, t.send(t.request("/v1/tokens/" + operatorsId, t.admin).DELETE().build()).statusCode(),
        "not even the operator's first token");

    assertEquals(200, get("/v1/files", "Bearer " + theirs).statusCode(), "their token still works");
    assertEquals(200, get("/v1/tokens", "Bearer " + t.operator).statusCode(), "and so does the operator's");
  }
}
