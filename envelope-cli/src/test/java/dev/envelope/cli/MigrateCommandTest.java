package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.keyring.Keyrings;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.Download;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.local.LocalStores;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope admin migrate} as the real command line, in-process, from one home (SQLite, directory, local
 * keyring) to another, named by a settings file, under another master key.
 */
class MigrateCommandTest {
  private static final Pattern ONE_ERROR_LINE = Pattern.compile("envelope: error: [^\\n]+ \\[[a-z-]+\\]\\n");
  private static final Principal ACME = Principal.of("acme", Role.WRITE);
  private static final Principal GLOBEX = Principal.of("globex", Role.WRITE);

  @TempDir
  Path dir;
  private CliRunner cli;
  private Path targetHome;
  private Path conf;
  private final Map<FileRecord, byte[]> stored = new LinkedHashMap<>();

  @BeforeEach
  void homes() throws Exception {
    cli = new CliRunner(dir.resolve("home"), Keyrings.newMasterKeyBase64());
    cli.env.put("ENVELOPE_TARGET_MASTER_KEY", Keyrings.newMasterKeyBase64());
    targetHome = dir.resolve("target");
    conf = settings("target.conf", "home = " + targetHome);
    source().close(); // the source's home, as the first start of 'envelope serve' makes it
  }

