package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditEvent.Outcome;
import dev.envelope.server.audit.AuditEvent.Type;
import dev.envelope.server.audit.AuditLog;
import dev.envelope.service.Role;
import io.javalin.http.Context;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts each API call on the audit log, fail closed: a request whose line cannot be made durable fails with 503
 * ({@code unavailable}) and does nothing, or has what it did taken back.
 *
 * <ul>
 *   <li>An effect (upload, delete, share link and token create and revoke) is logged as {@code started} before it happens, then
 *       with its outcome. If the outcome cannot be logged, a stored upload or a new token is taken back.
 *   <li>A download is logged as {@code started} before its first byte (by {@link Downloads}), then with the
 *       bytes sent and whether it was cut.
 *   <li>A read (metadata, list, HEAD) is logged once, before its answer is sent.
 *   <li>Refusals are logged with their error code; {@link Authenticated} logs failed and throttled
 *       authentications.
 * </ul>
 */
final class Audits {
  private static final Logger LOG = LoggerFactory.getLogger(Audits.class);
  private static final Set<Type> EFFECTS = EnumSet.of(Type.FILE_UPLOAD, Type.FILE_DELETE, Type.FILE_RENAME,
      Type.LINK_CREATE, Type.LINK_REVOKE, Type.TOKEN_CREATE, Type.TOKEN_REVOKE, Type.TENANT_CREATE,
      Type.TENANT_SET_KEY, Type.TENANT_SET_QUOTA, Type.TENANT_SHRED, Type.TENANT_PURGE, Type.S3_BUCKET_CREATE,
      Type.S3_BUCKET_DELETE, Type.S3_OBJECT_COPY, Type.S3_OBJECTS_DELETE, Type.S3_UPLOAD_START, Type.S3_UPLOAD_PART,
      Type.S3_UPLOAD_COMPLETE, Type.S3_UPLOAD_ABORT);

  private final AuditLog log;

  Audits(AuditLog log) {
    this.log = log;
  }

  AuditTrail trail(Context ctx) {
    return AuditTrail.of(ctx, log);
  }

  /** {@code handler}, audited as {@code type}. */
  Authenticated.PrincipalHandler on(Type type, Authenticated.PrincipalHandler handler) {
    return on(type, null, handler);
  }

  /** {@code handler}, audited as {@code type}, for callers whose role includes {@code role}. */
  Authenticated.PrincipalHandler on(Type type, Role role, Authenticated.PrincipalHandler handler) {
    return (ctx, caller) -> {
      AuditTrail trail = trail(ctx);
      trail.begin(type, caller);
      String id = ctx.pathParamMap().get("id");
      if (id != null) {
        if (type.id().startsWith("file.") || type.id().startsWith("link.")) {
          trail.fileId(id);
        } else {
          trail.target(id);
        }
      }
      String tenant = ctx.pathParamMap().get("name");
      if (tenant != null && type.id().startsWith("tenant.") && dev.envelope.service.Tenants.isValid(tenant)) {
        trail.tenant(tenant); // the tenant operated on, from the first line on: not the operator's own
      }
      try {
        if (role != null) {
          caller.require(role);
        }
        if (EFFECTS.contains(type)) {
          trail.record(Outcome.STARTED, null);
        }
        handler.handle(ctx, caller);
      } catch (EnvelopeException e) {
        if (!isAuditFailure(e)) {
          recordFailure(trail, e.code(), e);
        }
        throw e;
      } catch (Exception | Error e) {
        recordFailure(trail, ErrorCode.INTERNAL, e);
        throw e;
      }
      end(ctx, trail);
    };
  }

  /** The request failed: say so; if even that cannot be written, it fails as unavailable instead. */
  private static void recordFailure(AuditTrail trail, ErrorCode code, Throwable failure) throws EnvelopeException {
    try {
      trail.record(Outcome.ERROR, code);
    } catch (EnvelopeException unlogged) {
      unlogged.addSuppressed(failure);
      throw unlogged;
    }
  }

  /** The request succeeded: its line goes down before the answer does, or the answer is a 503. */
  private static void end(Context ctx, AuditTrail trail) throws EnvelopeException {
    try {
      trail.recordEnd();
    } catch (EnvelopeException e) {
      Runnable undo = trail.undo();
      if (undo != null) {
        undo.run();
      }
      if (ctx.res().isCommitted()) {
        // A download whose bytes went out: too late for a 503, but never a clean end that the log does not hold.
        LOG.warn("request {}: its last audit line could not be written: {}", trail.requestId(), e.getMessage());
        CommittedResponses.cutShort(ctx);
        return;
      }
      ctx.res().reset();
      throw e;
    }
  }

  /** A failure of the audit log itself, which has no line to go on. */
  private static boolean isAuditFailure(EnvelopeException e) {
    return e instanceof AuditUnavailable;
  }

  /** The audit log could not take a line: the request fails with 503. */
  static final class AuditUnavailable extends EnvelopeException {
    AuditUnavailable(EnvelopeException cause) {
      super(ErrorCode.UNAVAILABLE, cause.getMessage(), cause);
    }
  }
}
