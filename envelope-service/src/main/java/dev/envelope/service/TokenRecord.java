package dev.envelope.service;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A bearer token as stored: never the token itself, only the SHA-256 of its secret part.
 *
 * @param id the token's public id (the part of the token before the secret; used to list and revoke)
 * @param tenant whose files it opens
 * @param role what it may do
 * @param name a label for people (may be empty)
 * @param secretHash SHA-256 of the token's secret part (32 bytes)
 * @param createdAt when it was made
 * @param revokedAt when it was revoked, if it was
 * @param expiresAt from when on it opens nothing, if it ends (it never changes once made)
 * @param lastUsedAt when it last authenticated a request, if it ever did: recorded at most about once a minute
 *     per node, so it may lag the truth by that much
 */
public record TokenRecord(String id, String tenant, Role role, String name, byte[] secretHash, Instant createdAt,
    Optional<Instant> revokedAt, Optional<Instant> expiresAt, Optional<Instant> lastUsedAt) {
  /** A token that never expires and was never used. */
  public TokenRecord(String id, String tenant, Role role, String name, byte[] secretHash, Instant createdAt,
      Optional<Instant> revokedAt) {
    this(id, tenant, role, name, secretHash, createdAt, revokedAt, Optional.empty(), Optional.empty());
  }

  public TokenRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(lastUsedAt, "lastUsedAt");
    if (secretHash.length != 32) {
      throw new IllegalArgumentException("secretHash must be 32 bytes");
    }
    secretHash = secretHash.clone();
  }

  @Override
  public byte[] secretHash() {
    return secretHash.clone();
  }

  public boolean revoked() {
    return revokedAt.isPresent();
  }

  /** Whether it has expired at {@code now} (it opens nothing from its expiry on). */
  public boolean expiredAt(Instant now) {
    return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
  }

  /** Leaves the hash out. */
  @Override
  public String toString() {
    return "TokenRecord[id=" + id + ", tenant=" + tenant + ", role=" + role.id() + "]";
  }
}
