package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.http.ErrorFormat;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import org.eclipse.jetty.http.BadMessageException;
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
        SECURITY.warn("security: {} {}: {}", ctx.method(), shownPath(ctx), e.getMessage());
      } else if (e.code() == ErrorCode.INTERNAL) {
        String incident = Incidents.log(LOG, ctx.method() + " " + shownPath(ctx) + " failed", e);
        send(ctx, Problem.of(ErrorCode.INTERNAL, "an internal error occurred (incident " + incident + ")"));
        return;
      } else if (Problem.status(e.code()) == 503) {
        // A dependency is down, throttling or misconfigured. Its message names internal endpoints, keys and
        // tables: that is for the operator's log, not for every client. The code still says which kind.
        String incident = Incidents.warn(LOG, ctx.method() + " " + shownPath(ctx) + ": " + e.getMessage());
        send(ctx, Problem.of(e.code(), "a store or the key service cannot serve this now; try again later"
            + " (incident " + incident + ")"));
        return;
      }
      send(ctx, Problem.of(e.code(), e.getMessage()));
    });
    routes.exception(BadMessageException.class, (e, ctx) -> {
      // Jetty's verdict on the request itself, met while reading its body: too slow (408), malformed (400).
      LOG.debug("{} {}: {}", ctx.method(), shownPath(ctx), e.getMessage());
      send(ctx, fromStatus(e.getCode()));
    });
    routes.exception(java.io.EOFException.class, (e, ctx) -> {
      // The body ended before its framing said it would (a chunk size that is not one, a cut connection): the
      // client's doing, like a malformed message, not an incident of the server.
      LOG.debug("{} {}: the body ended early: {}", ctx.method(), shownPath(ctx), e.toString());
      send(ctx, Problem.of(ErrorCode.IO, "the request body ended early or its framing is broken"));
    });
    routes.exception(HttpResponseException.class, (e, ctx) -> {
      String allowed = e.getDetails().get("availableMethods");
      if (e.getStatus() == 405 && allowed != null) {
        ctx.header("Allow", allowed); // RFC 9110: a 405 says what the resource does take
        send(ctx, methodNotAllowed(ctx.method().name(), shownPath(ctx), allowed));
        return;
      }
      send(ctx, fromStatus(e.getStatus()));
    });
    routes.exception(Exception.class, (e, ctx) -> {
      String incident = Incidents.log(LOG, ctx.method() + " " + shownPath(ctx) + " failed", e);
      send(ctx, Problem.of(ErrorCode.INTERNAL, "an internal error occurred (incident " + incident + ")"));
    });
  }

  /** Where a share link's secret is in the path. */
  static final String LINK_PATH = "/s/";

  /**
   * The request's path as logs and answers may show it: a share link's secret is a credential, and is never
   * written anywhere, so its path is shown as its route.
   */
  static String shownPath(Context ctx) {
    String path = ctx.path();
    return path.startsWith(LINK_PATH) ? LINK_PATH + "{secret}" : path;
  }

  /**
   * A 405 that says what the resource takes, and, for the commonest slip ({@code curl -T FILE} sends PUT; an
   * upload is a POST), how to send it.
   */
  static Problem methodNotAllowed(String method, String path, String allowed) {
    String takes = allowed.replace(",", ", ").replaceAll("\\s+", " ").strip();
    String detail = path + " does not take " + method + "; it takes " + takes;
    if ("PUT".equals(method) && path.replaceAll("/+$", "").equals("/v1/files")) {
      detail += ". An upload is a POST: curl -T FILE sends PUT unless you add -X POST"
          + " (curl -X POST -T FILE '.../v1/files?name=NAME')";
    }
    return new Problem(405, Problem.METHOD_NOT_ALLOWED, detail);
  }

  /** Javalin's own answers (no such route, wrong method, a bad request Jetty noticed) as problems. */
  static Problem fromStatus(int status) {
    return switch (status) {
      case 404 -> Problem.of(ErrorCode.NOT_FOUND, "no such resource");
      case 405 -> new Problem(405, Problem.METHOD_NOT_ALLOWED, "this resource does not take that method");
      case 408 -> Problem.of(ErrorCode.IO, "the request body did not arrive in time (too slow, or stalled)");
      case 413 -> Problem.of(ErrorCode.TOO_LARGE, "the request is too large");
      case 414, 431 -> new Problem(status, ErrorCode.TOO_LARGE.id(), "the request line or headers are too long");
      case 503 -> Problem.of(ErrorCode.UNAVAILABLE, "the service is not available now");
      case 505 -> new Problem(505, ErrorCode.INVALID_ARGUMENT.id(), "this server speaks HTTP/1.1");
      default -> status >= 400 && status < 500
          ? new Problem(status, ErrorCode.INVALID_ARGUMENT.id(), "the request is malformed")
          : Problem.of(ErrorCode.INTERNAL, "an internal error occurred");
    };
  }

  /**
   * The server's refusals made outside the API's handlers ({@link dev.envelope.http.HttpGuards}: method
   * overrides, transfer codings, Jetty's own errors), as problems.
   */
  static ErrorFormat errorFormat() {
    return (request, refusal) -> {
      Problem problem = switch (refusal.reason()) {
        case METHOD_OVERRIDE -> Problem.of(ErrorCode.INVALID_ARGUMENT, refusal.message());
        case TRANSFER_CODING -> new Problem(501, Problem.NOT_IMPLEMENTED, refusal.message());
        case THROTTLED -> Problem.of(ErrorCode.THROTTLED, refusal.message());
        case TOO_LARGE, MALFORMED -> fromStatus(refusal.status());
      };
      try {
        return new ErrorFormat.Body(Problem.MEDIA_TYPE, Json.MAPPER.writeValueAsBytes(problem.toJson()));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
  }

  /**
   * The {@code Retry-After} of every 503, in seconds: long enough for a key service's or a store's retry
   * budget (10 s at most) to pass, short enough that clients come back soon after the dependency does.
   */
  static final long RETRY_AFTER_SECONDS = 5;

  /** Writes {@code problem} as the response. */
  static void send(Context ctx, Problem problem) {
    if (ctx.res().isCommitted()) {
      // Too late for a problem: a download failed in a way Downloads did not foresee. Never a clean end.
      CommittedResponses.cutShort(ctx);
      return;
    }
    if (problem.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    if (problem.status() == 503) {
      // A store or the key service is down or throttling: say when to come back (RFC 9110 §10.2.3).
      ctx.header("Retry-After", Long.toString(RETRY_AFTER_SECONDS));
    }
    ctx.header("Cache-Control", "no-store");
    AuditTrail.restoreHeader(ctx); // a download resets its response before it sends a problem
    try {
      ctx.status(problem.status()).contentType(Problem.MEDIA_TYPE)
          .result(Json.MAPPER.writeValueAsBytes(problem.toJson()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
