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
 */
public record TokenInfo(String id, String tenant, String role, String name, Instant createdAt,
    Optional<Instant> revokedAt) {
  public TokenInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
  }
}
