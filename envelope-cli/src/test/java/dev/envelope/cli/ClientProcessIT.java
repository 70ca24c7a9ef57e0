package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code envelope.jar} as real processes: {@code envelope serve} in one, the local token admin and
 * the client commands in others, as an operator and a user would run them on one machine.
 */
class ClientProcessIT {
  private static final Path JAR = Path.of("target", "envelope.jar");
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  @TempDir
  static Path dir;

  private static final String MASTER = Keyrings.newMasterKeyBase64();
  private static Process serve;
  private static String url;
  private static String token;

  @BeforeAll
  static void serve() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command("serve", "--host", "127.0.0.1", "--port", "0"));
    environment(builder.environment());
    builder.redirectErrorStream(true);
    serve = builder.start();
    // The server says where it listens; everything else it prints goes to a file for the failure message.
    CompletableFuture<String> found = new CompletableFuture<>();
    Path log = dir.resolve("serve.log");
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          Files.writeString(log, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.APPEND);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            found.complete(m.group(1));
          }
        }
      } catch (IOException e) {
        found.completeExceptionally(e);
      }
      found.completeExceptionally(new IllegalStateException("envelope serve ended without listening"));
    }, "serve-output");
    reader.setDaemon(true);
    reader.start();
    try {
      url = found.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("envelope serve did not start: " + (Files.exists(log) ? Files.readString(log) : ""), e);
    }
    Run created = envelope(new byte[0], "tokens", "create", "--tenant", "it", "--role", "write");
    assertEquals(0, created.status, created.toString());
    token = created.out().strip();
  }

  @AfterAll
  static void stop() throws Exception {
    if (serve != null) {
      serve.destroy();
      serve.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void anUploadRoundTripsThroughSeparateProcessesByDigest() throws Exception {
    byte[] data = new byte[3 << 20];
    new Random(11).nextBytes(data);
    Path file = Files.write(dir.resolve("data.bin"), data);
    Run upload = envelope(new byte[0], "upload", file.toString());
    assertEquals(0, upload.status, upload.toString());
    String id = upload.out().strip();

    Run ls = envelope(new byte[0], "ls");
    assertTrue(ls.out().contains(id) && ls.out().contains("data.bin"), ls.out());

    Path out = dir.resolve("back.bin");
    Run download = envelope(new byte[0], "download", id, "-o", out.toString());
    assertEquals(0, download.status, download.toString());
    assertArrayEquals(sha256(data), sha256(Files.readAllBytes(out)));

    assertEquals(0, envelope(new byte[0], "rm", id).status);
    Run gone = envelope(new byte[0], "download", id, "-o", dir.resolve("gone.bin").toString());
    assertError(gone, 13, "not-found");
    assertTrue(!Files.exists(dir.resolve("gone.bin")), "a failed download leaves no file");
  }

  @Test
  void aSharedFile_downloadsByItsUrlWithoutAToken_untilItsLinkEnds() throws Exception {
    byte[] data = "shared by envelope share".getBytes(StandardCharsets.UTF_8);
    String id = envelope(new byte[0], "upload", Files.write(dir.resolve("shared.txt"), data).toString()).out().strip();
    Run share = envelope(new byte[0], "share", id, "--expires", "1h", "--max-downloads", "2");
    assertEquals(0, share.status, share.toString());
    String link = share.out().strip();
    assertTrue(link.startsWith(url + "/s/"), link);

    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<byte[]> got = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(link))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, got.statusCode());
    assertArrayEquals(data, got.body());

    Run ls = envelope(new byte[0], "share", "ls", id, "--json");
    assertEquals(0, ls.status, ls.toString());
    com.fasterxml.jackson.databind.JsonNode links = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(ls.out()).get("links");
    assertEquals(1, links.size(), ls.out());
    assertEquals(1, links.get(0).get("downloads").asInt());
    assertEquals(2, links.get(0).get("maxDownloads").asInt());
    assertTrue(!ls.out().contains(link.substring(link.lastIndexOf('.'))), "never the secret");

    assertEquals(0, envelope(new byte[0], "share", "revoke", id, links.get(0).get("id").asText()).status);
    assertEquals(404, http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(link)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray()).statusCode());

    Run json = envelope(new byte[0], "share", id, "--json");
    assertEquals(0, json.status, json.toString());
    com.fasterxml.jackson.databind.JsonNode made = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(json.out());
    assertTrue(made.get("url").asText().startsWith(url + "/s/") && made.get("maxDownloads").isNull(), json.out());

    assertError(envelope(new byte[0], "share", id, "--expires", "400d"), 2, "invalid-argument");
    assertError(envelope(new byte[0], "share", "aaaaaaaaaaaaaaaaaaaaaaaaaa"), 13, "not-found");
  }

  @Test
  void aWrongTokenExitsWithTheStatusOfUnauthenticated() throws Exception {
    Run r = envelope(Map.of("ENVELOPE_TOKEN", "env1.aaaaaaaaaaaaaaaa.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        "ls");
    assertError(r, 14, "unauthenticated");
  }

  @Test
  void aDownloadThatFailsLeavesNoFile() throws Exception {
    Run upload = envelope(new byte[] {1, 2, 3}, "upload", "-", "--name", "three");
    String id = upload.out().strip();
    Path target = Files.createDirectories(dir.resolve("target"));
    Run missingId = envelope(new byte[0], "download", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "-o",
        target.resolve("x").toString());
    assertError(missingId, 13, "not-found");
    Run noDir = envelope(new byte[0], "download", id, "-o", dir.resolve("no/such/dir/x").toString());
    assertError(noDir, 3, "io");
    try (Stream<Path> left = Files.list(target)) {
      assertEquals(List.of(), left.toList());
    }
  }

  @Test
  void theServersAuditLog_isOwnerOnly_verifies_andHoldsNoSecret_whileItRuns() throws Exception {
    byte[] data = "audit me, but never log me".getBytes(StandardCharsets.UTF_8);
    Run upload = envelope(data, "upload", "-", "--name", "audited-name");
    assertEquals(0, upload.status, upload.toString());
    assertEquals(0, envelope(new byte[0], "download", upload.out().strip(), "-o", dir.resolve("a.out").toString())
        .status);
    Path audit = dir.resolve("home").resolve("audit");

    Run verify = envelope(new byte[0], "audit", "verify", audit.toString());

    assertEquals(0, verify.status, verify.toString());
    assertTrue(verify.out().startsWith("ok: " + audit), verify.out());
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(audit)));
    try (Stream<Path> files = Files.list(audit)) {
      for (Path f : files.toList()) {
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(f)), f.toString());
        String text = Files.readString(f);
        for (String secret : List.of(token, "audit me", "audited-name")) {
          assertTrue(!text.contains(secret), f + " holds " + secret);
        }
      }
    }
  }

  private static void assertError(Run r, int status, String code) {
    assertEquals(status, r.status, r.toString());
    assertTrue(r.stderr.matches("envelope: error: [^\\n]+ \\[" + code + "\\]\\n"), r.toString());
  }

  private static Run envelope(byte[] stdin, String... args) throws Exception {
    return envelope(Map.of(), stdin, args);
  }

  private static Run envelope(Map<String, String> env, String... args) throws Exception {
    return envelope(env, new byte[0], args);
  }

  private static Run envelope(Map<String, String> env, byte[] stdin, String... args) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command(args));
    environment(builder.environment());
    if (url != null) {
      builder.environment().put("ENVELOPE_SERVER", url);
    }
    if (token != null) {
      builder.environment().put("ENVELOPE_TOKEN", token);
    }
    builder.environment().putAll(env);
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    builder.redirectError(err.toFile());
    Process p = builder.start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
      try {
        return p.getInputStream().readAllBytes();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, EnvelopeJar.THREAD_PER_TASK);
    try (var in = p.getOutputStream()) {
      in.write(stdin);
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "envelope " + String.join(" ", args) + " did not finish");
    return new Run(p.exitValue(), out.get(), Files.readString(err));
  }

  private static void environment(Map<String, String> env) {
    env.put("ENVELOPE_HOME", dir.resolve("home").toString());
    env.put("ENVELOPE_MASTER_KEY", MASTER);
    env.remove("ENVELOPE_TOKEN");
    env.remove("ENVELOPE_SERVER");
  }

  private static List<String> command(String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    return command;
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  private record Run(int status, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "exit " + status + ", stdout " + out() + ", stderr " + stderr;
    }
  }
}
