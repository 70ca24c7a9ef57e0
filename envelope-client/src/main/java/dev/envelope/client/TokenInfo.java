package dev.envelope.client;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A bearer token as the server lists it: never the token's text, which exists only in the {@link NewToken}
 * that created it.
 *
 * @param id the token's public id, as {@link EnvelopeClient#revokeToken} takes it
 * @param tenant whose files it opens
 * @param role {@code read}, {@code write} or {@code admin}
 * @param name a label for people (may be empty)
 * @param createdAt when it was made
 * @param revokedAt when it was revoked, if it was
 * @param expiresAt when it stops opening anything, if it ends
 * @param lastUsedAt when it was last used (recorded at most once a minute), if it was
 */
public record TokenInfo(String id, String tenant, String role, String name, Instant createdAt,
    Optional<Instant> revokedAt, Optional<Instant> expiresAt, Optional<Instant> lastUsedAt) {
  public TokenInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(lastUsedAt, "lastUsedAt");
  }

  /** A token that never ends and whose use is not known. */
  public TokenInfo(String id, String tenant, String role, String name, Instant createdAt,
      Optional<Instant> revokedAt) {
    this(id, tenant, role, name, createdAt, revokedAt, Optional.empty(), Optional.empty());
  }
}
