package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client commands and the local token admin, end to end: the CLI as users run it, against the real server
 * on a random port over real stores. One server for the class (it starts in about a second); each test makes
 * its own tenant, so tests do not see each other's files.
 */
class ClientCommandsTest {
  private static final Pattern FILE_ID = Pattern.compile("[a-z2-7]{26}\n");
  private static final Pattern TOKEN = Pattern.compile("env1\\.[a-z2-7]{16}\\.[A-Za-z0-9_-]{43}\n");
  private static int tenants;

  @TempDir
  static Path shared;

  @TempDir
  Path dir;

  private static RunningServer server;
  private CliRunner cli;
  private String tenant;
  private byte[] data;
  private Path plain;

  @BeforeAll
  static void startServer() throws Exception {
    server = new RunningServer(shared.resolve("home"));
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    cli = new CliRunner(server.home, null);
    cli.env.put("ENVELOPE_SERVER", server.url());
    tenant = "tenant-" + ++tenants;
    cli.env.put("ENVELOPE_TOKEN", token(tenant, "write"));
    data = new byte[100_000];
    new Random(tenants).nextBytes(data);
    plain = Files.write(dir.resolve("plain.bin"), data);
  }

  private String token(String tenant, String role) {
    CliRunner.Result r = cli.run("tokens", "create", "--tenant", tenant, "--role", role, "--name", "test");
    assertEquals(0, r.status, r.toString());
    assertTrue(TOKEN.matcher(r.out()).matches(), "the token alone on stdout: " + r.out());
    return r.out().strip();
  }

  private String upload(String... args) {
    return upload(new byte[0], args);
  }

  private String upload(byte[] stdin, String... args) {
    CliRunner.Result r = cli.run(stdin, args);
    assertEquals(0, r.status, r.toString());
    assertTrue(FILE_ID.matcher(r.out()).matches(), "the id alone on stdout: " + r.out());
    return r.out().strip();
  }

  @Test
  void anUploadComesBackByteForByteToStdoutAndToAPrivateFile() throws Exception {
    String id = upload("upload", plain.toString());
    CliRunner.Result toStdout = cli.run("download", id);
    assertEquals(0, toStdout.status, toStdout.toString());
    assertArrayEquals(data, toStdout.stdout);
    Path out = dir.resolve("out.bin");
    assertEquals(0, cli.run("download", id, "-o", out.toString()).status);
    assertArrayEquals(data, Files.readAllBytes(out));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    assertEquals("", cli.run("download", id, "--force", "-o", out.toString()).stderr, "quiet when not on a terminal");
  }

  @Test
  void downloadOntoAnExistingFile_isRefusedUnlessForce() throws Exception {
    String id = upload("upload", plain.toString());
    byte[] mine = "mine, not the download".getBytes(StandardCharsets.UTF_8);
    Path out = Files.write(dir.resolve("existing.bin"), mine);
    CliRunner.Result r = cli.run("download", id, "-o", out.toString());
    assertError(r, 12, "already-exists");
    assertEquals("envelope: error: " + out + " exists: use --force to replace it [already-exists]\n", r.stderr);
    assertArrayEquals(mine, Files.readAllBytes(out));

    CliRunner.Result forced = cli.run("download", id, "-o", out.toString(), "--force");
    assertEquals(0, forced.status, forced.toString());
    assertArrayEquals(data, Files.readAllBytes(out));
  }

  @Test
  void stdinUploadsNeedANameAndAnEmptyFileRoundTrips() {
    String id = upload(new byte[0], "upload", "-", "--name", "empty.txt");
    CliRunner.Result got = cli.run("download", id);
    assertEquals(0, got.status, got.toString());
    assertEquals(0, got.stdout.length);
    assertError(cli.run(data, "upload", "-"), 2, "invalid-argument");
  }

  @Test
  void uploadingWhatIsNotAFileFailsBeforeAnyRequest() {
    CliRunner.Result missing = cli.run("upload", dir.resolve("nope").toString());
    assertError(missing, 3, "io");
    assertTrue(missing.stderr.contains("no such file: " + dir.resolve("nope")), missing.stderr);
    assertError(cli.run("upload", dir.toString()), 3, "io");
    assertEquals(1, cli.run("ls").out().lines().count(), "nothing was stored: the header alone");
  }

