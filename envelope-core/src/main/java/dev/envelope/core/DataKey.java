package dev.envelope.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * A plaintext 256-bit data key and the same key {@linkplain WrappedKey wrapped} by its root key.
 *
 * <h2>Security guarantees</h2>
 * <ul>
 *   <li>The plaintext bytes are read by the envelope cipher in this package; elsewhere only through
 *       {@link #copyPlaintext(InsecureKeyAccess)}, whose token makes every such read easy to find.
 *       {@link #toString()} names the root key only.</li>
 *   <li>{@link #close()} overwrites the plaintext with zeros; every later use throws. Use it with
 *       try-with-resources, and close it as soon as the cipher stream has been created.</li>
 * </ul>
 *
 * <h2>Restrictions</h2>
 * Tink copies the key into its own primitive when a sequential stream starts; that copy is not reachable from
 * here and is released (not zeroed) with the stream. A stream that chooses its engine by length keeps its own
 * copy until it has chosen, and a parallel decrypting stream until it has read the stream header; both are
 * zeroed then (the parallel engine keeps only the derived per-stream key, inside the JCE). Not thread-safe.
 */
public final class DataKey implements AutoCloseable {
  /** Data keys are AES-256 keys. */
  public static final int SIZE_BYTES = 32;

  private final byte[] plaintext;
  private final WrappedKey wrapped;
  private boolean closed;

  private DataKey(byte[] plaintext, WrappedKey wrapped) {
    this.plaintext = plaintext;
    this.wrapped = wrapped;
  }

  /**
   * A data key holding a copy of {@code plaintext}. The caller should zero its own array afterwards.
   *
   * @throws IllegalArgumentException if {@code plaintext} is not {@value #SIZE_BYTES} bytes
   */
  public static DataKey of(byte[] plaintext, WrappedKey wrapped) {
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(wrapped, "wrapped");
    if (plaintext.length != SIZE_BYTES) {
      throw new IllegalArgumentException("a data key must be " + SIZE_BYTES + " bytes");
    }
    return new DataKey(plaintext.clone(), wrapped);
  }

  public WrappedKey wrapped() {
    return wrapped;
  }

  /** The live plaintext array, for the cipher in this package only. Do not keep or copy it. */
  byte[] plaintext() {
    if (closed) {
      throw new IllegalStateException("data key is closed");
    }
    return plaintext;
  }

  /**
   * A copy of the plaintext key, for key service implementations only (see {@link InsecureKeyAccess}).
   * The caller must zero the copy as soon as it is done with it.
   */
  public byte[] copyPlaintext(InsecureKeyAccess access) {
    java.util.Objects.requireNonNull(access, "access");
    return plaintext().clone();
  }

  public boolean isClosed() {
    return closed;
  }

  /** Zeroes the plaintext. Idempotent. */
  @Override
  public void close() {
    Arrays.fill(plaintext, (byte) 0);
    closed = true;
  }

  @Override
  public String toString() {
    return "DataKey[rootKey=" + wrapped.rootKeyId() + ", version=" + wrapped.rootKeyVersion()
        + (closed ? ", closed]" : "]");
  }
}
