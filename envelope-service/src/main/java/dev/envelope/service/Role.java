package dev.envelope.service;

import java.util.Locale;

/** What a token may do. Each role includes the ones before it. */
public enum Role {
  /** List, read metadata, download. */
  READ,
  /** Also upload and delete. */
  WRITE,
  /** Also create, list and revoke tokens, for any tenant: the operator's role. */
  ADMIN;

  /** Whether this role includes {@code other}. */
  public boolean allows(Role other) {
    return compareTo(other) >= 0;
  }

  /** The lower-case name used in the API and the CLI. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code read}, {@code write} or {@code admin}; {@link IllegalArgumentException} otherwise. */
  public static Role parse(String text) {
    for (Role role : values()) {
      if (role.id().equals(text)) {
        return role;
      }
    }
    throw new IllegalArgumentException("role must be read, write or admin");
  }
}
