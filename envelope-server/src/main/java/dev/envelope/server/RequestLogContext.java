package dev.envelope.server;

import io.javalin.http.Context;
import org.slf4j.MDC;

/**
 * Each request's id ({@link AuditTrail#requestId(Context)}) in the SLF4J MDC, under {@value #KEY}, while the
 * request's handlers run on its thread, so that every log line they make carries it (with {@code --log-format
 * json}); and in the {@value AuditTrail#HEADER} header of every answer. A download streams from its handler, on
 * the same thread, so its lines carry it too. The id is removed when the answer has gone, and set again by the
 * next request on the thread, so a line never carries another request's id.
 */
final class RequestLogContext {
  static final String KEY = "requestId";

  private RequestLogContext() {}

  /** Before the request's handlers. */
  static void begin(Context ctx) {
    String id = AuditTrail.requestId(ctx);
    ctx.header(AuditTrail.HEADER, id);
    MDC.put(KEY, id);
  }

  /** After the request's answer. */
  static void end() {
    MDC.remove(KEY);
  }
}
