package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.keyring.Keyrings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope serve} streams uploads and downloads: the server runs on a 64 MiB heap with a temporary
 * directory of its own, and takes a 256 MiB body (four times its heap), raw and {@code multipart/form-data},
 * made up on the fly by the test (which holds none of it either), then gives it back byte for byte (SHA-256
 * computed as the bytes pass). Halfway through each upload the test holds the rest of the body back until the
 * server has written at least half of what it received, as ciphertext, to its blob directory (a server that
 * buffers the body, in memory or in a file, never does), and looks at the server's temporary directory then
 * and at the end: nothing but sqlite-jdbc's native library may be there (no multipart spooling, no plaintext on
 * disk). {@code bin/check-memory} shows the same by hand, with curl and 2 GiB.
 */
class ServeStreamingIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HEAP = "-Xmx64m";
  private static final long SIZE = 256L << 20;
  private static final long HALF = SIZE / 2;
  private static final String BOUNDARY = "----envelope-streaming-it";
  /** What sqlite-jdbc unpacks into java.io.tmpdir: its native library and lock file, code and not data. */
  private static final Pattern SQLITE_LIBRARY = Pattern.compile("sqlite-.*-libsqlitejdbc\\.so(\\.lck)?");

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Path home;
  private Path serverTmp;
  private ServeProcess server;
  private String token;

  @BeforeEach
  void startServer() throws IOException {
    home = dir.resolve("home");
    serverTmp = Files.createDirectories(dir.resolve("server-tmp"));
    server = ServeProcess.start(home, Keyrings.newMasterKeyBase64(), dir,
        List.of(HEAP, "-Djava.io.tmpdir=" + serverTmp, "-XX:-UsePerfData"), Map.of());
    token = server.firstToken().orElseThrow(() -> new AssertionError("no first token: " + server.stdout()));
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.process().destroy();
    server.process().waitFor(30, TimeUnit.SECONDS);
  }

  @Test
  void aRawUploadOfFourTimesTheHeap_isStoredAsItArrives_andStreamsBackIntact() throws Exception {
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    HeldBack held = new HeldBack();
    HttpRequest request = request("/v1/files?name=big.bin").header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new GeneratedBody(SIZE, 1, sent).pauseAt(HALF, held)))
        .build();

    String id = uploaded(request, held);

    assertStreamsBack(id, sent.digest());
    assertNothingSpooled();
  }

  @Test
  void aMultipartUploadOfFourTimesTheHeap_isStoredAsItArrives_andStreamsBackIntact() throws Exception {
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    HeldBack held = new HeldBack();
    byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
    Supplier<InputStream> body = () -> new SequenceInputStream(Collections.enumeration(List.of(
        new ByteArrayInputStream(head), new GeneratedBody(SIZE, 2, sent).pauseAt(HALF, held),
        new ByteArrayInputStream(tail))));
    // With a Content-Length this time (the raw upload above is chunked).
    HttpRequest request = request("/v1/files").header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(body),
            head.length + SIZE + tail.length))
        .build();

    String id = uploaded(request, held);

    assertStreamsBack(id, sent.digest());
    assertNothingSpooled();
  }

  /**
   * The check made while the second half of the body is held back: it waits (up to 20 s, below the server's
   * 30 s idle timeout) until some file under the blob directory holds at least half of what was sent so far,
   * then lists the server's temporary directory.
   */
  private final class HeldBack implements Runnable {
    volatile boolean ran;
    volatile long largestBlobFile;
    volatile List<String> spooled;

    @Override
    public void run() {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      try {
        while ((largestBlobFile = largestFile(home.resolve("blobs"))) < HALF / 2 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        spooled = spooled();
      } catch (IOException e) {
        spooled = List.of("(cannot list: " + e + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ran = true;
    }
  }

  /** Sends the upload and checks what was seen while its second half was held back; the new file's id. */
  private String uploaded(HttpRequest request, HeldBack held) throws Exception {
    HttpResponse<String> answer = null;
    IOException failed = null;
    try {
      answer = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      failed = e; // reported after what was seen halfway, which says more
    }
    if (!held.ran) {
      throw new AssertionError("the upload ended before its halfway point: " + (failed != null ? failed
          : answer.statusCode() + " " + answer.body()), failed);
    }
    assertTrue(held.largestBlobFile >= HALF / 2, "with " + HALF + " bytes sent and the rest held back, the"
        + " largest file under blobs/ has " + held.largestBlobFile + " bytes: the server is not storing the body"
        + " as it arrives");
    assertEquals(List.of(), held.spooled, "files in the server's temporary directory halfway through the upload");
    if (failed != null) {
      throw failed;
    }
    assertEquals(201, answer.statusCode(), answer.body());
    JsonNode file = JSON.readTree(answer.body());
    assertEquals(SIZE, file.get("size").asLong());
    return file.get("id").asText();
  }

  private void assertStreamsBack(String id, byte[] sentDigest) throws Exception {
    HttpResponse<InputStream> down = http.send(request("/v1/files/" + id).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, down.statusCode());
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    long total = 0;
    try (InputStream in = down.body()) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; total += n) {
        received.update(buffer, 0, n);
      }
    }
    assertEquals(SIZE, total);
    assertArrayEquals(sentDigest, received.digest(), "the download differs from the upload");
    assertTrue(server.process().isAlive(), "the server on " + HEAP + " is still running");
  }

  private void assertNothingSpooled() throws IOException {
    assertEquals(List.of(), spooled(), "files in the server's temporary directory after the upload");
    // Nothing spooled proves something only if the server really uses this directory: its sqlite library is here.
    try (Stream<Path> files = Files.list(serverTmp)) {
      assertTrue(files.anyMatch(f -> SQLITE_LIBRARY.matcher(f.getFileName().toString()).matches()),
          "sqlite-jdbc unpacked its library into " + serverTmp + ": the server's java.io.tmpdir");
    }
  }

  /** Every regular file under the server's temporary directory but sqlite-jdbc's library. */
  private List<String> spooled() throws IOException {
    try (Stream<Path> files = Files.walk(serverTmp)) {
      return files.filter(Files::isRegularFile)
          .filter(f -> !SQLITE_LIBRARY.matcher(f.getFileName().toString()).matches())
          .map(f -> serverTmp.relativize(f) + " (" + f.toFile().length() + " bytes)").toList();
    }
  }

  private static long largestFile(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    // A file can be renamed or removed between listing and measuring: it then counts as empty, or the walk as
    // finding nothing this time; the caller looks again.
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).max().orElse(0);
    } catch (java.io.UncheckedIOException e) {
      return 0;
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofMinutes(5));
  }
}
