package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.core.testing.FaultyHttpProxy;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One node over the shared backends while each dependency is stopped and started again (the real stand-in
 * process or server, not a mock): uploads fail with a clear 503 problem with {@code Retry-After}, never a 500;
 * nothing acknowledged is lost; no row points to a missing blob; and the node recovers on its own.
 */
abstract class DependencyFailureIT extends ClusterBase {
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeEach
  void startNode() throws Exception {
    // On S3 the grace is at least twice s3-max-upload-time: 2 s here, so that the sweeper runs within the test.
    a = node("a", "--orphan-grace", "1s", "--s3-max-upload-time", "1s", "--sweep-interval", "1s");
    rememberToken(a);
  }

  @Test
  void aMissingBucket_atStart_isASettingsMistake_exit2_notAnOutage() throws Exception {
    assertSettingsMistake(Map.of("ENVELOPE_S3_BUCKET", "no-such-bucket"),
        "envelope: error: blob = s3: S3 bucket no-such-bucket does not exist: create it (aws s3 mb"
            + " s3://no-such-bucket), or fix s3-bucket [invalid-argument]");
  }

  /** {@code envelope serve} with {@code overrides} exits at once with code 2 and exactly {@code line} on stderr. */
  void assertSettingsMistake(Map<String, String> overrides, String line) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(backends.env());
    env.putAll(overrides);
    env.put("ENVELOPE_HOME", java.nio.file.Files.createTempDirectory(dir, "mistake").toString());
    Process p = envelope(env, "serve", "--port", "0");
    p.getOutputStream().close();
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "it exits rather than serve");
    String stderr = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(2, p.exitValue(), stderr);
    assertTrue(stderr.lines().anyMatch(line::equals), stderr);
  }

  @Test
  void s3Stopped_uploadIs503_thenTheNodeRecoversOnItsOwn() throws Exception {
    byte[] before = random(100_000, 11);
    String kept = upload(a, "kept", before);

    backends.s3.stop();
    try {
      assertUnavailable(tryUpload("while-s3-is-down", random(50_000, 12)));
      assertUnavailable(get(a, "/v1/files/" + kept));
    } finally {
      backends.s3.restart();
    }

    assertArrayEquals(before, eventually200(a, "/v1/files/" + kept).body(), "acknowledged before the outage");
    String after = upload(a, "after", random(70_000, 13));
    assertEquals(200, get(a, "/v1/files/" + after).statusCode());
    assertEveryRowHasItsBlob();
  }

  @Test
  void metadataStoreStopped_uploadIs503_itsBlobIsSwept_andTheNodeRecovers() throws Exception {
    byte[] before = random(100_000, 21);
    String kept = upload(a, "kept", before);

    backends.stopMetadata();
    try {
      assertUnavailable(tryUpload("while-rows-are-down", random(50_000, 22)));
      assertUnavailable(get(a, "/v1/files/" + kept));
    } finally {
      backends.restartMetadata();
    }

    assertArrayEquals(before, eventually200(a, "/v1/files/" + kept).body());
    String after = upload(a, "after", random(70_000, 23));
    assertEquals(200, get(a, "/v1/files/" + after).statusCode());
    // The failed upload's blob (written before its row failed) is an orphan: the sweeper removes it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!blobKeys().equals(new HashSet<>(listAll(a))) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertEquals(new HashSet<>(listAll(a)), blobKeys(), "exactly the rows' blobs remain");
  }

  @Test
  void keyServiceStopped_uploadAndDownloadAre503_thenTheNodeRecovers() throws Exception {
    byte[] before = random(100_000, 31);
    String kept = upload(a, "kept", before);

    backends.kms.stop();
    try {
      assertUnavailable(tryUpload("while-keys-are-down", random(50_000, 32)));
      assertUnavailable(get(a, "/v1/files/" + kept));
    } finally {
      backends.kms.restart();
    }

    assertArrayEquals(before, eventually200(a, "/v1/files/" + kept).body());
    String after = upload(a, "after", random(70_000, 33));
    assertEquals(200, get(a, "/v1/files/" + after).statusCode());
    assertEveryRowHasItsBlob();
  }

  @Test
  void s3KmsAndDynamoDbAnsweringErrors_are503_retriedWithinBounds_andTheNodeRecovers() throws Exception {
    try (FaultyHttpProxy s3 = FaultyHttpProxy.start(backends.s3.endpoint());
         FaultyHttpProxy kms = FaultyHttpProxy.start(backends.kms.endpoint())) {
      FaultyHttpProxy dynamo = backends.dynamo == null ? null : FaultyHttpProxy.start(backends.dynamo.endpoint());
      Map<String, String> endpoints = new java.util.HashMap<>(Map.of(
          "ENVELOPE_S3_ENDPOINT", s3.endpoint().toString(), "ENVELOPE_KMS_ENDPOINT", kms.endpoint().toString()));
      if (dynamo != null) {
        endpoints.put("ENVELOPE_DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
      }
      ServeProcess c = node("c", endpoints);
      try {
        String kept = upload(c, "kept", random(20_000, 41));

        s3.respond(500, Map.of("Content-Type", "application/xml"),
            "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>");
        s3.resetRequests();
        assertUnavailable(tryUpload(c, "while-s3-fails", random(30_000, 42)));
        assertTrue(s3.requests() > 1, "S3's 500 was retried: " + s3.requests() + " request(s)");
        s3.respond(503, Map.of("Content-Type", "application/xml"),
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
        assertUnavailable(get(c, "/v1/files/" + kept));
        s3.passThrough();

        kms.respond(400, Map.of("Content-Type", "application/x-amz-json-1.1"),
            "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
        kms.resetRequests();
        assertUnavailable(tryUpload(c, "while-kms-throttles", random(30_000, 43)));
        assertTrue(kms.requests() > 1, "KMS throttling was retried: " + kms.requests() + " request(s)");
        kms.passThrough();

        if (dynamo != null) {
          dynamo.respond(500, Map.of("Content-Type", "application/x-amz-json-1.0"),
              "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"boom\"}");
          dynamo.resetRequests();
          assertUnavailable(tryUpload(c, "while-dynamodb-fails", random(30_000, 45)));
          assertTrue(dynamo.requests() > 1, "DynamoDB's 500 was retried: " + dynamo.requests() + " request(s)");
          dynamo.respond(400, Map.of("Content-Type", "application/x-amz-json-1.0"),
              "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
                  + "\"message\":\"slow down\"}");
          assertUnavailable(get(c, "/v1/files/" + kept));
          dynamo.passThrough();
        }

        assertEquals(200, get(c, "/v1/files/" + kept).statusCode());
        String after = upload(c, "after", random(30_000, 44));
        assertEquals(200, get(c, "/v1/files/" + after).statusCode());
        assertEveryRowHasItsBlob();
      } finally {
        c.process().destroy();
        c.process().waitFor(30, TimeUnit.SECONDS);
        if (dynamo != null) {
          dynamo.close();
        }
      }
    }
  }

  private HttpResponse<byte[]> tryUpload(String name, byte[] content) throws Exception {
    return tryUpload(a, name, content);
  }

  private HttpResponse<byte[]> tryUpload(ServeProcess node, String name, byte[] content) throws Exception {
    return http().send(request(node, "/v1/files?name=" + name).POST(HttpRequest.BodyPublishers.ofByteArray(content))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void assertUnavailable(HttpResponse<byte[]> r) throws Exception {
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertEquals(503, r.statusCode(), body);
    assertEquals("5", r.headers().firstValue("Retry-After").orElse(null));
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), body);
    JsonNode problem = JSON.readTree(body);
    assertEquals("unavailable", problem.get("code").asText().replace("keyring-unavailable", "unavailable"), body);
    assertFalse(body.contains("Exception") || body.contains("\tat "), "no stack trace: " + body);
    assertFalse(body.contains("127.0.0.1"), "no internal endpoint in a client's answer: " + body);
  }

  /** The node may need a moment (a pool's reconnect, a cached readiness) once the dependency is back. */
  private HttpResponse<byte[]> eventually200(ServeProcess node, String path) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    HttpResponse<byte[]> r;
    do {
      r = get(node, path);
      if (r.statusCode() == 200) {
        return r;
      }
      assertEquals(503, r.statusCode(), "only 'not yet' while recovering");
      Thread.sleep(250);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the node did not recover within 60 s: " + r.statusCode());
  }

  private void assertEveryRowHasItsBlob() throws Exception {
    Set<String> blobs = blobKeys();
    List<String> rows = listAll(a);
    assertTrue(blobs.containsAll(rows), "every row has its blob: rows " + rows + ", blobs " + blobs);
  }

  /** The committed blobs in the bucket, by key under the node's prefix. */
  private Set<String> blobKeys() {
    return backends.s3.client().listObjectsV2Paginator(ListObjectsV2Request.builder()
        .bucket(SharedBackends.BUCKET).prefix("files/").build()).contents().stream().map(S3Object::key)
        .map(k -> k.substring("files/".length())).collect(Collectors.toSet());
  }
}
