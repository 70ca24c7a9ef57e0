package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.keyring.Keyrings;
import dev.envelope.postgres.PostgresMetadataStore;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.TenantRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope admin migrate} as a real process, from the embedded defaults (a directory, SQLite and the local
 * keyring, as {@code bin/envelope serve} starts) to S3Proxy, PostgreSQL and Envelope's key server (over the AWS KMS
 * API): killed with {@code kill -9} halfway, then run again, after which a real {@code envelope serve} on the
 * target's settings file serves every file byte for byte, to the tokens made on the source.
 */
class MigrateKillIT {
  private static final int FILES = 1500;
  private static final int SHARED = 100;
  private static final Pattern SUMMARY = Pattern.compile("migrate: (\\d+) rows, (\\d+) copied \\((\\d+) bytes\\),"
      + " (\\d+) skipped \\(on the target already\\), 0 of shredded tenants, 0 failed, (\\d+) verified; (\\d+) tokens,"
      + " (\\d+) tenants \\((\\d+) new root keys\\) copied; in [0-9.]+ s \\(\\d+ rows/s\\)");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void killDashNineMidMigration_thenARerunFinishes_andANodeOnTheTargetServesEveryFile() throws Exception {
    // The source: an embedded home as 'bin/envelope serve' makes it, with two tenants (one with a key of its own),
    // format 1 and format 2 rows, and a read token for each tenant.
    Path home = dir.resolve("home");
    CliRunner source = new CliRunner(home, Keyrings.newMasterKeyBase64());
    Map<String, byte[]> content = new LinkedHashMap<>();
    Map<String, String> tenantOf = new HashMap<>();
    List<FileRecord> sourceRows;
    String acmeSourceKey;
    HomeNode.open(source.env).close(); // makes the home, as the first start of 'envelope serve' does
    assertEquals(0, source.run("tenants", "create", "acme").status);
    try (HomeNode node = HomeNode.open(source.env);
        HomeNode shared = HomeNode.open(source.env, Map.of(Setting.DATA_KEY_CACHE, "5m,1000,1G"))) {
      for (int i = 0; i < FILES; i++) {
        Principal who = Principal.of(i % 3 == 0 ? "globex" : "acme", Role.WRITE);
        byte[] bytes = random(i == 7 ? (1 << 20) + 13 : 100 + (i * 37) % 3000, i);
        FileRecord row = i < SHARED
            ? shared.files().upload(who, "s" + i, null, new ByteArrayInputStream(bytes), bytes.length)
            : node.files().upload(who, "f" + i, "application/x-test", new ByteArrayInputStream(bytes));
        content.put(row.id(), bytes);
        tenantOf.put(row.id(), row.tenant());
      }
      sourceRows = rows(node.backends().metadata);
      acmeSourceKey = node.backends().tenants.findTenant("acme").orElseThrow().rootKey();
    }
    assertEquals(SHARED, sourceRows.stream().filter(r -> r.formatVersion() == FileRecord.FORMAT_SHARED_KEY).count());
    Map<String, String> tokens = new HashMap<>();
    for (String tenant : List.of("acme", "globex")) {
      CliRunner.Result made = source.run("tokens", "create", "--tenant", tenant, "--role", "read");
      assertEquals(0, made.status, made.toString());
      tokens.put(tenant, made.out().strip());
    }

    try (SharedBackends target = SharedBackends.start(SharedBackends.Metadata.POSTGRES, dir.resolve("target"))) {
      Path conf = target.writeSettings(dir.resolve("target.conf"));
      Map<String, String> env = new HashMap<>(source.env);
      env.putAll(target.awsEnv());
      long keysBefore = target.kms.calls("CreateKey");

      // The first run, killed once a fifth of the rows are on the target.
      try (PostgresMetadataStore rows = PostgresMetadataStore.open(target.postgres.config(target
          .postgresDatabase()))) {
        Process first = start(env, "first.out", "admin", "migrate", "--to", conf.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        long copied = 0;
        while (copied < FILES / 5 && System.nanoTime() < deadline && first.isAlive()) {
          Thread.sleep(50);
          copied = rows(rows).size();
        }
        assertTrue(first.isAlive(), "the first run must still be going when it is killed: "
            + Files.readString(dir.resolve("first.out")));
        first.destroyForcibly(); // SIGKILL
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        long halfway = rows(rows).size();
        assertTrue(halfway >= FILES / 5 && halfway < FILES, "killed halfway: " + halfway + " rows on the target");

        // The second run finishes: what the first copied is skipped, the rest copied, everything read back.
        Process second = start(env, "second.out", "admin", "migrate", "--to", conf.toString());
        assertTrue(second.waitFor(10, TimeUnit.MINUTES), "the second run did not finish");
        String out = Files.readString(dir.resolve("second.out"));
        assertEquals(0, second.exitValue(), out);
        Matcher m = SUMMARY.matcher(out);
        assertTrue(m.find(), out);
        System.out.println("MigrateKillIT: killed with " + halfway + " rows on the target; then " + m.group());
        assertEquals(FILES, Long.parseLong(m.group(1)), out);
        assertEquals(FILES - halfway, Long.parseLong(m.group(2)), out);
        assertEquals(halfway, Long.parseLong(m.group(4)), out);
        assertEquals(FILES, Long.parseLong(m.group(5)), "every file verified on the target: " + out);
        assertEquals(List.of(0L, 0L, 0L), List.of(Long.parseLong(m.group(6)), Long.parseLong(m.group(7)),
            Long.parseLong(m.group(8))), "tokens and tenants went with the first run: " + out);

        // The rows: the same columns, wrapped by the key server; acme under a new key of its own there.
        TenantRecord acme = rows.findTenant("acme").orElseThrow();
        assertTrue(acme.rootKey().startsWith("arn:aws:kms:") && acme.ownKey(), acme.toString());
        assertNotEquals(acmeSourceKey, acme.rootKey());
        assertEquals(keysBefore + 1, target.kms.calls("CreateKey"), "one new key, made once despite the kill");
        String nodeKey = target.kms.client().describeKey(r -> r.keyId(SharedBackends.ROOT_ALIAS)).keyMetadata().arn();
        List<FileRecord> migrated = rows(rows);
        assertEquals(FILES, migrated.size());
        for (int i = 0; i < FILES; i++) {
          FileRecord was = sourceRows.get(i);
          FileRecord now = migrated.get(i);
          assertEquals(List.of(was.id(), was.tenant(), was.name(), was.contentType(), was.size(), was.createdAt(),
              was.formatVersion(), was.segmentSize()), List.of(now.id(), now.tenant(), now.name(), now.contentType(),
              now.size(), now.createdAt(), now.formatVersion(), now.segmentSize()));
          assertEquals("aws-kms", now.keyService());
          assertEquals(now.tenant().equals("acme") ? acme.rootKey() : nodeKey, now.wrappedKey().rootKeyId());
        }
      }

      // A real node on the target's settings file serves every file, byte for byte, to the source's tokens.
      Path nodeHome = Files.createDirectories(dir.resolve("node"));
      ServeProcess node = ServeProcess.start(nodeHome, "unused-by-aws-kms", dir, List.of("-Xmx256m",
          "-XX:-UsePerfData"), target.awsEnv(), "--config", conf.toString());
      try {
        assertTrue(node.firstToken().isEmpty(), "the tokens came along, so no first token: " + node.stdout());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Set<String> served = new HashSet<>();
        for (Map.Entry<String, String> t : tokens.entrySet()) {
          for (String id : list(http, node, t.getValue())) {
            assertEquals(t.getKey(), tenantOf.get(id));
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/v1/files/" + id))
                .header("Authorization", "Bearer " + t.getValue()).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), id);
            assertArrayEquals(content.get(id), r.body(), "file " + id);
            served.add(id);
          }
        }
        assertEquals(content.keySet(), served, "every file, each to its own tenant");
      } finally {
        node.process().destroy();
        node.process().waitFor(30, TimeUnit.SECONDS);
      }
    }