  @Test
  void lsShowsATableWithEscapedNamesAndJsonWithTheNamesAsStored() throws Exception {
    String name = "отчёт \\ ../q1.pdf";
    String id = upload("upload", plain.toString(), "--name", name);
    CliRunner.Result table = cli.run("ls");
    assertEquals(0, table.status, table.toString());
    List<String> lines = table.out().lines().toList();
    assertEquals(2, lines.size(), table.out());
    assertTrue(lines.get(0).matches("ID +SIZE +CREATED +NAME"), lines.get(0));
    assertTrue(lines.get(1).matches(id + " +97\\.7 KiB +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +отчёт \\\\\\\\ \\.\\./q1\\.pdf"),
        lines.get(1));
    JsonNode json = new ObjectMapper().readTree(cli.run("ls", "--json").stdout);
    assertEquals(name, json.get("files").get(0).get("name").asText());
    assertEquals(data.length, json.get("files").get(0).get("size").asLong());
    assertEquals("application/pdf", json.get("files").get(0).get("contentType").asText());
    assertTrue(json.get("nextCursor").isNull());
  }

  @Test
  void lsAllWalksEveryPageAndLsWithoutItSaysThereIsMore() throws Exception {
    for (int i = 0; i < 3; i++) {
      upload("upload", plain.toString(), "--name", "f" + i);
    }
    CliRunner.Result one = cli.run("ls", "--limit", "1");
    assertEquals(2, one.out().lines().count(), one.out());
    assertTrue(one.out().contains(" f2\n"), "newest first: " + one.out());
    assertTrue(one.stderr.contains("--all"), one.stderr);
    CliRunner.Result all = cli.run("ls", "--limit", "1", "--all");
    assertEquals(4, all.out().lines().count(), all.out());
    assertEquals("", all.stderr);
    JsonNode page = new ObjectMapper().readTree(cli.run("ls", "--json", "--limit", "2").stdout);
    JsonNode rest = new ObjectMapper().readTree(cli.run("ls", "--json", "--cursor",
        page.get("nextCursor").asText()).stdout);
    assertEquals("f0", rest.get("files").get(0).get("name").asText());
    assertError(cli.run("ls", "--limit", "0"), 2, "invalid-argument");
  }

  @Test
  void rmMakesAFileNotFoundForEveryCommand() {
    String id = upload("upload", plain.toString());
    CliRunner.Result rm = cli.run("rm", id);
    assertEquals(0, rm.status, rm.toString());
    assertEquals("", rm.out() + rm.stderr);
    assertError(cli.run("download", id), 13, "not-found");
    assertError(cli.run("rm", id), 13, "not-found");
    assertError(cli.run("download", "../../etc/passwd"), 2, "invalid-argument");
  }

