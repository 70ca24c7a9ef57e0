package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which root key each tenant's new files are wrapped under, and whether a tenant's files are still served: the
 * {@link TenantStore} seen through a short cache, so that a busy node does not read the tenant's record on every
 * request. A change made through this directory is seen at once on this node; one made elsewhere (another node,
 * the CLI) within {@link #DEFAULT_TTL}. A shredded tenant's key is disabled before that, so no file is served
 * meanwhile either: the cache only decides whether the refusal reads 410 or a key error.
 */
public final class TenantDirectory {
  /** How long a tenant's record (or its absence) is trusted before it is read again. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(2);
  private static final int MAX_ENTRIES = 10_000;

  private final TenantStore store;
  private final Clock clock;
  private final Duration ttl;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();

  public TenantDirectory(TenantStore store, Clock clock, Duration ttl) {
    this.store = store;
    this.clock = clock;
    this.ttl = ttl;
  }

  /** A directory without tenant records: every tenant uses the node's root key. */
  public static TenantDirectory none() {
    return new TenantDirectory(null, Clock.systemUTC(), Duration.ZERO);
  }

  /** The store behind it, or null when there is none. */
  public TenantStore store() {
    return store;
  }

  /** The tenant's record, if it has one (a tenant without one uses the node's root key). */
  public Optional<TenantRecord> find(String tenant) throws EnvelopeException {
    if (store == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Entry entry = cache.get(tenant);
    if (entry != null && now.isBefore(entry.expires)) {
      return entry.record;
    }
    Optional<TenantRecord> record = store.findTenant(tenant);
    if (cache.size() >= MAX_ENTRIES) {
      cache.clear();
    }
    cache.put(tenant, new Entry(record, now.plus(ttl)));
    return record;
  }

  /**
   * The tenant's record if it is active, or empty when it has none; {@link ErrorCode#TENANT_SHREDDED} when it was
   * shredded: its files are gone for good.
   */
  public Optional<TenantRecord> requireActive(String tenant) throws EnvelopeException {
    Optional<TenantRecord> record = find(tenant);
    if (record.isPresent() && !record.get().active()) {
      throw shredded(tenant);
    }
    return record;
  }

  /** Forgets what it knew of {@code tenant}: the next question reads the store. */
  public void forget(String tenant) {
    cache.remove(tenant);
  }

  static EnvelopeException shredded(String tenant) {
    return new EnvelopeException(ErrorCode.TENANT_SHREDDED, "tenant " + tenant
        + " was crypto-shredded: its root key is destroyed or being destroyed, and its files are gone for good");
  }

  private record Entry(Optional<TenantRecord> record, Instant expires) {}
}
