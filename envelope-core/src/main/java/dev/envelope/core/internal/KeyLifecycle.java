package dev.envelope.core.internal;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService.KeyState;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import dev.envelope.core.WrappedKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The life of managed root keys, the same for every {@link ManagedKeyService} that keeps its own keys (the
 * local keyring, the PKCS#11 key service): lookup by id or alias, the states and their transitions, deletion
 * dates, automatic and on-demand rotation, aliases, and the wrap count of each version ({@link WrapBudget}).
 * The key services supply where records are stored ({@link Store}), how a version's material is made
 * ({@link MaterialMaker}), and the wrapping itself.
 *
 * <p>Every change runs through {@link Store#update} on the latest stored records, so the rules are checked
 * against what other processes did too. Thread-safe if the store is.
 */
public final class KeyLifecycle {
  private static final int MAX_DESCRIPTION_CHARS = 8192;

  /** Where the records live. */
  public interface Store {
    /** The stored records, as fresh as the store can cheaply make them. */
    List<KeyRecord> keys() throws EnvelopeException;

    /**
     * Under the store's write lock: reads the latest records, drops (and destroys the material of) those
     * destroyed by {@code now}, applies {@code change}, and persists the result atomically.
     */
    void update(Change change) throws EnvelopeException;
  }

  /** A change to all records, made on the latest ones at time {@code now}. */
  public interface Change {
    List<KeyRecord> apply(List<KeyRecord> keys, Instant now) throws EnvelopeException;
  }

  /** Makes the material of a new key version; called inside {@link Store#update}, before the record names it. */
  public interface MaterialMaker {
    void make(String keyId, int version) throws EnvelopeException;
  }

  /** The key and version a new wrap must use. */
  public record WrapTarget(String keyId, int version) {}

  private interface KeyChange {
    KeyRecord apply(KeyRecord key, Instant now) throws EnvelopeException;
  }

  private final Store store;
  private final MaterialMaker maker;
  private final Clock clock;
  private final long wrapsPerVersion;
  private final WrapBudget budget = new WrapBudget();

  public KeyLifecycle(Store store, MaterialMaker maker, Clock clock, long wrapsPerVersion) {
    this.store = store;
    this.maker = maker;
    this.clock = clock;
    this.wrapsPerVersion = wrapsPerVersion;
  }

  // ---- for the stores ----

  /** The clock every date of the records comes from. */
  public Clock clock() {
    return clock;
  }

  /** {@code keys} without those destroyed by {@code now}. */
  public static List<KeyRecord> purged(List<KeyRecord> keys, Instant now) {
    return keys.stream().filter(k -> !k.destroyedAt(now)).toList();
  }

  /** Whether a store opened now has records to purge (it then runs an empty update). */
  public boolean hasDestroyed(List<KeyRecord> keys) {
    Instant now = clock.instant();
    return keys.stream().anyMatch(k -> k.destroyedAt(now));
  }

  /** An update that changes nothing but purges what is due. */
  public void purge() throws EnvelopeException {
    store.update((keys, now) -> keys);
  }

  // ---- using keys ----

  /**
   * The key and version to wrap under now: rotates first when automatic rotation is due or the current
   * version has used up its wraps, and counts this wrap.
   */
  public WrapTarget wrapTarget(String keyRef) throws EnvelopeException {
    KeyRecord key = usable(keyRef);
    int version = key.currentVersion();
    if (!key.rotationDueAt(clock.instant()) && budget.tryTake(key.id(), version)) {
      return new WrapTarget(key.id(), version);
    }
    return reserve(key.id());
  }

  private WrapTarget reserve(String id) throws EnvelopeException {
    WrapTarget[] target = new WrapTarget[1];
    long[] block = new long[1];
    store.update((keys, now) -> {
      KeyRecord key = find(keys, id, now);
      if (key == null) {
        throw ManagedKeyRules.notFound(id);
      }
      ManagedKeyRules.requireEnabled(key.state(), key.id());
      if (key.rotationDueAt(now)) {
        key = key.rotated(newVersion(key, now), now.plus(key.rotationPeriod()));
      }
      if (key.current().wraps() >= wrapsPerVersion) {
        key = key.rotated(newVersion(key, now), key.nextRotation());
      }
      KeyRecord.Version current = key.current();
      block[0] = Math.min(budget.nextBlock(), wrapsPerVersion - current.wraps());
      target[0] = new WrapTarget(key.id(), current.version());
      return with(keys, key.withVersion(current.withWraps(current.wraps() + block[0])));
    });
    budget.granted(id, target[0].version(), block[0], 1);
    return target[0];
  }

  /**
   * The enabled key that made {@code wrapped}, named by its exact id (an alias in a wrapped key would let a
   * re-pointed alias change what a file decrypts under), with the version it names.
   */
  public KeyRecord forUnwrap(WrappedKey wrapped) throws EnvelopeException {
    KeyRecord key = existing(wrapped.rootKeyId());
    if (!key.id().equals(wrapped.rootKeyId())) {
      throw ManagedKeyRules.notFound(wrapped.rootKeyId());
    }
    ManagedKeyRules.requireEnabled(key.state(), key.id());
    if (key.version(wrapped.rootKeyVersion()) == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "root key " + key.id() + " has no version "
          + wrapped.rootKeyVersion());
    }
    return key;
  }

  /** The enabled key {@code keyRef} names. */
  public KeyRecord usable(String keyRef) throws EnvelopeException {
    KeyRecord key = existing(keyRef);
    ManagedKeyRules.requireEnabled(key.state(), key.id());
    return key;
  }

  /** The key {@code keyRef} names, in any state but destroyed. */
  public KeyRecord existing(String keyRef) throws EnvelopeException {
    KeyRecord key = find(store.keys(), keyRef, clock.instant());
    if (key == null) {
      throw ManagedKeyRules.notFound(keyRef);
    }
    return key;
  }

  // ---- managing keys: the ManagedKeyService methods ----

  public RootKey createKey(String description) throws EnvelopeException {
    String text = description == null ? "" : description;
    if (text.length() > MAX_DESCRIPTION_CHARS) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a description is at most " + MAX_DESCRIPTION_CHARS
          + " characters");
    }
    String id = UUID.randomUUID().toString();
    RootKey[] created = new RootKey[1];
    store.update((keys, now) -> {
      maker.make(id, 1);
      KeyRecord key = new KeyRecord(id, List.of(), Map.of(), text, KeyState.ENABLED, now, null, null, null, 1,
          List.of(new KeyRecord.Version(1, now, 0)));
      created[0] = key.describe();
      return with(keys, key);
    });
    return created[0];
  }

  public List<RootKey> listKeys() throws EnvelopeException {
    return purged(store.keys(), clock.instant()).stream().map(KeyRecord::describe).toList();
  }

  public RootKey describeKey(String keyRef) throws EnvelopeException {
    return existing(keyRef).describe();
  }

  public RootKey enableKey(String keyRef) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      return key.withState(KeyState.ENABLED, null);
    });
  }

  public RootKey disableKey(String keyRef) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      return key.withState(KeyState.DISABLED, null);
    });
  }

  public RootKey scheduleKeyDeletion(String keyRef, int pendingDays) throws EnvelopeException {
    ManagedKeyRules.checkPendingDays(pendingDays);
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      return key.withState(KeyState.PENDING_DELETION, now.plus(Duration.ofDays(pendingDays)));
    });
  }

  /**
   * Destroys the key at once: it is put pending deletion with today as its date, and the same update drops it
   * and destroys its material. The key must be disabled or pending deletion already (a key in use is not
   * destroyed by one call).
   */
  public void destroyKeyNow(String keyRef) throws EnvelopeException {
    change(keyRef, (key, now) -> {
      if (key.state() == KeyState.ENABLED) {
        throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "root key " + key.id()
            + " is enabled: disable it before destroying it");
      }
      return key.withState(KeyState.PENDING_DELETION, now);
    });
    purge();
  }

  /**
   * Destroys one older version of a key at once: what it wrapped is lost, the other versions are untouched. The
   * current version cannot be destroyed (rotate first).
   */
  public RootKey destroyKeyVersion(String keyRef, int version) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      if (key.version(version) == null) {
        throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "root key " + key.id() + " has no version " + version);
      }
      if (version == key.currentVersion()) {
        throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "version " + version + " is the current version of"
            + " root key " + key.id() + ": rotate the key first");
      }
      return key.withoutVersion(version);
    });
  }

  public RootKey cancelKeyDeletion(String keyRef) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      if (key.state() != KeyState.PENDING_DELETION) {
        throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "root key " + key.id()
            + " is not pending deletion");
      }
      return key.withState(KeyState.DISABLED, null);
    });
  }

  public RootKey setAutomaticRotation(String keyRef, Duration period) throws EnvelopeException {
    ManagedKeyRules.checkRotationPeriod(period);
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireEnabled(key.state(), key.id());
      return key.withRotation(period, period == null ? null : now.plus(period));
    });
  }

  /** On demand: the automatic schedule, if any, is unchanged (as in AWS KMS). */
  public RootKey rotateKey(String keyRef) throws EnvelopeException {
    return change(keyRef, (key, now) -> {
      ManagedKeyRules.requireEnabled(key.state(), key.id());
      return key.rotated(newVersion(key, now), key.nextRotation());
    });
  }

  public void createAlias(String alias, String keyRef) throws EnvelopeException {
    ManagedKeyRules.checkAlias(alias);
    store.update((keys, now) -> {
      KeyRecord owner = find(keys, alias, now);
      if (owner != null) {
        throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, "the alias '" + alias + "' already names root key "
            + owner.id());
      }
      KeyRecord key = find(keys, keyRef, now);
      if (key == null) {
        throw ManagedKeyRules.notFound(keyRef);
      }
      ManagedKeyRules.requireNotPendingDeletion(key.state(), key.id());
      return with(keys, key.withAlias(alias, now));
    });
  }

  public void deleteAlias(String alias) throws EnvelopeException {
    store.update((keys, now) -> {
      KeyRecord key = ManagedKeyRules.isKeyIdShaped(alias) ? null : find(keys, alias, now);
      if (key == null) {
        throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no alias '" + alias + "'");
      }
      return with(keys, key.withoutAlias(alias));
    });
  }

  // ---- helpers ----

  private RootKey change(String keyRef, KeyChange change) throws EnvelopeException {
    RootKey[] changed = new RootKey[1];
    store.update((keys, now) -> {
      KeyRecord key = find(keys, keyRef, now);
      if (key == null) {
        throw ManagedKeyRules.notFound(keyRef);
      }
      KeyRecord next = change.apply(key, now);
      changed[0] = next.describe();
      return with(keys, next);
    });
    return changed[0];
  }

  private KeyRecord.Version newVersion(KeyRecord key, Instant now) throws EnvelopeException {
    int number = key.currentVersion() + 1;
    maker.make(key.id(), number);
    return new KeyRecord.Version(number, now, 0);
  }

  /** The key {@code keyRef} names (an id in any case, or an alias), unless it is destroyed by {@code now}. */
  private static KeyRecord find(List<KeyRecord> keys, String keyRef, Instant now) {
    boolean byId = ManagedKeyRules.isKeyIdShaped(keyRef);
    for (KeyRecord key : keys) {
      if (!key.destroyedAt(now) && (byId ? key.id().equalsIgnoreCase(keyRef) : key.aliases().contains(keyRef))) {
        return key;
      }
    }
    return null;
  }

  private static List<KeyRecord> with(List<KeyRecord> keys, KeyRecord changed) {
    List<KeyRecord> out = new ArrayList<>();
    boolean replaced = false;
    for (KeyRecord key : keys) {
      boolean same = key.id().equals(changed.id());
      out.add(same ? changed : key);
      replaced |= same;
    }
    if (!replaced) {
      out.add(changed);
    }
    return out;
  }
}