    // The source: only read. Every row as it was, and its node still serves every file.
    try (HomeNode node = HomeNode.open(source.env)) {
      assertEquals(sourceRows, rows(node.backends().metadata));
      for (FileRecord row : sourceRows.subList(0, 50)) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var d = node.files().download(Principal.of(row.tenant(), Role.READ), row.id())) {
          d.writeTo(out);
        }
        assertArrayEquals(content.get(row.id()), out.toByteArray());
      }
    }
  }

  private static List<String> list(HttpClient http, ServeProcess node, String token) throws Exception {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      String path = "/v1/files?limit=1000"
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.url() + path))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode page = JSON.readTree(r.body());
      page.get("files").forEach(f -> ids.add(f.get("id").asText()));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
    } while (cursor != null);
    return ids;
  }

  private static List<FileRecord> rows(dev.envelope.service.MetadataStore store) throws Exception {
    List<FileRecord> all = new ArrayList<>();
    String cursor = null;
    do {
      FilePage page = store.scan(null, cursor, 1000);
      all.addAll(page.files());
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
    all.sort(java.util.Comparator.comparing(FileRecord::id));
    return all;
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private Process start(Map<String, String> env, String output, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + dir, "-XX:+UseSerialGC", "-XX:-UsePerfData", "-jar",
        Path.of("target", "envelope.jar").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(output).toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("ENVELOPE_") || k.startsWith("AWS_"));
    builder.environment().putAll(env);
    return builder.start();
  }
}
