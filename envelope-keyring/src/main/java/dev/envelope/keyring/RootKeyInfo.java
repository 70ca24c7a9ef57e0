package dev.envelope.keyring;

import java.time.Instant;
import java.util.Optional;

/**
 * What may be said about a root key in public: never its material.
 *
 * @param id the key's canonical id (a random UUID)
 * @param alias the optional human name, usable wherever an id is
 * @param state whether the key may be used
 * @param currentVersion the version new data keys are wrapped under; older versions still unwrap
 * @param createdAt when the key was created
 */
public record RootKeyInfo(String id, Optional<String> alias, KeyState state, int currentVersion,
    Instant createdAt) {}
