package dev.envelope.core.internal;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import dev.envelope.core.WrappedKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The one {@link ManagedKeyService}: the key lifecycle ({@link KeyLifecycle}) and the data-key operations over
 * a {@link ManagedKeyBackend}, which only stores records and material and wraps.
 *
 * <h2>Security guarantees</h2>
 * Plaintext data keys are zeroed after use and never appear in messages. Every change is read-modify-write of
 * the latest stored records under the backend's write lock, so concurrent processes do not lose each other's
 * changes; their changes are seen at the next operation (the records are re-read when the backend's stamp
 * moves). A key whose deletion date has passed is treated as gone at once; at the next write (or open) its
 * material is destroyed, then the records forget it, so a crash in between leaves no orphaned material. A
 * version is rotated before it has wrapped the configured number of keys, and automatic rotation happens at
 * the first use after it is due. Thread-safe if the backend keeps its contract.
 */
public final class ManagedKeys implements ManagedKeyService {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ManagedKeyBackend backend;
  private final KeyLifecycle keys;
  private volatile Loaded loaded;

  private ManagedKeys(ManagedKeyBackend backend, Clock clock, long wrapsPerVersion) {
    this.backend = backend;
    this.keys = new KeyLifecycle(new Store(), backend::makeMaterial, clock, wrapsPerVersion);
  }

  /** Reads the backend's records, purging keys whose deletion date has passed. */
  public static ManagedKeys open(ManagedKeyBackend backend, Clock clock, long wrapsPerVersion)
      throws EnvelopeException {
    ManagedKeys service = new ManagedKeys(backend, clock, wrapsPerVersion);
    synchronized (service) {
      Object stamp = backend.stamp();
      service.loaded = new Loaded(backend.read(), stamp);
    }
    if (service.keys.hasDestroyed(service.loaded.keys)) {
      service.keys.purge();
    }
    return service;
  }

  @Override
  public String name() {
    return backend.name();
  }

  /** The backend, for its own module's tests. */
  public ManagedKeyBackend backend() {
    return backend;
  }

  // ---- using keys ----

  @Override
  public DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException {
    byte[] plaintext = new byte[DataKey.SIZE_BYTES];
    RANDOM.nextBytes(plaintext);
    try {
      return DataKey.of(plaintext, wrapUnder(rootKey, plaintext, context));
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    byte[] plaintext = unwrap(wrapped, context);
    try {
      if (plaintext.length != DataKey.SIZE_BYTES) {
        throw new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "the wrapped key holds no data key");
      }
      return DataKey.of(plaintext, wrapped);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
      throws EnvelopeException {
    keys.usable(newRootKey); // the target's errors first: nothing is unwrapped for a target that cannot take it
    byte[] plaintext = unwrap(wrapped, context);
    try {
      return wrapUnder(newRootKey, plaintext, context);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public WrappedKey encrypt(String keyRef, byte[] plaintext, EncryptionContext context) throws EnvelopeException {
    ManagedKeyRules.checkPlaintext(plaintext);
    return wrapUnder(keyRef, plaintext, context);
  }

  @Override
  public byte[] decryptBytes(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    return unwrap(wrapped, context);
  }

  private WrappedKey wrapUnder(String keyRef, byte[] plaintext, EncryptionContext context)
      throws EnvelopeException {
    KeyLifecycle.WrapTarget target = keys.wrapTarget(keyRef);
    return backend.wrap(target.keyId(), target.version(), plaintext, context);
  }

  private byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    keys.forUnwrap(wrapped);
    return backend.unwrap(wrapped, context);
  }

  // ---- managing keys: see KeyLifecycle ----

  @Override
  public RootKey createKey(String description) throws EnvelopeException {
    return keys.createKey(description);
  }

  @Override
  public List<RootKey> listKeys() throws EnvelopeException {
    return keys.listKeys();
  }

  @Override
  public RootKey describeKey(String keyRef) throws EnvelopeException {
    return keys.describeKey(keyRef);
  }

  @Override
  public RootKey enableKey(String keyRef) throws EnvelopeException {
    return keys.enableKey(keyRef);
  }

  @Override
  public RootKey disableKey(String keyRef) throws EnvelopeException {
    return keys.disableKey(keyRef);
  }

  @Override
  public RootKey scheduleKeyDeletion(String keyRef, int pendingDays) throws EnvelopeException {
    return keys.scheduleKeyDeletion(keyRef, pendingDays);
  }

  @Override
  public void destroyKeyNow(String keyRef) throws EnvelopeException {
    keys.destroyKeyNow(keyRef);
  }

  @Override
  public RootKey destroyKeyVersion(String keyRef, int version) throws EnvelopeException {
    return keys.destroyKeyVersion(keyRef, version);
  }

  @Override
  public RootKey cancelKeyDeletion(String keyRef) throws EnvelopeException {
    return keys.cancelKeyDeletion(keyRef);
  }

  @Override
  public RootKey setAutomaticRotation(String keyRef, Duration period) throws EnvelopeException {
    return keys.setAutomaticRotation(keyRef, period);
  }

  @Override
  public RootKey rotateKey(String keyRef) throws EnvelopeException {
    return keys.rotateKey(keyRef);
  }

  @Override
  public void createAlias(String alias, String keyRef) throws EnvelopeException {
    keys.createAlias(alias, keyRef);
  }

  @Override
  public void deleteAlias(String alias) throws EnvelopeException {
    keys.deleteAlias(alias);
  }

  @Override
  public String toString() {
    return backend.toString();
  }

  // ---- the backend as KeyLifecycle's store ----

  private final class Store implements KeyLifecycle.Store {
    /** The cached records, re-read only when the backend's stamp moved (another process wrote). */
    @Override
    public List<KeyRecord> keys() throws EnvelopeException {
      Loaded current = loaded;
      Object stamp = backend.stamp();
      if (!Objects.equals(stamp, current.stamp)) {
        synchronized (ManagedKeys.this) {
          current = new Loaded(backend.read(), stamp);
          loaded = current;
        }
      }
      return current.keys;
    }

    /** Read, destroy what is due, change, write: all under the write lock, on the latest records. */
    @Override
    public void update(KeyLifecycle.Change change) throws EnvelopeException {
      synchronized (ManagedKeys.this) {
        try (ManagedKeyBackend.WriteLock lock = backend.lock()) {
          Instant now = keys.clock().instant();
          List<KeyRecord> current = backend.read();
          for (KeyRecord key : current) {
            if (key.destroyedAt(now)) {
              for (KeyRecord.Version version : key.versions()) {
                backend.destroyMaterial(key.id(), version.version());
              }
            }
          }
          List<KeyRecord> next = change.apply(KeyLifecycle.purged(current, now), now);
          destroyForgottenVersions(KeyLifecycle.purged(current, now), next);
          backend.write(next);
          loaded = new Loaded(next, backend.stamp());
        }
      }
    }
  }

  /** Destroys the material of every version {@code before} names and {@code after} no longer does. */
  private void destroyForgottenVersions(List<KeyRecord> before, List<KeyRecord> after) throws EnvelopeException {
    for (KeyRecord old : before) {
      KeyRecord now = after.stream().filter(k -> k.id().equals(old.id())).findFirst().orElse(null);
      for (KeyRecord.Version version : old.versions()) {
        if (now == null || now.version(version.version()) == null) {
          backend.destroyMaterial(old.id(), version.version());
        }
      }
    }
  }

  private record Loaded(List<KeyRecord> keys, Object stamp) {
    Loaded {
      keys = List.copyOf(keys);
    }
  }
}
