package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoundTripTest {
  private static final int FIRST = TestServer.FIRST_SEGMENT_PLAINTEXT;
  private static final int NEXT = TestServer.SEGMENT_PLAINTEXT;
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static JsonNode upload(TestServer t, String name, byte[] content) throws Exception {
    HttpResponse<String> r = t.send(t.request("/v1/files?name=" + name, t.writer)
        .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build());
    assertEquals(201, r.statusCode(), r.body());
    return Json.MAPPER.readTree(r.body());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4039, 4040, 4041, 4040 + 4080 - 1, 4040 + 4080, 4040 + 4080 + 1, 100_000})
  void filesOfEverySizeAroundSegmentBoundariesComeBackIdentical(int size) throws Exception {
    assertEquals(FIRST + NEXT, 4040 + 4080, "the sizes above sit on this segment layout");
    byte[] content = random(size, size);
    JsonNode stored = upload(t, "f.bin", content);
    assertEquals(size, stored.get("size").asLong());

    HttpResponse<byte[]> down = t.sendBytes(t.request("/v1/files/" + stored.get("id").asText(), t.reader).build());

    assertEquals(200, down.statusCode());
    assertArrayEquals(content, down.body());
    assertEquals(String.valueOf(size), down.headers().firstValue("Content-Length").orElseThrow());
  }

  @Test
  void uploadAnswersTheFileWithLocationAndRfc3339Time() throws Exception {
    HttpResponse<String> r = t.send(t.request("/v1/files?name=note.txt", t.writer).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("attack at dawn")).build());

    JsonNode json = Json.MAPPER.readTree(r.body());
    assertEquals(201, r.statusCode());
    assertEquals("/v1/files/" + json.get("id").asText(), r.headers().firstValue("Location").orElseThrow());
    assertEquals("note.txt", json.get("name").asText());
    assertEquals("text/plain", json.get("contentType").asText());
    assertEquals(14, json.get("size").asLong());
    assertTrue(json.get("createdAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
    assertEquals(Set.of("id", "name", "size", "contentType", "createdAt", "sha256"), fields(json));
    assertTrue(json.get("sha256").asText().matches("[0-9a-f]{64}"), json.toString());
  }

  @Test
  void downloadCarriesTheStoredTypeAndSafeHeaders() throws Exception {
    JsonNode stored = upload(t, "page.html", "<script>alert(1)</script>".getBytes());
    String id = stored.get("id").asText();

    HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.reader).build());

    assertEquals("application/octet-stream", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
    assertEquals("sandbox", r.headers().firstValue("Content-Security-Policy").orElseThrow());
    assertEquals("bytes", r.headers().firstValue("Accept-Ranges").orElseThrow());
    assertEquals("\"" + id + "\"", r.headers().firstValue("ETag").orElseThrow());
    assertEquals("attachment; filename=\"page.html\"; filename*=UTF-8''page.html",
        r.headers().firstValue("Content-Disposition").orElseThrow());
  }

  @Test
  void headAndMetadataDescribeTheFileWithoutItsBytes() throws Exception {
    JsonNode stored = upload(t, "h.bin", random(5000, 1));
    String id = stored.get("id").asText();

    HttpResponse<String> head = t.send(t.request("/v1/files/" + id, t.reader)
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    HttpResponse<String> meta = t.send(t.request("/v1/files/" + id + "/metadata", t.reader).build());

    assertEquals(200, head.statusCode());
    assertEquals("5000", head.headers().firstValue("Content-Length").orElseThrow());
    assertEquals("", head.body());
    assertEquals(stored, Json.MAPPER.readTree(meta.body()));
  }

  @Test
  void listPagesNewestFirstAndDeleteRemoves() throws Exception {
    try (TestServer own = TestServer.start()) {
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        ids.add(upload(own, "n" + i, new byte[] {(byte) i}).get("id").asText());
      }
      JsonNode first = Json.MAPPER.readTree(own.send(own.request("/v1/files?limit=3", own.reader).build()).body());
      String cursor = first.get("nextCursor").asText();
      JsonNode second = Json.MAPPER.readTree(own.send(own.request("/v1/files?limit=3&cursor="
          + java.net.URLEncoder.encode(cursor, "UTF-8"), own.reader).build()).body());

      assertEquals(3, first.get("files").size());
      assertEquals(2, second.get("files").size());
      assertTrue(second.get("nextCursor").isNull());
      Set<String> listed = new HashSet<>();
      first.get("files").forEach(f -> listed.add(f.get("id").asText()));
      second.get("files").forEach(f -> listed.add(f.get("id").asText()));
      assertEquals(ids, listed);

      String gone = ids.iterator().next();
      assertEquals(204, own.send(own.request("/v1/files/" + gone, own.writer).DELETE().build()).statusCode());
      assertEquals(404, own.send(own.request("/v1/files/" + gone, own.reader).build()).statusCode());
      assertEquals(404, own.send(own.request("/v1/files/" + gone, own.writer).DELETE().build()).statusCode());
    }
  }

  @Test
  void badLimitsAreRefused() throws Exception {
    for (String limit : new String[] {"0", "1001", "x", "-1", ""}) {
      assertEquals(400, t.send(t.request("/v1/files?limit=" + limit, t.reader).build()).statusCode(), limit);
    }
  }

  /**
   * Halfway through the body the client holds the rest back until the server has written at least a quarter of
   * the file to its blob directory: a server that waited for the whole body never does. (That its heap stays flat
   * and that nothing lands in java.io.tmpdir is shown by envelope-cli's ServeStreamingIT: a 64 MiB heap and a
   * 256 MiB body. Here the body would fit this JVM's heap.)
   */
  @Test
  void aHundredMebibytes_areStoredAsTheyArrive_andStreamBackIntact() throws Exception {
    long size = 100L << 20;
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    AtomicLong storedAtHalf = new AtomicLong(-1);
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(() -> new GeneratedStream(size, sent)
        .pauseAt(size / 2, () -> storedAtHalf.set(awaitBlobFileOf(t, size / 4))));
    HttpResponse<String> up = t.send(t.request("/v1/files?name=big", t.writer).POST(body).build());
    assertTrue(storedAtHalf.get() >= size / 4, "with half the body sent and the rest held back, the largest file"
        + " under blobs/ had " + storedAtHalf.get() + " bytes: the server does not store the body as it arrives");
    assertEquals(201, up.statusCode(), up.body());
    String id = Json.MAPPER.readTree(up.body()).get("id").asText();

    HttpResponse<InputStream> down = t.http.send(t.request("/v1/files/" + id, t.reader).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    long total = 0;
    try (InputStream in = down.body()) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; total += n) {
        received.update(buffer, 0, n);
      }
    }
    assertEquals(size, total);
    assertArrayEquals(sent.digest(), received.digest());
  }

  @Test
  void healthAndReadinessNeedNoToken() throws Exception {
    assertEquals("{\"status\":\"ok\"}", t.send(t.request("/healthz", null).build()).body());
    assertEquals(200, t.send(t.request("/readyz", null).build()).statusCode());
  }

  static Set<String> fields(JsonNode json) {
    Set<String> names = new HashSet<>();
    json.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** {@link TestServer#awaitBlobFileOf}, for a body's pause: -1 if interrupted. */
  static long awaitBlobFileOf(TestServer server, long bytes) {
    try {
      return server.awaitBlobFileOf(bytes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * Pseudo-random bytes made on the fly, digested as they are read: 100 MiB without 100 MiB of heap. {@link
   * #pauseAt} runs a check once, when exactly that many bytes have been read, before any more are made.
   */
  static final class GeneratedStream extends InputStream {
    private final Random random = new Random(42);
    private final MessageDigest digest;
    private long left;
    private long produced;
    private long pauseOffset = -1;
    private Runnable pause;

    GeneratedStream(long size, MessageDigest digest) {
      this.left = size;
      this.digest = digest;
    }

    GeneratedStream pauseAt(long offset, Runnable check) {
      this.pauseOffset = offset;
      this.pause = check;
      return this;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pause != null && produced == pauseOffset) {
        Runnable check = pause;
        pause = null;
        check.run();
      }
      if (left == 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      if (pause != null && produced < pauseOffset) {
        n = (int) Math.min(n, pauseOffset - produced);
      }
      byte[] chunk = new byte[n];
      random.nextBytes(chunk);
      System.arraycopy(chunk, 0, b, off, n);
      digest.update(chunk);
      left -= n;
      produced += n;
      return n;
    }
  }
}
