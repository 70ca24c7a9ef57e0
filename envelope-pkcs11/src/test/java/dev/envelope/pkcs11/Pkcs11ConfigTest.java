package dev.envelope.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.testing.FileModes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration is built, not read from the environment; the PIN file is a secret; every mistake is clear.
 * (How the CLI maps its settings and variables to it is tested in envelope-cli.)
 */
class Pkcs11ConfigTest {
  @TempDir
  Path dir;

  @Test
  void aSlotAndAPin() throws Exception {
    Pkcs11Config config = builder().slot(7).pin("1234".toCharArray()).build();
    assertEquals(7L, config.slot());
    assertEquals("1234", new String(config.pin()));
    assertFalse(config.toString().contains("1234"));
  }

  @Test
  void aTokenLabelAndAPinFile() throws Exception {
    Path pinFile = FileModes.set(Files.writeString(dir.resolve("pin"), "5678\n"), "rw-------");
    Pkcs11Config config = builder().tokenLabel("hsm-a").pinFile(pinFile).build();
    assertEquals("hsm-a", config.tokenLabel());
    assertEquals("5678", new String(config.pin()));
  }

  @Test
  void aPinFileReadableByOthers_isRefused() throws Exception {
    Path pinFile = FileModes.set(Files.writeString(dir.resolve("pin"), "5678\n"), "rw-r--r--");
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> builder().slot(1).pinFile(pinFile).build());
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().startsWith("refusing to use the PIN file " + pinFile + ": it holds a secret")
        && e.getMessage().endsWith("chmod 600 " + pinFile.toRealPath()), e.getMessage());
    assertFalse(e.getMessage().contains("5678"));
  }

  @Test
  void aPinFileOfAnotherUser_isRefused() throws Exception {
    Path pinFile = FileModes.set(Files.writeString(dir.resolve("pin"), "5678\n"), "rw-------");
    FileModes.giveToNobody(pinFile);
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> builder().slot(1).pinFile(pinFile).build());
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
  }

  @Test
  void everyMistakeIsKeyringUnavailable_withAMessageThatSaysWhat() {
    char[] pin = {'1'};
    assertUnavailable(builder().pin(pin), "exactly one");
    assertUnavailable(builder().slot(1).tokenLabel("x").pin(pin), "exactly one");
    assertUnavailable(builder().slot(-1).pin(pin), "negative");
    assertUnavailable(builder().tokenLabel("x".repeat(33)).pin(pin), "1 to 32");
    assertUnavailable(builder().slot(1), "no PIN");
    assertUnavailable(builder().slot(1).pin(new char[0]), "empty");
    assertUnavailable(builder().slot(1).pin(pin).pinFile(Path.of("/x")), "only one");
    assertUnavailable(builder().slot(1).pinFile(dir.resolve("none")), "PIN file");
    assertUnavailable(Pkcs11Config.builder(dir.resolve("missing.so"), dir).slot(1).pin(pin), "no PKCS#11 library");
    assertUnavailable(Pkcs11Config.builder(Path.of("/tmp/x\"\nslot = 0"), dir).slot(1).pin(pin), "not allowed");
  }

  private Pkcs11Config.Builder builder() {
    return Pkcs11Config.builder(SoftHsmToken.library(), dir);
  }

  private static void assertUnavailable(Pkcs11Config.Builder builder, String said) {
    EnvelopeException e = assertThrows(EnvelopeException.class, builder::build);
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains(said), e.getMessage());
  }
}
