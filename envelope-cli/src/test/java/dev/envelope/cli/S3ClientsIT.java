package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 API as people use it: {@code envelope serve --s3-port} as a process, credentials from {@code envelope s3
 * credentials create} as a process, and real clients as processes: Debian's AWS CLI ({@code /usr/bin/aws}: a Python
 * {@code aws} may come first on PATH) and rclone, a client not made by AWS. Then {@code kill -9}, and a look at every
 * byte on disk for the plaintext.
 */
class S3ClientsIT {
  static final Path AWS = Path.of("/usr/bin/aws");
  static final Path RCLONE = Path.of("/usr/bin/rclone");
  /** In every plaintext these tests store: never on disk, in any file of the home. */
  static final String MARKER = "s3-plaintext-marker-4b1d";

  @TempDir
  static Path tmp;
  static Path home;
  static String masterKey;
  static int apiPort;
  static int s3Port;
  static Process server;
  static String accessKey;
  static String secretKey;

  @BeforeAll
  static void start() throws Exception {
    assertTrue(Files.isExecutable(AWS), "the AWS CLI is missing at /usr/bin/aws: bin/test installs Debian's awscli");
    assertTrue(Files.isExecutable(RCLONE), "rclone is missing at /usr/bin/rclone: bin/test installs Debian's rclone");
    home = Files.createDirectories(tmp.resolve("home"));
    masterKey = Keyrings.newMasterKeyBase64();
    apiPort = freePort();
    s3Port = freePort();
    startServer();
    String made = new String(EnvelopeJar.run(env(), tmp, new byte[0], "s3", "credentials", "create", "--tenant",
        "default", "--name", "it"), StandardCharsets.UTF_8);
    for (String line : made.split("\n")) {
      if (line.startsWith("access key id:")) {
        accessKey = line.substring("access key id:".length()).strip();
      } else if (line.startsWith("secret access key:")) {
        secretKey = line.substring("secret access key:".length()).strip();
      }
    }
    assertTrue(accessKey != null && secretKey != null, made);
  }

  static void startServer() throws Exception {
    server = EnvelopeJar.start(env(), tmp, "serve", "--port", String.valueOf(apiPort), "--s3-port",
        String.valueOf(s3Port));
    EnvelopeJar.awaitListening(server, s3Port);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  static Map<String, String> env() {
    return Map.of("ENVELOPE_HOME", home.toString(), "ENVELOPE_MASTER_KEY", masterKey);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String endpoint() {
    return "http://127.0.0.1:" + s3Port;
  }

  /** Runs a client process with the credentials in its environment and a home of its own; its stdout. */
  static String client(Map<String, String> extra, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("RCLONE_"));
    env.put("HOME", Files.createDirectories(tmp.resolve("client-home")).toString());
    env.put("AWS_ACCESS_KEY_ID", accessKey);
    env.put("AWS_SECRET_ACCESS_KEY", secretKey);
    env.put("AWS_DEFAULT_REGION", "us-east-1");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("AWS_PAGER", "");
    env.putAll(extra);
    Process p = builder.start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", command) + " did not finish");
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + text);
    return text;
  }

