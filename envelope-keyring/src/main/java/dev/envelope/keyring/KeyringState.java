package dev.envelope.keyring;

import dev.envelope.core.internal.KeyRecord;
import dev.envelope.core.internal.KeyRecordJson;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The content of the keyring file, as the JSON document sealed inside it (see {@code docs/FORMAT.md},
 * section 5): the records of the root keys and the 32 bytes of AES material of each of their versions.
 * Immutable; every change makes a new state, so a reader never sees half a change.
 */
record KeyringState(List<KeyRecord> keys, Map<String, byte[]> material) {
  /** The content format this build writes; it reads format 1 too. */
  static final int FORMAT = 2;
  /** Format 2 with material; reads format 1 too (one optional {@code alias}, no deletion, rotation or wraps). */
  static final KeyRecordJson.Schema SCHEMA = new KeyRecordJson.Schema(FORMAT, Set.of(1, 2), true, true);

  static KeyringState empty() {
    return new KeyringState(List.of(), Map.of());
  }

  KeyringState {
    keys = List.copyOf(keys);
    material = Map.copyOf(material);
  }

  /**
   * Parses a keyring document of format 1 or 2; throws IOException or a RuntimeException if it is malformed or of
   * another format.
   */
  static KeyringState fromJson(byte[] json) throws IOException {
    KeyRecordJson.Document document = KeyRecordJson.read(SCHEMA, json);
    return of(document.keys(), document.material());
  }

  byte[] toJson() throws IOException {
    return KeyRecordJson.write(SCHEMA, keys, material);
  }

  /** The material of a key version, or null. */
  byte[] material(String keyId, int version) {
    return material.get(KeyRecordJson.slot(keyId, version));
  }

  /** {@code next} with the material of its versions only: the material of dropped keys is gone. */
  static KeyringState of(List<KeyRecord> next, Map<String, byte[]> candidates) {
    Map<String, byte[]> kept = new HashMap<>();
    for (KeyRecord key : next) {
      for (KeyRecord.Version v : key.versions()) {
        String slot = KeyRecordJson.slot(key.id(), v.version());
        byte[] bytes = candidates.get(slot);
        if (bytes == null) {
          throw new IllegalStateException("no material for version " + v.version() + " of " + key.id());
        }
        kept.put(slot, bytes);
      }
    }
    return new KeyringState(next, kept);
  }

  @Override
  public String toString() {
    return "KeyringState[" + keys.size() + " keys]";
  }
}
