package dev.envelope.pkcs11;

import dev.envelope.core.ManagedKeyService.KeyState;
import dev.envelope.core.RootKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What the PKCS#11 key service knows about its keys beyond the token: ids, aliases, states, rotation
 * schedules and versions (docs/FORMAT.md, section 6). The key material itself is in the token, one
 * non-extractable object per version, labelled {@link #label}. Immutable; every change makes a new state.
 */
record Pkcs11State(List<Key> keys) {
  static Pkcs11State empty() {
    return new Pkcs11State(List.of());
  }

  /** The token object label of a key version. */
  static String label(String keyId, int version) {
    return "envelope/" + keyId + "/v" + version;
  }

  Pkcs11State {
    keys = List.copyOf(keys);
  }

  /** This state without the keys whose deletion date has come (their token objects are destroyed first). */
  Pkcs11State purged(Instant now) {
    List<Key> kept = new ArrayList<>();
    for (Key key : keys) {
      if (!key.destroyedAt(now)) {
        kept.add(key);
      }
    }
    return new Pkcs11State(kept);
  }

  boolean hasDestroyed(Instant now) {
    return keys.stream().anyMatch(k -> k.destroyedAt(now));
  }

  Pkcs11State with(Key changed) {
    List<Key> out = new ArrayList<>();
    boolean replaced = false;
    for (Key key : keys) {
      if (key.id().equals(changed.id())) {
        out.add(changed);
        replaced = true;
      } else {
        out.add(key);
      }
    }
    if (!replaced) {
      out.add(changed);
    }
    return new Pkcs11State(out);
  }

  /**
   * One root key and all its versions. {@code deletionDate} is set only when pending deletion;
   * {@code rotationPeriod} and {@code nextRotation} only while automatic rotation is on.
   */
  record Key(String id, List<String> aliases, String description, KeyState state, Instant createdAt,
      Instant deletionDate, Duration rotationPeriod, Instant nextRotation, int currentVersion,
      List<Version> versions) {
    Key {
      aliases = List.copyOf(new TreeSet<>(aliases));
      versions = List.copyOf(versions);
    }

    Version version(int number) {
      for (Version v : versions) {
        if (v.version() == number) {
          return v;
        }
      }
      return null;
    }

    Version current() {
      return version(currentVersion);
    }

    boolean destroyedAt(Instant now) {
      return state == KeyState.PENDING_DELETION && deletionDate != null && !now.isBefore(deletionDate);
    }

    boolean rotationDueAt(Instant now) {
      return nextRotation != null && !now.isBefore(nextRotation);
    }

    Key withState(KeyState newState, Instant newDeletionDate) {
      return new Key(id, aliases, description, newState, createdAt, newDeletionDate, rotationPeriod, nextRotation,
          currentVersion, versions);
    }

    Key withAliases(List<String> newAliases) {
      return new Key(id, newAliases, description, state, createdAt, deletionDate, rotationPeriod, nextRotation,
          currentVersion, versions);
    }

    Key withRotation(Duration period, Instant next) {
      return new Key(id, aliases, description, state, createdAt, deletionDate, period, next, currentVersion,
          versions);
    }

    /** A new current version, and when automatic rotation is next due (null when it is off). */
    Key rotated(Version next, Instant newNextRotation) {
      List<Version> all = new ArrayList<>(versions);
      all.add(next);
      return new Key(id, aliases, description, state, createdAt, deletionDate, rotationPeriod,
          rotationPeriod == null ? null : newNextRotation, next.version(), all);
    }

    Key withVersion(Version changed) {
      List<Version> all = new ArrayList<>();
      for (Version v : versions) {
        all.add(v.version() == changed.version() ? changed : v);
      }
      return new Key(id, aliases, description, state, createdAt, deletionDate, rotationPeriod, nextRotation,
          currentVersion, all);
    }

    /** The public description: never the material. */
    RootKey describe() {
      return new RootKey(id, aliases, description, state, currentVersion, createdAt,
          Optional.ofNullable(deletionDate), Optional.ofNullable(rotationPeriod), Optional.ofNullable(nextRotation));
    }

    @Override
    public String toString() {
      return "Key[" + id + ", " + state + ", version " + currentVersion + "]";
    }
  }

  /**
   * One version of a root key (its material is the token object {@link #label}), and {@code wraps}, an upper
   * bound on the number of keys it has wrapped (reserved in blocks, see {@link dev.envelope.core.WrapBudget}).
   */
  record Version(int version, Instant createdAt, long wraps) {
    Version withWraps(long newWraps) {
      return new Version(version, createdAt, newWraps);
    }
  }
}
