package dev.envelope.pkcs11;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.core.internal.KeyLifecycle;
import dev.envelope.core.internal.KeyRecord;
import dev.envelope.core.internal.ManagedKeyRules;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import dev.envelope.core.internal.WrapBudget;
import dev.envelope.core.WrappedKey;
import java.nio.file.Path;
import java.security.Key;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The PKCS#11 key service: every root key version is an AES-256 key generated inside a PKCS#11 token
 * (through Java's SunPKCS11 provider) as a sensitive, non-extractable object labelled {@code envelope/<id>/v<version>}, and
 * every wrap and unwrap is AES-GCM performed by the token ({@link Pkcs11Wrap}). What PKCS#11 cannot hold
 * (ids, aliases, states, deletion dates, rotation schedules, version lists, wrap counts) lives in a metadata
 * file beside the data, authenticated by an HMAC key that is itself non-extractable in the token
 * ({@link MetadataFile}). The life of the keys follows {@link KeyLifecycle}, as in the local keyring.
 *
 * <h2>Security guarantees</h2>
 * Root key material never exists outside the token. Metadata changes are read-modify-write under an
 * inter-process lock and land atomically. A key whose deletion date has passed is treated as gone at once;
 * at the next write (or open) its token objects are destroyed, then the metadata forgets it. Versions are
 * rotated before {@link #DEFAULT_WRAPS_PER_VERSION} wraps and when automatic rotation is due, at the next use.
 * Thread-safe.
 *
 * <h2>Restrictions</h2>
 * A PKCS#11 login belongs to the whole process: a second service opened on a token this JVM is already
 * logged in to does not have its PIN checked again.
 */
public final class Pkcs11KeyService implements ManagedKeyService {
  /** The key service name written into file headers. */
  public static final String NAME = "pkcs11";
  /** Wraps allowed under one key version before it is rotated: {@value WrapBudget#DEFAULT_WRAPS_PER_VERSION}. */
  public static final long DEFAULT_WRAPS_PER_VERSION = WrapBudget.DEFAULT_WRAPS_PER_VERSION;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Token token;
  private final MetadataFile file;
  private final KeyLifecycle keys;
  private volatile Loaded loaded;

  private Pkcs11KeyService(Token token, MetadataFile file, Clock clock, long wrapsPerVersion, Loaded loaded) {
    this.token = token;
    this.file = file;
    this.loaded = loaded;
    this.keys = new KeyLifecycle(new Store(), (id, version) -> token.generateAes(label(id, version)), clock,
        wrapsPerVersion);
  }

  /** Logs in to the configured token and reads the key metadata. */
  public static Pkcs11KeyService open(Pkcs11Config config) throws EnvelopeException {
    return open(config, Clock.systemUTC());
  }

  /** As {@link #open(Pkcs11Config)}, reading the time (deletion dates, rotation) from {@code clock}. */
  public static Pkcs11KeyService open(Pkcs11Config config, Clock clock) throws EnvelopeException {
    return open(config, clock, DEFAULT_WRAPS_PER_VERSION);
  }

  /** As {@link #open(Pkcs11Config, Clock)} with another wrap limit per version (tests lower it). */
  static Pkcs11KeyService open(Pkcs11Config config, Clock clock, long wrapsPerVersion) throws EnvelopeException {
    Token token = Token.open(config);
    MetadataFile file = new MetadataFile(config.home(), token);
    Object stamp = file.stamp();
    Pkcs11KeyService service = new Pkcs11KeyService(token, file, clock, wrapsPerVersion,
        new Loaded(file.read(), stamp));
    if (service.keys.hasDestroyed(service.loaded.keys)) {
      service.keys.purge();
    }
    return service;
  }

  /** Opens the token the environment names ({@link Pkcs11Config#fromEnvironment}), metadata in {@code home}. */
  public static Pkcs11KeyService fromEnvironment(Map<String, String> env, Path home) throws EnvelopeException {
    return open(Pkcs11Config.fromEnvironment(env, home));
  }

  /** The label of the token object that holds a key version's AES key. */
  static String label(String keyId, int version) {
    return "envelope/" + keyId + "/v" + version;
  }

  /** The token, for tests that try to read key material out of it. */
  Token token() {
    return token;
  }

  @Override
  public String name() {
    return NAME;
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
    return Pkcs11Wrap.wrap(token, material(target.keyId(), target.version()), target.keyId(), target.version(),
        plaintext, context);
  }

  private byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    KeyRecord key = keys.forUnwrap(wrapped);
    return Pkcs11Wrap.unwrap(token, material(key.id(), wrapped.rootKeyVersion()), key.id(), wrapped, context);
  }

  private Key material(String id, int version) throws EnvelopeException {
    Key key = token.key(label(id, version));
    if (key == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "version " + version + " of root key " + id
          + " is not in " + token.name());
    }
    return key;
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
    return "Pkcs11KeyService[" + token.name() + ", " + file.path() + "]";
  }

  // ---- the metadata file ----

  /** The metadata file as {@link KeyLifecycle}'s store. */
  private final class Store implements KeyLifecycle.Store {
    @Override
    public List<KeyRecord> keys() throws EnvelopeException {
      Loaded current = loaded;
      Object stamp = file.stamp();
      if (!Objects.equals(stamp, current.stamp)) {
        synchronized (Pkcs11KeyService.this) {
          current = new Loaded(file.read(), stamp);
          loaded = current;
        }
      }
      return current.keys;
    }

    /**
     * Read, destroy what is due, change, write: all under the write lock, on the latest file. Token objects
     * are destroyed before the metadata forgets them, so a crash in between leaves no orphaned material.
     */
    @Override
    public void update(KeyLifecycle.Change change) throws EnvelopeException {
      synchronized (Pkcs11KeyService.this) {
        try (MetadataFile.WriteLock lock = file.lock()) {
          Instant now = keys.clock().instant();
          List<KeyRecord> current = file.read();
          for (KeyRecord key : current) {
            if (key.destroyedAt(now)) {
              for (KeyRecord.Version version : key.versions()) {
                token.destroy(label(key.id(), version.version()));
              }
            }
          }
          List<KeyRecord> next = change.apply(KeyLifecycle.purged(current, now), now);
          file.write(next);
          loaded = new Loaded(next, file.stamp());
        }
      }
    }
  }

  private static final class Loaded {
    final List<KeyRecord> keys;
    final Object stamp;

    Loaded(List<KeyRecord> keys, Object stamp) {
      this.keys = List.copyOf(keys);
      this.stamp = stamp;
    }
  }
}
