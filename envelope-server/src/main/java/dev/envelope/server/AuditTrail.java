package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditEvent.Outcome;
import dev.envelope.server.audit.AuditEvent.Type;
import dev.envelope.server.audit.AuditEvent;
import dev.envelope.server.audit.AuditLog;
import dev.envelope.service.FileRecord;
import dev.envelope.service.Principal;
import io.javalin.http.Context;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * What one request has done so far, for its audit lines: its id ({@link #requestId(Context)}, returned as
 * {@value #HEADER}), the client's address, the caller, and what it touched. Handlers add what only they know (the
 * file stored, the range read, the bytes sent); {@link Audits} writes the lines.
 *
 * <p>The request id is the client's {@value #HEADER} when it sent exactly one that matches {@link #CLIENT_ID}, so
 * that a proxy's or a client's id follows the request through the logs; else the server's own. A client's id is
 * a correlation id, not proof: two requests may carry the same one, so audit lines are told apart by their
 * address, token and time too. An id that does not match (CRLF, non-ASCII, too long, empty) is never echoed nor
 * logged.
 */
final class AuditTrail {
  static final String HEADER = "X-Request-Id";
  private static final String ATTRIBUTE = AuditTrail.class.getName();
  private static final String ID_ATTRIBUTE = ATTRIBUTE + ".requestId";
  /** A request id a client may choose: 1 to 64 ASCII letters, digits, dots, underscores and hyphens. */
  static final java.util.regex.Pattern CLIENT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final AuditLog log;
  private final String requestId;
  private final String address;
  private Type type;
  private Principal caller;
  private String tenant;
  private String fileId;
  private String target;
  private String role;
  private String range;
  private Long bytes;
  private boolean cut;
  private ErrorCode cutCode;
  private Runnable undo;

  private AuditTrail(AuditLog log, String requestId, String address) {
    this.log = log;
    this.requestId = requestId;
    this.address = address;
  }

  private static String newId() {
    byte[] id = new byte[8];
    RANDOM.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  /**
   * The id of the request of {@code ctx}, chosen on first use: the client's {@value #HEADER} if it sent exactly one
   * and it matches {@link #CLIENT_ID}, else a new random one (16 hex digits).
   */
  static String requestId(Context ctx) {
    String id = ctx.attribute(ID_ATTRIBUTE);
    if (id == null) {
      java.util.Enumeration<String> sent = ctx.req().getHeaders(HEADER);
      String first = sent != null && sent.hasMoreElements() ? sent.nextElement() : null;
      boolean one = first != null && !sent.hasMoreElements();
      id = one && CLIENT_ID.matcher(first).matches() ? first : newId();
      ctx.attribute(ID_ATTRIBUTE, id);
    }
    return id;
  }

  /** The trail of the request of {@code ctx}, made (and its id sent as a header) on first use. */
  static AuditTrail of(Context ctx, AuditLog log) {
    AuditTrail trail = ctx.attribute(ATTRIBUTE);
    if (trail == null) {
      trail = new AuditTrail(log, requestId(ctx), ctx.req().getRemoteAddr());
      ctx.attribute(ATTRIBUTE, trail);
      ctx.header(HEADER, trail.requestId);
    }
    return trail;
  }

  /**
   * The trail of a request that never reached the application (its body was abandoned while the guards took it
   * in): it knows the client's address and nothing else.
   */
  static AuditTrail unattached(AuditLog log, String address) {
    return new AuditTrail(log, newId(), address);
  }

  /** The trail of a request that has one; one that writes nothing otherwise. */
  static AuditTrail in(Context ctx) {
    return of(ctx, AuditLog.off());
  }

  /** Sets the request id header again, after a response was reset to send a problem instead. */
  static void restoreHeader(Context ctx) {
    String id = ctx.attribute(ID_ATTRIBUTE);
    if (id != null) {
      ctx.header(HEADER, id);
    }
  }

  String requestId() {
    return requestId;
  }

  void begin(Type type, Principal caller) {
    this.type = type;
    this.caller = caller;
    this.tenant = caller.tenant();
  }

  /** The file the request is about, as a client named it (clipped when written). */
  void fileId(String id) {
    this.fileId = id;
  }

  /** The token (or, later, tenant or key) the request acts on. */
  void target(String target) {
    this.target = target;
  }

  /** The role of a token created. */
  void role(String role) {
    this.role = role;
  }

  /** The tenant acted in, when it is not the caller's (an operator's token requests). */
  void tenant(String tenant) {
    this.tenant = tenant;
  }

  /** A file stored or served: its id and size (never its name: names are user data). */
  void file(FileRecord file) {
    this.fileId = file.id();
    this.tenant = file.tenant();
    this.bytes = file.size();
  }

  void range(long first, long last) {
    this.range = first + "-" + last;
  }

  /** How many bytes a download sent, and whether it ended before its last one. */
  void sent(long bytes, ErrorCode cutBy) {
    this.bytes = bytes;
    this.cut = cutBy != null;
    this.cutCode = cutBy;
  }

  /** What to do if the request's last line cannot be written: take its effect back (a stored upload). */
  void undo(Runnable undo) {
    this.undo = undo;
  }

  Runnable undo() {
    return undo;
  }

  /** Writes a line (with the bytes known so far) and waits until it is durable. */
  void record(Outcome outcome, ErrorCode code) throws EnvelopeException {
    record(type, outcome, code);
  }

  /** The line that ends the request: how it went, or that its download was cut. */
  void recordEnd() throws EnvelopeException {
    record(type, cut ? Outcome.CUT : Outcome.OK, cut ? cutCode : null);
  }

  /** A request refused before it reached its handler (authentication failed or throttled). */
  void refused(Type refusal, ErrorCode code) throws EnvelopeException {
    record(refusal, Outcome.ERROR, code);
  }

  private void record(Type kind, Outcome outcome, ErrorCode code) throws EnvelopeException {
    AuditEvent.Builder event = AuditEvent.of(kind, outcome).requestId(requestId).address(address).tenant(tenant)
        .fileId(fileId).target(target).role(role).range(range).code(code == null ? null : code.id());
    if (caller != null) {
      event.tokenId(caller.tokenId());
    }
    if (bytes != null) {
      event.bytes(bytes);
    }
    try {
      log.record(event.build());
    } catch (EnvelopeException e) {
      throw new Audits.AuditUnavailable(e);
    }
  }
}
