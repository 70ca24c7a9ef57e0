package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two {@code envelope serve} processes sharing one S3 (S3Proxy), one metadata store (dynalite or PostgreSQL,
 * by subclass) and one key server, each a real server on loopback: what one node stores, the other serves;
 * tokens work across nodes; 32 concurrent clients over both nodes lose nothing; and stopping a node with
 * {@code kill -9} in the middle of uploads loses no acknowledged upload and leaves no row without its blob.
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
  void killingNodeAMidLoad_losesNoAcknowledgedUpload_andLeavesNoRowWithoutItsBlob() throws Exception {
    Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> uploaders = new ArrayList<>();
    for (int u = 0; u < 8; u++) {
      Random random = new Random(100 + u);
      ServeProcess target = u % 2 == 0 ? a : b;
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          byte[] content = new byte[1 + random.nextInt(4_000_000)];
          random.nextBytes(content);
          try {
            HttpResponse<String> up = http().send(request(target, "/v1/files?name=load").timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
            if (up.statusCode() == 201) {
              acknowledged.put(JSON.readTree(up.body()).get("id").asText(), sha256(content));
            }
          } catch (IOException e) {
            if (target == b) {
              throw new java.io.UncheckedIOException("node B failed an upload", e);
            }
            // node A died under this upload: it was never acknowledged; go on against a dead node until stopped
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      t.start();
      uploaders.add(t);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (acknowledged.size() < 20 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    a.process().destroyForcibly(); // SIGKILL, mid-upload
    assertTrue(a.process().waitFor(30, TimeUnit.SECONDS));
    Thread.sleep(1000); // B goes on alone for a moment
    stop.set(true);
    for (Thread t : uploaders) {
      t.join(TimeUnit.SECONDS.toMillis(120));
    }
    assertTrue(acknowledged.size() >= 20, "enough uploads were acknowledged before the kill");

    for (Map.Entry<String, byte[]> file : acknowledged.entrySet()) {
      HttpResponse<byte[]> down = get(b, "/v1/files/" + file.getKey());
      assertEquals(200, down.statusCode(), "acknowledged upload " + file.getKey() + " survived node A");
      assertArrayEquals(file.getValue(), sha256(down.body()), "acknowledged upload " + file.getKey() + " is intact");
    }
    for (String id : listAll(b)) {
      assertEquals(200, get(b, "/v1/files/" + id).statusCode(), "every listed file is readable");
    }
  }

}
