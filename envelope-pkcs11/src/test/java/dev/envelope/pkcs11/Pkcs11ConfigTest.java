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
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration comes from the environment, the PIN never from a flag, and every mistake is clear. */
class Pkcs11ConfigTest {
  @TempDir
  Path dir;

  @Test
  void aSlotAndAPinFromTheEnvironment() throws Exception {
    Pkcs11Config config = Pkcs11Config.fromEnvironment(env(Pkcs11Config.ENV_SLOT, "7", Pkcs11Config.ENV_PIN, "1234"), dir);
    assertEquals(7L, config.slot());
    assertEquals("1234", new String(config.pin()));
    assertFalse(config.toString().contains("1234"));
  }

  @Test
  void aTokenLabelAndAPinFile() throws Exception {
    Path pinFile = FileModes.set(Files.writeString(dir.resolve("pin"), "5678\n"), "rw-------");
    Pkcs11Config config = Pkcs11Config.fromEnvironment(env(Pkcs11Config.ENV_TOKEN_LABEL, "hsm-a",
        Pkcs11Config.ENV_PIN_FILE, pinFile.toString()), dir);
    assertEquals("hsm-a", config.tokenLabel());
    assertEquals("5678", new String(config.pin()));
  }

  @Test
  void aPinFileReadableByOthers_isRefused() throws Exception {
    Path pinFile = FileModes.set(Files.writeString(dir.resolve("pin"), "5678\n"), "rw-r--r--");
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> Pkcs11Config.fromEnvironment(
        env(Pkcs11Config.ENV_SLOT, "1", Pkcs11Config.ENV_PIN_FILE, pinFile.toString()), dir));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().startsWith("refusing to use the PIN file " + pinFile + ": it holds a secret")
        && e.getMessage().endsWith("chmod 600 " + pinFile.toRealPath()), e.getMessage());
    assertFalse(e.getMessage().contains("5678"));
  }

  @Test
  void aPinFileOfAnotherUser_isRefused() throws Exception {
    Path pinFile = FileModes.set(Files.writeString(dir.resolve("pin"), "5678\n"), "rw-------");
    FileModes.giveToNobody(pinFile);
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> Pkcs11Config.fromEnvironment(
        env(Pkcs11Config.ENV_SLOT, "1", Pkcs11Config.ENV_PIN_FILE, pinFile.toString()), dir));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
  }

  @Test
  void everyMistakeIsKeyringUnavailable_withAMessageThatSaysWhat() {
    assertUnavailable(Map.of(Pkcs11Config.ENV_SLOT, "1", Pkcs11Config.ENV_PIN, "1"), Pkcs11Config.ENV_LIBRARY);
    assertUnavailable(env(Pkcs11Config.ENV_PIN, "1"), Pkcs11Config.ENV_TOKEN_LABEL);
    assertUnavailable(env(Pkcs11Config.ENV_SLOT, "1", Pkcs11Config.ENV_TOKEN_LABEL, "x", Pkcs11Config.ENV_PIN, "1"),
        "exactly one");
    assertUnavailable(env(Pkcs11Config.ENV_SLOT, "one", Pkcs11Config.ENV_PIN, "1"), "slot number");
    assertUnavailable(env(Pkcs11Config.ENV_SLOT, "-1", Pkcs11Config.ENV_PIN, "1"), "negative");
    assertUnavailable(env(Pkcs11Config.ENV_SLOT, "1"), Pkcs11Config.ENV_PIN);
    assertUnavailable(env(Pkcs11Config.ENV_SLOT, "1", Pkcs11Config.ENV_PIN, ""), "empty");
    assertUnavailable(env(Pkcs11Config.ENV_SLOT, "1", Pkcs11Config.ENV_PIN, "1", Pkcs11Config.ENV_PIN_FILE, "/x"),
        "only one");
    assertUnavailable(env(Pkcs11Config.ENV_SLOT, "1", Pkcs11Config.ENV_PIN_FILE, dir.resolve("none").toString()),
        "PIN file");
    Map<String, String> badLibrary = env(Pkcs11Config.ENV_SLOT, "1", Pkcs11Config.ENV_PIN, "1");
    badLibrary.put(Pkcs11Config.ENV_LIBRARY, dir.resolve("missing.so").toString());
    assertUnavailable(badLibrary, "no PKCS#11 library");
    badLibrary.put(Pkcs11Config.ENV_LIBRARY, "/tmp/x\"\nslot = 0");
    assertUnavailable(badLibrary, "not allowed");
  }

  private void assertUnavailable(Map<String, String> env, String said) {
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> Pkcs11Config.fromEnvironment(env, dir));
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains(said), e.getMessage());
  }

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put(Pkcs11Config.ENV_LIBRARY, SoftHsmToken.library().toString());
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }
}
