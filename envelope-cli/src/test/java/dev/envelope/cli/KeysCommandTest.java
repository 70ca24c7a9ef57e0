package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import dev.envelope.pkcs11.SoftHsmToken;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code envelope keys}: the whole life of a root key, in the local keyring and in a SoftHSM2 token. */
class KeysCommandTest {
  private static final Pattern ONE_ERROR_LINE = Pattern.compile("envelope: error: [^\\n]+ \\[[a-z-]+\\]\\n");

  @TempDir
  Path dir;

  @Test
  void aLocalKeysWholeLife() {
    CliRunner cli = new CliRunner(dir.resolve("home"), Keyrings.newMasterKeyBase64());
    aKeysWholeLife(cli, "local");
  }

  @Test
  void aPkcs11KeysWholeLife_selectedWithTheEnvironment() {
    CliRunner cli = new CliRunner(dir.resolve("home"), null);
    cli.env.putAll(SoftHsmToken.environment(SoftHsmToken.CLI));
    cli.env.put("ENVELOPE_KEYS", "pkcs11");
    aKeysWholeLife(cli, "pkcs11");
  }

  @Test
  void thePkcs11BackendSelectedWithTheOption_andAWrongPinIsOneClearLine() {
    CliRunner cli = new CliRunner(dir.resolve("home"), null);
    cli.env.putAll(SoftHsmToken.environment(SoftHsmToken.CLI));
    String id = cli.run("keys", "--keys", "pkcs11", "create").out().strip();
    assertTrue(cli.run("keys", "list", "--keys", "pkcs11").out().contains(id));
    assertError(cli.run("keys", "list"), 4, "keyring-unavailable"); // the local keyring has no master key here

    CliRunner wrongPin = new CliRunner(dir.resolve("home"), null);
    wrongPin.env.putAll(SoftHsmToken.environment(SoftHsmToken.LONELY));
    wrongPin.env.put("ENVELOPE_PKCS11_PIN", "0000-9999");
    CliRunner.Result r = wrongPin.run("keys", "--keys", "pkcs11", "list");
    assertError(r, 4, "keyring-unavailable");
    assertTrue(r.stderr.contains("wrong PIN") && !r.stderr.contains("0000-9999"), r.stderr);
    assertError(cli.run("keys", "--keys", "hsm", "list"), 2, "invalid-argument");
  }

  private void aKeysWholeLife(CliRunner cli, String service) {
    String id = ok(cli, "keys", "create", "--alias", "life", "--description", "a test key").strip();
    assertError(cli.run("keys", "create", "--alias", "life"), 12, "already-exists");
    assertError(cli.run("keys", "create", "--alias", "0b1c2d3e-1111-2222-3333-444455556666"), 2, "invalid-argument");
    assertEquals(1, ok(cli, "keys", "list").lines().count() - 1, "a refused alias leaves no key behind");

    byte[] data = new byte[10_000];
    new Random(1).nextBytes(data);
    byte[] enc = cli.run(data, "encrypt", "--key", "life", "-", "-").stdout;
    assertTrue(ok(cli, "inspect", "-", enc).contains("key service:      " + service));

    assertTrue(ok(cli, "keys", "alias", "create", "second-name", "life").contains(id));
    assertTrue(ok(cli, "keys", "rotation", "life", "on", "--period-days", "90").contains("every 90 days"));
    assertError(cli.run("keys", "rotation", "life", "on", "--period-days", "30"), 2, "invalid-argument");
    assertTrue(ok(cli, "keys", "rotate", "second-name").contains("version 2"));
    String listed = ok(cli, "keys", "list");
    assertTrue(listed.contains("life,second-name") && listed.contains("90d") && listed.contains("enabled"), listed);
    ok(cli, "keys", "alias", "delete", "second-name");
    assertError(cli.run("keys", "describe", "second-name"), 5, "key-not-found");

    assertError(cli.run("keys", "schedule-deletion", "life", "--pending-days", "6"), 2, "invalid-argument");
    assertTrue(ok(cli, "keys", "schedule-deletion", "life", "--pending-days", "7").contains("destroyed at"));
    assertTrue(ok(cli, "keys", "list").contains("pending-deletion"));
    assertError(cli.run(enc, "decrypt", "-", "-"), 11, "key-invalid-state");
    assertError(cli.run("keys", "enable", "life"), 11, "key-invalid-state");
    assertTrue(ok(cli, "keys", "cancel-deletion", "life").contains("disabled"));
    assertError(cli.run(enc, "decrypt", "-", "-"), 6, "key-disabled");
    ok(cli, "keys", "enable", "life");
    assertArrayEquals(data, cli.run(enc, "decrypt", "-", "-").stdout);
    String described = ok(cli, "keys", "describe", id);
    assertTrue(described.contains("a test key") && described.contains("current version:  2"), described);
  }

  private static String ok(CliRunner cli, String... args) {
    CliRunner.Result r = cli.run(args);
    assertEquals(0, r.status, String.join(" ", args) + ": " + r);
    return r.out();
  }

  private static String ok(CliRunner cli, String a, String b, byte[] stdin) {
    CliRunner.Result r = cli.run(stdin, a, b);
    assertEquals(0, r.status, r.toString());
    return r.out();
  }

  private static void assertError(CliRunner.Result r, int status, String code) {
    assertEquals(status, r.status, r.toString());
    assertTrue(ONE_ERROR_LINE.matcher(r.stderr).matches(), "one error line: " + r.stderr);
    assertTrue(r.stderr.endsWith("[" + code + "]\n"), r.stderr);
    assertFalse(r.stderr.contains("\tat "), "a stack trace: " + r.stderr);
  }
}
