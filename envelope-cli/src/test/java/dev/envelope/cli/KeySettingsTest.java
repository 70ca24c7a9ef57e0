package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.testing.FileModes;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.MasterKey;
import dev.envelope.pkcs11.SoftHsmToken;
import dev.envelope.server.SettingKey;
import dev.envelope.server.SettingSources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key services' settings map to their typed configurations: file paths and token names from flags, variables
 * or the config file like every setting, the secrets (master key, PIN) from the environment only.
 */
class KeySettingsTest {
  @TempDir
  Path home;

  private final Map<String, String> env = new HashMap<>();
  private final Map<Setting, String> flags = new EnumMap<>(Setting.class);
  private final PrintStream silent = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  @Test
  void noSecretIsASetting_soNoneIsEverAFlag() {
    for (SettingKey s : NodeSettings.ALL) {
      String key = s.key().toLowerCase(Locale.ROOT);
      assertFalse(key.equals("master-key") || key.endsWith("-pin") || key.contains("password")
          && !key.endsWith("-file"), s.key());
    }
  }

  @Test
  void pkcs11Settings_comeFromTheConfigFile_andThePinFromTheEnvironment() throws Exception {
    Map<String, String> token = SoftHsmToken.environment(SoftHsmToken.CLI);
    Files.writeString(home.resolve(SettingSources.DEFAULT_CONFIG_FILE), "keys = pkcs11\n"
        + "pkcs11-library = " + token.get("ENVELOPE_PKCS11_LIBRARY") + "\n"
        + "pkcs11-slot = " + token.get("ENVELOPE_PKCS11_SLOT") + "\n");
    env.put(KeyBackend.ENV_PKCS11_PIN, token.get("ENVELOPE_PKCS11_PIN"));

    ManagedKeyService keys = open(false);

    assertEquals("pkcs11", keys.name());
  }

  @Test
  void aPinFile_mayBeAFlag() throws Exception {
    Map<String, String> token = SoftHsmToken.environment(SoftHsmToken.CLI);
    Path pinFile = FileModes.set(Files.writeString(home.resolve("pin"), token.get("ENVELOPE_PKCS11_PIN")),
        "rw-------");
    flags.put(Setting.KEYS, "pkcs11");
    flags.put(Setting.PKCS11_LIBRARY, token.get("ENVELOPE_PKCS11_LIBRARY"));
    flags.put(Setting.PKCS11_SLOT, token.get("ENVELOPE_PKCS11_SLOT"));
    flags.put(Setting.PKCS11_PIN_FILE, pinFile.toString());

    assertEquals("pkcs11", open(false).name());
  }

  @Test
  void pkcs11Mistakes_nameTheSettingToFix() throws Exception {
    flags.put(Setting.KEYS, "pkcs11");
    assertUnavailable(Setting.PKCS11_LIBRARY.key());
    flags.put(Setting.PKCS11_LIBRARY, SoftHsmToken.library().toString());
    assertUnavailable("exactly one");
    env.put(Setting.PKCS11_SLOT.variable(), "one");
    assertUnavailable("slot number");
    env.put(Setting.PKCS11_SLOT.variable(), "1");
    env.put(Setting.PKCS11_TOKEN_LABEL.variable(), "x");
    assertUnavailable("exactly one");
    env.remove(Setting.PKCS11_TOKEN_LABEL.variable());
    assertUnavailable(KeyBackend.ENV_PKCS11_PIN);
    env.put(KeyBackend.ENV_PKCS11_PIN, "");
    assertUnavailable("empty");
    env.put(KeyBackend.ENV_PKCS11_PIN, "1");
    env.put(Setting.PKCS11_PIN_FILE.variable(), "/x");
    assertUnavailable("only one");
  }

  @Test
  void aMasterKeyFile_mayBeAFlag() throws Exception {
    String key = Keyrings.newMasterKeyBase64();
    Path file = FileModes.set(Files.writeString(home.resolve("mk"), key), "rw-------");
    flags.put(Setting.MASTER_KEY_FILE, file.toString());

    open(true).createKey("");

    assertFalse(Files.exists(home.resolve(MasterKey.DEFAULT_FILE_NAME)), "no key generated beside the keyring");
    env.put(MasterKey.ENV_KEY, key);
    flags.remove(Setting.MASTER_KEY_FILE);
    assertEquals(1, open(false).listKeys().size(), "the same key, given the other way");
  }

  @Test
  void aMasterKeyFileVariableSetButEmpty_isAnError_notAGeneratedKey() {
    env.put(Setting.MASTER_KEY_FILE.variable(), "");
    assertUnavailable("set but empty");
    assertFalse(Files.exists(home.resolve(MasterKey.DEFAULT_FILE_NAME)));
  }

  @Test
  void aMasterKeyAndAMasterKeyFile_isAnError() {
    env.put(MasterKey.ENV_KEY, Keyrings.newMasterKeyBase64());
    flags.put(Setting.MASTER_KEY_FILE, home.resolve("mk").toString());
    assertUnavailable("set only one");
  }

  private ManagedKeyService open(boolean mayGenerateMasterKey) throws EnvelopeException {
    flags.put(Setting.HOME, home.toString());
    return KeyBackend.open(NodeSettings.resolve(flags, null, env), env, mayGenerateMasterKey, silent);
  }

  private void assertUnavailable(String said) {
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> open(true));
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains(said), e.getMessage());
  }
}
