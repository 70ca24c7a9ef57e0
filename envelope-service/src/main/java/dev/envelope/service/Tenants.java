package dev.envelope.service;

import java.util.regex.Pattern;

/** The rule for tenant names: short, lower-case, safe in any store's key. */
public final class Tenants {
  /** Lower-case letters, digits, '.', '_' and '-', 1 to 64 characters, starting with a letter or digit. */
  public static final String PATTERN = "[a-z0-9][a-z0-9._-]{0,63}";
  private static final Pattern COMPILED = Pattern.compile(PATTERN);
  /** The tenant of the first token a new installation makes, and of the local operator. */
  public static final String DEFAULT = "default";

  private Tenants() {}

  /** Whether {@code tenant} is a valid tenant name. */
  public static boolean isValid(String tenant) {
    return tenant != null && COMPILED.matcher(tenant).matches();
  }

  /** Throws {@link IllegalArgumentException} unless {@code tenant} is valid. */
  public static String check(String tenant) {
    if (!isValid(tenant)) {
      throw new IllegalArgumentException(
          "a tenant is 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
    }
    return tenant;
  }
}
