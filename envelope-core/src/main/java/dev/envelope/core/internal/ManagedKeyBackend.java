package dev.envelope.core.internal;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.WrappedKey;
import java.util.List;

/**
 * Where a managed key service keeps its root keys: a small store of {@link KeyRecord}s plus the material of
 * each key version, and the cipher that wraps under it. {@link ManagedKeys} writes the key lifecycle once above
 * it (as MinIO KES does above its backends); the local keyring and the PKCS#11 key service are backends.
 *
 * <p>{@link ManagedKeys} calls {@link #read}, {@link #write}, {@link #makeMaterial} and {@link #destroyMaterial}
 * from one thread at a time, and the last three only under {@link #lock}, in this order: read, destroy the
 * material of keys due for destruction, make material for new versions, write. {@link #wrap} and
 * {@link #unwrap} may run concurrently with everything.
 */
public interface ManagedKeyBackend {
  /** The key service's name, written into file headers ({@code local}, {@code pkcs11}). */
  String name();

  /** A cheap identity of what is stored now, which changes with every write; null when nothing is. */
  Object stamp();

  /** Every stored record; an empty store holds none. */
  List<KeyRecord> read() throws EnvelopeException;

  /** The store's write lock, across processes and across instances in this JVM. */
  WriteLock lock() throws EnvelopeException;

  /**
   * Persists {@code keys} atomically (a crash leaves the old records or the new ones), with the material of their
   * versions; material of versions they no longer name is gone.
   */
  void write(List<KeyRecord> keys) throws EnvelopeException;

  /** Makes the material of a new key version, before the record that names it is written. */
  void makeMaterial(String keyId, int version) throws EnvelopeException;

  /** Destroys a version's material, before the records that forget it are written. */
  void destroyMaterial(String keyId, int version) throws EnvelopeException;

  /** Wraps {@code plaintext} under a key version with {@link WrapFormat}. */
  WrappedKey wrap(String keyId, int version, byte[] plaintext, EncryptionContext context) throws EnvelopeException;

  /** Unwraps under the key version {@code wrapped} names; the caller zeroes the result. */
  byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException;

  /** A held write lock. */
  interface WriteLock extends AutoCloseable {
    @Override
    void close() throws EnvelopeException;
  }
}
