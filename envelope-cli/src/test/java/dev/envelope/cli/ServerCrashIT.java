package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.keyring.Keyrings;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real {@code envelope serve} process in the middle of concurrent uploads. Afterwards, on a
 * restarted server over the same home: every upload that was acknowledged (201) is there, whole and right;
 * every file the server lists downloads whole and right (no row points at a missing or partial blob); and a blob
 * without a row is removed by the orphan sweeper once its grace period has passed, while blobs with rows stay.
 */
class ServerCrashIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int UPLOADERS = 6;

  @TempDir
  Path dir;

  private final String master = Keyrings.newMasterKeyBase64();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void killDashNineDuringUploads_losesNoAcknowledgedFile_leavesNoBrokenRow_andOrphansAreSwept() throws Exception {
    ServeProcess first = serve("1h");
    String token = first.firstToken().orElseThrow(() -> new AssertionError(first.stdout()));

    Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> uploaders = new ArrayList<>();
    for (int u = 0; u < UPLOADERS; u++) {
      Random random = new Random(u);
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          byte[] content = new byte[1 + random.nextInt(3_000_000)];
          random.nextBytes(content);
          try {
            HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(first.url() + "/v1/files?name=f"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
            if (up.statusCode() == 201) {
              acknowledged.put(JSON.readTree(up.body()).get("id").asText(), sha256(content));
            }
          } catch (IOException | InterruptedException e) {
            return; // the server died under this upload: it was never acknowledged
          }
        }
      });
      t.start();
      uploaders.add(t);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (acknowledged.size() < 25 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    first.process().destroyForcibly(); // SIGKILL, mid-upload: six uploads are in flight
    assertTrue(first.process().waitFor(30, TimeUnit.SECONDS));
    stop.set(true);
    for (Thread t : uploaders) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    assertTrue(acknowledged.size() >= 25, "enough uploads were acknowledged before the kill");

    // A blob whose row never came (the process died between the two writes), committed long ago.
    Path blobs = dir.resolve("home").resolve("blobs");
    String orphan = "orphanorphanorphanorphanor";
    Path orphanPath = blobs.resolve(orphan.substring(0, 2)).resolve(orphan);
    Files.createDirectories(orphanPath.getParent());
    Files.write(orphanPath, new byte[100]);
    Files.setLastModifiedTime(orphanPath, FileTime.from(Instant.now().minusSeconds(3600)));

    ServeProcess again = serve("1s");
    try {
      for (Map.Entry<String, byte[]> file : acknowledged.entrySet()) {
        HttpResponse<byte[]> down = get(again, token, "/v1/files/" + file.getKey());
        assertEquals(200, down.statusCode(), "acknowledged upload " + file.getKey() + " survived kill -9");
        assertArrayEquals(file.getValue(), sha256(down.body()), "acknowledged upload " + file.getKey() + " is intact");
      }
      List<String> listed = listAll(again, token);
      assertTrue(listed.containsAll(acknowledged.keySet()));
      assertTrue(listed.size() <= acknowledged.size() + UPLOADERS,
          "at most the in-flight uploads were stored without an acknowledgement");
      for (String id : listed) {
        HttpResponse<byte[]> down = get(again, token, "/v1/files/" + id);
        assertEquals(200, down.statusCode(), "every listed file is readable: no row without its whole blob");
      }

      // The sweeper runs every second with a one-second grace: the orphan goes, every blob with a row stays.
      long sweepDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (Files.exists(orphanPath) && System.nanoTime() < sweepDeadline) {
        Thread.sleep(100);
      }
      assertFalse(Files.exists(orphanPath), "the orphan blob was swept");
      assertEquals(Set.copyOf(listed), blobKeys(blobs), "exactly the listed files have blobs");
    } finally {
      again.process().destroy();
      again.process().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private ServeProcess serve(String orphanGrace) throws IOException {
    return ServeProcess.start(dir.resolve("home"), master, dir, "128m", "--orphan-grace", orphanGrace,
        "--sweep-interval", "1s");
  }

  private HttpResponse<byte[]> get(ServeProcess server, String token, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private List<String> listAll(ServeProcess server, String token) throws Exception {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      String path = "/v1/files?limit=10"
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      JsonNode page = JSON.readTree(get(server, token, path).body());
      page.get("files").forEach(f -> ids.add(f.get("id").asText()));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
    } while (cursor != null);
    return ids;
  }

  /** Committed blobs: the fan-out directories' files, without the temporary directory. */
  private static Set<String> blobKeys(Path blobs) throws IOException {
    try (Stream<Path> walk = Files.walk(blobs)) {
      return walk.filter(Files::isRegularFile).filter(p -> !p.getParent().getFileName().toString().equals(".tmp"))
          .map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
