package dev.envelope.keyring;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.core.KeyService;
import dev.envelope.core.WrappedKey;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The local key service: AES-256 root keys with ids, aliases and versions, kept in one keyring file under
 * the Envelope home directory and sealed by a {@link MasterKey}. Data keys are wrapped with AES-256-GCM
 * under the current version of a root key, with the root key id, version and encryption context as
 * associated data ({@link LocalWrap}).
 *
 * <h2>Security guarantees</h2>
 * Root key material never leaves this class: not in return values, exceptions or {@code toString}. Every
 * change is read-modify-write under an inter-process lock and lands atomically, so concurrent CLI processes
 * do not lose each other's changes and a crash leaves the previous keyring intact. Other processes' changes
 * (a disabled key, say) are seen at the next operation. Thread-safe.
 */
public final class LocalKeyring implements KeyService {
  /** The key service name written into file headers. */
  public static final String NAME = "local";
  /** Where the keyring lives unless {@code ENVELOPE_HOME} says otherwise. */
  public static final String DEFAULT_HOME = "envelope-data";

  private static final Pattern UUID_SHAPE = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", Pattern.CASE_INSENSITIVE);
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,127}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyringFile file;
  private volatile Loaded loaded;

  private LocalKeyring(KeyringFile file, Loaded loaded) {
    this.file = file;
    this.loaded = loaded;
  }

  /** Opens (without creating) the keyring in {@code home}, sealed by {@code master}. */
  public static LocalKeyring open(Path home, MasterKey master) throws EnvelopeException {
    KeyringFile file = new KeyringFile(home, master);
    Object stamp = file.stamp();
    return new LocalKeyring(file, new Loaded(file.read(), stamp));
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

  // ---- the KeyService seam ----

  @Override
  public DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException {
    KeyringState.RootKey key = usable(rootKey);
    KeyringState.Version version = key.version(key.currentVersion());
    byte[] plaintext = new byte[DataKey.SIZE_BYTES];
    RANDOM.nextBytes(plaintext);
    try {
      WrappedKey wrapped = LocalWrap.wrap(key.id(), version, plaintext, context);
      return DataKey.of(plaintext, wrapped);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    KeyringState.RootKey key = usable(wrapped.rootKeyId());
    if (!key.id().equals(wrapped.rootKeyId())) {
      // An alias in a wrapped key would let a re-pointed alias change what a file decrypts under.
      throw notFound(wrapped.rootKeyId());
    }
    KeyringState.Version version = key.version(wrapped.rootKeyVersion());
    if (version == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "root key " + key.id() + " has no version "
          + wrapped.rootKeyVersion());
    }
    byte[] plaintext = LocalWrap.unwrap(key.id(), version, wrapped, context);
    try {
      return DataKey.of(plaintext, wrapped);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
      throws EnvelopeException {
    KeyringState.RootKey target = usable(newRootKey);
    try (DataKey key = decrypt(wrapped, context)) {
      return LocalWrap.rewrap(key, target.id(), target.version(target.currentVersion()), context);
    }
  }

  // ---- managing root keys ----

  /** Creates a root key (version 1, enabled), optionally with an alias. */
  public RootKeyInfo createKey(String alias) throws EnvelopeException {
    if (alias != null) {
      checkAlias(alias);
    }
    String id = UUID.randomUUID().toString();
    mutate(state -> {
      List<KeyringState.RootKey> keys = new ArrayList<>(state.keys());
      keys.add(new KeyringState.RootKey(id, alias, KeyState.ENABLED, now(), 1, List.of(newVersion(1))));
      return new KeyringState(state.format(), keys);
    }, alias);
    return info(find(loaded.state, id));
  }

  /** All root keys, oldest first. */
  public List<RootKeyInfo> listKeys() throws EnvelopeException {
    refresh();
    List<RootKeyInfo> out = new ArrayList<>();
    for (KeyringState.RootKey key : loaded.state.keys()) {
      out.add(info(key));
    }
    return out;
  }

  /** Describes one root key, by id or alias. */
  public RootKeyInfo describeKey(String idOrAlias) throws EnvelopeException {
    return info(existing(idOrAlias));
  }

  /** Adds a new version, which wraps all new data keys from now on; older versions still unwrap. */
  public RootKeyInfo rotateKey(String idOrAlias) throws EnvelopeException {
    String id = existing(idOrAlias).id();
    mutate(state -> replace(state, id, key -> {
      List<KeyringState.Version> versions = new ArrayList<>(key.versions());
      int next = key.currentVersion() + 1;
      versions.add(newVersion(next));
      return new KeyringState.RootKey(key.id(), key.alias(), key.state(), key.createdAt(), next, versions);
    }), null);
    return describeKey(id);
  }

  /** Disables a root key: it neither makes nor unwraps data keys until enabled again. */
  public RootKeyInfo disableKey(String idOrAlias) throws EnvelopeException {
    return setState(idOrAlias, KeyState.DISABLED);
  }

  /** Enables a disabled root key. */
  public RootKeyInfo enableKey(String idOrAlias) throws EnvelopeException {
    return setState(idOrAlias, KeyState.ENABLED);
  }

  @Override
  public String toString() {
    return "LocalKeyring[" + file.path() + "]";
  }

  private RootKeyInfo setState(String idOrAlias, KeyState state) throws EnvelopeException {
    String id = existing(idOrAlias).id();
    mutate(s -> replace(s, id, key -> key.withState(state)), null);
    return describeKey(id);
  }

  private synchronized void mutate(UnaryOperator<KeyringState> change, String newAlias)
      throws EnvelopeException {
    try (KeyringFile.WriteLock lock = file.lock()) {
      KeyringState current = file.read(); // the latest, whatever other processes did
      if (newAlias != null) {
        for (KeyringState.RootKey key : current.keys()) {
          if (newAlias.equals(key.alias())) {
            throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the alias '" + newAlias
                + "' is already used by root key " + key.id());
          }
        }
      }
      KeyringState next = change.apply(current);
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

  private KeyringState.RootKey existing(String idOrAlias) throws EnvelopeException {
    refresh();
    KeyringState.RootKey key = find(loaded.state, idOrAlias);
    if (key == null) {
      throw notFound(idOrAlias);
    }
    return key;
  }

  private KeyringState.RootKey usable(String idOrAlias) throws EnvelopeException {
    KeyringState.RootKey key = existing(idOrAlias);
    if (key.state() != KeyState.ENABLED) {
      throw new EnvelopeException(ErrorCode.KEY_DISABLED, "root key " + key.id()
          + (key.alias() == null ? "" : " (" + key.alias() + ")") + " is disabled");
    }
    return key;
  }

  private static KeyringState.RootKey find(KeyringState state, String idOrAlias) {
    boolean byId = UUID_SHAPE.matcher(idOrAlias).matches();
    for (KeyringState.RootKey key : state.keys()) {
      if (byId ? key.id().equalsIgnoreCase(idOrAlias) : idOrAlias.equals(key.alias())) {
        return key;
      }
    }
    return null;
  }

  private static KeyringState replace(KeyringState state, String id,
      UnaryOperator<KeyringState.RootKey> change) {
    List<KeyringState.RootKey> keys = new ArrayList<>();
    for (KeyringState.RootKey key : state.keys()) {
      keys.add(key.id().equals(id) ? change.apply(key) : key);
    }
    return new KeyringState(state.format(), keys);
  }

  private static void checkAlias(String alias) throws EnvelopeException {
    if (!ALIAS.matcher(alias).matches() || UUID_SHAPE.matcher(alias).matches()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "an alias is 1 to 128 characters of letters,"
          + " digits and . _ / -, starting with a letter or digit, and must not look like a key id");
    }
  }

  private static EnvelopeException notFound(String idOrAlias) {
    String shown = idOrAlias.length() > 80 ? idOrAlias.substring(0, 80) + "..." : idOrAlias;
    return new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no root key with id or alias '" + shown + "'");
  }

  private static KeyringState.Version newVersion(int number) {
    byte[] material = new byte[32];
    RANDOM.nextBytes(material);
    return new KeyringState.Version(number, now(), material);
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static RootKeyInfo info(KeyringState.RootKey key) {
    return new RootKeyInfo(key.id(), Optional.ofNullable(key.alias()), key.state(), key.currentVersion(),
        Instant.parse(key.createdAt()));
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
