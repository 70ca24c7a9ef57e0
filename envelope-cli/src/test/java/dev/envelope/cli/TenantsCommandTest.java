package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.Keyrings;
import dev.envelope.service.Download;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope tenants}, {@code admin rewrap}, {@code keys usage} and {@code keys destroy-version} run as the
 * real command line, on a home whose files were stored through the same backends {@code envelope serve} opens.
 */
class TenantsCommandTest {
  private static final Pattern ONE_ERROR_LINE = Pattern.compile("envelope: error: [^\\n]+ \\[[a-z-]+\\]\\n");
  private static final Principal ACME = Principal.of("acme", Role.WRITE);
  private static final Principal GLOBEX = Principal.of("globex", Role.WRITE);

  @TempDir
  Path dir;
  private CliRunner cli;

  @BeforeEach
  void home() {
    cli = new CliRunner(dir.resolve("home"), Keyrings.newMasterKeyBase64());
  }

  @Test
  void rotateRewrapRetire_theOperatorsWholeRound() throws Exception {
    List<FileRecord> stored = new ArrayList<>();
    String root;
    try (HomeNode node = node()) {
      for (int i = 0; i < 20; i++) {
        stored.add(upload(node, i % 2 == 0 ? ACME : GLOBEX, i));
      }
      root = rootKeyId(node);
    }
    assertEquals(0, cli.run("keys", "rotate", root).status);
    String usage = ok("keys", "usage");
    assertTrue(usage.matches("(?s).*local +" + root + " +1 +20 .*current is 2.*"), usage);

    CliRunner.Result refused = cli.run("keys", "destroy-version", root, "1");
    assertError(refused, 23, "key-in-use");
    assertTrue(refused.stderr.contains("still wraps 20 stored files"), refused.stderr);
    assertError(cli.run("keys", "disable", root), 23, "key-in-use");

    String dry = ok("admin", "rewrap", "--dry-run");
    assertTrue(dry.startsWith("rewrap (dry run): 20 rows, 20 to re-wrap, 0 already current"), dry);
    String done = ok("admin", "rewrap", "--rate", "1000", "--parallel", "3");
    assertTrue(done.startsWith("rewrap: 20 rows, 20 re-wrapped, 0 already current, 0 changed meanwhile, 0 skipped,"
        + " 0 failed"), done);
    assertTrue(ok("admin", "rewrap").startsWith("rewrap: 20 rows, 0 re-wrapped, 20 already current"));
    assertTrue(ok("keys", "usage").matches("(?s).*local +" + root + " +2 +20 .*current.*"));

    assertTrue(ok("keys", "destroy-version", root, "1").startsWith("destroyed version 1 of root key " + root));
    try (HomeNode node = node()) {
      for (int i = 0; i < stored.size(); i++) {
        assertArrayEquals(content(i), download(node, i % 2 == 0 ? ACME : GLOBEX, stored.get(i).id()));
      }
    }
  }

