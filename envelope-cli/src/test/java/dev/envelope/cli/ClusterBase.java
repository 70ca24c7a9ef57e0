package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What the cluster tests share: the backends (S3Proxy, the key server, dynalite or PostgreSQL by subclass),
 * started once per class, and {@code envelope serve} nodes on them, started per test as real processes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClusterBase {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  Path dir;
  SharedBackends backends;
  ServeProcess a;
  ServeProcess b;
  String token;

  abstract SharedBackends.Metadata metadata();

  @BeforeAll
  void startBackends() throws Exception {
    dir = Files.createTempDirectory("envelope-multinode-");
    backends = SharedBackends.start(metadata(), dir);
    if (metadata() == SharedBackends.Metadata.DYNAMODB) {
      // The operator's one-off step, through the real command: the server never creates tables.
      Process init = envelope(backends.env(), "admin", "init-dynamodb");
      String out = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
          + new String(init.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(init.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, init.exitValue(), out);
    }
  }

  @AfterEach
  void stopNodes() throws Exception {
    for (ServeProcess node : new ServeProcess[] {a, b}) {
      if (node != null) {
        node.process().destroy();
        node.process().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @AfterAll
  void stopBackends() throws IOException {
    if (backends != null) {
      backends.close();
    }
  }

  /** A node on the shared backends, with its own (unused) home; extra arguments go to {@code serve}. */
  ServeProcess node(String name, String... args) throws IOException {
    return node(name, Map.of(), args);
  }

  /**
   * As {@link #node(String, String...)}, with some of the backends' variables replaced. Each node has a
   * temporary directory of its own beside its home ({@code java.io.tmpdir} and {@code TMPDIR}).
   */
  ServeProcess node(String name, Map<String, String> overrides, String... args) throws IOException {
    String node = "node-" + name + "-" + System.nanoTime();
    Path home = Files.createDirectories(dir.resolve(node));
    Path tmp = Files.createDirectories(dir.resolve(node + "-tmp"));
    Map<String, String> env = new java.util.HashMap<>(backends.env());
    env.put("TMPDIR", tmp.toString());
    env.putAll(overrides);
    return ServeProcess.start(home, "unused-by-aws-kms", dir,
        List.of("-Xmx512m", "-Djava.io.tmpdir=" + tmp, "-XX:-UsePerfData"), env, args);
  }

  /** The first admin token, printed by the first node that ever started on these backends. */
  void rememberToken(ServeProcess first) {
    if (token == null) {
      token = first.firstToken().orElseThrow(() -> new AssertionError("the first node prints the admin token: "
          + first.stdout()));
    }
  }

  HttpClient http() {
    return http;
  }

  Process envelope(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "envelope.jar").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    return builder.start();
  }

  HttpRequest.Builder request(ServeProcess node, String path) {
    return HttpRequest.newBuilder(URI.create(node.url() + path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(120));
  }

  String upload(ServeProcess node, String name, byte[] content) throws IOException, InterruptedException {
    HttpResponse<String> up = http.send(request(node, "/v1/files?name=" + URLEncoder.encode(name,
        StandardCharsets.UTF_8)).POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, up.statusCode(), up.body());
    return JSON.readTree(up.body()).get("id").asText();
  }

  HttpResponse<byte[]> get(ServeProcess node, String path) throws IOException, InterruptedException {
    return http.send(request(node, path).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  List<String> listAll(ServeProcess node) throws Exception {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      String path = "/v1/files?limit=50"
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      HttpResponse<byte[]> r = get(node, path);
      assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
      JsonNode page = JSON.readTree(r.body());
      page.get("files").forEach(f -> ids.add(f.get("id").asText()));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
    } while (cursor != null);
    return ids;
  }

  static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
