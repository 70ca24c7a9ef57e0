package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.http.AuthenticationFailures;
import dev.envelope.http.BodyPrefetch;
import dev.envelope.server.audit.AuditEvent.Type;
import dev.envelope.server.audit.AuditLog;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * The token of {@code POST /v1/files/{id}/download}, sent as the form body {@code token=<token>}
 * ({@code application/x-www-form-urlencoded}): what the web page submits so that the browser streams a download
 * to disk itself, with the token in a body, never in a URL. No cookie is ever set, so another site's form cannot
 * send a token it does not have.
 *
 * <p>The body is needed before the caller is known, so it is taken in by the guards without a thread and at the
 * minimum data rate ({@link BodyPrefetch}), and only when it is small ({@link #MAX_BYTES}), of this type, on this
 * route, from an address that is not throttled. Anything else is answered at once without reading it. A body that
 * never comes whole counts as a failed authentication of its address, and goes on the audit log.
 */
final class FormToken {
  /** The largest form body read: a token is under 100 bytes. */
  static final int MAX_BYTES = 1024;
  static final String MEDIA_TYPE = "application/x-www-form-urlencoded";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FormToken.class);
  private static final Pattern ROUTE = Pattern.compile("/v1/files/[^/]+/download");
  /** Set on a request whose body the guards took in; only such a body is read. */
  private static final String PREFETCHED = FormToken.class.getName() + ".prefetched";

  private FormToken() {}

  /** The guards' policy for the form bodies of the download route. */
  static BodyPrefetch prefetch(AuthenticationFailures failures, AuditLog audit) {
    return new BodyPrefetch(MAX_BYTES, request -> {
      boolean worth = "POST".equals(request.getMethod()) && ROUTE.matcher(Request.getPathInContext(request)).matches()
          && isForm(request.getHeaders().get(HttpHeader.CONTENT_TYPE))
          && failures.throttled(Request.getRemoteAddr(request)).isEmpty();
      if (worth) {
        request.setAttribute(PREFETCHED, Boolean.TRUE);
      }
      return worth;
    }, request -> {
      String address = Request.getRemoteAddr(request);
      failures.failed(address, "a download form's body was abandoned before its token could be read");
      try {
        AuditTrail.unattached(audit, address).refused(Type.AUTH_FAILURE, ErrorCode.UNAUTHENTICATED);
      } catch (EnvelopeException e) {
        LOG.warn("an abandoned download form from {} could not be audited: {}", address, e.getMessage());
      }
    });
  }

  /**
   * The token in the request's form body. A body of another type, or too large, is refused without being read; a
   * form without exactly one {@code token} field is {@link ErrorCode#UNAUTHENTICATED}, like a missing bearer token.
   */
  static String read(Context ctx) throws EnvelopeException {
    if (ctx.req().getHeader("Authorization") != null) {
      // Two credentials: which one counts would be a guess, and a wrong guess reads as the other's.
      throw new EnvelopeException(ErrorCode.UNAUTHENTICATED, "this route takes its token in the form body only: send"
          + " no Authorization header");
    }
    if (!isForm(ctx.header("Content-Type"))) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "this route takes its token as a form body: send"
          + " Content-Type: " + MEDIA_TYPE + " with token=<token>");
    }
    if (ctx.req().getContentLengthLong() > MAX_BYTES) {
      throw new EnvelopeException(ErrorCode.TOO_LARGE, "the form body is larger than " + MAX_BYTES + " bytes");
    }
    if (ctx.attribute(PREFETCHED) == null) {
      throw new EnvelopeException(ErrorCode.UNAUTHENTICATED, "a form body token=<token> is required");
    }
    byte[] body;
    try (InputStream in = ctx.bodyInputStream()) { // already in memory: this never waits on the client
      body = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.IO, "the form body could not be read");
    }
    if (body.length > MAX_BYTES) {
      throw new EnvelopeException(ErrorCode.TOO_LARGE, "the form body is larger than " + MAX_BYTES + " bytes");
    }
    return token(new String(body, StandardCharsets.ISO_8859_1));
  }

  /** The one {@code token} field of a form; others are ignored. */
  static String token(String form) throws EnvelopeException {
    String token = null;
    for (String field : form.split("&")) {
      int equals = field.indexOf('=');
      String name = equals < 0 ? field : field.substring(0, equals);
      if (!name.equals("token")) {
        continue;
      }
      if (token != null) {
        throw new EnvelopeException(ErrorCode.UNAUTHENTICATED, "the form gives token more than once");
      }
      try {
        token = equals < 0 ? "" : URLDecoder.decode(field.substring(equals + 1), StandardCharsets.UTF_8).strip();
      } catch (IllegalArgumentException e) {
        throw new EnvelopeException(ErrorCode.UNAUTHENTICATED, "the form's token is not valid form encoding");
      }
    }
    if (token == null || token.isEmpty()) {
      throw new EnvelopeException(ErrorCode.UNAUTHENTICATED, "a form body token=<token> is required");
    }
    return token;
  }

  private static boolean isForm(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return type.equals(MEDIA_TYPE);
  }
}
