package dev.envelope.keyring;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import dev.envelope.core.internal.ManagedKeyBackend;
import dev.envelope.core.internal.PrivateFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The 256-bit key that seals the local keyring file. It comes from what the {@link KeyringConfig} names: the
 * key itself (in the CLI {@code ENVELOPE_MASTER_KEY}, base64), a file holding the base64 text (the CLI's
 * {@code master-key-file} setting, {@code ENVELOPE_MASTER_KEY_FILE}), or, for trying Envelope out, a generated
 * file {@code master.key} beside the keyring (mode 0600, announced loudly). In production the master key must live somewhere other than the keyring it seals. A master key
 * file is refused unless only its owner, the user Envelope runs as, can read or change it
 * ({@link PrivateFiles#checkSecret}): a key file of mode 0644 is an error, as it is to ssh.
 *
 * <p>{@link #toString()} shows only the key's {@linkplain #id() id}; {@link #close()} zeroes it.
 */
public final class MasterKey implements AutoCloseable {
  public static final String ENV_KEY = "ENVELOPE_MASTER_KEY";
  public static final String ENV_KEY_FILE = "ENVELOPE_MASTER_KEY_FILE";
  /** The name of the generated try-it-out master key file inside the Envelope home directory. */
  public static final String DEFAULT_FILE_NAME = "master.key";
  static final int SIZE_BYTES = 32;
  private static final int MAX_FILE_BYTES = 1024;

  private final byte[] key;
  private final String id;

  private MasterKey(byte[] key) {
    this.key = key;
    this.id = computeId(key);
  }

  /** A master key from its base64 text (standard alphabet, surrounding whitespace ignored). */
  public static MasterKey fromBase64(String base64, String source) throws EnvelopeException {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "the master key in " + source
          + " is not valid base64");
    }
    if (bytes.length != SIZE_BYTES) {
      Arrays.fill(bytes, (byte) 0);
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "the master key in " + source + " must be "
          + SIZE_BYTES + " bytes (44 characters of base64), not " + bytes.length + " bytes");
    }
    return new MasterKey(bytes);
  }

  /** A new random master key. */
  public static MasterKey generate() {
    byte[] bytes = new byte[SIZE_BYTES];
    new SecureRandom().nextBytes(bytes);
    return new MasterKey(bytes);
  }

  /**
   * Finds the master key {@code config} names. Without one, uses {@code home/master.key}, and generates it only
   * when {@link KeyringConfig.Builder#mayGenerateMasterKey} and no keyring exists yet: a keyring without its
   * master key is an error, never a reason to make a new key. Generation happens under the keyring's write
   * lock, so processes starting together on a fresh home agree on one key.
   *
   * @param warnings where the loud notice about a generated key goes (stderr in the CLI)
   */
  public static MasterKey resolve(KeyringConfig config, PrintStream warnings) throws EnvelopeException {
    if (config.masterKey() != null) {
      return config.masterKey();
    }
    if (config.masterKeyFile() != null) {
      return readFile(config.masterKeyFile(), config.masterKeyFileSource());
    }
    Path home = config.home();
    Path generated = home.resolve(DEFAULT_FILE_NAME);
    if (Files.exists(generated)) {
      return readFile(generated, generated.toString());
    }
    if (!config.mayGenerateMasterKey()) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "no master key for " + home + ": set "
          + ENV_KEY + " or " + ENV_KEY_FILE + ", or create a first root key with 'envelope keys create'"
          + " (check ENVELOPE_HOME or --home too)");
    }
    try (ManagedKeyBackend.WriteLock lock = KeyringFile.lock(home)) {
      if (Files.exists(generated)) {
        return readFile(generated, generated.toString()); // another process made it while we waited
      }
      if (Files.exists(home.resolve(KeyringFile.FILE_NAME))) {
        throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "the keyring " + home.resolve(
            KeyringFile.FILE_NAME) + " exists but no master key is configured: set " + ENV_KEY + " or "
            + ENV_KEY_FILE + " to the master key that sealed it");
      }
      MasterKey key = generate();
      try (AtomicFile out = AtomicFile.create(generated, PrivateFiles.fileMode())) {
        OutputStream stream = out.stream();
        stream.write((Base64.getEncoder().encodeToString(key.key) + "\n").getBytes(StandardCharsets.US_ASCII));
        out.commit();
      } catch (IOException e) {
        key.close();
        throw new EnvelopeException(ErrorCode.IO, "cannot write a new master key to " + generated + ": "
            + e.getMessage());
      }
      warnings.println("envelope: WARNING: no master key configured (" + ENV_KEY + " / " + ENV_KEY_FILE + ").");
      warnings.println("envelope: WARNING: generated a new one in " + generated + " (mode 0600).");
      warnings.println("envelope: WARNING: it sits next to the keyring it seals: fine for trying Envelope out,"
          + " NOT for production.");
      warnings.println("envelope: WARNING: in production keep the master key elsewhere and pass it with "
          + ENV_KEY + " or " + ENV_KEY_FILE + ".");
      return key;
    }
  }

  private static MasterKey readFile(Path path, String source) throws EnvelopeException {
    try {
      if (!Files.isRegularFile(path) || Files.size(path) > MAX_FILE_BYTES) {
        throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "the master key file " + path
            + " must be a regular file of at most " + MAX_FILE_BYTES + " bytes holding the key in base64");
      }
      PrivateFiles.checkSecret(path, "master key file");
      byte[] content = Files.readAllBytes(path);
      try {
        return fromBase64(new String(content, StandardCharsets.US_ASCII), source);
      } finally {
        Arrays.fill(content, (byte) 0);
      }
    } catch (NoSuchFileException e) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "the master key file " + path
          + " does not exist");
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "cannot read the master key file " + path
          + ": " + e.getMessage());
    }
  }

  /**
   * A public fingerprint of the key (16 hex digits of HMAC-SHA256 under it), stored in the keyring so that a
   * wrong master key is reported as such rather than as a damaged file.
   */
  public String id() {
    return id;
  }

  SecretKeySpec secretKey() {
    return new SecretKeySpec(key, "AES");
  }

  @Override
  public void close() {
    Arrays.fill(key, (byte) 0);
  }

  @Override
  public String toString() {
    return "MasterKey[id=" + id + "]";
  }

  private static String computeId(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] tag = mac.doFinal("envelope master key id v1".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(tag, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable in this Java runtime", e);
    }
  }
}
