package dev.envelope.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * A data key encrypted ("wrapped") under a root key that never leaves its key service, together with the id
 * and version of that root key. Its ciphertext is opaque to everything but the key service that made it, and
 * binds the {@link EncryptionContext} it was made with: unwrapping under another context fails.
 *
 * <p>Not secret, but also not interesting to print: {@link #toString()} shows the root key and the length
 * only. Immutable; the bytes are copied in and out.
 */
public final class WrappedKey {
  /** Upper bound on the ciphertext a key service may produce (AWS KMS allows 6144 bytes). */
  public static final int MAX_CIPHERTEXT_BYTES = 6144;

  private final String rootKeyId;
  private final int rootKeyVersion;
  private final byte[] ciphertext;

  private WrappedKey(String rootKeyId, int rootKeyVersion, byte[] ciphertext) {
    this.rootKeyId = rootKeyId;
    this.rootKeyVersion = rootKeyVersion;
    this.ciphertext = ciphertext;
  }

  /**
   * @param rootKeyId the canonical id of the root key (never an alias), 1 to 2048 characters
   * @param rootKeyVersion the root key version, or 0 where the key service does not expose versions
   * @param ciphertext the key service's opaque encrypted data key, 1 to {@value #MAX_CIPHERTEXT_BYTES} bytes
   */
  public static WrappedKey of(String rootKeyId, int rootKeyVersion, byte[] ciphertext) {
    Objects.requireNonNull(rootKeyId, "rootKeyId");
    Objects.requireNonNull(ciphertext, "ciphertext");
    if (rootKeyId.isEmpty() || rootKeyId.length() > 2048) {
      throw new IllegalArgumentException("root key id must be 1 to 2048 characters");
    }
    for (int i = 0; i < rootKeyId.length(); i++) {
      char c = rootKeyId.charAt(i);
      // File headers store the id as UTF-8: a lone surrogate would be written as '?', naming another key.
      if (Character.isISOControl(c) || Character.isSurrogate(c)
          && !(Character.isHighSurrogate(c) && i + 1 < rootKeyId.length()
              && Character.isLowSurrogate(rootKeyId.charAt(++i)))) {
        throw new IllegalArgumentException("root key id must be well-formed Unicode without control characters");
      }
    }
    if (rootKeyVersion < 0) {
      throw new IllegalArgumentException("root key version must not be negative");
    }
    if (ciphertext.length == 0 || ciphertext.length > MAX_CIPHERTEXT_BYTES) {
      throw new IllegalArgumentException("wrapped key must be 1 to " + MAX_CIPHERTEXT_BYTES + " bytes");
    }
    return new WrappedKey(rootKeyId, rootKeyVersion, ciphertext.clone());
  }

  public String rootKeyId() {
    return rootKeyId;
  }

  public int rootKeyVersion() {
    return rootKeyVersion;
  }

  /** A copy of the opaque ciphertext. */
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof WrappedKey)) {
      return false;
    }
    WrappedKey other = (WrappedKey) o;
    return rootKeyVersion == other.rootKeyVersion
        && rootKeyId.equals(other.rootKeyId)
        && Arrays.equals(ciphertext, other.ciphertext);
  }

  @Override
  public int hashCode() {
    return Objects.hash(rootKeyId, rootKeyVersion, Arrays.hashCode(ciphertext));
  }

  @Override
  public String toString() {
    return "WrappedKey[rootKey=" + rootKeyId + ", version=" + rootKeyVersion + ", " + ciphertext.length + " bytes]";
  }
}
