package dev.envelope.client;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant as the server's operator sees it ({@code /v1/tenants}).
 *
 * @param name the tenant
 * @param rootKey the root key its new files are wrapped under (the node's, as configured, when {@code nodeKey})
 * @param nodeKey whether it has no key of its own and uses the node's root key
 * @param state {@code active} or {@code shredded}
 * @param files how many files it has
 * @param bytes their plaintext bytes
 * @param createdAt when its record was made, if it has one
 */
public record TenantInfo(String name, String rootKey, boolean nodeKey, String state, long files, long bytes,
    Optional<Instant> createdAt) {
  public TenantInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(rootKey, "rootKey");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
