package dev.envelope.keyring;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import dev.envelope.core.internal.ManagedKeyBackend;
import dev.envelope.core.internal.PrivateFiles;
import dev.envelope.core.internal.StoreFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The sealed keyring file: {@code magic "\x89ENK" | version 1 | master key id (8) | nonce (12) |
 * AES-256-GCM(master key, JSON state)}, with everything before the ciphertext as associated data, so the
 * file is authenticated as a whole. Written atomically through {@link AtomicFile}; a {@code keyring.lock}
 * file serialises writers across processes. Every read first refuses a keyring someone else could change
 * ({@link PrivateFiles#checkOwnerOnly}): the seal stops a forgery but not a rollback to an older keyring, in
 * which a deleted key lives again.
 */
final class KeyringFile {
  static final String FILE_NAME = "keyring";
  static final String LOCK_NAME = "keyring.lock";
  private static final byte[] MAGIC = {(byte) 0x89, 'E', 'N', 'K'};
  private static final int VERSION = 1;
  private static final int PREFIX_BYTES = MAGIC.length + 1 + 8;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int MAX_FILE_BYTES = 64 * 1024 * 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path home;
  private final Path file;
  private final MasterKey master;

  KeyringFile(Path home, MasterKey master) {
    this.home = home;
    this.file = home.resolve(FILE_NAME);
    this.master = master;
  }

  Path path() {
    return file;
  }

  /** Identifies the file's current content cheaply ({@link StoreFiles#stamp}). */
  Object stamp() {
    return StoreFiles.stamp(file);
  }

  /** Reads and unseals the keyring; a missing file is an empty keyring. */
  KeyringState read() throws EnvelopeException {
    byte[] sealed;
    try {
      PrivateFiles.checkOwnerOnly(file, "keyring");
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw unreadable("it is larger than any keyring Envelope writes");
      }
      sealed = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return KeyringState.empty();
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "cannot read the keyring " + file + ": "
          + e.getMessage());
    }
    return unseal(sealed);
  }

  /** Checks and unseals the bytes of a keyring file, as {@link #read()} does. */
  KeyringState unseal(byte[] sealed) throws EnvelopeException {
    if (sealed.length < PREFIX_BYTES + NONCE_BYTES + TAG_BITS / 8
        || !Arrays.equals(Arrays.copyOf(sealed, MAGIC.length), MAGIC)) {
      throw unreadable("it is not an Envelope keyring, or it is damaged");
    }
    if (sealed[MAGIC.length] != VERSION) {
      throw unreadable("its format version " + sealed[MAGIC.length] + " is not supported by this build");
    }
    String sealedBy = HexFormat.of().formatHex(sealed, MAGIC.length + 1, PREFIX_BYTES);
    if (!sealedBy.equals(master.id())) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "wrong master key for the keyring " + file
          + ": it was sealed by master key " + sealedBy + " but the configured one is " + master.id()
          + " (or the keyring's header is damaged)");
    }
    byte[] json = null;
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.DECRYPT_MODE, master.secretKey(),
          new GCMParameterSpec(TAG_BITS, sealed, PREFIX_BYTES, NONCE_BYTES));
      gcm.updateAAD(sealed, 0, PREFIX_BYTES);
      json = gcm.doFinal(sealed, PREFIX_BYTES + NONCE_BYTES, sealed.length - PREFIX_BYTES - NONCE_BYTES);
      return KeyringState.fromJson(json);
    } catch (GeneralSecurityException e) {
      throw unreadable("it is damaged (authentication failed)");
    } catch (IOException | RuntimeException e) {
      throw unreadable("its content is malformed");
    } finally {
      if (json != null) {
        Arrays.fill(json, (byte) 0);
      }
    }
  }

  /** Seals and writes {@code state} atomically. Call under {@link #lock()}. */
  void write(KeyringState state) throws EnvelopeException {
    byte[] json = null;
    try {
      json = state.toJson();
      byte[] prefix = ByteBuffer.allocate(PREFIX_BYTES).put(MAGIC).put((byte) VERSION)
          .put(HexFormat.of().parseHex(master.id())).array();
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.ENCRYPT_MODE, master.secretKey(), new GCMParameterSpec(TAG_BITS, nonce));
      gcm.updateAAD(prefix);
      byte[] sealed = gcm.doFinal(json);
      PrivateFiles.createDirectories(home);
      try (AtomicFile out = AtomicFile.create(file, PrivateFiles.fileMode())) {
        out.stream().write(prefix);
        out.stream().write(nonce);
        out.stream().write(sealed);
        out.commit();
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this Java runtime", e);
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.IO, "cannot write the keyring " + file + ": " + e.getMessage());
    } finally {
      if (json != null) {
        Arrays.fill(json, (byte) 0);
      }
    }
  }

  /** The write lock, across processes and across instances within this JVM ({@link StoreFiles#lock}). */
  ManagedKeyBackend.WriteLock lock() throws EnvelopeException {
    return lock(home);
  }

  /** The write lock of the keyring in {@code home}, as {@link #lock()}. */
  static ManagedKeyBackend.WriteLock lock(Path home) throws EnvelopeException {
    return StoreFiles.lock(home, LOCK_NAME, "the keyring");
  }

  private EnvelopeException unreadable(String why) {
    return new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "cannot open the keyring " + file + ": " + why
        + ". Check that the master key is the one that sealed it.");
  }
}
