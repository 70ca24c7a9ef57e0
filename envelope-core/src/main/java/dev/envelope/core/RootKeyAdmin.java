package dev.envelope.core;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Instant;

/**
 * What managing tenants' root keys over time needs from a key service: make a key for a tenant, name a key
 * canonically, tell its current version, wrap a data key it did not make (moving rows from another key service),
 * and take a key out of use for good (crypto-shredding). The local
 * keyring and the PKCS#11 key service ({@link ManagedKeyService}) and AWS KMS ({@code AwsKmsKeyService}) implement
 * it.
 *
 * <p>Keys are named by {@code keyRef}: an id, an ARN or an alias, as the service takes them. The methods after
 * {@link #resolveRootKey} take the canonical id that method returned. Errors use the {@link KeyService} codes.
 */
public interface RootKeyAdmin {
  /** Creates an enabled root key and returns its canonical id (an ARN on AWS KMS). */
  String createRootKey(String description) throws EnvelopeException;

  /**
   * The canonical id of {@code keyRef} (never an alias), once the key is known to be enabled and able to make
   * data keys: {@link ErrorCode#KEY_NOT_FOUND}, {@link ErrorCode#KEY_DISABLED} or {@link
   * ErrorCode#KEY_INVALID_STATE} otherwise.
   */
  String resolveRootKey(String keyRef) throws EnvelopeException;

  /**
   * The version new data keys under {@code keyId} are wrapped with now, or 0 where the service does not expose
   * versions (AWS KMS keeps every backing key of a rotated key itself, so its wrapped keys never need a rewrap
   * after rotation).
   */
  int currentVersion(String keyId) throws EnvelopeException;

  /**
   * Wraps a data key that came from elsewhere (unwrapped by another key service, when rows move from one key service
   * to another: {@code envelope admin migrate}) under the current version of {@code rootKey}, bound to {@code
   * context}, exactly as {@link KeyService#generateDataKey} wraps a fresh one: {@link KeyService#decrypt} of the
   * answer under the same context gives the same 32 bytes back, and under any other context fails.
   *
   * <p>The key is only read: it stays open and unchanged, and its owner closes it. Every copy of the plaintext this
   * method makes is zeroed before it returns (what an HTTP client's buffers hold on AWS KMS excepted, as for
   * {@code GenerateDataKey}'s answers). Errors are those of {@link KeyService#generateDataKey} under {@code rootKey}.
   *
   * @param rootKey the root key's id, alias or ARN
   * @throws IllegalStateException if {@code key} is closed
   */
  WrappedKey wrapDataKey(String rootKey, DataKey key, EncryptionContext context) throws EnvelopeException;

  /** Disables the key; a disabled key or one pending deletion stays as it is. */
  void disableRootKey(String keyId) throws EnvelopeException;

  /**
   * Schedules the key's deletion with the shortest waiting period the service allows (7 days on AWS KMS and
   * here) and returns when its material will be destroyed. A key already pending deletion keeps its date.
   */
  Instant scheduleRootKeyDeletion(String keyId) throws EnvelopeException;

  /**
   * Destroys the key's material at once, where the service can: every data key wrapped under it is lost that
   * moment. {@link ErrorCode#KEY_INVALID_STATE} where it cannot (AWS KMS never deletes a key sooner than 7 days
   * after it was scheduled).
   */
  void destroyRootKeyNow(String keyId) throws EnvelopeException;
}
