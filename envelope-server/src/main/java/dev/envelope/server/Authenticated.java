package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.http.AuthenticationFailures;
import dev.envelope.server.audit.AuditEvent.Type;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.ShareLinks;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Bearer authentication in front of a handler: {@code Authorization: Bearer <token>} is checked by
 * {@link AccessTokens#authenticate}, and the handler gets the {@link Principal}. Failures are counted per client
 * address ({@link AuthenticationFailures}); an address past its budget is answered 429 before its token is
 * looked at. Which roles may do what is the
 * file service's rule; the token API, which {@code AccessTokens} leaves to its caller, asks for its role in
 * {@link Audits#on(dev.envelope.server.audit.AuditEvent.Type, Role, PrincipalHandler)}. Failed and throttled
 * authentications go on the audit log, with the client's address and nothing of the credentials.
 */
final class Authenticated {
  private final AccessTokens tokens;
  private final AuthenticationFailures failures;
  private final Audits audits;
  private final ServerMetrics metrics;
  /**
   * A throttled refusal is meant to cost nothing: an audit line (and its fsync) for each would let one address
   * fill the disk. One line per address and minute says it is being throttled.
   */
  private final OncePerInterval throttledLines = new OncePerInterval(Duration.ofMinutes(1), 10_000);

  Authenticated(AccessTokens tokens, AuthenticationFailures failures, Audits audits, ServerMetrics metrics) {
    this.tokens = tokens;
    this.metrics = metrics;
    this.failures = failures;
    this.audits = audits;
  }

  /** A handler that needs to know who is calling. */
  @FunctionalInterface
  interface PrincipalHandler {
    void handle(Context ctx, Principal caller) throws Exception;
  }

  /** Where a request carries its token. */
  @FunctionalInterface
  private interface TokenSource {
    String secret(Context ctx) throws EnvelopeException;
  }

  /** {@code handler} for any valid token, sent as {@code Authorization: Bearer <token>}. */
  Handler any(PrincipalHandler handler) {
    return ctx -> handler.handle(ctx, authenticate(ctx, Authenticated::bearer));
  }

  /**
   * {@code handler} for any valid token, sent as the form body {@code token=<token>} ({@link FormToken}); counted,
   * throttled and audited exactly like a bearer token.
   */
  Handler form(PrincipalHandler handler) {
    return ctx -> handler.handle(ctx, authenticate(ctx, FormToken::read));
  }

  /** A handler of a request whose credential is a share link's secret. */
  @FunctionalInterface
  interface GrantHandler {
    void handle(Context ctx, ShareLinks.Grant grant) throws Exception;
  }

  /**
   * {@code handler}, audited as {@code type}, for the share link whose secret is the path's {@code secret}: no
   * token. The secret is a credential like a token: a link that opens nothing ({@link ShareLinks#notFound()}, the
   * same 404 for every reason) is a failed authentication, counted against the client address's budget, and an
   * address past it is answered 429 before its secret is looked at. The secret is never logged.
   */
  Handler link(ShareLinks links, Type type, GrantHandler handler) {
    return ctx -> {
      String address = ctx.req().getRemoteAddr();
      AuditTrail trail = audits.trail(ctx);
      refuseIfThrottled(ctx, address, trail);
      ShareLinks.Grant grant;
      try {
        grant = links.open(ctx.pathParam("secret"));
      } catch (EnvelopeException e) {
        if (e.code() == ErrorCode.NOT_FOUND) {
          linkFailed(ctx, address);
          trail.refused(Type.AUTH_FAILURE, ErrorCode.NOT_FOUND); // nothing of the secret itself
        }
        throw e;
      }
      try {
        audits.on(type, (c, reader) -> {
          AuditTrail.in(c).target(grant.link().id());
          handler.handle(c, grant);
        }).handle(ctx, grant.reader());
      } catch (EnvelopeException e) {
        if (e.code() == ErrorCode.NOT_FOUND && !ctx.res().isCommitted()) {
          linkFailed(ctx, address); // used up, expired or revoked meanwhile, or its file is gone: the same 404
        }
        throw e;
      }
    };
  }

  private void linkFailed(Context ctx, String address) {
    metrics.authFailure("share_link");
    failures.failed(address, ctx.method() + " " + Problems.shownPath(ctx) + ": a share link that opens nothing");
  }

  private void refuseIfThrottled(Context ctx, String address, AuditTrail trail) throws EnvelopeException {
    Optional<Duration> throttled = failures.throttled(address);
    if (throttled.isPresent()) {
      metrics.authFailure("throttled");
      if (throttledLines.due(address)) {
        trail.refused(Type.AUTH_THROTTLED, ErrorCode.THROTTLED);
      }
      ctx.header("Retry-After", Long.toString(Math.max(1, (throttled.get().toMillis() + 999) / 1000)));
      throw new EnvelopeException(ErrorCode.THROTTLED, "too many failed authentications from this address; try"
          + " again after the time in Retry-After");
    }
  }

  private Principal authenticate(Context ctx, TokenSource source) throws EnvelopeException {
    String address = ctx.req().getRemoteAddr();
    AuditTrail trail = audits.trail(ctx); // its request id goes back on every answer, logged or not
    refuseIfThrottled(ctx, address, trail);
    try {
      return tokens.authenticate(source.secret(ctx));
    } catch (EnvelopeException e) {
      if (e.code() == ErrorCode.UNAUTHENTICATED) {
        metrics.authFailure("unauthenticated");
        failures.failed(address, ctx.method() + " " + ctx.path() + ": " + e.getMessage());
        trail.refused(Type.AUTH_FAILURE, ErrorCode.UNAUTHENTICATED); // nothing of the token itself
      } else if (e.code() == ErrorCode.TENANT_SHREDDED) {
        // A good secret, of a tenant that is gone: answered 410, but a failed authentication all the same, counted
        // against the address's budget (each costs an audit line and a flush).
        metrics.authFailure("tenant_shredded");
        failures.failed(address, ctx.method() + " " + ctx.path() + ": the token of a shredded tenant");
        trail.refused(Type.AUTH_FAILURE, ErrorCode.TENANT_SHREDDED);
      }
      throw e;
    }
  }

  private static String bearer(Context ctx) throws EnvelopeException {
    // Two Authorization headers: proxies disagree on which one counts, so neither does.
    if (java.util.Collections.list(ctx.req().getHeaders("Authorization")).size() > 1) {
      throw new EnvelopeException(ErrorCode.UNAUTHENTICATED, "a request may carry only one Authorization header");
    }
    String header = ctx.header("Authorization");
    if (header == null || header.length() < 7 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      throw new EnvelopeException(ErrorCode.UNAUTHENTICATED, "a valid bearer token is required");
    }
    return header.substring(7).strip();
  }
}
