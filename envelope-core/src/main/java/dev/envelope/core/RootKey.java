package dev.envelope.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What may be said about a root key in public: never its material.
 *
 * @param id the key's canonical id (a random UUID)
 * @param aliases the names that refer to it, sorted
 * @param description free text given at creation (may be empty)
 * @param state whether the key may be used
 * @param currentVersion the version new data keys are wrapped under; older versions still unwrap
 * @param createdAt when the key was created
 * @param deletionDate when a key pending deletion will be destroyed
 * @param rotationPeriod the automatic rotation period, if automatic rotation is on
 * @param nextRotation when automatic rotation is next due, if it is on
 */
public record RootKey(String id, List<String> aliases, String description, ManagedKeyService.KeyState state,
    int currentVersion, Instant createdAt, Optional<Instant> deletionDate, Optional<Duration> rotationPeriod,
    Optional<Instant> nextRotation) {
  public RootKey {
    aliases = List.copyOf(aliases);
  }
}
