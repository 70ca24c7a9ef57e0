package dev.envelope.core.internal;

import dev.envelope.core.ManagedKeyService.KeyState;
import dev.envelope.core.RootKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a managed key service stores about one root key besides its material: the record behind a public
 * {@link RootKey}, with every version and its wrap count. {@link KeyLifecycle} changes it; the key services
 * store it. Immutable: every change makes a new record. {@code deletionDate} is set only when pending deletion;
 * {@code rotationPeriod} and {@code nextRotation} only while automatic rotation is on.
 */
public record KeyRecord(String id, List<String> aliases, Map<String, Instant> aliasCreatedAt, String description,
    KeyState state, Instant createdAt, Instant deletionDate, Duration rotationPeriod, Instant nextRotation,
    int currentVersion, List<Version> versions) {
  public KeyRecord {
    aliases = List.copyOf(new TreeSet<>(aliases));
    TreeMap<String, Instant> dates = new TreeMap<>(aliasCreatedAt);
    dates.keySet().retainAll(aliases);
    aliasCreatedAt = Collections.unmodifiableMap(dates);
    versions = List.copyOf(versions);
  }

  public Version version(int number) {
    for (Version v : versions) {
      if (v.version() == number) {
        return v;
      }
    }
    return null;
  }

  public Version current() {
    return version(currentVersion);
  }

  public boolean destroyedAt(Instant now) {
    return state == KeyState.PENDING_DELETION && deletionDate != null && !now.isBefore(deletionDate);
  }

  public boolean rotationDueAt(Instant now) {
    return nextRotation != null && !now.isBefore(nextRotation);
  }

  public KeyRecord withState(KeyState newState, Instant newDeletionDate) {
    return new KeyRecord(id, aliases, aliasCreatedAt, description, newState, createdAt, newDeletionDate,
        rotationPeriod, nextRotation, currentVersion, versions);
  }

  /** With {@code alias} added, made at {@code at}. */
  public KeyRecord withAlias(String alias, Instant at) {
    List<String> more = new ArrayList<>(aliases);
    more.add(alias);
    Map<String, Instant> dates = new TreeMap<>(aliasCreatedAt);
    dates.put(alias, at);
    return new KeyRecord(id, more, dates, description, state, createdAt, deletionDate, rotationPeriod, nextRotation,
        currentVersion, versions);
  }

  /** With {@code alias} removed. */
  public KeyRecord withoutAlias(String alias) {
    List<String> fewer = new ArrayList<>(aliases);
    fewer.remove(alias);
    return new KeyRecord(id, fewer, aliasCreatedAt, description, state, createdAt, deletionDate, rotationPeriod,
        nextRotation, currentVersion, versions);
  }

  public KeyRecord withRotation(Duration period, Instant next) {
    return new KeyRecord(id, aliases, aliasCreatedAt, description, state, createdAt, deletionDate, period, next,
        currentVersion, versions);
  }

  /** A new current version, and when automatic rotation is next due (null when it is off). */
  public KeyRecord rotated(Version next, Instant newNextRotation) {
    List<Version> all = new ArrayList<>(versions);
    all.add(next);
    return new KeyRecord(id, aliases, aliasCreatedAt, description, state, createdAt, deletionDate, rotationPeriod,
        rotationPeriod == null ? null : newNextRotation, next.version(), all);
  }

  public KeyRecord withVersion(Version changed) {
    List<Version> all = new ArrayList<>();
    for (Version v : versions) {
      all.add(v.version() == changed.version() ? changed : v);
    }
    return new KeyRecord(id, aliases, aliasCreatedAt, description, state, createdAt, deletionDate, rotationPeriod,
        nextRotation, currentVersion, all);
  }

  /** Without version {@code number} (never the current one). */
  public KeyRecord withoutVersion(int number) {
    if (number == currentVersion) {
      throw new IllegalArgumentException("the current version stays");
    }
    List<Version> all = new ArrayList<>(versions);
    all.removeIf(v -> v.version() == number);
    return new KeyRecord(id, aliases, aliasCreatedAt, description, state, createdAt, deletionDate, rotationPeriod,
        nextRotation, currentVersion, all);
  }

  /** The public description: never the material. */
  public RootKey describe() {
    return new RootKey(id, aliases, aliasCreatedAt, description, state, currentVersion, createdAt,
        Optional.ofNullable(deletionDate), Optional.ofNullable(rotationPeriod), Optional.ofNullable(nextRotation));
  }

  @Override
  public String toString() {
    return "KeyRecord[" + id + ", " + state + ", version " + currentVersion + "]";
  }

  /**
   * One version of a root key (the key service keeps its material, by key id and version) and {@code wraps},
   * an upper bound of the number of keys it has wrapped (reserved in blocks, see {@link WrapBudget}).
   */
  public record Version(int version, Instant createdAt, long wraps) {
    public Version withWraps(long newWraps) {
      return new Version(version, createdAt, newWraps);
    }
  }
}
