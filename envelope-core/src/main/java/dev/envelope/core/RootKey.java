package dev.envelope.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What may be said about a root key in public: never its material.
 *
 * @param id the key's canonical id (a random UUID)
 * @param aliases the names that refer to it, sorted
 * @param aliasCreatedAt when each alias was made, where known (aliases made before this was recorded have none:
 *     see {@link #aliasCreatedAt(String)})
 * @param description free text given at creation (may be empty)
 * @param state whether the key may be used
 * @param currentVersion the version new data keys are wrapped under; older versions still unwrap
 * @param createdAt when the key was created
 * @param deletionDate when a key pending deletion will be destroyed
 * @param rotationPeriod the automatic rotation period, if automatic rotation is on
 * @param nextRotation when automatic rotation is next due, if it is on
 */
public record RootKey(String id, List<String> aliases, Map<String, Instant> aliasCreatedAt, String description,
    ManagedKeyService.KeyState state, int currentVersion, Instant createdAt, Optional<Instant> deletionDate,
    Optional<Duration> rotationPeriod, Optional<Instant> nextRotation) {
  public RootKey {
    aliases = List.copyOf(aliases);
    aliasCreatedAt = Collections.unmodifiableMap(new TreeMap<>(aliasCreatedAt));
  }

  /** When {@code alias} was made; the key's own creation time for an alias made before that was recorded. */
  public Instant aliasCreatedAt(String alias) {
    return aliasCreatedAt.getOrDefault(alias, createdAt);
  }
}
