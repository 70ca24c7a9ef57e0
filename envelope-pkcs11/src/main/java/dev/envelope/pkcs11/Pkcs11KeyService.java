package dev.envelope.pkcs11;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.core.ManagedKeyRules;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import dev.envelope.core.WrapBudget;
import dev.envelope.core.WrappedKey;
import java.nio.file.Path;
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
 * The PKCS#11 key service: every root key version is an AES-256 key generated inside a PKCS#11 token
 * (through Java's SunPKCS11 provider) as a sensitive, non-extractable object, and every wrap and unwrap is
 * AES-GCM performed by the token ({@link Pkcs11Wrap}). What PKCS#11 cannot hold (ids, aliases, states,
 * deletion dates, rotation schedules, version lists, wrap counts) lives in a metadata file beside the data,
 * authenticated by an HMAC key that is itself non-extractable in the token ({@link MetadataFile}).
 *
 * <h2>Security guarantees</h2>
 * Root key material never exists outside the token. Metadata changes are read-modify-write under an
 * inter-process lock and land atomically. A key whose deletion date has passed is treated as gone at once;
 * at the next write (or open) its token objects are destroyed, then the metadata forgets it. Versions are
 * rotated before {@link #DEFAULT_WRAPS_PER_VERSION} wraps and when automatic rotation is due, at the next use.
 * Thread-safe.
 */
public final class Pkcs11KeyService implements ManagedKeyService {
  /** The key service name written into file headers. */
  public static final String NAME = "pkcs11";
  /** Wraps allowed under one key version before it is rotated: {@value WrapBudget#DEFAULT_WRAPS_PER_VERSION}. */
  public static final long DEFAULT_WRAPS_PER_VERSION = WrapBudget.DEFAULT_WRAPS_PER_VERSION;
  private static final int MAX_DESCRIPTION_CHARS = 8192;

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private final Token token;
  private final MetadataFile file;
  private final Clock clock;
  private final long wrapsPerVersion;
  private final WrapBudget budget = new WrapBudget();
  private volatile Loaded loaded;

  private Pkcs11KeyService(Token token, MetadataFile file, Clock clock, long wrapsPerVersion, Loaded loaded) {
    this.token = token;
    this.file = file;
    this.clock = clock;
    this.wrapsPerVersion = wrapsPerVersion;
    this.loaded = loaded;
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
    Pkcs11KeyService keys = new Pkcs11KeyService(token, file, clock, wrapsPerVersion,
        new Loaded(file.read(), stamp));
    if (keys.loaded.state.hasDestroyed(clock.instant())) {
      keys.mutate((state, now) -> state); // mutate destroys what is due
    }
    return keys;
  }

  /** Opens the token the environment names ({@link Pkcs11Config#fromEnvironment}), metadata in {@code home}. */
  public static Pkcs11KeyService fromEnvironment(Map<String, String> env, Path home) throws EnvelopeException {
    return open(Pkcs11Config.fromEnvironment(env, home));
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
    Pkcs11State.Key key = usable(keyRef);
    Pkcs11State.Version version = key.current();
    if (key.rotationDueAt(clock.instant()) || !budget.tryTake(key.id(), version.version())) {
      version = reserve(key.id());
    }
    return Pkcs11Wrap.wrap(token, material(key.id(), version.version()), key.id(), version.version(), plaintext,
        context);
  }

  /**
   * Under the write lock: rotates the key if automatic rotation is due or its current version has no wraps
   * left, then reserves a block of wraps of the current version, one of which the caller uses now.
   */
  private Pkcs11State.Version reserve(String id) throws EnvelopeException {
    Pkcs11State.Version[] reserved = new Pkcs11State.Version[1];
    long[] block = new long[1];
    mutate((state, now) -> {
      Pkcs11State.Key key = find(state, id, now);
      if (key == null) {
        throw ManagedKeyRules.notFound(id);
      }
      ManagedKeyRules.requireEnabled(key.state(), key.id());
      if (key.rotationDueAt(now)) {
        key = key.rotated(newVersion(key.id(), key.currentVersion() + 1, now), now.plus(key.rotationPeriod()));
      }
      if (key.current().wraps() >= wrapsPerVersion) {
        key = key.rotated(newVersion(key.id(), key.currentVersion() + 1, now), key.nextRotation());
      }
      Pkcs11State.Version current = key.current();
      block[0] = Math.min(budget.nextBlock(), wrapsPerVersion - current.wraps());
      reserved[0] = current.withWraps(current.wraps() + block[0]);
      return state.with(key.withVersion(reserved[0]));
    });
    budget.granted(id, reserved[0].version(), block[0], 1);
    return reserved[0];
  }

  private byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    Pkcs11State.Key key = existing(wrapped.rootKeyId());
    if (!key.id().equals(wrapped.rootKeyId())) {
      // An alias in a wrapped key would let a re-pointed alias change what a file decrypts under.
      throw ManagedKeyRules.notFound(wrapped.rootKeyId());
    }
    ManagedKeyRules.requireEnabled(key.state(), key.id());
    Pkcs11State.Version version = key.version(wrapped.rootKeyVersion());
    if (version == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "root key " + key.id() + " has no version "
          + wrapped.rootKeyVersion());
    }
    return Pkcs11Wrap.unwrap(token, material(key.id(), version.version()), key.id(), wrapped, context);
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
      Pkcs11State.Key key = new Pkcs11State.Key(id, List.of(), text, KeyState.ENABLED, now, null, null, null, 1,
          List.of(newVersion(id, 1, now)));
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
    for (Pkcs11State.Key key : loaded.state.keys()) {
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
      return key.rotated(newVersion(key.id(), key.currentVersion() + 1, now), key.nextRotation());
    });
  }

  @Override
  public void createAlias(String alias, String keyRef) throws EnvelopeException {
    ManagedKeyRules.checkAlias(alias);
    mutate((state, now) -> {
      Pkcs11State.Key owner = find(state, alias, now);
      if (owner != null) {
        throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, "the alias '" + alias + "' already names root key "
            + owner.id());
      }
      Pkcs11State.Key key = find(state, keyRef, now);
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
      Pkcs11State.Key key = ManagedKeyRules.isKeyIdShaped(alias) ? null : find(state, alias, now);
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
    return "Pkcs11KeyService[" + token.name() + ", " + file.path() + "]";
  }

  // ---- the file ----

  /** A change to the whole keyring, made on its latest content at time {@code now}. */
  private interface Change {
    Pkcs11State apply(Pkcs11State state, Instant now) throws EnvelopeException;
  }

  /** A change to one key. */
  private interface KeyChange {
    Pkcs11State.Key apply(Pkcs11State.Key key, Instant now) throws EnvelopeException;
  }

  private RootKey change(String keyRef, KeyChange change) throws EnvelopeException {
    RootKey[] changed = new RootKey[1];
    mutate((state, now) -> {
      Pkcs11State.Key key = find(state, keyRef, now);
      if (key == null) {
        throw ManagedKeyRules.notFound(keyRef);
      }
      Pkcs11State.Key next = change.apply(key, now);
      changed[0] = next.describe();
      return state.with(next);
    });
    return changed[0];
  }

  /**
   * Read, destroy what is due, change, write: all under the write lock, on the latest file. Token objects
   * are destroyed before the metadata forgets them, so a crash in between leaves no orphaned material.
   */
  private synchronized void mutate(Change change) throws EnvelopeException {
    try (MetadataFile.WriteLock lock = file.lock()) {
      Instant now = clock.instant();
      Pkcs11State current = file.read();
      for (Pkcs11State.Key key : current.keys()) {
        if (key.destroyedAt(now)) {
          for (Pkcs11State.Version version : key.versions()) {
            token.destroy(Pkcs11State.label(key.id(), version.version()));
          }
        }
      }
      Pkcs11State next = change.apply(current.purged(now), now);
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

  private Pkcs11State.Key existing(String keyRef) throws EnvelopeException {
    refresh();
    Pkcs11State.Key key = find(loaded.state, keyRef, clock.instant());
    if (key == null) {
      throw ManagedKeyRules.notFound(keyRef);
    }
    return key;
  }

  private Pkcs11State.Key usable(String keyRef) throws EnvelopeException {
    Pkcs11State.Key key = existing(keyRef);
    ManagedKeyRules.requireEnabled(key.state(), key.id());
    return key;
  }

  /** The key {@code keyRef} names (an id in any case, or an alias), unless it is destroyed by {@code now}. */
  private static Pkcs11State.Key find(Pkcs11State state, String keyRef, Instant now) {
    boolean byId = ManagedKeyRules.isKeyIdShaped(keyRef);
    for (Pkcs11State.Key key : state.keys()) {
      if (!key.destroyedAt(now) && (byId ? key.id().equalsIgnoreCase(keyRef) : key.aliases().contains(keyRef))) {
        return key;
      }
    }
    return null;
  }

  /** Generates the version's key inside the token; call under the write lock, before the metadata names it. */
  private Pkcs11State.Version newVersion(String id, int number, Instant now) throws EnvelopeException {
    token.generateAes(Pkcs11State.label(id, number));
    return new Pkcs11State.Version(number, now, 0);
  }

  private java.security.Key material(String id, int version) throws EnvelopeException {
    java.security.Key key = token.key(Pkcs11State.label(id, version));
    if (key == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "version " + version + " of root key " + id
          + " is not in " + token.name());
    }
    return key;
  }

  private static final class Loaded {
    final Pkcs11State state;
    final Object stamp;

    Loaded(Pkcs11State state, Object stamp) {
      this.state = state;
      this.stamp = stamp;
    }
  }
}