  @Test
  void tokensDecideWhoMayDoWhat() {
    String id = upload("upload", plain.toString());
    cli.env.put("ENVELOPE_TOKEN", "env1.aaaaaaaaaaaaaaaa.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assertError(cli.run("ls"), 14, "unauthenticated");
    cli.env.put("ENVELOPE_TOKEN", token(tenant, "read"));
    assertEquals(0, cli.run("download", id).status, "a reader reads");
    assertError(cli.run("upload", plain.toString()), 15, "forbidden");
    assertError(cli.run("rm", id), 15, "forbidden");
    cli.env.put("ENVELOPE_TOKEN", token("someone-else", "admin"));
    assertError(cli.run("download", id), 13, "not-found");
  }

  @Test
  void aRevokedTokenOpensNothingAndListShowsNoSecret() throws Exception {
    String token = cli.env.get("ENVELOPE_TOKEN");
    String tokenId = token.split("\\.")[1];
    CliRunner.Result revoke = cli.run("tokens", "revoke", tokenId);
    assertEquals(0, revoke.status, revoke.toString());
    assertError(cli.run("ls"), 14, "unauthenticated");
    CliRunner.Result list = cli.run("tokens", "list", "--tenant", tenant);
    assertEquals(0, list.status, list.toString());
    assertTrue(list.out().matches("(?s)ID +TENANT +ROLE +STATE +CREATED +EXPIRES +LAST USED +NAME\n" + tokenId
        + " +" + tenant + " +write +revoked +\\S+Z +never +never +test\n"), list.out());
    assertFalse(list.out().contains(token.split("\\.")[2]), "never the secret");
    assertError(cli.run("tokens", "revoke", "aaaaaaaaaaaaaaaa"), 13, "not-found");
    assertError(cli.run("tokens", "create", "--tenant", "Bad Tenant", "--role", "read"), 2, "invalid-argument");
    assertError(cli.run("tokens", "create", "--tenant", "t", "--role", "root"), 2, "invalid-argument");
  }

  @Test
  void anExpiringToken_isListedWithItsExpiryAndLastUse_andOpensNothingOnceExpired() throws Exception {
    String time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
    java.time.Instant before = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    CliRunner.Result made = cli.run("tokens", "create", "--tenant", tenant, "--role", "read", "--name", "short",
        "--expires", "6s"); // room for the commands below on a loaded machine
    assertEquals(0, made.status, made.toString());
    String token = made.out().strip();
    String tokenId = token.split("\\.")[1];
    CliRunner.Result list = cli.run("tokens", "list", "--tenant", tenant);
    java.util.regex.Matcher row = Pattern.compile("(?m)^" + tokenId + " +" + tenant + " +read +active +" + time
        + " +(" + time + ") +never +short$").matcher(list.out());
    assertTrue(row.find(), list.out());
    java.time.Instant expires = java.time.Instant.parse(row.group(1));
    assertTrue(!expires.isBefore(before.plusSeconds(5)) && !expires.isAfter(before.plusSeconds(8)), row.group(1));

    cli.env.put("ENVELOPE_TOKEN", token);
    assertEquals(0, cli.run("ls").status, "it opens its tenant until it expires");
    list = cli.run("tokens", "list", "--tenant", tenant);
    assertTrue(list.out().matches("(?s).*\n" + tokenId + " +" + tenant + " +read +\\w+ +" + time + " +" + time
        + " +" + time + " +short\n.*"), "its last use is listed: " + list.out());

    // The list shows the expiry truncated to the second: the real one may be up to 999 ms later.
    Thread.sleep(Math.max(0, java.time.Duration.between(java.time.Instant.now(), expires).toMillis() + 1_100));
    assertError(cli.run("ls"), 14, "unauthenticated");
    assertTrue(cli.run("tokens", "list", "--tenant", tenant).out().matches("(?s).*\n" + tokenId + " +" + tenant
        + " +read +expired .*"), "listed as expired");
  }

  @Test
  void badExpiries_areInvalidArguments_andMakeNoToken() {
    for (String bad : java.util.List.of("0s", "-1d", "soon", "30", "3661d", "")) {
      assertError(cli.run("tokens", "create", "--tenant", "expiry-" + tenants, "--role", "read", "--expires", bad),
          2, "invalid-argument");
    }
    CliRunner.Result list = cli.run("tokens", "list", "--tenant", "expiry-" + tenants);
    assertEquals("ID TENANT ROLE STATE CREATED EXPIRES LAST USED NAME", list.out().strip().replaceAll(" +", " "),
        "none made");
  }

  @Test
  void tokensRefuseADataDirectoryThatDoesNotExistAndCreateNone() {
    Path missing = dir.resolve("typo");
    assertError(cli.run("--home", missing.toString(), "tokens", "create", "--tenant", "t", "--role", "read"),
        2, "invalid-argument");
    assertError(cli.run("--home", missing.toString(), "tokens", "list"), 2, "invalid-argument");
    CliRunner defaultHome = new CliRunner(dir, null);
    defaultHome.env.remove("ENVELOPE_HOME");
    // The default, ./envelope-data, is relative to the working directory, where the build runs: it must not
    // exist there, and the command must not create it.
    Path cwdDefault = Path.of("envelope-data");
    if (!Files.exists(cwdDefault)) {
      assertError(defaultHome.run("tokens", "list"), 2, "invalid-argument");
      assertFalse(Files.exists(cwdDefault));
    }
    assertFalse(Files.exists(missing));
  }

  @Test
  void aDownloadTheServerAbortsFailsAndLeavesNoFile() throws Exception {
    String id = upload("upload", plain.toString());
    Path blob = server.blobOf(id);
    try (FileChannel channel = FileChannel.open(blob, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      long at = channel.size() - 100; // in the last segment: earlier ones stream out before the failure
      channel.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 1)).rewind();
      channel.write(b, at);
    }
    Path out = Files.createDirectories(dir.resolve("out"));
    assertError(cli.run("download", id, "-o", out.resolve("f").toString()), 3, "io");
    try (Stream<Path> files = Files.list(out)) {
      assertEquals(List.of(), files.toList(), "neither the file nor a temporary file");
    }
    CliRunner.Result toStdout = cli.run("download", id);
    assertError(toStdout, 3, "io");
    assertTrue(toStdout.stdout.length < data.length, "only authenticated segments went out");
  }

