package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.util.Objects;

/**
 * Who is calling: a tenant and a role. The HTTP API makes one from a bearer token; an application that embeds
 * {@link FileService} makes its own with {@link #of}.
 *
 * @param tenant whose files the caller sees
 * @param role what the caller may do
 * @param tokenId the token that authenticated the call, or empty for an embedding application
 */
public record Principal(String tenant, Role role, String tokenId) {
  public Principal {
    Tenants.check(tenant);
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(tokenId, "tokenId");
  }

  /** The token id by which {@link #localOperator()} appears in logs. */
  public static final String LOCAL = "local";

  /** A caller of an embedding application, not authenticated by a token. */
  public static Principal of(String tenant, Role role) {
    return new Principal(tenant, role, "");
  }

  /**
   * The installation's operator acting locally: the {@code envelope tokens} command on the server's machine, or
   * an embedding application. Whoever may open the stores is the operator already. Its own tenant is {@code
   * default}.
   */
  public static Principal localOperator() {
    return new Principal(Tenants.DEFAULT, Role.OPERATOR, LOCAL);
  }

  /** Whether this caller may act across tenants. */
  public boolean isOperator() {
    return role == Role.OPERATOR;
  }

  /** Throws {@link ErrorCode#FORBIDDEN} unless this caller's role includes {@code needed}. */
  public void require(Role needed) throws EnvelopeException {
    if (!role.allows(needed)) {
      throw new EnvelopeException(ErrorCode.FORBIDDEN,
          "this token's role (" + role.id() + ") does not allow that; it needs " + needed.id());
    }
  }
}
