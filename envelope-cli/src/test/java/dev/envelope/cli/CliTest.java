package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.internal.AtomicFile;
import dev.envelope.keyring.Keyrings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  private static final Pattern ONE_ERROR_LINE = Pattern.compile("envelope: error: [^\\n]+ \\[[a-z-]+\\]\\n");
  private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\n");

  @TempDir
  Path dir;

  private CliRunner cli;
  private String master;
  private Path plain;
  private byte[] data;

  @BeforeEach
  void setUp() throws Exception {
    master = Keyrings.newMasterKeyBase64();
    cli = new CliRunner(dir.resolve("home"), master);
    data = new byte[300_000];
    new Random(3).nextBytes(data);
    plain = Files.write(dir.resolve("plain.bin"), data);
    assertEquals(0, cli.run("keys", "create", "--alias", "files").status);
  }

  @Test
  void keysCreatePrintsTheIdAloneOnStdout() {
    CliRunner.Result r = cli.run("keys", "create");
    assertEquals(0, r.status, r.toString());
    assertTrue(UUID.matcher(r.out()).matches(), r.out());
    assertEquals("", r.stderr);
    CliRunner.Result list = cli.run("keys", "list");
    assertTrue(list.out().contains(r.out().strip()) && list.out().contains("files"), list.out());
  }

  @Test
  void encryptAndDecryptRoundTripThroughFiles() throws Exception {
    CliRunner.Result enc = cli.run("encrypt", "--key", "files", "--context", "app=test", "--context", "n=1",
        plain.toString(), dir.resolve("f.env").toString());
    assertEquals(0, enc.status, enc.toString());
    CliRunner.Result dec = cli.run("decrypt", "--context", "n=1", "--context", "app=test",
        dir.resolve("f.env").toString(), dir.resolve("f.out").toString());
    assertEquals(0, dec.status, dec.toString());
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("f.out")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("f.out"))));
    CliRunner.Result inspect = cli.run("inspect", dir.resolve("f.env").toString());
    assertTrue(inspect.out().contains("app=test") && inspect.out().contains("key service:      local"), inspect.out());
  }

  @Test
  void inspect_listsTheContextPairsAlignedUnderTheLabel_andSaysNoneForAnEmptyOne() {
    byte[] two = cli.run(data, "encrypt", "--key", "files", "--context", "app=test", "--context", "n=1", "-", "-").stdout;
    String out = cli.run(two, "inspect", "-").out();
    assertTrue(out.endsWith("segment size:     65536\n"
        + "context:          app=test\n"
        + "                  n=1\n"), out);
    assertFalse(out.lines().anyMatch(line -> line.isBlank() || line.strip().equals("context:")), out);

    byte[] none = cli.run(data, "encrypt", "--key", "files", "-", "-").stdout;
    String empty = cli.run(none, "inspect", "-").out();
    assertTrue(empty.endsWith("context:          (none)\n"), empty);
  }

  @Test
  void encryptAndDecryptRoundTripThroughStdinAndStdout() {
    CliRunner.Result enc = cli.run(data, "encrypt", "--key", "files", "-", "-");
    assertEquals(0, enc.status, enc.toString());
    assertFalse(Arrays.equals(data, enc.stdout));
    CliRunner.Result dec = cli.run(enc.stdout, "decrypt", "-", "-");
    assertEquals(0, dec.status, dec.toString());
    assertArrayEquals(data, dec.stdout);
  }

  @Test
  void aContextMismatchIsRefusedBeforeAnyOutput() {
    byte[] enc = cli.run(data, "encrypt", "--key", "files", "--context", "app=a", "-", "-").stdout;
    CliRunner.Result r = cli.run(enc, "decrypt", "--context", "app=b", "-", dir.resolve("out").toString());
    assertError(r, 7, "context-mismatch");
    assertFalse(Files.exists(dir.resolve("out")));
    CliRunner.Result toStdout = cli.run(enc, "decrypt", "--context", "app=b", "-", "-");
    assertError(toStdout, 7, "context-mismatch");
    assertEquals(0, toStdout.stdout.length);
  }

  @Test
  void aTamperedFileFailsAndLeavesNoOutputFile() throws Exception {
    byte[] enc = cli.run(data, "encrypt", "--key", "files", "-", "-").stdout;
    enc[enc.length - 100] ^= 0x40;
    Path bad = Files.write(dir.resolve("bad.env"), enc);
    CliRunner.Result r = cli.run("decrypt", bad.toString(), dir.resolve("out").toString());
    assertError(r, 8, "invalid-ciphertext");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(AtomicFile.TEMP_MARKER)
          || p.getFileName().toString().equals("out")).count(), "no output and no temporary file is left");
    }
  }

  @Test
  void decryptOntoAnExistingFile_isRefusedUnlessForce_andTheFileStaysByteForByte() throws Exception {
    Path note = Files.write(dir.resolve("note.txt"), data);
    Path env = dir.resolve("note.txt.env");
    assertEquals(0, cli.run("encrypt", "--key", "files", note.toString(), env.toString()).status);
    byte[] edited = "edited since".getBytes(StandardCharsets.UTF_8);
    Files.write(note, edited);

    CliRunner.Result r = cli.run("decrypt", env.toString(), note.toString());
    assertError(r, 12, "already-exists");
    assertEquals("envelope: error: " + note + " exists: use --force to replace it [already-exists]\n", r.stderr);
    assertArrayEquals(edited, Files.readAllBytes(note), "the existing file is untouched");
    assertNoTemporaryFile();

    CliRunner.Result forced = cli.run("decrypt", "--force", env.toString(), note.toString());
    assertEquals(0, forced.status, forced.toString());
    assertEquals("", forced.stderr);
    assertArrayEquals(data, Files.readAllBytes(note));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(note)));
  }

  @Test
  void encryptOntoAnExistingFile_isRefusedUnlessForce_evenFromStdin() throws Exception {
    byte[] old = "an older ciphertext".getBytes(StandardCharsets.UTF_8);
    Path out = Files.write(dir.resolve("f.env"), old);
    assertError(cli.run("encrypt", "--key", "files", plain.toString(), out.toString()), 12, "already-exists");
    CliRunner.Result fromStdin = cli.run(data, "encrypt", "--key", "files", "-", out.toString());
    assertError(fromStdin, 12, "already-exists");
    assertTrue(fromStdin.stderr.contains(out + " exists: use --force to replace it"), fromStdin.stderr);
    assertArrayEquals(old, Files.readAllBytes(out));
    // A symbolic link is a file that exists: never written through, even when it dangles.
    Path link = Files.createSymbolicLink(dir.resolve("link.env"), dir.resolve("nowhere"));
    assertError(cli.run("encrypt", "--key", "files", plain.toString(), link.toString()), 12, "already-exists");
    assertFalse(Files.exists(dir.resolve("nowhere")));
    assertNoTemporaryFile();

    assertEquals(0, cli.run("encrypt", "--force", "--key", "files", plain.toString(), out.toString()).status);
    CliRunner.Result back = cli.run("decrypt", out.toString(), "-");
    assertEquals(0, back.status, back.toString());
    assertArrayEquals(data, back.stdout);
  }

  private void assertNoTemporaryFile() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(AtomicFile.TEMP_MARKER)).count());
    }
  }

  @Test
  void aTruncatedFileToStdoutReleasesOnlyAuthenticSegmentsAndFails() {
    byte[] enc = cli.run(data, "encrypt", "--key", "files", "--segment-size", "4096", "-", "-").stdout;
    byte[] cut = Arrays.copyOf(enc, enc.length - 5000);
    CliRunner.Result r = cli.run(cut, "decrypt", "-", "-");
    assertError(r, 8, "invalid-ciphertext");
    assertTrue(r.stdout.length < data.length - 4000, "released " + r.stdout.length);
    assertArrayEquals(Arrays.copyOf(data, r.stdout.length), r.stdout);
  }

  @Test
  void errorsAreOneLineWithTheDocumentedExitStatus() throws Exception {
    Path enc = dir.resolve("x.env");
    cli.run("encrypt", "--key", "files", plain.toString(), enc.toString());
    assertError(cli.run("encrypt", "--key", "nope", plain.toString(), "o"), 5, "key-not-found");
    assertError(cli.run("encrypt", "--key", "files", dir.resolve("missing").toString(), "o"), 3, "io");
    assertError(cli.run("encrypt", "--key", "files", dir.toString(), "o"), 3, "io");
    assertError(cli.run("encrypt", "--key", "files", plain.toString(), dir.toString()), 3, "io");
    assertError(cli.run("encrypt", "--key", "files", plain.toString(), dir.resolve("no/such/dir/o").toString()), 3, "io");
    assertError(cli.run("encrypt", "--key", "files", "--context", "novalue", plain.toString(), "o"), 2, "invalid-argument");
    assertError(cli.run("encrypt", "--key", "files", "--context", "=v", plain.toString(), "o"), 2, "invalid-argument");
    assertError(cli.run("encrypt", "--key", "files", "--context", "a=1", "--context", "a=2", plain.toString(), "o"), 2, "invalid-argument");
    assertError(cli.run("encrypt", "--key", "files", "--segment-size", "100", plain.toString(), "o"), 2, "invalid-argument");
    assertError(cli.run("encrypt", "--key", "files", "--segment-size", "lots", plain.toString(), "o"), 2, "invalid-argument");
    assertError(cli.run("encrypt", plain.toString(), "o"), 2, "invalid-argument");
    assertError(cli.run("frobnicate"), 2, "invalid-argument");
    assertError(cli.run("keys", "create", "--alias", "files"), 12, "already-exists");
    assertError(cli.run("keys", "create", "--alias", "../etc"), 2, "invalid-argument");
    assertError(cli.run("decrypt", plain.toString(), "o"), 10, "unsupported-format");
    assertError(cli.run("inspect", plain.toString()), 10, "unsupported-format");
    cli.run("keys", "disable", "files");
    assertError(cli.run("decrypt", enc.toString(), "o"), 6, "key-disabled");
    assertError(cli.run("encrypt", "--key", "files", plain.toString(), "o"), 6, "key-disabled");
    cli.run("keys", "enable", "files");
    assertEquals(0, cli.run("decrypt", enc.toString(), dir.resolve("o").toString()).status);

    CliRunner wrongMaster = new CliRunner(dir.resolve("home"), Keyrings.newMasterKeyBase64());
    assertError(wrongMaster.run("decrypt", enc.toString(), "o"), 4, "keyring-unavailable");
    assertError(wrongMaster.run("keys", "list"), 4, "keyring-unavailable");
    CliRunner badMaster = new CliRunner(dir.resolve("home"), "not-base64!");
    assertError(badMaster.run("keys", "list"), 4, "keyring-unavailable");
    assertFalse(Files.exists(Path.of("o")), "relative outputs of failed commands are not left in the working dir");
  }

  @Test
  void aWrappedKeyFromAnotherFileIsRejected() throws Exception {
    byte[] a = cli.run(data, "encrypt", "--key", "files", "--context", "file=a", "-", "-").stdout;
    byte[] b = cli.run(data, "encrypt", "--key", "files", "--context", "file=b", "-", "-").stdout;
    int wrappedAt = 9 + 1 + 5 + 2 + 36 + 4 + 4 + 2;
    System.arraycopy(b, wrappedAt, a, wrappedAt, 61);
    assertError(cli.run(a, "decrypt", "-", "-"), 9, "invalid-wrapped-key");
  }

  @Test
  void rotatedKeysStillDecryptOldFiles() {
    byte[] old = cli.run(data, "encrypt", "--key", "files", "-", "-").stdout;
    CliRunner.Result rotated = cli.run("keys", "rotate", "files");
    assertTrue(rotated.out().contains("version 2"), rotated.out());
    assertArrayEquals(data, cli.run(old, "decrypt", "-", "-").stdout);
  }

  @Test
  void helpDocumentsTheExitStatusesAndTheEnvironment() {
    CliRunner.Result help = cli.run("--help");
    assertEquals(0, help.status);
    for (String s : new String[] {"invalid-ciphertext", "context-mismatch", "ENVELOPE_MASTER_KEY_FILE", "keys", "encrypt"}) {
      assertTrue(help.out().contains(s), s);
    }
    assertEquals(0, cli.run("--version").status);
    assertEquals(0, cli.run("decrypt", "--help").status);
  }

  @Test
  void withoutAMasterKeyTheFirstUseGeneratesOneAndSaysSo() {
    CliRunner fresh = new CliRunner(dir.resolve("fresh"), null);
    CliRunner.Result r = fresh.run("keys", "create");
    assertEquals(0, r.status, r.toString());
    assertTrue(r.stderr.contains("WARNING") && r.stderr.contains("master.key"), r.stderr);
    assertTrue(UUID.matcher(r.out()).matches(), "stdout holds the id alone: " + r.out());
  }

  @Test
  void readOnlyCommandsOnAFreshHomeCreateNothing() {
    CliRunner fresh = new CliRunner(dir.resolve("typo"), null);
    assertError(fresh.run("keys", "list"), 4, "keyring-unavailable");
    assertError(fresh.run("decrypt", plain.toString(), "-"), 4, "keyring-unavailable");
    assertFalse(Files.exists(dir.resolve("typo")), "a mistyped home must not grow a master key");
  }

  @Test
  void undecodableContextArgumentsAreRefused() {
    assertError(cli.run(data, "encrypt", "--key", "files", "--context", "tenant=Zo\uFFFD", "-", "-"), 2, "invalid-argument");
  }

  @Test
  void controlCharactersFromAHostileFileAreEscapedWhenPrinted() {
    String hostile = "x\u001b]0;pwned\u0007\u001b[1A\nroot key: 11111111-1111-1111-1111-111111111111\u202e";
    byte[] enc = cli.run(data, "encrypt", "--key", "files", "--context", "note=" + hostile, "-", "-").stdout;
    CliRunner.Result inspect = cli.run(enc, "inspect", "-");
    assertEquals(0, inspect.status, inspect.toString());
    assertEquals(1, inspect.out().lines().filter(line -> line.startsWith("root key:")).count(), inspect.out());
    assertFalse(inspect.out().contains("\u001b") || inspect.out().contains("\u202e"), inspect.out());
    assertTrue(inspect.out().contains("\\u001b]0;pwned"), inspect.out());
    CliRunner.Result mismatch = cli.run(enc, "decrypt", "--context", "note=y", "-", "-");
    assertError(mismatch, 7, "context-mismatch");
    assertFalse(mismatch.stderr.contains("\u001b"), mismatch.stderr);
  }

  private static void assertError(CliRunner.Result r, int status, String code) {
    assertEquals(status, r.status, r.toString());
    assertTrue(ONE_ERROR_LINE.matcher(r.stderr).matches(), "one error line expected: " + r.stderr);
    assertTrue(r.stderr.endsWith("[" + code + "]\n"), r.stderr);
    assertFalse(r.stderr.contains("Exception") || r.stderr.contains("\tat "), r.stderr);
    assertFalse(r.stderr.contains(new String(new byte[] {0}, StandardCharsets.UTF_8)));
  }
}
