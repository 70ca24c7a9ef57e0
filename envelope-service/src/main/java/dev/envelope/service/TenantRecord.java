package dev.envelope.service;

import java.time.Instant;
import java.util.Objects;

/**
 * A tenant with a root key of its own. A tenant without a record uses the node's root key, as every tenant did
 * before per-tenant keys; so a record is made only by {@code envelope tenants create} or {@code POST /v1/tenants}.
 *
 * @param name the tenant ({@link Tenants#PATTERN})
 * @param rootKey the canonical id (an ARN on AWS KMS) of the root key its new files are wrapped under; never an
 *     alias, so that re-pointing an alias cannot move a tenant
 * @param keyService the {@link dev.envelope.core.KeyService#name()} that holds {@code rootKey}
 * @param ownKey whether the root key is the tenant's alone (made for it, or brought by it), and so may be
 *     destroyed with it; false when it is shared (the node's root key, say), which {@code shred} then refuses
 * @param state whether the tenant's files are served
 * @param createdAt when the record was made, at millisecond precision
 * @param updatedAt when it last changed, at millisecond precision: the version a conditional update checks
 * @param quotaBytes the most plaintext bytes the tenant may store, or null for no limit
 */
public record TenantRecord(String name, String rootKey, String keyService, boolean ownKey, State state,
    Instant createdAt, Instant updatedAt, Long quotaBytes) {
  public TenantRecord {
    Tenants.check(name);
    Objects.requireNonNull(rootKey, "rootKey");
    Objects.requireNonNull(keyService, "keyService");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    if (rootKey.isEmpty() || rootKey.length() > 2048) {
      throw new IllegalArgumentException("a root key id is 1 to 2048 characters");
    }
    if (quotaBytes != null && quotaBytes < 0) {
      throw new IllegalArgumentException("a quota is 0 bytes or more");
    }
  }

  /** A tenant without a quota. */
  public TenantRecord(String name, String rootKey, String keyService, boolean ownKey, State state,
      Instant createdAt, Instant updatedAt) {
    this(name, rootKey, keyService, ownKey, state, createdAt, updatedAt, null);
  }

  /** The same tenant with another quota (null: none), changed at {@code at}. */
  public TenantRecord withQuota(Long newQuotaBytes, Instant at) {
    return new TenantRecord(name, rootKey, keyService, ownKey, state, createdAt, at, newQuotaBytes);
  }

  /** The same tenant in another state, changed at {@code at}. */
  public TenantRecord withState(State newState, Instant at) {
    return new TenantRecord(name, rootKey, keyService, ownKey, newState, createdAt, at, quotaBytes);
  }

  /** The same tenant under another root key, changed at {@code at}. */
  public TenantRecord withRootKey(String newRootKey, boolean newOwnKey, Instant at) {
    return new TenantRecord(name, newRootKey, keyService, newOwnKey, state, createdAt, at, quotaBytes);
  }

  /** Whether the tenant's files are still served. */
  public boolean active() {
    return state == State.ACTIVE;
  }

  /** Where a tenant stands. */
  public enum State {
    /** Its files are served. */
    ACTIVE,
    /**
     * Crypto-shredded: its root key is disabled and its deletion scheduled (or done), its tokens are revoked, and
     * every request for its files answers 410 Gone. The record stays, so the name is not reused by accident.
     */
    SHREDDED;

    /** The lower-case name stores and APIs use. */
    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The state named {@code id}; {@link IllegalArgumentException} for anything else. */
    public static State parse(String id) {
      for (State s : values()) {
        if (s.id().equals(id)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown tenant state '" + id + "'");
    }
  }
}
