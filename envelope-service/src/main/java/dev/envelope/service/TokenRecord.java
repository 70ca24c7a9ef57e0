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
 */
public record TokenRecord(String id, String tenant, Role role, String name, byte[] secretHash, Instant createdAt,
    Optional<Instant> revokedAt) {
  public TokenRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
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

  /** Leaves the hash out. */
  @Override
  public String toString() {
    return "TokenRecord[id=" + id + ", tenant=" + tenant + ", role=" + role.id() + "]";
  }
}