  @Test
  void migrate_toAnotherHome_copiesEveryFileTokenAndTenant_whichTheTargetThenServes() throws Exception {
    assertEquals(0, cli.run("tenants", "create", "acme").status);
    String token = ok("tokens", "create", "--tenant", "acme", "--role", "read").strip();
    upload(5);

    String out = ok("admin", "migrate", "--to", conf.toString());
    assertTrue(out.matches("migrate: 5 rows, 5 copied \\(\\d+ bytes\\), 0 skipped \\(on the target already\\), 0 of"
        + " shredded tenants, 0 failed, 5 verified; 1 tokens, 1 tenants \\(1 new root keys\\) copied; in [0-9.]+ s"
        + " \\(\\d+ rows/s\\)\\n"), out);

    try (Target target = target()) {
      for (Map.Entry<FileRecord, byte[]> e : stored.entrySet()) {
        assertArrayEquals(e.getValue(), target.download(e.getKey()));
        FileRecord there = target.backends.metadata.get(e.getKey().tenant(), e.getKey().id()).orElseThrow();
        assertEquals(e.getKey().createdAt(), there.createdAt());
        assertFalse(there.wrappedKey().equals(e.getKey().wrappedKey()));
      }
      AccessTokens tokens = new AccessTokens(target.backends.tokens, target.backends.tenants, Clock.systemUTC());
      assertEquals("acme", tokens.authenticate(token).tenant(), "the token made on the source opens the target");
    }
    try (Target source = source()) {
      for (Map.Entry<FileRecord, byte[]> e : stored.entrySet()) {
        assertEquals(e.getKey(), source.backends.metadata.get(e.getKey().tenant(), e.getKey().id()).orElseThrow(),
            "the source's rows are as they were");
        assertArrayEquals(e.getValue(), source.download(e.getKey()));
      }
    }
    assertTrue(ok("admin", "migrate", "--to", conf.toString()).startsWith("migrate: 5 rows, 0 copied (0 bytes), 5"
        + " skipped (on the target already), 0 of shredded tenants, 0 failed, 5 verified; 0 tokens, 0 tenants"));

    // Both runs are in the node's admin audit log, whose chain holds.
    Path audit = dir.resolve("home").resolve("audit");
    String lines;
    try (Stream<Path> files = Files.list(audit)) {
      lines = files.filter(f -> f.getFileName().toString().matches(".*-admin\\.\\d{6}\\.jsonl")).map(f -> {
        try {
          return Files.readString(f);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).reduce("", String::concat);
    }
    assertEquals(4, lines.split("\"admin.migrate\"", -1).length - 1, lines);
    assertTrue(lines.contains("\"target\":\"blob=fs metadata=sqlite keys=local\""), lines);
    assertEquals(0, cli.run("audit", "verify", audit.toString()).status);
  }

  @Test
  void aDryRun_countsAndChangesNothing_notEvenMakingTheTargetsHome() throws Exception {
    assertEquals(0, cli.run("tenants", "create", "acme").status);
    upload(3);
    List<FileRecord> before = sourceRows();

    String out = ok("admin", "migrate", "--to", conf.toString(), "--dry-run");
    assertTrue(out.matches("migrate \\(dry run\\): 3 rows, 3 to copy \\(\\d+ bytes\\), 0 skipped \\(on the target"
        + " already\\), 0 of shredded tenants, 0 failed; 0 tokens to copy, 1 tenants to copy \\(1 new root keys\\);"
        + " in [0-9.]+ s\\n"), out);
    assertFalse(Files.exists(targetHome), "no target home, database, keyring or master key");
    assertEquals(before, sourceRows());

    // On a target that exists, a dry run after the migration finds nothing left to do.
    ok("admin", "migrate", "--to", conf.toString());
    assertTrue(ok("admin", "migrate", "--to", conf.toString(), "--dry-run").startsWith("migrate (dry run): 3 rows,"
        + " 0 to copy (0 bytes), 3 skipped"));
  }

  @Test
  void badSettingsAndArguments_areOneLineWithAStableCode() throws Exception {
    upload(1);
    assertError(cli.run("admin", "migrate"), 2, "invalid-argument");
    CliRunner.Result missing = cli.run("admin", "migrate", "--to", dir.resolve("nope.conf").toString());
    assertError(missing, 2, "invalid-argument");
    assertTrue(missing.stderr.contains("--to " + dir.resolve("nope.conf") + ": cannot be read (no such file)"),
        missing.stderr);
    CliRunner.Result unknown = cli.run("admin", "migrate", "--to", settings("typo.conf", "home = " + targetHome,
        "blobb = s3").toString());
    assertError(unknown, 2, "invalid-argument");
    assertTrue(unknown.stderr.contains("unknown setting 'blobb'"), unknown.stderr);
    assertError(cli.run("admin", "migrate", "--to", settings("ftp.conf", "home = " + targetHome, "blob = ftp")
        .toString()), 2, "invalid-argument");
    CliRunner.Result noHome = cli.run("admin", "migrate", "--to", settings("nohome.conf", "keys = local").toString());
    assertError(noHome, 2, "invalid-argument");
    assertTrue(noHome.stderr.contains("name it with 'home = DIR'"), noHome.stderr);
    CliRunner.Result same = cli.run("admin", "migrate", "--to", settings("same.conf", "home = " + dir.resolve("home")
        + "/.").toString());
    assertError(same, 2, "invalid-argument");
    assertTrue(same.stderr.contains("this node's own metadata store"), same.stderr);
    assertError(cli.run("admin", "migrate", "--to", conf.toString(), "--tenant-key", "acme"), 2, "invalid-argument");
    assertError(cli.run("admin", "migrate", "--to", conf.toString(), "--tenant-key", "Acme=k"), 2,
        "invalid-argument");
    assertError(cli.run("admin", "migrate", "--to", conf.toString(), "--tenant-key", "acme=k", "--tenant-key",
        "acme=j"), 2, "invalid-argument");
    assertError(cli.run("admin", "migrate", "--to", conf.toString(), "--parallel", "0"), 2, "invalid-argument");
    CliRunner.Result noKey = cli.run("admin", "migrate", "--to", conf.toString(), "--tenant-key", "acme=no-such");
    assertError(noKey, 5, "key-not-found");
    assertEquals(List.of(), targetRows(), "nothing was copied by any of them");
    String targetMasterKey = cli.env.remove("ENVELOPE_TARGET_MASTER_KEY");
    CliRunner.Result noMasterKey = cli.run("admin", "migrate", "--to", conf.toString());
    assertError(noMasterKey, 4, "keyring-unavailable");
    assertTrue(noMasterKey.stderr.contains("set ENVELOPE_TARGET_MASTER_KEY or 'master-key-file' in " + conf),
        noMasterKey.stderr);
    cli.env.put("ENVELOPE_TARGET_MASTER_KEY", targetMasterKey);
    CliRunner.Result noHomeAtAll = new CliRunner(dir.resolve("no-home"), Keyrings.newMasterKeyBase64()).run("admin",
        "migrate", "--to", conf.toString());
    assertError(noHomeAtAll, 2, "invalid-argument");
  }

  @Test
  void aTargetHoldingOtherContentUnderTheSameIds_isRefused_withAlreadyExists() throws Exception {
    upload(2);
    ok("admin", "migrate", "--to", conf.toString());
    String id = stored.keySet().iterator().next().id();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + targetHome.resolve(LocalStores.DATABASE));
        var s = c.prepareStatement("UPDATE files SET name = 'not the same' WHERE id = ?")) {
      s.setString(1, id);
      assertEquals(1, s.executeUpdate());
    }
    CliRunner.Result refused = cli.run("admin", "migrate", "--to", conf.toString());
    assertError(refused, 12, "already-exists");
    assertTrue(refused.stderr.contains("file " + id), refused.stderr);
  }

