package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.pkcs11.Pkcs11KeyService;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses and opens the key service a command works with: {@code local} (the keyring file sealed by the
 * master key) or {@code pkcs11} (root keys inside an HSM), from a {@code --keys} option, else
 * {@value #ENV_KEYS}, else {@code local}. Both keep their metadata in the Envelope home.
 */
final class KeyBackend {
  static final String ENV_KEYS = "ENVELOPE_KEYS";
  static final String LOCAL = "local";
  static final String PKCS11 = "pkcs11";

  private KeyBackend() {}

  /**
   * @param choice the {@code --keys} value, or null to use {@value #ENV_KEYS}
   * @param homeOverride the {@code --home} value, or null to use {@code ENVELOPE_HOME}
   * @param mayGenerateMasterKey whether the local keyring may generate a try-it-out master key
   */
  static ManagedKeyService open(Map<String, String> env, String choice, String homeOverride,
      boolean mayGenerateMasterKey, PrintStream warnings) throws EnvelopeException {
    Map<String, String> effective = new HashMap<>(env);
    if (homeOverride != null) {
      effective.put("ENVELOPE_HOME", homeOverride);
    }
    String name = choice != null ? choice : effective.getOrDefault(ENV_KEYS, LOCAL);
    switch (name.strip().toLowerCase(Locale.ROOT)) {
      case LOCAL:
        return LocalKeyring.fromEnvironment(effective, mayGenerateMasterKey, warnings);
      case PKCS11:
        return Pkcs11KeyService.fromEnvironment(effective, LocalKeyring.home(effective));
      default:
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the key service must be '" + LOCAL + "' or '"
            + PKCS11 + "' (--keys or " + ENV_KEYS + "), not '" + name + "'");
    }
  }
}
