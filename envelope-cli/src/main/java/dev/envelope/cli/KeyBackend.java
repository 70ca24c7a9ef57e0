package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.KeyringConfig;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.keyring.MasterKey;
import dev.envelope.pkcs11.Pkcs11Config;
import dev.envelope.pkcs11.Pkcs11KeyService;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses and opens the key service a command works with: {@code local} (the keyring file sealed by the
 * master key) or {@code pkcs11} (root keys inside an HSM), from the {@code keys} setting ({@code --keys},
 * {@value #ENV_KEYS}, the config file), else {@code local}. Both keep their metadata in the Envelope home.
 *
 * <p>Maps the settings to the key services' typed configurations: {@code master-key-file}, {@code
 * pkcs11-library}, {@code pkcs11-slot}, {@code pkcs11-token-label} and {@code pkcs11-pin-file} come from flags,
 * variables or the config file like every setting; the secrets themselves, {@value MasterKey#ENV_KEY} and
 * {@value #ENV_PKCS11_PIN}, only from the environment (flags show in {@code ps}).
 */
final class KeyBackend {
  static final String ENV_KEYS = "ENVELOPE_KEYS";
  static final String ENV_PKCS11_PIN = "ENVELOPE_PKCS11_PIN";
  static final String LOCAL = "local";
  static final String PKCS11 = "pkcs11";

  private KeyBackend() {}

  /**
   * For the commands other than {@code serve}.
   *
   * @param choice the {@code --keys} value, or null for the setting's other sources
   * @param homeOverride the {@code --home} value, or null to use {@code ENVELOPE_HOME}
   * @param mayGenerateMasterKey whether the local keyring may generate a try-it-out master key
   */
  static ManagedKeyService open(Map<String, String> env, String choice, String homeOverride,
      boolean mayGenerateMasterKey, PrintStream warnings) throws EnvelopeException {
    Map<Setting, String> flags = new EnumMap<>(Setting.class);
    flags.put(Setting.HOME, homeOverride != null ? homeOverride : home(env).toString());
    if (choice != null) {
      flags.put(Setting.KEYS, choice);
    }
    return open(NodeSettings.resolve(flags, null, env), env, mayGenerateMasterKey, warnings);
  }

  /** Opens the key service {@code settings} choose; the secrets come from {@code env}. */
  static ManagedKeyService open(NodeSettings settings, Map<String, String> env, boolean mayGenerateMasterKey,
      PrintStream warnings) throws EnvelopeException {
    String name = settings.value(Setting.KEYS);
    switch (name.toLowerCase(Locale.ROOT)) {
      case LOCAL:
        return LocalKeyring.open(keyringConfig(settings, env, mayGenerateMasterKey), warnings);
      case PKCS11:
        return Pkcs11KeyService.open(pkcs11Config(settings, env));
      default:
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the key service must be '" + LOCAL + "' or '"
            + PKCS11 + "' (--keys or " + ENV_KEYS + "), not '" + name + "'");
    }
  }

  /** The Envelope home {@code ENVELOPE_HOME} names, else {@value LocalKeyring#DEFAULT_HOME}. */
  static Path home(Map<String, String> env) {
    String home = env.get(Setting.HOME.variable());
    return Path.of(home == null || home.isBlank() ? LocalKeyring.DEFAULT_HOME : home);
  }

  static KeyringConfig keyringConfig(NodeSettings settings, Map<String, String> env, boolean mayGenerateMasterKey)
      throws EnvelopeException {
    KeyringConfig.Builder config = KeyringConfig.builder(settings.home()).mayGenerateMasterKey(mayGenerateMasterKey);
    String inline = env.get(MasterKey.ENV_KEY);
    String file = settings.value(Setting.MASTER_KEY_FILE);
    String where = settings.where(Setting.MASTER_KEY_FILE);
    boolean fileNamed = !file.isEmpty() || !where.startsWith("default");
    if (inline != null && fileNamed) {
      throw unavailable("both " + MasterKey.ENV_KEY + " and " + where + " are set; set only one");
    }
    if (inline != null) {
      // Set but blank is what a failed secret injection looks like: never fall back to a generated key.
      config.masterKey(MasterKey.fromBase64(inline, MasterKey.ENV_KEY));
    } else if (fileNamed) {
      if (file.isEmpty()) {
        throw unavailable(where + " is set but empty");
      }
      config.masterKeyFile(settings.path(Setting.MASTER_KEY_FILE), where + " (" + file + ")");
    }
    return config.build();
  }

  static Pkcs11Config pkcs11Config(NodeSettings settings, Map<String, String> env) throws EnvelopeException {
    String library = settings.value(Setting.PKCS11_LIBRARY);
    if (library.isEmpty()) {
      throw unavailable("keys = pkcs11 needs " + Setting.PKCS11_LIBRARY.key() + " (flag "
          + Setting.PKCS11_LIBRARY.flag() + ", " + Setting.PKCS11_LIBRARY.variable() + " or the config file) naming"
          + " the PKCS#11 module (for SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)");
    }
    Pkcs11Config.Builder config = Pkcs11Config.builder(settings.path(Setting.PKCS11_LIBRARY), settings.home());
    String slot = settings.value(Setting.PKCS11_SLOT);
    String label = settings.value(Setting.PKCS11_TOKEN_LABEL);
    if (slot.isEmpty() == label.isEmpty()) {
      throw unavailable("set exactly one of " + Setting.PKCS11_SLOT.key() + " (" + Setting.PKCS11_SLOT.variable()
          + ") and " + Setting.PKCS11_TOKEN_LABEL.key() + " (" + Setting.PKCS11_TOKEN_LABEL.variable() + ")");
    }
    if (!slot.isEmpty()) {
      try {
        config.slot(Long.parseLong(slot));
      } catch (NumberFormatException e) {
        throw unavailable(settings.where(Setting.PKCS11_SLOT) + " must be a slot number, not '" + slot + "'");
      }
    } else {
      config.tokenLabel(label);
    }
    String pin = env.get(ENV_PKCS11_PIN);
    String pinFile = settings.value(Setting.PKCS11_PIN_FILE);
    if (pin != null && !pinFile.isEmpty()) {
      throw unavailable("both " + ENV_PKCS11_PIN + " and " + settings.where(Setting.PKCS11_PIN_FILE)
          + " are set; set only one");
    }
    if (pin != null) {
      if (pin.isEmpty()) {
        throw unavailable(ENV_PKCS11_PIN + " is set but empty");
      }
      config.pin(pin.toCharArray());
    } else if (!pinFile.isEmpty()) {
      config.pinFile(settings.path(Setting.PKCS11_PIN_FILE));
    } else {
      throw unavailable("no PIN for the PKCS#11 token: set " + ENV_PKCS11_PIN + " or "
          + Setting.PKCS11_PIN_FILE.key() + " (" + Setting.PKCS11_PIN_FILE.variable() + ")");
    }
    return config.build();
  }

  private static EnvelopeException unavailable(String message) {
    return new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, message);
  }
}