  @Test
  void rowsThatCannotBeCopied_makeExit1_andAreNamed_whileTheOthersMove() throws Exception {
    upload(3);
    FileRecord broken = stored.keySet().iterator().next();
    Files.delete(dir.resolve("home").resolve(LocalStores.BLOBS).resolve(broken.id().substring(0, 2))
        .resolve(broken.id()));
    CliRunner.Result r = cli.run("admin", "migrate", "--to", conf.toString());
    assertEquals(1, r.status, r.toString());
    assertTrue(r.out().startsWith("migrate: 3 rows, 2 copied"), r.out());
    assertTrue(r.out().contains(", 1 failed, 2 verified;"), r.out());
    assertTrue(r.stderr.contains("envelope: not migrated: " + broken.id() + " (tenant " + broken.tenant()
        + "): invalid-ciphertext: its ciphertext is missing on the source"), r.stderr);
  }

  @Test
  void aPostgresUrl_namesOneDatabase_howeverItIsWritten() {
    assertEquals(MigrateCommand.postgresDatabase("jdbc:postgresql://db.internal:5432/envelope"),
        MigrateCommand.postgresDatabase("jdbc:postgresql://DB.Internal/envelope?sslmode=require"));
    assertFalse(MigrateCommand.postgresDatabase("jdbc:postgresql://db.internal/envelope").equals(
        MigrateCommand.postgresDatabase("jdbc:postgresql://db.internal/envelope2")));
  }

  // ---- helpers ----

  private Path settings(String name, String... lines) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return file;
  }

  private void upload(int files) throws Exception {
    try (Target source = source()) {
      for (int i = 0; i < files; i++) {
        byte[] content = new byte[700 * i + 3];
        new Random(i).nextBytes(content);
        stored.put(source.files.upload(i % 2 == 0 ? ACME : GLOBEX, "f" + i, null, new ByteArrayInputStream(content)),
            content);
      }
    }
  }

  private String ok(String... args) {
    CliRunner.Result r = cli.run(args);
    assertEquals(0, r.status, String.join(" ", args) + ": " + r);
    return r.out();
  }

  private static void assertError(CliRunner.Result r, int status, String code) {
    assertEquals(status, r.status, r.toString());
    assertTrue(ONE_ERROR_LINE.matcher(r.stderr).matches(), "one error line: " + r.stderr);
    assertTrue(r.stderr.endsWith("[" + code + "]\n"), r.stderr);
    assertFalse(r.stderr.contains("\tat "), "a stack trace: " + r.stderr);
  }

  private List<FileRecord> sourceRows() throws Exception {
    try (Target source = source()) {
      return rows(source);
    }
  }

  private List<FileRecord> targetRows() throws Exception {
    if (!Files.exists(targetHome.resolve(LocalStores.DATABASE))) {
      return List.of();
    }
    try (Target target = target()) {
      return rows(target);
    }
  }

  private static List<FileRecord> rows(Target t) throws EnvelopeException {
    List<FileRecord> all = new ArrayList<>();
    String cursor = null;
    do {
      FilePage page = t.backends.metadata.scan(null, cursor, 100);
      all.addAll(page.files());
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
    all.sort(Comparator.comparing(FileRecord::id));
    return all;
  }

  /** The source node's backends, as {@code serve} opens them. */
  private Target source() throws EnvelopeException {
    return open(NodeSettings.resolve(Map.of(), null, cli.env), cli.env);
  }

  /** The target's, from its settings file and its own secrets, as the command sees them. */
  private Target target() throws EnvelopeException {
    Map<String, String> env = MigrateCommand.targetEnv(cli.env);
    return open(MigrateCommand.targetSettings(conf.toString(), env), env);
  }

  private static Target open(NodeSettings settings, Map<String, String> env) throws EnvelopeException {
    Cli quiet = new Cli(env, new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    Backends backends = Backends.open(settings, quiet);
    return new Target(backends, backends.fileService(settings));
  }

  private record Target(Backends backends, FileService files) implements AutoCloseable {
    byte[] download(FileRecord row) throws Exception {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (Download d = files.download(Principal.of(row.tenant(), Role.READ), row.id())) {
        d.writeTo(out);
      }
      return out.toByteArray();
    }

    @Override
    public void close() {
      backends.close();
    }
  }
}
