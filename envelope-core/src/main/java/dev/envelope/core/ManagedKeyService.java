package dev.envelope.core;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Duration;
import java.util.List;

/**
 * A key service that also manages its root keys: the key-management half of the AWS KMS API. The local
 * keyring and the PKCS#11 key service implement it; {@code envelope keyserver} serves it over the AWS KMS
 * wire protocol; the {@code envelope keys} commands drive it.
 *
 * <p>A root key is referred to by {@code keyRef}: its id or one of its aliases. Every method fails with
 * {@link ErrorCode#KEY_NOT_FOUND} for an unknown reference, {@link ErrorCode#KEY_DISABLED} when a disabled key
 * is asked to encrypt or decrypt, and {@link ErrorCode#KEY_INVALID_STATE} when the key is pending deletion or
 * the operation does not fit the key's state. Implementations are thread-safe.
 *
 * <h2>Restrictions</h2>
 * <ul>
 *   <li>{@link #encrypt} takes 1 to {@link #MAX_PLAINTEXT_BYTES} bytes, as AWS KMS does;
 *   <li>a key pending deletion neither encrypts nor decrypts; once its deletion date has passed its material
 *       is destroyed and every wrapped key under it is lost for good;
 *   <li>every old version of a key still decrypts until the key itself is deleted.
 * </ul>
 */
public interface ManagedKeyService extends KeyService, RootKeyAdmin {
  /** The largest plaintext {@link #encrypt} accepts (the AWS KMS limit). */
  int MAX_PLAINTEXT_BYTES = 4096;
  /** Bounds of the waiting period before a scheduled deletion destroys a key's material, in days. */
  int MIN_PENDING_DAYS = 7;
  int MAX_PENDING_DAYS = 30;
  /** Bounds of the automatic rotation period (the AWS KMS bounds). */
  Duration MIN_ROTATION_PERIOD = Duration.ofDays(90);
  Duration MAX_ROTATION_PERIOD = Duration.ofDays(2560);

  /** Creates an enabled root key at version 1 with a fresh random id. */
  RootKey createKey(String description) throws EnvelopeException;

  /** Every key not yet destroyed, oldest first. */
  List<RootKey> listKeys() throws EnvelopeException;

  RootKey describeKey(String keyRef) throws EnvelopeException;

  RootKey enableKey(String keyRef) throws EnvelopeException;

  RootKey disableKey(String keyRef) throws EnvelopeException;

  /**
   * Puts the key in {@link KeyState#PENDING_DELETION}; its material is destroyed {@code pendingDays} days
   * from now unless {@link #cancelKeyDeletion} is called first.
   *
   * @param pendingDays {@value #MIN_PENDING_DAYS} to {@value #MAX_PENDING_DAYS}, else
   *     {@link ErrorCode#INVALID_ARGUMENT}
   */
  RootKey scheduleKeyDeletion(String keyRef, int pendingDays) throws EnvelopeException;

  /**
   * Destroys a disabled key (or one pending deletion) at once, material and all: every data key wrapped under any
   * of its versions is lost that moment. An enabled key is {@link ErrorCode#KEY_INVALID_STATE}. AWS KMS has no
   * such operation; this service has it for crypto-shredding ({@code envelope tenants shred --now}).
   */
  void destroyKeyNow(String keyRef) throws EnvelopeException;

  /**
   * Destroys one older version of a key at once, for retiring it once no stored data key is wrapped under it
   * ({@code envelope keys destroy-version}). The current version is {@link ErrorCode#KEY_INVALID_STATE}; an unknown
   * one {@link ErrorCode#KEY_NOT_FOUND}.
   */
  RootKey destroyKeyVersion(String keyRef, int version) throws EnvelopeException;

  // ---- RootKeyAdmin, in terms of the methods above ----

  @Override
  default String createRootKey(String description) throws EnvelopeException {
    return createKey(description).id();
  }

