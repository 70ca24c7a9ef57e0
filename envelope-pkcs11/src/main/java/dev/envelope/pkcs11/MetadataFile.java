package dev.envelope.pkcs11;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import dev.envelope.core.internal.KeyRecord;
import dev.envelope.core.internal.KeyRecordJson;
import dev.envelope.core.internal.ManagedKeyBackend;
import dev.envelope.core.internal.PrivateFiles;
import dev.envelope.core.internal.StoreFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.Key;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The PKCS#11 key metadata file, {@code $ENVELOPE_HOME/pkcs11-keys}: {@code magic "\x89ENP" | version 1 |
 * u32 length | JSON | HMAC-SHA256 of everything before}, the HMAC computed inside the token under a
 * non-extractable key ({@value #HMAC_LABEL}). Whoever can write the file but cannot use the token cannot
 * forge an alias, a state or a version list. Written atomically through {@link AtomicFile}; a
 * {@code pkcs11-keys.lock} file serialises writers across processes. Every read first refuses a file
 * someone else could change ({@link PrivateFiles#checkOwnerOnly}), since the HMAC does not stop a rollback.
 *
 * <h2>Restrictions</h2>
 * The HMAC does not stop a rollback: an older authentic file put back in place is accepted (a disabled key
 * could come back enabled). Destroyed keys never come back: their token objects are gone.
 */
final class MetadataFile {
  static final String FILE_NAME = "pkcs11-keys";
  static final String LOCK_NAME = "pkcs11-keys.lock";
  static final String HMAC_LABEL = "envelope/metadata-hmac";
  private static final byte[] MAGIC = {(byte) 0x89, 'E', 'N', 'P'};
  private static final int VERSION = 1;
  private static final int PREFIX_BYTES = MAGIC.length + 1 + 4;
  private static final int MAC_BYTES = 32;
  private static final int MAX_FILE_BYTES = 64 * 1024 * 1024;
  /** The JSON inside: the keyring's format 2 schema without key material, as content format 1. */
  static final KeyRecordJson.Schema SCHEMA = new KeyRecordJson.Schema(1, Set.of(1), false, false);

  private final Path home;
  private final Path file;
  private final Token token;

  MetadataFile(Path home, Token token) {
    this.home = home;
    this.file = home.resolve(FILE_NAME);
    this.token = token;
  }

  Path path() {
    return file;
  }

  /** Identifies the file's current content cheaply ({@link StoreFiles#stamp}). */
  Object stamp() {
    return StoreFiles.stamp(file);
  }

  /** Reads and authenticates the metadata; a missing file is no keys at all. */
  List<KeyRecord> read() throws EnvelopeException {
    byte[] bytes;
    try {
      PrivateFiles.checkOwnerOnly(file, "PKCS#11 key metadata");
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw unreadable("it is larger than any metadata file Envelope writes");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw Pkcs11Config.unavailable("cannot read the PKCS#11 key metadata " + file + ": " + e.getMessage());
    }
    return parse(bytes);
  }

  /** Checks, authenticates and parses the bytes of a metadata file, as {@link #read()} does. */
  List<KeyRecord> parse(byte[] bytes) throws EnvelopeException {
    if (bytes.length < PREFIX_BYTES + MAC_BYTES || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      throw unreadable("it is not an Envelope PKCS#11 metadata file, or it is damaged");
    }
    if (bytes[MAGIC.length] != VERSION) {
      throw unreadable("its format version " + bytes[MAGIC.length] + " is not supported by this build");
    }
    int length = ByteBuffer.wrap(bytes, MAGIC.length + 1, 4).getInt();
    if (length < 0 || length != bytes.length - PREFIX_BYTES - MAC_BYTES) {
      throw unreadable("it is damaged (its length does not match)");
    }
    Key macKey = token.key(HMAC_LABEL);
    if (macKey == null) {
      throw unreadable("the key that authenticates it is not in " + token.name() + " (another token?)");
    }
    byte[] expected = token.hmac(macKey, Arrays.copyOf(bytes, PREFIX_BYTES + length));
    if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(bytes, PREFIX_BYTES + length, bytes.length))) {
      throw unreadable("it was modified or damaged (authentication failed)");
    }
    try {
      return parseJson(Arrays.copyOfRange(bytes, PREFIX_BYTES, PREFIX_BYTES + length));
    } catch (IOException | RuntimeException e) {
      throw unreadable("its content is malformed");
    }
  }

  /** Authenticates and writes {@code keys} atomically. Call under {@link #lock()}. */
  void write(List<KeyRecord> keys) throws EnvelopeException {
    try {
      byte[] json = KeyRecordJson.write(SCHEMA, keys, Map.of());
      byte[] body = ByteBuffer.allocate(PREFIX_BYTES + json.length).put(MAGIC).put((byte) VERSION)
          .putInt(json.length).put(json).array();
      Key macKey = token.key(HMAC_LABEL);
      if (macKey == null) {
        macKey = token.generateHmac(HMAC_LABEL);
      }
      byte[] mac = token.hmac(macKey, body);
      PrivateFiles.createDirectories(home);
      try (AtomicFile out = AtomicFile.create(file, PrivateFiles.fileMode())) {
        out.stream().write(body);
        out.stream().write(mac);
        out.commit();
      }
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.IO, "cannot write the PKCS#11 key metadata " + file + ": "
          + e.getMessage());
    }
  }

  /** Parses the JSON inside; throws IOException or a RuntimeException if it is malformed. */
  static List<KeyRecord> parseJson(byte[] json) throws IOException {
    return KeyRecordJson.read(SCHEMA, json).keys();
  }

  /** The write lock, across processes and across instances within this JVM ({@link StoreFiles#lock}). */
  ManagedKeyBackend.WriteLock lock() throws EnvelopeException {
    return StoreFiles.lock(home, LOCK_NAME, "the key metadata");
  }

  private EnvelopeException unreadable(String why) {
    return Pkcs11Config.unavailable("cannot open the PKCS#11 key metadata " + file + ": " + why);
  }
}
