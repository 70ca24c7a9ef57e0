package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.core.testing.PlaintextScan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two {@code envelope serve} processes sharing one S3 (S3Proxy), one metadata store (dynalite or PostgreSQL,
 * by subclass) and one key server, each a real server on loopback: what one node stores, the other serves;
 * tokens work across nodes; 32 concurrent clients over both nodes lose nothing; and stopping a node with
 * {@code kill -9} in the middle of uploads loses no acknowledged upload, leaves no row without its blob, and
 * leaves the other node serving: every upload it is sent, before and after, answers 201. Uploads through both
 * nodes and the command line leave no plaintext in any file of the cluster.
 */
abstract class MultiNodeIT extends ClusterBase {
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeEach
  void startNodes() throws Exception {
    a = node("a");
    rememberToken(a);
    b = node("b");
  }

  @Test
  void uploadedOnA_downloadsByteIdenticalOnB_deletedOnB_goneOnA() throws Exception {
    byte[] content = random(3_000_000 + 17, 1);
    String id = upload(a, "report.pdf", content);

    HttpResponse<byte[]> onB = get(b, "/v1/files/" + id);
    assertEquals(200, onB.statusCode());
    assertArrayEquals(content, onB.body());
    HttpResponse<byte[]> range = http().send(request(b, "/v1/files/" + id).header("Range", "bytes=1000000-1000099")
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(206, range.statusCode());
    assertArrayEquals(java.util.Arrays.copyOfRange(content, 1_000_000, 1_000_100), range.body());
    assertTrue(listAll(b).contains(id));

    assertEquals(204, http().send(request(b, "/v1/files/" + id).DELETE().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode());

    assertEquals(404, get(a, "/v1/files/" + id).statusCode());
    assertEquals(404, get(b, "/v1/files/" + id).statusCode());
    assertTrue(!listAll(a).contains(id));
  }

  @Test
  void aTokenMadeOnOneNodeWorksOnTheOther_andItsRevocationToo() throws Exception {
    HttpResponse<String> made = http().send(request(a, "/v1/tokens").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"tenant\":\"other\",\"role\":\"write\",\"name\":\"it\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, made.statusCode(), made.body());
    JsonNode created = JSON.readTree(made.body());
    String other = created.get("token").asText();

    HttpResponse<String> list = http().send(HttpRequest.newBuilder(URI.create(b.url() + "/v1/files"))
        .header("Authorization", "Bearer " + other).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, list.statusCode());
    assertEquals(0, JSON.readTree(list.body()).get("files").size(), "tenant 'other' sees none of 'default'");

    assertEquals(204, http().send(request(b, "/v1/tokens/" + created.get("id").asText()).DELETE().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode());
    assertEquals(401, http().send(HttpRequest.newBuilder(URI.create(a.url() + "/v1/files"))
        .header("Authorization", "Bearer " + other).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
  }

  @Test
  void envelopeTokensOnTheSharedStore_makesATokenEveryNodeAccepts() throws Exception {
    Process create = envelope(backends.env(), "tokens", "create", "--tenant", "ops", "--role", "read",
        "--name", "made by the operator");
    String out = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(create.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(create.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, create.exitValue(), err);
    String opsToken = out.strip();

    for (ServeProcess node : new ServeProcess[] {a, b}) {
      HttpResponse<String> list = http().send(HttpRequest.newBuilder(URI.create(node.url() + "/v1/files"))
          .header("Authorization", "Bearer " + opsToken).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, list.statusCode(), list.body());
    }
  }

  @Test
  void thirtyTwoClientsOverBothNodes_loseNothing() throws Exception {
    int clients = 32;
    int filesEach = 4;
    Map<String, byte[]> stored = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        work.add(pool.submit(() -> {
          Random random = new Random(client);
          for (int f = 0; f < filesEach; f++) {
            // Sizes from empty to beyond one S3 part, so both PutObject and multipart uploads run.
            int size = switch ((client + f) % 4) {
              case 0 -> 0;
              case 1 -> 1 + random.nextInt(70_000);
              case 2 -> 200_000 + random.nextInt(800_000);
              default -> (client % 8 == 3) ? 9 * 1024 * 1024 + random.nextInt(1000) : random.nextInt(100);
            };
            byte[] content = new byte[size];
            random.nextBytes(content);
            ServeProcess up = (client + f) % 2 == 0 ? a : b;
            ServeProcess down = up == a ? b : a;
            String id = upload(up, "c" + client + "-" + f, content);
            stored.put(id, sha256(content));
            HttpResponse<byte[]> back = get(down, "/v1/files/" + id);
            assertEquals(200, back.statusCode());
            assertArrayEquals(sha256(content), sha256(back.body()), "file " + id + " read back on the other node");
          }
          return null;
        }));
      }
      for (Future<?> f : work) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(clients * filesEach, stored.size());
    Set<String> listedOnA = new HashSet<>(listAll(a));
    assertTrue(listedOnA.containsAll(stored.keySet()), "every upload is listed");
    for (Map.Entry<String, byte[]> file : stored.entrySet()) {
      assertArrayEquals(file.getValue(), sha256(get(b, "/v1/files/" + file.getKey()).body()));
    }
  }

  @Test
  void killingNodeAMidLoad_losesNoAcknowledgedUpload_nodeBKeepsServing_andNoRowLacksItsBlob() throws Exception {
    Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean aKilled = new AtomicBoolean(); // set just before the SIGKILL
    AtomicBoolean aDead = new AtomicBoolean(); // set once the process is gone
    AtomicInteger acknowledgedByBAfterADied = new AtomicInteger();
    List<Thread> uploaders = new ArrayList<>();
    for (int u = 0; u < 8; u++) {
      Random random = new Random(100 + u);
      ServeProcess target = u % 2 == 0 ? a : b;
      String node = target == a ? "A" : "B";
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          boolean startedAfterADied = aDead.get();
          byte[] content = new byte[1 + random.nextInt(4_000_000)];
          random.nextBytes(content);
          HttpResponse<String> up;
          try {
            up = http().send(request(target, "/v1/files?name=load").timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
          } catch (IOException e) {
            if (target == a && aKilled.get()) {
              return; // node A died under (or before) this upload: it was never acknowledged
            }
            failures.add(new AssertionError("node " + node + " failed an upload", e));
            return;
          } catch (InterruptedException e) {
            return;
          }
          if (up.statusCode() != 201) {
            failures.add(new AssertionError("node " + node + " answered " + up.statusCode() + ": " + up.body()));
            return;
          }
          try {
            acknowledged.put(JSON.readTree(up.body()).get("id").asText(), sha256(content));
          } catch (IOException e) {
            failures.add(new AssertionError("node " + node + " answered 201 with " + up.body(), e));
            return;
          }
          if (target == b && startedAfterADied) {
            acknowledgedByBAfterADied.incrementAndGet();
          }
        }
      }, "uploader-" + u + "-node-" + node);
      t.start();
      uploaders.add(t);
    }
    try {
      awaitOrFail(() -> acknowledged.size() >= 20, failures, "20 acknowledged uploads before the kill");
      aKilled.set(true);
      a.process().destroyForcibly(); // SIGKILL, mid-upload
      assertTrue(a.process().waitFor(30, TimeUnit.SECONDS));
      aDead.set(true);
      // The promise: B goes on serving alone. Uploads begun after A died must be acknowledged by B.
      awaitOrFail(() -> acknowledgedByBAfterADied.get() >= 8, failures,
          "8 uploads acknowledged by node B after node A died");
    } finally {
      stop.set(true);
      for (Thread t : uploaders) {
        t.join(TimeUnit.SECONDS.toMillis(120));
      }
    }
    for (Thread t : uploaders) {
      assertFalse(t.isAlive(), t.getName() + " is still uploading");
    }
    assertNoFailures(failures);

    for (Map.Entry<String, byte[]> file : acknowledged.entrySet()) {
      HttpResponse<byte[]> down = get(b, "/v1/files/" + file.getKey());
      assertEquals(200, down.statusCode(), "acknowledged upload " + file.getKey() + " survived node A");
      assertArrayEquals(file.getValue(), sha256(down.body()), "acknowledged upload " + file.getKey() + " is intact");
    }
    for (String id : listAll(b)) {
      assertEquals(200, get(b, "/v1/files/" + id).statusCode(), "every listed file is readable");
    }
  }

  /**
   * No plaintext byte on disk (invariant 4) on the scale-out stores: a 9 MiB file (two S3 parts) and a short one
   * go up raw through node A, a 1 MiB one as multipart through node B, and one more through {@code envelope
   * upload -} from stdin to node B; each comes back through the other node. Then every file under the cluster's
   * directory is scanned for each plaintext, raw, hex or base64: S3Proxy's objects, the metadata store's files
   * (dynalite's LevelDB, or PostgreSQL's whole data directory after a checkpoint), each node's home and own
   * temporary directory, the command's temporary directory, the logs. The scan must find each upload's name
   * (stored in the clear) among the metadata store's files and read at least the files' size in S3Proxy's.
   */
  @Test
  void uploadsThroughBothNodesAndTheCommandLine_leaveNoPlaintextOnAnyDisk() throws Exception {
    Map<String, byte[]> plaintexts = new LinkedHashMap<>();
    Map<String, String> names = new LinkedHashMap<>();
    Map<String, String> ids = new LinkedHashMap<>();
    Map<String, ServeProcess> uploadedTo = new LinkedHashMap<>();
    for (String label : List.of("a 9 MiB raw upload", "a short raw upload", "a multipart upload",
        "envelope upload")) {
      plaintexts.put(label, label.startsWith("a short") ? random(33, System.nanoTime())
          : PlaintextScan.repeatedMarker(label.startsWith("a 9 MiB") ? 9 << 20 : 1 << 20));
      names.put(label, "file-" + HexFormat.of().formatHex(random(8, System.nanoTime())) + ".bin");
    }
    ids.put("a 9 MiB raw upload", upload(a, names.get("a 9 MiB raw upload"), plaintexts.get("a 9 MiB raw upload")));
    uploadedTo.put("a 9 MiB raw upload", a);
    ids.put("a short raw upload", upload(a, names.get("a short raw upload"), plaintexts.get("a short raw upload")));
    uploadedTo.put("a short raw upload", a);
    ids.put("a multipart upload", multipartUpload(b, names.get("a multipart upload"),
        plaintexts.get("a multipart upload")));
    uploadedTo.put("a multipart upload", b);
    Path cliTmp = Files.createDirectories(dir.resolve("cli-tmp-" + System.nanoTime()));
    ids.put("envelope upload", new String(EnvelopeJar.run(Map.of("ENVELOPE_SERVER", b.url(), "ENVELOPE_TOKEN", token,
        "TMPDIR", cliTmp.toString()), cliTmp, plaintexts.get("envelope upload"), "upload", "-", "--name",
        names.get("envelope upload")), StandardCharsets.UTF_8).strip());
    uploadedTo.put("envelope upload", b);

    assertNoPlaintextOnDisk(plaintexts, names, "after the uploads");
    for (Map.Entry<String, String> file : ids.entrySet()) {
      ServeProcess other = uploadedTo.get(file.getKey()) == a ? b : a;
      HttpResponse<byte[]> down = get(other, "/v1/files/" + file.getValue());
      assertEquals(200, down.statusCode());
      assertArrayEquals(plaintexts.get(file.getKey()), down.body(), file.getKey() + " read back on the other node");
    }
    assertNoPlaintextOnDisk(plaintexts, names, "after the downloads");
  }

  private void assertNoPlaintextOnDisk(Map<String, byte[]> plaintexts, Map<String, String> names, String when)
      throws IOException {
    backends.flushMetadata();
    PlaintextScan scan = PlaintextScan.create();
    plaintexts.forEach(scan::plaintext);
    names.values().forEach(name -> scan.verbatim(name, name.getBytes(StandardCharsets.UTF_8)));
    PlaintextScan.Result found = scan.scan(List.of(backends.s3.dataDir(), dir));

    for (String label : plaintexts.keySet()) {
      assertEquals(List.of(), found.of(label), label + ", " + when);
    }
    long uploaded = plaintexts.values().stream().mapToLong(p -> p.length).sum();
    assertTrue(found.bytesUnder().get(backends.s3.dataDir()) >= uploaded, "the scan read only "
        + found.bytesUnder() + " under S3Proxy's data directory, less than the " + uploaded + " bytes uploaded");
    for (String name : names.values()) {
      assertTrue(found.of(name).stream().anyMatch(hit -> hit.file().startsWith(backends.rowFiles())),
          "the scan did not find the row of " + name + " under " + backends.rowFiles() + ", " + when);
    }
  }

  private String multipartUpload(ServeProcess node, String name, byte[] content) throws Exception {
    String boundary = "----envelope-multinode";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
        + "\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(content);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> up = http().send(request(node, "/v1/files")
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, up.statusCode(), up.body());
    return JSON.readTree(up.body()).get("id").asText();
  }

  /** Waits until {@code done}, failing at once when an uploader failed, or after 120 s without it. */
  private static void awaitOrFail(BooleanSupplier done, Queue<Throwable> failures, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!done.getAsBoolean()) {
      assertNoFailures(failures);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within 120 s");
      }
      Thread.sleep(20);
    }
  }

  private static void assertNoFailures(Queue<Throwable> failures) {
    if (!failures.isEmpty()) {
      AssertionError all = new AssertionError(failures.size() + " upload(s) failed; the first: "
          + failures.peek().getMessage(), failures.peek());
      failures.stream().skip(1).forEach(all::addSuppressed);
      throw all;
    }
  }
}
