package dev.envelope.keyring;

import java.util.List;

/**
 * The content of the keyring file, as the JSON document sealed inside it (see {@code docs/FORMAT.md}).
 * Immutable; changes make a new state.
 */
record KeyringState(int format, List<RootKey> keys) {
  static final int FORMAT = 1;

  static KeyringState empty() {
    return new KeyringState(FORMAT, List.of());
  }

  KeyringState {
    keys = List.copyOf(keys);
  }

  /** One root key and all its versions. */
    record RootKey(String id, String alias, KeyState state, String createdAt, int currentVersion,
      List<Version> versions) {
    RootKey {
      versions = List.copyOf(versions);
    }

    Version version(int number) {
      for (Version v : versions) {
        if (v.version() == number) {
          return v;
        }
      }
      return null;
    }

    RootKey withState(KeyState newState) {
      return new RootKey(id, alias, newState, createdAt, currentVersion, versions);
    }
  }

  /** One version of a root key: 32 bytes of AES key material (base64 in the JSON). */
  record Version(int version, String createdAt, byte[] material) {
    @Override
    public String toString() {
      return "Version[" + version + "]";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Version && ((Version) o).version == version
          && java.util.Arrays.equals(((Version) o).material, material);
    }

    @Override
    public int hashCode() {
      return version;
    }
  }
}
