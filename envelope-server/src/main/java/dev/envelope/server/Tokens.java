package dev.envelope.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.TokenRecord;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token API: {@code POST /v1/tokens}, {@code GET /v1/tokens[?tenant=]}, {@code DELETE /v1/tokens/{id}}, for
 * a tenant's admin (its own tenant) and the operator (every tenant); {@link AccessTokens} keeps that rule.
 */
final class Tokens {
  private static final Logger LOG = LoggerFactory.getLogger(Tokens.class);

  private final AccessTokens tokens;
  private final JsonRequests json;

  Tokens(AccessTokens tokens, JsonRequests json) {
    this.tokens = tokens;
    this.json = json;
  }

  void create(Context ctx, Principal caller) throws EnvelopeException, IOException {
    JsonNode body = json.readObject(ctx);
    String tenant = JsonRequests.text(body, "tenant", false);
    Role role;
    try {
      role = Role.parse(JsonRequests.text(body, "role", true));
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
    Instant expiresAt = expiry(body);
    AuditTrail trail = AuditTrail.in(ctx);
    trail.role(role.id()); // on a refusal too: who tried to make an operator token matters most
    AccessTokens.IssuedToken issued = tokens.create(caller, tenant, role, JsonRequests.text(body, "name", false), expiresAt);
    trail.target(issued.record().id());
    trail.tenant(issued.record().tenant());
    trail.undo(() -> takeBack(caller, issued.record().id(), trail));
    LOG.info("token {} ({} for tenant {}, expires {}) created by token {}", issued.record().id(), role.id(),
        issued.record().tenant(), issued.record().expiresAt().map(Json::time).orElse("never"), caller.tokenId());
    ObjectNode json = Json.token(issued.record());
    json.remove("revokedAt");
    json.remove("lastUsedAt");
    json.put("token", issued.token());
    ctx.header("Location", "/v1/tokens/" + issued.record().id());
    ctx.header("Cache-Control", "no-store");
    Json.send(ctx, 201, json);
  }

  void list(Context ctx, Principal caller) throws EnvelopeException, IOException {
    ObjectNode json = Json.MAPPER.createObjectNode();
    ArrayNode list = json.putArray("tokens");
    for (TokenRecord token : tokens.list(caller, QueryParameters.first(ctx, "tenant"))) {
      list.add(Json.token(token));
    }
    Json.send(ctx, 200, json);
  }

  void revoke(Context ctx, Principal caller) throws EnvelopeException {
    tokens.revoke(caller, ctx.pathParam("id"));
    LOG.info("token {} revoked by token {}", ctx.pathParam("id"), caller.tokenId());
    ctx.status(204);
  }

  /** Revokes a token the audit log could not record: it was never handed out. */
  private void takeBack(Principal caller, String id, AuditTrail trail) {
    try {
      tokens.revoke(caller, id);
    } catch (EnvelopeException e) {
      LOG.error("request {}: token {} was made but could not be audited, nor revoked: {}", trail.requestId(), id,
          e.getMessage());
    }
  }

  /**
   * The expiry the body asks for: {@code expiresAt} (an RFC 3339 time) or {@code expiresIn} (a duration such as
   * {@code 90m}, {@code 12h} or {@code 30d}), not both; null for a token that never expires. {@link AccessTokens}
   * refuses one in the past or too far away.
   */
  private Instant expiry(JsonNode body) throws EnvelopeException {
    String at = JsonRequests.text(body, "expiresAt", false);
    String in = JsonRequests.text(body, "expiresIn", false);
    if (at != null && in != null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "give 'expiresAt' or 'expiresIn', not both");
    }
    if (at != null) {
      try {
        return OffsetDateTime.parse(at, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      } catch (DateTimeParseException e) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
            "'expiresAt' must be an RFC 3339 time with an offset, such as 2027-01-02T03:04:05Z");
      }
    }
    if (in != null) {
      Optional<Duration> lifetime = SettingSources.parseDuration(in);
      if (lifetime.isEmpty()) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
            "'expiresIn' must be a duration such as 90m, 12h or 30d");
      }
      return AccessTokens.expiryAfter(tokens.now(), lifetime.get());
    }
    return null;
  }

  /** A string member; absent is null (or refused when required), and {@code null} is refused as the schema says. */
}
