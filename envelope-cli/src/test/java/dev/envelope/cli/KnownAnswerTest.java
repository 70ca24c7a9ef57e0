package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files written by format version 1 must decrypt with every later build (testdata/kat/v1/README.md). */
class KnownAnswerTest {
  private static final Path KAT = Path.of("..", "testdata", "kat", "v1");

  @TempDir
  Path dir;

  private CliRunner cli() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Files.copy(KAT.resolve("keyring").resolve("keyring"), home.resolve("keyring"));
    return new CliRunner(home, Files.readString(KAT.resolve("master.key")).strip());
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello.txt", "empty.txt", "segments.bin", "rotated.txt"})
  void version1FilesDecryptToTheirPlaintext(String name) throws Exception {
    CliRunner.Result r = cli().run("decrypt", KAT.resolve(name + ".env").toString(), "-");
    assertEquals(0, r.status, r.toString());
    byte[] expected = Files.readAllBytes(KAT.resolve("plain").resolve(name));
    assertArrayEquals(expected, r.stdout);
    assertTrue(sums().contains(sha256(expected) + "  " + name), "SHA256SUMS lists " + name);
  }

  @Test
  void theContextOfAVersion1FileIsReadAsWritten() throws Exception {
    CliRunner.Result r = cli().run("decrypt", "--context", "purpose=kat", "--context", "n=3",
        "--context", "ключ=значение", KAT.resolve("segments.bin.env").toString(), "-");
    assertEquals(0, r.status, r.toString());
  }

  @Test
  void aFileUnderTheDisabledKeyIsRefused() throws Exception {
    CliRunner.Result r = cli().run("decrypt", KAT.resolve("disabled-key.env").toString(), "-");
    assertEquals(6, r.status, r.toString());
    assertEquals(0, r.stdout.length);
  }

  private static List<String> sums() throws Exception {
    return Files.readAllLines(KAT.resolve("SHA256SUMS"), StandardCharsets.UTF_8);
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
