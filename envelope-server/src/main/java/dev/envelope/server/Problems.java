package dev.envelope.server;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error becomes one RFC 9457 problem, mapped once here: service errors by their {@link ErrorCode},
 * Javalin's own (unknown route, wrong method) by status, and anything unexpected as a 500 with an incident id.
 * Responses never carry a stack trace, a class name or a path of the server.
 */
final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  private static final Logger SECURITY = LoggerFactory.getLogger("dev.envelope.security");

  private Problems() {}

  static void register(RoutesConfig routes) {
    routes.exception(EnvelopeException.class, (e, ctx) -> {
      if (e.code() == ErrorCode.UNSUPPORTED_FORMAT) {
        // The other integrity failures are logged where they are found, with what was wrong.
        SECURITY.warn("security: {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
      } else if (e.code() == ErrorCode.INTERNAL) {
        String incident = Incidents.log(LOG, ctx.method() + " " + ctx.path() + " failed", e);
        send(ctx, Problem.of(ErrorCode.INTERNAL, "an internal error occurred (incident " + incident + ")"));
        return;
      } else if (Problem.status(e.code()) == 503) {
        // A dependency is down, throttling or misconfigured. Its message names internal endpoints, keys and
        // tables: that is for the operator's log, not for every client. The code still says which kind.
        String incident = Incidents.warn(LOG, ctx.method() + " " + ctx.path() + ": " + e.getMessage());
        send(ctx, Problem.of(e.code(), "a store or the key service cannot serve this now; try again later"
            + " (incident " + incident + ")"));
        return;
      }
      send(ctx, Problem.of(e.code(), e.getMessage()));
    });
    routes.exception(HttpResponseException.class, (e, ctx) -> {
      String allowed = e.getDetails().get("availableMethods");
      if (e.getStatus() == 405 && allowed != null) {
        ctx.header("Allow", allowed); // RFC 9110: a 405 says what the resource does take
      }
      send(ctx, fromStatus(e.getStatus()));
    });
    routes.exception(Exception.class, (e, ctx) -> {
      String incident = Incidents.log(LOG, ctx.method() + " " + ctx.path() + " failed", e);
      send(ctx, Problem.of(ErrorCode.INTERNAL, "an internal error occurred (incident " + incident + ")"));
    });
  }

  /** Javalin's own answers (no such route, wrong method, a bad request Jetty noticed) as problems. */
  static Problem fromStatus(int status) {
    return switch (status) {
      case 404 -> Problem.of(ErrorCode.NOT_FOUND, "no such resource");
      case 405 -> new Problem(405, Problem.METHOD_NOT_ALLOWED, "this resource does not take that method");
      case 413 -> Problem.of(ErrorCode.TOO_LARGE, "the request is too large");
      case 503 -> Problem.of(ErrorCode.UNAVAILABLE, "the service is not available now");
      default -> status >= 400 && status < 500
          ? new Problem(status, ErrorCode.INVALID_ARGUMENT.id(), "the request is malformed")
          : Problem.of(ErrorCode.INTERNAL, "an internal error occurred");
    };
  }

  /** Closes the connection under a response already under way, so the client sees it cut short. */
  static void closeConnection(Context ctx) {
    ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
        .getEndPoint().close();
  }

  /**
   * The {@code Retry-After} of every 503, in seconds: long enough for a key service's or a store's retry
   * budget (10 s at most) to pass, short enough that clients come back soon after the dependency does.
   */
  static final long RETRY_AFTER_SECONDS = 5;

  /**
   * How much of a request body no one read (an upload refused before its first byte: 401, 403, a bad name) the
   * server takes in and discards before it answers. A client is still sending such a body; if the server
   * answered and closed with it unread, the close could reset the connection under the client, which would
   * then see a network failure instead of the answer. A body declared larger than this is not waited for
   * (the server answers and closes at once: it does not take in gigabytes to refuse them, and the client may be
   * waiting for the answer before it sends); a chunked one is taken in up to this much.
   */
  static final int DRAIN_LIMIT = 1 << 20;

  private static void drainUnreadBody(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared == 0 || declared > DRAIN_LIMIT || ctx.req().getHeader("Expect") != null) {
      // Nothing to take in; or too much, answered at once; or a client waiting for "100 Continue" before it
      // sends the body, which must not be invited for a refusal.
      return;
    }
    try {
      java.io.InputStream body = ctx.req().getInputStream();
      byte[] buffer = new byte[64 * 1024];
      long drained = 0;
      for (int n; drained < DRAIN_LIMIT && (n = body.read(buffer)) >= 0; ) {
        drained += n;
      }
    } catch (IOException | RuntimeException e) {
      // A body that cannot be read (cut, timed out, already failed) leaves nothing to take in.
    }
  }

  /** Writes {@code problem} as the response. */
  static void send(Context ctx, Problem problem) {
    if (ctx.res().isCommitted()) {
      // Too late for a problem: a download failed in a way Downloads did not foresee. Never a clean end.
      closeConnection(ctx);
      return;
    }
    drainUnreadBody(ctx);
    if (problem.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    if (problem.status() == 503) {
      // A store or the key service is down or throttling: say when to come back (RFC 9110 §10.2.3).
      ctx.header("Retry-After", Long.toString(RETRY_AFTER_SECONDS));
    }
    ctx.header("Cache-Control", "no-store");
    try {
      ctx.status(problem.status()).contentType(Problem.MEDIA_TYPE)
          .result(Json.MAPPER.writeValueAsBytes(problem.toJson()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
