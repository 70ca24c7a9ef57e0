package dev.envelope.keyring;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.core.ManagedKeyRules;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import dev.envelope.core.WrapBudget;
import dev.envelope.core.WrappedKey;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The local key service: AES-256 root keys with ids, aliases, versions, states and rotation schedules, kept
 * in one keyring file under the Envelope home directory and sealed by a {@link MasterKey}. Data keys and small
 * secrets are wrapped with AES-256-GCM under the current version of a root key, with the root key id, version
 * and encryption context as associated data ({@link LocalWrap}).
 *
 * <h2>Security guarantees</h2>
 * Root key material never leaves this class: not in return values, exceptions or {@code toString}. Every
 * change is read-modify-write under an inter-process lock and lands atomically, so concurrent processes do
 * not lose each other's changes and a crash leaves the previous keyring or the new one, never a broken one.
 * Other processes' changes (a disabled key, say) are seen at the next operation. A key whose deletion date
 * has passed is treated as gone at once, and its material is purged from the file at the next write (or
 * open). A version is rotated before it wraps {@link #DEFAULT_WRAPS_PER_VERSION} keys ({@link WrapBudget}),
 * and automatic rotation happens at the first use after it is due. Thread-safe.
 */
public final class LocalKeyring implements ManagedKeyService {
  /** The key service name written into file headers. */
  public static final String NAME = "local";
  /** Where the keyring lives unless {@code ENVELOPE_HOME} says otherwise. */
  public static final String DEFAULT_HOME = "envelope-data";
  /** Wraps allowed under one key version before it is rotated: {@value WrapBudget#DEFAULT_WRAPS_PER_VERSION}. */
  public static final long DEFAULT_WRAPS_PER_VERSION = WrapBudget.DEFAULT_WRAPS_PER_VERSION;
  private static final int MAX_DESCRIPTION_CHARS = 8192;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyringFile file;
  private final Clock clock;
  private final long wrapsPerVersion;
  private final WrapBudget budget = new WrapBudget();
  private volatile Loaded loaded;

  private LocalKeyring(KeyringFile file, Clock clock, long wrapsPerVersion, Loaded loaded) {
    this.file = file;
    this.clock = clock;
    this.wrapsPerVersion = wrapsPerVersion;
    this.loaded = loaded;
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
    if (keyring.loaded.state.hasDestroyed(clock.instant())) {
      keyring.mutate((state, now) -> state); // mutate purges what is due
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
    usable(newRootKey); // the target's errors first: nothing is unwrapped for a target that cannot take it
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
    KeyringState.Key key = usable(keyRef);
    KeyringState.Version version = key.current();
    if (key.rotationDueAt(clock.instant()) || !budget.tryTake(key.id(), version.version())) {
      version = reserve(key.id());
    }
    return LocalWrap.wrap(key.id(), version, plaintext, context);
  }

  /**
   * Under the write lock: rotates the key if automatic rotation is due or its current version has no wraps
   * left, then reserves a block of wraps of the current version, one of which the caller uses now.
   */
  private KeyringState.Version reserve(String id) throws EnvelopeException {
    KeyringState.Version[] reserved = new KeyringState.Version[1];
    long[] block = new long[1];
    mutate((state, now) -> {
      KeyringState.Key key = find(state, id, now);
      if (key == null) {
        throw ManagedKeyRules.notFound(id);
      }
      ManagedKeyRules.requireEnabled(key.state(), key.id());
      if (key.rotationDueAt(now)) {
        key = key.rotated(newVersion(key.currentVersion() + 1, now), now.plus(key.rotationPeriod()));
      }
      if (key.current().wraps() >= wrapsPerVersion) {
        key = key.rotated(newVersion(key.currentVersion() + 1, now), key.nextRotation());
      }
      KeyringState.Version current = key.current();
      block[0] = Math.min(budget.nextBlock(), wrapsPerVersion - current.wraps());
      reserved[0] = current.withWraps(current.wraps() + block[0]);
      return state.with(key.withVersion(reserved[0]));
    });
    budget.granted(id, reserved[0].version(), block[0], 1);
    return reserved[0];
  }

  private byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    KeyringState.Key key = existing(wrapped.rootKeyId());
    if (!key.id().equals(wrapped.rootKeyId())) {
      // An alias in a wrapped key would let a re-pointed alias change what a file decrypts under.
      throw ManagedKeyRules.notFound(wrapped.rootKeyId());
    }
    ManagedKeyRules.requireEnabled(key.state(), key.id());
    KeyringState.Version version = key.version(wrapped.rootKeyVersion());
    if (version == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "root key " + key.id() + " has no version "
          + wrapped.rootKeyVersion());
    }
    return LocalWrap.unwrap(key.id(), version, wrapped, context);
  }

  // ---- managing keys ----

  @Override
  public RootKey createKey(String description) throws EnvelopeException {
    String text = description == null ? "" : description;
    if (text.length() > MAX_DESCRIPTION_CHARS) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a description is at most " + MAX_DESCRIPTION_CHARS
          + " characters");
    }
    String id = UUID.randomUUID().toString();
    RootKey[] created = new RootKey[1];
    mutate((state, now) -> {
      KeyringState.Key key = new KeyringState.Key(id, List.of(), text, KeyState.ENABLED, now, null, null, null, 1,
          List.of(newVersion(1, now)));
      created[0] = key.describe();
      return state.with(key);
    });
    return created[0];
  }

  @Override
  public List<RootKey> listKeys() throws EnvelopeException {
    refresh();
    Instant now = clock.instant();
    List<RootKey> out = new ArrayList<>();
    for (KeyringState.Key key : loaded.state.keys()) {
      if (!key.destroyedAt(now)) {
        out.add(key.describe());
      }
    }
    return out;
  }

  @Override
  public RootKey describeKey(String keyRef) throws EnvelopeException {
    return existing(keyRef).describe();
  }

  @Override
  public RootKey enableKey(String keyRef) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      return key.withState(KeyState.ENABLED, null);
    });
  }

  @Override
  public RootKey disableKey(String keyRef) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      return key.withState(KeyState.DISABLED, null);
    });
  }

  @Override
  public RootKey scheduleKeyDeletion(String keyRef, int pendingDays) throws EnvelopeException {
    ManagedKeyRules.checkPendingDays(pendingDays);
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      return key.withState(KeyState.PENDING_DELETION, now.plus(Duration.ofDays(pendingDays)));
    });
  }

  @Override
  public RootKey cancelKeyDeletion(String keyRef) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      if (key.state() != KeyState.PENDING_DELETION) {
        throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "root key " + key.id()
            + " is not pending deletion");
      }
      return key.withState(KeyState.DISABLED, null);
    });
  }

  @Override
  public RootKey setAutomaticRotation(String keyRef, Duration period) throws EnvelopeException {
    ManagedKeyRules.checkRotationPeriod(period);
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireEnabled(key.state(), key.id());
      return key.withRotation(period, period == null ? null : now.plus(period));
    });
  }

  @Override
  public RootKey rotateKey(String keyRef) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireEnabled(key.state(), key.id());
      return key.rotated(newVersion(key.currentVersion() + 1, now), key.nextRotation());
    });
  }

  @Override
  public void createAlias(String alias, String keyRef) throws EnvelopeException {
    ManagedKeyRules.checkAlias(alias);
    mutate((state, now) -> {
      KeyringState.Key owner = find(state, alias, now);
      if (owner != null) {
        throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, "the alias '" + alias + "' already names root key "
            + owner.id());
      }
      KeyringState.Key key = find(state, keyRef, now);
      if (key == null) {
        throw ManagedKeyRules.notFound(keyRef);
      }
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      List<String> aliases = new ArrayList<>(key.aliases());
      aliases.add(alias);
      return state.with(key.withAliases(aliases));
    });
  }

  @Override
  public void deleteAlias(String alias) throws EnvelopeException {
    mutate((state, now) -> {
      KeyringState.Key key = ManagedKeyRules.isKeyIdShaped(alias) ? null : find(state, alias, now);
      if (key == null) {
        throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no alias '" + alias + "'");
      }
      List<String> aliases = new ArrayList<>(key.aliases());
      aliases.remove(alias);
      return state.with(key.withAliases(aliases));
    });
  }

  @Override
  public String toString() {
    return "LocalKeyring[" + file.path() + "]";
  }

  // ---- the file ----

  /** A change to the whole keyring, made on its latest content at time {@code now}. */
  private interface Change {
    KeyringState apply(KeyringState state, Instant now) throws EnvelopeException;
  }

  /** A change to one key. */
  private interface KeyChange {
    KeyringState.Key apply(KeyringState.Key key, Instant now) throws EnvelopeException;
  }

  private RootKey change(String keyRef, KeyChange change) throws EnvelopeException {
    RootKey[] changed = new RootKey[1];
    mutate((state, now) -> {
      KeyringState.Key key = find(state, keyRef, now);
      if (key == null) {
        throw ManagedKeyRules.notFound(keyRef);
      }
      KeyringState.Key next = change.apply(key, now);
      changed[0] = next.describe();
      return state.with(next);
    });
    return changed[0];
  }

  /** Read, purge what is due, change, write: all under the write lock, on the latest file. */
  private synchronized void mutate(Change change) throws EnvelopeException {
    try (KeyringFile.WriteLock lock = file.lock()) {
      Instant now = clock.instant();
      KeyringState next = change.apply(file.read().purged(now), now);
      file.write(next);
      loaded = new Loaded(next, file.stamp());
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

  private KeyringState.Key existing(String keyRef) throws EnvelopeException {
    refresh();
    KeyringState.Key key = find(loaded.state, keyRef, clock.instant());
    if (key == null) {
      throw ManagedKeyRules.notFound(keyRef);
    }
    return key;
  }

  private KeyringState.Key usable(String keyRef) throws EnvelopeException {
    KeyringState.Key key = existing(keyRef);
    ManagedKeyRules.requireEnabled(key.state(), key.id());
    return key;
  }

  /** The key {@code keyRef} names (an id in any case, or an alias), unless it is destroyed by {@code now}. */
  private static KeyringState.Key find(KeyringState state, String keyRef, Instant now) {
    boolean byId = ManagedKeyRules.isKeyIdShaped(keyRef);
    for (KeyringState.Key key : state.keys()) {
      if (!key.destroyedAt(now) && (byId ? key.id().equalsIgnoreCase(keyRef) : key.aliases().contains(keyRef))) {
        return key;
      }
    }
    return null;
  }

  private static KeyringState.Version newVersion(int number, Instant now) {
    byte[] material = new byte[32];
    RANDOM.nextBytes(material);
    return new KeyringState.Version(number, now, material, 0);
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
