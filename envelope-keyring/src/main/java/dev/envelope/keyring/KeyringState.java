package dev.envelope.keyring;

import dev.envelope.core.internal.KeyLifecycle;
import dev.envelope.core.internal.KeyRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The content of the keyring file, as the JSON document sealed inside it (see {@code docs/FORMAT.md},
 * section 5): the records of the root keys and the 32 bytes of AES material of each of their versions.
 * Immutable; every change makes a new state, so a reader never sees half a change.
 */
record KeyringState(List<KeyRecord> keys, Map<String, byte[]> material) {
  /** The content format this build writes; it reads format 1 too. */
  static final int FORMAT = 2;

  static KeyringState empty() {
    return new KeyringState(List.of(), Map.of());
  }

  KeyringState {
    keys = List.copyOf(keys);
    material = Map.copyOf(material);
  }

  /** The material of a key version, or null. */
  byte[] material(String keyId, int version) {
    return material.get(slot(keyId, version));
  }

  /** The name of a version's material in {@link #material()}. */
  static String slot(String keyId, int version) {
    return keyId + "/v" + version;
  }

  /** {@code next} with the material of its versions only: the material of dropped keys is gone. */
  static KeyringState of(List<KeyRecord> next, Map<String, byte[]> candidates) {
    Map<String, byte[]> kept = new HashMap<>();
    for (KeyRecord key : next) {
      for (KeyRecord.Version v : key.versions()) {
        byte[] bytes = candidates.get(slot(key.id(), v.version()));
        if (bytes == null) {
          throw new IllegalStateException("no material for version " + v.version() + " of " + key.id());
        }
        kept.put(slot(key.id(), v.version()), bytes);
      }
    }
    return new KeyringState(next, kept);
  }

  /** This state without the keys destroyed by {@code now}, and without their material. */
  KeyringState purged(Instant now) {
    return of(KeyLifecycle.purged(keys, now), material);
  }

  @Override
  public String toString() {
    return "KeyringState[" + keys.size() + " keys]";
  }
}