  @Test
  void renameUsageAndTheDigest_asUsersRunThem() throws Exception {
    String id = upload("upload", plain.toString(), "--name", "draft.bin");
    CliRunner.Result json = cli.run("ls", "--json");
    String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(data));
    assertTrue(json.out().contains("\"sha256\":\"" + digest + "\""), json.out());

    CliRunner.Result renamed = cli.run("rename", id, "final.bin", "--type", "application/x-final");
    assertEquals(0, renamed.status, renamed.toString());
    assertEquals("", renamed.out());
    json = cli.run("ls", "--json");
    assertTrue(json.out().contains("\"name\":\"final.bin\",\"size\":100000,\"contentType\":\"application/x-final\""),
        json.out());
    assertError(cli.run("rename", id), 2, "invalid-argument");
    assertError(cli.run("rename", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "x"), 13, "not-found");
    assertError(cli.run("rename", id, ""), 2, "invalid-argument");

    upload(new byte[234], "upload", "-", "--name", "second");
    CliRunner.Result usage = cli.run("usage");
    assertEquals(0, usage.status, usage.toString());
    assertEquals("tenant " + tenant + ": 2 files, 97.9 KiB (100234 bytes)\n", usage.out());
    assertEquals("{\"tenant\":\"" + tenant + "\",\"files\":2,\"bytes\":100234}\n", cli.run("usage", "--json").out());

    cli.env.put("ENVELOPE_TOKEN", token(tenant, "read"));
    assertError(cli.run("rename", id, "mine.bin"), 15, "forbidden");
    assertEquals(0, cli.run("usage").status, "a reader sees its tenant's usage");
  }

  @Test
  void aTenantsQuota_isSetLocally_andRefusesTheUploadThatWouldPassIt() throws Exception {
    cli.env.put("ENVELOPE_MASTER_KEY", server.masterKey); // tenant admin opens the node's key service
    CliRunner.Result set = cli.run("tenants", "quota", tenant, "150K");
    assertEquals(0, set.status, set.toString());
    assertEquals("tenant " + tenant + " may store 150.0 KiB (153600 bytes)\n", set.out());
    upload("upload", plain.toString()); // 100,000 bytes
    CliRunner.Result over = cli.run("upload", plain.toString());
    assertError(over, 26, "quota-exceeded");
    assertTrue(cli.run("usage").out().contains("1 file,"), "nothing more was stored");
    assertError(cli.run("tenants", "quota", tenant, "lots"), 2, "invalid-argument");
    assertError(cli.run("tenants", "quota", tenant, "-5"), 2, "invalid-argument");
    assertEquals("tenant " + tenant + " has no quota\n", cli.run("tenants", "quota", tenant, "none").out());
    // The server caches tenant records for up to 2 s: within that, the lifted quota reaches it.
    long deadline = System.nanoTime() + 10_000_000_000L;
    CliRunner.Result again;
    while (true) {
      again = cli.run("upload", plain.toString());
      if (again.status != 26 || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(500);
    }
    assertEquals(0, again.status, again.toString());
  }

  private static void assertError(CliRunner.Result r, int status, String code) {
    assertEquals(status, r.status, r.toString());
    assertTrue(r.stderr.matches("envelope: error: [^\\n]+ \\[" + code + "\\]\\n"), r.stderr);
  }
}
