package dev.envelope.core;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;

/**
 * The seam to whatever holds root keys: the local keyring, a PKCS#11 HSM, AWS KMS. Root keys never leave
 * the key service; callers only ever see data keys (plaintext and wrapped) and wrapped keys.
 *
 * <p>Every method takes the {@link EncryptionContext} of the data it protects. Implementations must bind it
 * to the wrapped key so that {@link #decrypt} under any other context fails with
 * {@link ErrorCode#INVALID_WRAPPED_KEY}.
 *
 * <p>Errors are {@link EnvelopeException}s with these codes: {@link ErrorCode#KEY_NOT_FOUND} (no such key,
 * alias or version), {@link ErrorCode#KEY_DISABLED} (the key may not be used now),
 * {@link ErrorCode#INVALID_WRAPPED_KEY} (wrong context, or a damaged or foreign wrapped key),
 * {@link ErrorCode#KEYRING_UNAVAILABLE} (the key service itself cannot be reached or opened).
 * Implementations are thread-safe.
 */
public interface KeyService {
  /**
   * The short, stable name of this kind of key service ({@code local}, {@code pkcs11}, {@code aws-kms}). It
   * is written into file headers so that a file says which kind of service can unwrap its key.
   */
  String name();

  /**
   * Makes a fresh random 256-bit data key and wraps it under the current version of a root key.
   *
   * @param rootKey the root key's id or alias
   */
  DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException;

  /** Unwraps {@code wrapped}, which must have been made under {@code context}. */
  DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException;

  /**
   * Re-wraps a data key under the current version of another (or the same) root key, inside the key
   * service: the plaintext data key is never returned to the caller.
   *
   * @param newRootKey the target root key's id or alias
   */
  WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
      throws EnvelopeException;
}
