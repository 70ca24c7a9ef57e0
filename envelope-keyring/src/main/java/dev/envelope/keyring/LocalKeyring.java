package dev.envelope.keyring;

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
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The local key service: AES-256 root keys with ids, aliases, versions, states and rotation schedules, kept
 * in one keyring file under the Envelope home directory and sealed by a {@link MasterKey}. Data keys and small
 * secrets are wrapped with AES-256-GCM under the current version of a root key, with the root key id, version
 * and encryption context as associated data ({@link LocalWrap}). The life of the keys (states, deletion,
 * rotation, aliases, wrap counts) follows {@link KeyLifecycle}; this class stores it.
 *
 * <h2>Security guarantees</h2>
 * Root key material never leaves this class: not in return values, exceptions or {@code toString}. Every
 * change is read-modify-write under an inter-process lock and lands atomically, so concurrent processes do
 * not lose each other's changes and a crash leaves the previous keyring or the new one, never a broken one.
 * Other processes' changes (a disabled key, say) are seen at the next operation. A key whose deletion date
 * has passed is treated as gone at once, and its material is purged from the file at the next write (or
 * open). A version is rotated before it wraps {@link #DEFAULT_WRAPS_PER_VERSION} keys, and automatic rotation
 * happens at the first use after it is due. Thread-safe.
 */
public final class LocalKeyring implements ManagedKeyService {
  /** The key service name written into file headers. */
  public static final String NAME = "local";
  /** Where the keyring lives unless {@code ENVELOPE_HOME} says otherwise. */
  public static final String DEFAULT_HOME = "envelope-data";
  /** Wraps allowed under one key version before it is rotated: {@value WrapBudget#DEFAULT_WRAPS_PER_VERSION}. */
  public static final long DEFAULT_WRAPS_PER_VERSION = WrapBudget.DEFAULT_WRAPS_PER_VERSION;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyringFile file;
  private final KeyLifecycle keys;
  private volatile Loaded loaded;
  /** Material made during the update in progress (guarded by this). */
  private Map<String, byte[]> pending;

  private LocalKeyring(KeyringFile file, Clock clock, long wrapsPerVersion, Loaded loaded) {
    this.file = file;
    this.loaded = loaded;
    this.keys = new KeyLifecycle(new Store(), this::makeMaterial, clock, wrapsPerVersion);
  }

  /** Opens (without creating) the keyring in {@code home}, sealed by {@code master}. */
  public static LocalKeyring open(Path home, MasterKey master) throws EnvelopeException {
    return open(home, master, Clock.systemUTC());
  }

  /** As {@link #open(Path, MasterKey)}, reading the time (deletion dates, rotation) from {@code clock}. */
  public static LocalKeyring open(Path home, MasterKey master, Clock clock) throws EnvelopeException {
    return open(home, master, clock, DEFAULT_WRAPS_PER_VERSION);
  }

  /** As {@link #open(Path, MasterKey, Clock)} with another wrap limit per version (tests lower it). */
  static LocalKeyring open(Path home, MasterKey master, Clock clock, long wrapsPerVersion)
      throws EnvelopeException {
    KeyringFile file = new KeyringFile(home, master);
    Object stamp = file.stamp();
    LocalKeyring keyring = new LocalKeyring(file, clock, wrapsPerVersion, new Loaded(file.read(), stamp));
    if (keyring.keys.hasDestroyed(keyring.loaded.state.keys())) {
      keyring.keys.purge();
    }
    return keyring;
  }

  /**
   * Opens the keyring the way the CLI does: home from {@code ENVELOPE_HOME} (default
   * {@value #DEFAULT_HOME}), master key as {@link MasterKey#resolve} finds it, generating a try-it-out master
   * key on a fresh home.
   */
  public static LocalKeyring fromEnvironment(Map<String, String> env, PrintStream warnings)
      throws EnvelopeException {
    return fromEnvironment(env, true, warnings);
  }

  /**
   * As {@link #fromEnvironment(Map, PrintStream)}; with {@code mayGenerateMasterKey} false, a home without a
   * master key is an error (for commands that only read: a mistyped home must not grow a new key).
   */
  public static LocalKeyring fromEnvironment(Map<String, String> env, boolean mayGenerateMasterKey,
      PrintStream warnings) throws EnvelopeException {
    Path home = home(env);
    return open(home, MasterKey.resolve(home, env, mayGenerateMasterKey, warnings));
  }

  /** The Envelope home directory named by {@code env}. */
  public static Path home(Map<String, String> env) {
    String home = env.get("ENVELOPE_HOME");
    return Path.of(home == null || home.isBlank() ? DEFAULT_HOME : home);
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
    return LocalWrap.wrap(target.keyId(), target.version(), material(target.keyId(), target.version()), plaintext,
        context);
  }

  private byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    KeyRecord key = keys.forUnwrap(wrapped);
    return LocalWrap.unwrap(key.id(), material(key.id(), wrapped.rootKeyVersion()), wrapped, context);
  }

  private byte[] material(String keyId, int version) throws EnvelopeException {
    byte[] material = loaded.state.material(keyId, version);
    if (material == null) { // destroyed by another process between the lookup and now
      throw ManagedKeyRules.notFound(keyId);
    }
    return material;
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
    return "LocalKeyring[" + file.path() + "]";
  }

  // ---- the file ----

  /** Called by KeyLifecycle inside update: 32 random bytes for the new version. */
  private void makeMaterial(String keyId, int version) {
    byte[] material = new byte[32];
    RANDOM.nextBytes(material);
    pending.put(KeyringState.slot(keyId, version), material);
  }

  /** The keyring file as {@link KeyLifecycle}'s store. */
  private final class Store implements KeyLifecycle.Store {
    @Override
    public List<KeyRecord> keys() throws EnvelopeException {
      refresh();
      return loaded.state.keys();
    }

    /** Read, purge what is due, change, write: all under the write lock, on the latest file. */
    @Override
    public void update(KeyLifecycle.Change change) throws EnvelopeException {
      synchronized (LocalKeyring.this) {
        try (KeyringFile.WriteLock lock = file.lock()) {
          Instant now = keys.clock().instant();
          KeyringState current = file.read().purged(now);
          pending = new HashMap<>(current.material());
          try {
            KeyringState next = KeyringState.of(change.apply(current.keys(), now), pending);
            file.write(next);
            loaded = new Loaded(next, file.stamp());
          } finally {
            pending = null;
          }
        }
      }
    }
  }

  private void refresh() throws EnvelopeException {
    Loaded current = loaded;
    Object stamp = file.stamp();
    if (!Objects.equals(stamp, current.stamp)) {
      synchronized (this) {
        loaded = new Loaded(file.read(), stamp);
      }
    }
  }

  private static final class Loaded {
    final KeyringState state;
    final Object stamp;

    Loaded(KeyringState state, Object stamp) {
      this.state = state;
      this.stamp = stamp;
    }
  }
}
