package dev.envelope.service;

import java.util.Locale;

/**
 * What a token may do. Each role includes the ones before it. Authority has one scope: {@link #READ}, {@link
 * #WRITE} and {@link #ADMIN} act inside their token's tenant only; only {@link #OPERATOR} acts across tenants,
 * and only an operator (or the local CLI, which is the operator already) makes operator tokens.
 */
public enum Role {
  /** List, read metadata, download. */
  READ,
  /** Also upload and delete. */
  WRITE,
  /** Also create, list and revoke the tokens of its own tenant (never an operator token): a tenant's admin. */
  ADMIN,
  /** Also manage the tokens of every tenant, operator tokens included: the installation's operator. */
  OPERATOR;

  /** Whether this role includes {@code other}. */
  public boolean allows(Role other) {
    return compareTo(other) >= 0;
  }

  /** The lower-case name used in the API and the CLI. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code read}, {@code write}, {@code admin} or {@code operator}; {@link IllegalArgumentException} otherwise. */
  public static Role parse(String text) {
    for (Role role : values()) {
      if (role.id().equals(text)) {
        return role;
      }
    }
    throw new IllegalArgumentException("role must be read, write, admin or operator");
  }
}