  static String aws(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(AWS.toString(), "--endpoint-url", endpoint()));
    command.addAll(List.of(args));
    return client(Map.of(), command.toArray(String[]::new));
  }

  static byte[] content(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
    for (int at = 0; at + marker.length < size; at += 1 << 20) {
      System.arraycopy(marker, 0, data, at, marker.length);
    }
    return data;
  }

  @Test
  void awsCliCopiesA100MiBFileUpAndDownInParts() throws Exception {
    aws("s3", "mb", "s3://cli-big");
    Path big = tmp.resolve("big.bin");
    byte[] data = content(100 << 20, 1);
    Files.write(big, data);
    aws("s3", "cp", big.toString(), "s3://cli-big/data/big.bin");
    String head = aws("s3api", "head-object", "--bucket", "cli-big", "--key", "data/big.bin");
    assertTrue(head.contains("\"ContentLength\": " + data.length), head);
    assertTrue(head.matches("(?s).*\"ETag\": \"\\\\\"[0-9a-f]{32}-13\\\\\"\".*"), "a multipart ETag of 13 parts: "
        + head);
    assertTrue(head.contains("\"ServerSideEncryption\": \"aws:kms\""), head);
    Path back = tmp.resolve("big.back");
    aws("s3", "cp", "s3://cli-big/data/big.bin", back.toString());
    assertEquals(-1, Files.mismatch(big, back));
    Path range = tmp.resolve("range.bin");
    aws("s3api", "get-object", "--bucket", "cli-big", "--key", "data/big.bin", "--range",
        "bytes=8388600-8388615", range.toString()); // across the first two parts
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 8388600, 8388616), Files.readAllBytes(range));
    String listed = aws("s3", "ls", "s3://cli-big/data/");
    assertTrue(listed.contains(data.length + " big.bin"), listed);
    aws("s3", "rm", "s3://cli-big/data/big.bin");
    aws("s3", "rb", "s3://cli-big");
  }

  @Test
  void awsCliSyncsListsPresignsAndRemovesRecursively() throws Exception {
    aws("s3", "mb", "s3://cli-sync");
    Path dir = Files.createDirectories(tmp.resolve("sync/a/b"));
    Files.write(dir.resolve("one.txt"), (MARKER + " one").getBytes(StandardCharsets.UTF_8));
    Files.write(dir.getParent().resolve("two words.txt"), (MARKER + " two").getBytes(StandardCharsets.UTF_8));
    Files.write(tmp.resolve("sync/é+&.bin"), content(300_000, 2));
    aws("s3", "sync", tmp.resolve("sync").toString(), "s3://cli-sync/tree/");
    String all = aws("s3", "ls", "--recursive", "s3://cli-sync");
    assertTrue(all.contains("tree/a/b/one.txt") && all.contains("tree/a/two words.txt")
        && all.contains("tree/é+&.bin"), all);
    String again = aws("s3", "sync", tmp.resolve("sync").toString(), "s3://cli-sync/tree/");
    assertFalse(again.contains("upload:"), "a second sync sends nothing: " + again);
    Path down = tmp.resolve("sync-down");
    aws("s3", "sync", "s3://cli-sync/tree/", down.toString());
    assertEquals(-1, Files.mismatch(tmp.resolve("sync/é+&.bin"), down.resolve("é+&.bin")));
    String url = aws("s3", "presign", "s3://cli-sync/tree/a/b/one.txt", "--expires-in", "300").strip();
    HttpResponse<String> got = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, got.statusCode());
    assertEquals(MARKER + " one", got.body());
    aws("s3", "rm", "--recursive", "s3://cli-sync/tree/");
    assertEquals("", aws("s3", "ls", "--recursive", "s3://cli-sync").strip());
    aws("s3", "rb", "s3://cli-sync");
  }

  @Test
  void rcloneCopiesChecksAndDeletes() throws Exception {
    Map<String, String> remote = new HashMap<>();
    remote.put("RCLONE_CONFIG_ENV_TYPE", "s3");
    remote.put("RCLONE_CONFIG_ENV_PROVIDER", "Other");
    remote.put("RCLONE_CONFIG_ENV_ACCESS_KEY_ID", accessKey);
    remote.put("RCLONE_CONFIG_ENV_SECRET_ACCESS_KEY", secretKey);
    remote.put("RCLONE_CONFIG_ENV_ENDPOINT", endpoint());
    remote.put("RCLONE_CONFIG_ENV_REGION", "us-east-1");
    remote.put("RCLONE_CONFIG_ENV_FORCE_PATH_STYLE", "true");
    remote.put("RCLONE_CONFIG", Files.writeString(tmp.resolve("rclone.conf"), "").toString()); // the remote is env's
    Path dir = Files.createDirectories(tmp.resolve("rc/sub"));
    Files.write(dir.resolve("small.txt"), (MARKER + " rclone").getBytes(StandardCharsets.UTF_8));
    Files.write(dir.getParent().resolve("medium.bin"), content(20 << 20, 3)); // over rclone's 5 MiB chunk: multipart
    client(remote, RCLONE.toString(), "mkdir", "env:rclone-bucket");
    client(remote, RCLONE.toString(), "copy", tmp.resolve("rc").toString(), "env:rclone-bucket/rc",
        "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M");
    String ls = client(remote, RCLONE.toString(), "ls", "env:rclone-bucket");
    assertTrue(ls.contains("rc/sub/small.txt") && ls.contains((20 << 20) + " rc/medium.bin"), ls);
    assertEquals(MARKER + " rclone", client(remote, RCLONE.toString(), "cat", "env:rclone-bucket/rc/sub/small.txt"));
    client(remote, RCLONE.toString(), "check", tmp.resolve("rc").toString(), "env:rclone-bucket/rc",
        "--download");
    client(remote, RCLONE.toString(), "purge", "env:rclone-bucket");
    assertFalse(aws("s3", "ls").contains("rclone-bucket"));
  }

  @Test
  void acknowledgedObjectsSurviveKillDashNineAndNoPlaintextIsOnDisk() throws Exception {
    aws("s3", "mb", "s3://durable");
    Path file = tmp.resolve("durable.bin");
    byte[] data = content(3 << 20, 4);
    Files.write(file, data);
    aws("s3", "cp", file.toString(), "s3://durable/kept.bin");
    server.destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertTrue(server.waitFor(30, TimeUnit.SECONDS));
    startServer();
    Path back = tmp.resolve("durable.back");
    aws("s3", "cp", "s3://durable/kept.bin", back.toString());
    assertArrayEquals(data, Files.readAllBytes(back));
    byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
    try (Stream<Path> files = Files.walk(home)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        byte[] bytes = Files.readAllBytes(f);
        assertFalse(indexOf(bytes, marker) >= 0, "plaintext in " + home.relativize(f));
      }
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