  @Override
  default String resolveRootKey(String keyRef) throws EnvelopeException {
    RootKey key = describeKey(keyRef);
    if (key.state() == KeyState.DISABLED) {
      throw new EnvelopeException(ErrorCode.KEY_DISABLED, "root key " + key.id() + " is disabled");
    }
    if (key.state() == KeyState.PENDING_DELETION) {
      throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "root key " + key.id() + " is pending deletion");
    }
    return key.id();
  }

  @Override
  default int currentVersion(String keyId) throws EnvelopeException {
    return describeKey(keyId).currentVersion();
  }

  /** {@link #encrypt} of the key's 32 bytes, which wraps them exactly as {@link #generateDataKey} would have. */
  @Override
  default WrappedKey wrapDataKey(String rootKey, DataKey key, EncryptionContext context) throws EnvelopeException {
    java.util.Objects.requireNonNull(key, "key");
    java.util.Objects.requireNonNull(context, "context");
    byte[] plaintext = key.copyPlaintext(InsecureKeyAccess.get());
    try {
      return encrypt(rootKey, plaintext, context);
    } finally {
      java.util.Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  default void disableRootKey(String keyId) throws EnvelopeException {
    if (describeKey(keyId).state() == KeyState.ENABLED) {
      disableKey(keyId);
    }
  }

  @Override
  default java.time.Instant scheduleRootKeyDeletion(String keyId) throws EnvelopeException {
    RootKey key = describeKey(keyId);
    if (key.state() == KeyState.PENDING_DELETION) {
      return key.deletionDate().orElseThrow();
    }
    return scheduleKeyDeletion(keyId, MIN_PENDING_DAYS).deletionDate().orElseThrow();
  }

  @Override
  default void destroyRootKeyNow(String keyId) throws EnvelopeException {
    disableRootKey(keyId);
    destroyKeyNow(keyId);
  }

  /** Takes a key out of pending deletion; it comes back {@link KeyState#DISABLED}, as in AWS KMS. */
  RootKey cancelKeyDeletion(String keyRef) throws EnvelopeException;

  /**
   * Turns automatic rotation on (a non-null period between {@link #MIN_ROTATION_PERIOD} and
   * {@link #MAX_ROTATION_PERIOD}) or off ({@code null}). A due rotation happens no later than the key's next
   * use after its {@link RootKey#nextRotation()}.
   */
  RootKey setAutomaticRotation(String keyRef, Duration period) throws EnvelopeException;

  /** Makes a new current version of the key now; older versions keep decrypting. */
  RootKey rotateKey(String keyRef) throws EnvelopeException;

  /**
   * Points {@code alias} at a key. Aliases are unique across the service and are never UUID-shaped.
   * {@link ErrorCode#ALREADY_EXISTS} if the alias is taken.
   */
  void createAlias(String alias, String keyRef) throws EnvelopeException;

  /** Removes an alias; the key itself is untouched. */
  void deleteAlias(String alias) throws EnvelopeException;

  /** Encrypts a small secret (1 to {@value #MAX_PLAINTEXT_BYTES} bytes) under the key's current version. */
  WrappedKey encrypt(String keyRef, byte[] plaintext, EncryptionContext context) throws EnvelopeException;

  /**
   * Decrypts what {@link #encrypt} (or {@link #generateDataKey}) made. The caller owns the returned array and
   * should zero it after use.
   */
  byte[] decryptBytes(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException;

  /**
   * Looks up the key's canonical id without touching its material: the way to tell which key a
   * {@code keyRef} names before comparing it with the key a wrapped key was made under.
   */
  default String resolveKeyId(String keyRef) throws EnvelopeException {
    return describeKey(keyRef).id();
  }

  /**
   * The key {@code alias} names, made (enabled, version 1, with {@code description}) and given the alias if no key
   * has it yet: how a service bootstraps its root key on first start. Safe when several processes start together
   * on one store: the alias is claimed atomically, and a process that loses the race uses the winner's key (its
   * own new key stays unused).
   */
  static RootKey ensureKey(ManagedKeyService keys, String alias, String description) throws EnvelopeException {
    try {
      return keys.describeKey(alias);
    } catch (EnvelopeException e) {
      if (e.code() != ErrorCode.KEY_NOT_FOUND) {
        throw e;
      }
    }
    String id = keys.createKey(description).id();
    try {
      keys.createAlias(alias, id);
    } catch (EnvelopeException raced) {
      if (raced.code() != ErrorCode.ALREADY_EXISTS) {
        throw raced;
      }
    }
    return keys.describeKey(alias);
  }

  /** Where a key stands. */
  enum KeyState {
    /** Makes and unwraps data keys. */
    ENABLED,
    /** Refuses to make or unwrap data keys until enabled again; its material is kept. */
    DISABLED,
    /** Refuses every use; its material is destroyed at {@link RootKey#deletionDate()} unless cancelled. */
    PENDING_DELETION
  }
}
