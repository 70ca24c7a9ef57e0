package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MultipartTest {
  static final String BOUNDARY = "----envelope-test-boundary";
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  static byte[] part(String name, String filename, String type, byte[] content) {
    String headers = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
        + (filename == null ? "" : "; filename=\"" + filename + "\"") + "\r\n"
        + (type == null ? "" : "Content-Type: " + type + "\r\n") + "\r\n";
    return concat(headers.getBytes(StandardCharsets.UTF_8), content, "\r\n".getBytes(StandardCharsets.UTF_8));
  }

  static byte[] end() {
    return ("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static HttpResponse<String> post(byte[] body) throws Exception {
    return post(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  private static HttpResponse<String> post(HttpRequest.BodyPublisher body) throws Exception {
    return t.send(t.request("/v1/files", t.writer).header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(body).build());
  }

  private static int storedFiles() throws Exception {
    return t.fileCount();
  }

  @Test
  void theFilePartIsStoredWithItsNameAndType() throws Exception {
    byte[] content = RoundTripTest.random(20_000, 5);
    byte[] body = concat(part("note", null, null, "ignored field".getBytes()),
        part("file", "Фото.jpg", "image/jpeg", content), part("after", null, null, "also ignored".getBytes()), end());

    HttpResponse<String> r = post(body);

    assertEquals(201, r.statusCode(), r.body());
    JsonNode json = Json.MAPPER.readTree(r.body());
    assertEquals("Фото.jpg", json.get("name").asText());
    assertEquals("image/jpeg", json.get("contentType").asText());
    byte[] back = t.sendBytes(t.request("/v1/files/" + json.get("id").asText(), t.reader).build()).body();
    assertArrayEquals(content, back);
  }

  @Test
  void aContentThatLooksLikeABoundaryPrefixSurvives() throws Exception {
    byte[] content = ("\r\n--" + BOUNDARY.substring(0, 10) + "\r\n-\r").getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> r = post(concat(part("file", "tricky", null, content), end()));

    assertEquals(201, r.statusCode(), r.body());
    String id = Json.MAPPER.readTree(r.body()).get("id").asText();
    assertArrayEquals(content, t.sendBytes(t.request("/v1/files/" + id, t.reader).build()).body());
  }

  /**
   * Halfway through the file part the client holds the rest back until the server has written at least a
   * quarter of it to its blob directory: a parser that waited for the whole part (or spooled it) never does.
   * (A heap smaller than the body and an empty java.io.tmpdir: envelope-cli's ServeStreamingIT.)
   */
  @Test
  void aLargeFilePart_isStoredAsItArrives_andComesBackIntact() throws Exception {
    long size = 20L << 20;
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    AtomicLong storedAtHalf = new AtomicLong(-1);
    byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8);
    byte[] tail = concat("\r\n".getBytes(StandardCharsets.UTF_8), end());
    HttpResponse<String> r = post(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(
        Collections.enumeration(List.<InputStream>of(new java.io.ByteArrayInputStream(head),
            new RoundTripTest.GeneratedStream(size, sent)
                .pauseAt(size / 2, () -> storedAtHalf.set(RoundTripTest.awaitBlobFileOf(t, size / 4))),
            new java.io.ByteArrayInputStream(tail))))));

    assertTrue(storedAtHalf.get() >= size / 4, "with half the file part sent and the rest held back, the largest"
        + " file under blobs/ had " + storedAtHalf.get() + " bytes: the server does not store the part as it arrives");
    assertEquals(201, r.statusCode(), r.body());
    String id = Json.MAPPER.readTree(r.body()).get("id").asText();
    byte[] back = t.sendBytes(t.request("/v1/files/" + id, t.reader).build()).body();
    assertEquals(size, back.length);
    assertArrayEquals(sent.digest(), MessageDigest.getInstance("SHA-256").digest(back));
  }

  @ParameterizedTest
  @ValueSource(strings = {"noFilePart", "noClosingBoundary", "cutInsideTheFile", "twoFileParts", "garbage",
      "badHeaders", "noBoundaryParameter", "cutLongAfterTheFilePart", "secondFilePartLongAfterTheFirst"})
  void malformedBodiesAre400AndStoreNothing(String kind) throws Exception {
    byte[] file = part("file", "f.txt", "text/plain", "content".getBytes());
    byte[] body = switch (kind) {
      case "noFilePart" -> concat(part("other", null, null, "x".getBytes()), end());
      case "noClosingBoundary" -> file;
      case "cutInsideTheFile" -> java.util.Arrays.copyOf(file, file.length - 5);
      case "twoFileParts" -> concat(file, part("file", "g.txt", null, "y".getBytes()), end());
      case "garbage" -> "this is not multipart at all".getBytes();
      // The file part is complete in the first buffers read; what is wrong comes later, and still counts.
      case "cutLongAfterTheFilePart" -> concat(file, part("other", null, null, new byte[300_000]));
      case "secondFilePartLongAfterTheFirst" -> concat(file, part("other", null, null, new byte[300_000]),
          part("file", "g.txt", null, "y".getBytes()), end());
      case "badHeaders" -> concat(("--" + BOUNDARY + "\r\nno colon here\r\n\r\nx\r\n").getBytes(), end());
      default -> concat(file, end());
    };
    int before = storedFiles();

    HttpResponse<String> r = kind.equals("noBoundaryParameter")
        ? t.send(t.request("/v1/files", t.writer).header("Content-Type", "multipart/form-data")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build())
        : post(body);

    assertEquals(400, r.statusCode(), r.body());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(before, storedFiles());
  }

  @Test
  void aWindowsPathAsBrowsersSendIt_keepsItsBackslashes() throws Exception {
    // The HTML standard: backslashes are plain characters in a form part's filename (curl -F does the same).
    HttpResponse<String> r = post(concat(part("file", "C:\\Users\\me\\report.pdf", "application/pdf",
        "%PDF".getBytes(StandardCharsets.UTF_8)), end()));

    assertEquals(201, r.statusCode(), r.body());
    assertEquals("C:\\Users\\me\\report.pdf", Json.MAPPER.readTree(r.body()).get("name").asText());
  }

  @Test
  void aQuoteSentAsBrowsersEscapeIt_isAQuoteAgain() throws Exception {
    HttpResponse<String> r = post(concat(part("file", "say %22hi%22.txt", null, new byte[] {1}), end()));

    assertEquals(201, r.statusCode(), r.body());
    assertEquals("say \"hi\".txt", Json.MAPPER.readTree(r.body()).get("name").asText());
  }

  @Test
  void aNewlineSentAsBrowsersEscapeIt_isStillRefused() throws Exception {
    HttpResponse<String> r = post(concat(part("file", "two%0Alines.txt", null, new byte[] {1}), end()));

    assertEquals(400, r.statusCode(), r.body());
    assertEquals("invalid-argument", Json.MAPPER.readTree(r.body()).get("code").asText());
  }

  @Test
  void moreFormPartsThanTheLimit_areRefused() throws Exception {
    try (TestServer few = TestServer.configured(b -> b.bodyLimits(new BodyLimits(16 * 1024, 16, 3)))) {
      byte[] body = concat(part("a", null, null, new byte[1]), part("b", null, null, new byte[1]),
          part("c", null, null, new byte[1]), part("file", "f", null, new byte[1]), end());
      HttpResponse<String> r = few.send(few.request("/v1/files", few.writer)
          .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

      assertEquals(400, r.statusCode(), r.body());
      assertEquals(0, few.fileCount());
    }
  }
}
