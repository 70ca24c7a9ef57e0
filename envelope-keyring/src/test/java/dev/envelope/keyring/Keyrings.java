package dev.envelope.keyring;

import dev.envelope.core.ManagedKeyService;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/** Test helpers: a keyring in a temporary home with a known master key. */
public final class Keyrings {
  private Keyrings() {}

  public static String newMasterKeyBase64() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  public static Map<String, String> env(Path home, String masterKeyBase64) {
    return Map.of("ENVELOPE_HOME", home.toString(), MasterKey.ENV_KEY, masterKeyBase64);
  }

  public static ManagedKeyService open(Path home, String masterKeyBase64) throws Exception {
    return LocalKeyring.open(KeyringConfig.builder(home)
        .masterKey(MasterKey.fromBase64(masterKeyBase64, MasterKey.ENV_KEY)).build(), silent());
  }

  /** Creates a root key with one alias and returns its id. */
  public static String createKey(ManagedKeyService keyring, String alias) throws Exception {
    String id = keyring.createKey("").id();
    keyring.createAlias(alias, id);
    return id;
  }

  public static PrintStream silent() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }
}