  @Test
  void aTenantsWholeLife_createMoveShredPurge() throws Exception {
    FileRecord before;
    FileRecord globexFile;
    try (HomeNode node = node()) {
      before = upload(node, ACME, 1);
      globexFile = upload(node, GLOBEX, 2);
    }
    String key = ok("tenants", "create", "acme").strip();
    assertTrue(key.matches("[0-9a-f-]{36}"), key);
    assertError(cli.run("tenants", "create", "acme"), 12, "already-exists");
    assertError(cli.run("tenants", "create", "Bad"), 2, "invalid-argument");
    String list = ok("tenants", "list");
    assertTrue(list.matches("(?s).*\\nacme +active +1 +.*" + key + "\\n.*"), list);
    assertTrue(list.matches("(?s).*\\nglobex +active +1 +.*\\(node's\\).*"), list);

    CliRunner.Result early = cli.run("tenants", "shred", "acme", "--yes");
    assertError(early, 23, "key-in-use"); // its first file is still under the node's key
    assertError(cli.run("tenants", "shred", "globex", "--yes"), 2, "invalid-argument"); // shares the node's key
    assertError(cli.run("tenants", "shred", "acme"), 2, "invalid-argument"); // no --yes

    assertTrue(ok("admin", "rewrap", "--tenant", "acme").contains("1 re-wrapped"));
    String shred = ok("tenants", "shred", "acme", "--yes", "--now");
    assertTrue(shred.startsWith("tenant acme shredded: 0 tokens revoked, root key " + key + " destroyed"), shred);
    try (HomeNode node = node()) {
      EnvelopeException gone = org.junit.jupiter.api.Assertions.assertThrows(EnvelopeException.class,
          () -> download(node, ACME, before.id()));
      assertEquals(ErrorCode.TENANT_SHREDDED, gone.code());
      assertArrayEquals(content(2), download(node, GLOBEX, globexFile.id()));
    }
    assertTrue(ok("tenants", "purge", "acme").startsWith("purged tenant acme: 1 files"));
    assertTrue(ok("tenants", "list").matches("(?s).*\\nacme +shredded +0 .*"));
    assertError(cli.run("tokens", "create", "--tenant", "acme", "--role", "read"), 22, "tenant-shredded");

    // Each change is in the node's admin audit log, whose chain holds.
    Path audit = dir.resolve("home").resolve("audit");
    String lines;
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(audit)) {
      lines = files.filter(f -> f.getFileName().toString().matches(".*-admin\\.\\d{6}\\.jsonl"))
          .map(f -> {
            try {
              return java.nio.file.Files.readString(f);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }).reduce("", String::concat);
    }
    for (String kind : List.of("tenant.create", "keys.rewrap", "tenant.shred", "tenant.purge")) {
      assertTrue(lines.contains("\"" + kind + "\""), kind + " in " + lines);
    }
    assertTrue(lines.contains("\"code\":\"key-in-use\""), "the refused shred is there too: " + lines);
    assertEquals(0, cli.run("audit", "verify", audit.toString()).status);
  }

  @Test
  void bringYourOwnKey_andSetKey() throws Exception {
    String own = ok("keys", "create", "--alias", "acme-own").strip();
    assertEquals(own, ok("tenants", "create", "acme", "--root-key", "acme-own").strip());
    assertError(cli.run("tenants", "create", "globex", "--root-key", "nope"), 5, "key-not-found");
    String next = ok("keys", "create").strip();
    assertTrue(ok("tenants", "set-key", "acme", next).contains("now wraps new files under " + next));
    try (HomeNode node = node()) {
      assertEquals(next, upload(node, ACME, 1).wrappedKey().rootKeyId());
    }
  }

  @Test
  void withoutADataDirectory_theAdminCommandsSaySo() {
    CliRunner empty = new CliRunner(dir.resolve("nothing-here"), Keyrings.newMasterKeyBase64());
    assertError(empty.run("tenants", "list"), 2, "invalid-argument");
    assertError(empty.run("admin", "rewrap"), 2, "invalid-argument");
    assertError(empty.run("admin", "rewrap", "--rate", "-1"), 2, "invalid-argument");
    assertError(empty.run("admin", "rewrap", "--parallel", "0"), 2, "invalid-argument");
    assertError(empty.run("admin", "rewrap", "--parallel", "65"), 2, "invalid-argument");
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

  private static byte[] content(int seed) {
    byte[] data = new byte[1000 + seed];
    new Random(seed).nextBytes(data);
    return data;
  }

  private HomeNode node() throws Exception {
    return HomeNode.open(cli.env);
  }

  private static FileRecord upload(HomeNode node, Principal who, int seed) throws EnvelopeException {
    return node.files().upload(who, "f.bin", null, new ByteArrayInputStream(content(seed)));
  }

  private static byte[] download(HomeNode node, Principal who, String id) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download d = node.files().download(who, id)) {
      d.writeTo(out);
    }
    return out.toByteArray();
  }

  private static String rootKeyId(HomeNode node) throws EnvelopeException {
    return ((ManagedKeyService) node.backends().keys).resolveKeyId(node.settings().rootKey());
  }
}
