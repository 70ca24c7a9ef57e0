package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.http.AuthenticationFailures;
import dev.envelope.http.sigv4.Credential;
import dev.envelope.http.sigv4.Presented;
import dev.envelope.http.sigv4.ServiceRules;
import dev.envelope.http.sigv4.SigV4Exception;
import dev.envelope.http.sigv4.SigV4Verifier;
import dev.envelope.server.audit.AuditEvent.Type;
import dev.envelope.service.Principal;
import dev.envelope.service.S3Credentials;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who signed an S3 request: SigV4 ({@link SigV4Verifier}, the same verifier as the key server's) against the S3
 * credentials of the metadata store ({@link S3Credentials}). The request line and headers are checked before a byte
 * of the body is read; the body is then read through the verifier's payload check, which fails the read (and so the
 * upload, which then keeps nothing) where the payload proves bad.
 *
 * <p>Failed signatures count against the client address's budget of failed authentications, as bad tokens do on
 * the /v1 API, and go on the audit log as {@code auth.failure}; past the budget the address gets {@code SlowDown}.
 */
final class S3Signatures {
  private final SigV4Verifier<S3Credentials.Opened> verifier;
  private final AuthenticationFailures failures;
  private final Audits audits;
  private final ServerMetrics metrics;

  S3Signatures(S3Credentials credentials, String region, AuthenticationFailures failures, Audits audits,
      ServerMetrics metrics, Clock clock) {
    this.verifier = new SigV4Verifier<>(region, ServiceRules.S3, id -> credentials.open(id)
        .map(opened -> Credential.of(opened.secret(), opened)), clock);
    this.failures = failures;
    this.audits = audits;
    this.metrics = metrics;
  }

  /** A verified request: its principal, and its payload as it may be read. */
  record Signed(Principal principal, InputStream body) {}

  Signed verify(Context ctx, S3Api.Target target) throws S3Api.S3Failure, EnvelopeException {
    String address = ctx.req().getRemoteAddr();
    AuditTrail trail = audits.trail(ctx);
    Optional<Duration> throttled = failures.throttled(address);
    if (throttled.isPresent()) {
      metrics.authFailure("throttled");
      ctx.header("Retry-After", Long.toString(Math.max(1, (throttled.get().toMillis() + 999) / 1000)));
      throw new S3Api.S3Failure(503, "SlowDown", "Too many failed authentications from this address; try again"
          + " after the time in Retry-After.");
    }
    Map<String, List<String>> headers = new HashMap<>();
    for (String name : Collections.list(ctx.req().getHeaderNames())) {
      headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
          .addAll(Collections.list(ctx.req().getHeaders(name)));
    }
    try {
      Presented<S3Credentials.Opened> presented = verifier.precheck(ctx.method().name(), target.rawPath(),
          target.rawQuery(), headers);
      // An x-amz-* header says what the request does (a copy's source, metadata, checksums): one the signature does
      // not cover could be added by anyone who holds a presigned URL, or sits on the path. S3 refuses it; so do we.
      for (String name : headers.keySet()) {
        if (name.startsWith("x-amz-") && !presented.signedHeaders().contains(name)
            && !(presented.presigned() && name.equals("x-amz-content-sha256"))) { // S3 lets that one through
          metrics.authFailure("s3_signature");
          failures.failed(address, ctx.method() + " " + Problems.shownPath(ctx) + ": an unsigned " + name);
          trail.refused(Type.AUTH_FAILURE, ErrorCode.UNAUTHENTICATED);
          throw new S3Api.S3Failure(403, "AccessDenied", "There were headers present in the request which were not"
              + " signed: " + name);
        }
      }
      InputStream body = verifier.body(presented, new LazyBody(ctx));
      return new Signed(presented.principal().principal(), body);
    } catch (SigV4Exception e) {
      if (isAuthentication(e.reason())) {
        metrics.authFailure("s3_signature");
        failures.failed(address, ctx.method() + " " + Problems.shownPath(ctx) + ": " + e.getMessage());
        trail.refused(Type.AUTH_FAILURE, ErrorCode.UNAUTHENTICATED);
      }
      throw failureOf(e);
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "the credentials cannot be read now", e);
    }
  }

  /**
   * The request's body, asked of the servlet only when first read: a request refused before its body is needed (a
   * quota, a missing upload) never has Jetty answer {@code Expect: 100-continue}, so the client never sends it.
   */
  private static final class LazyBody extends InputStream {
    private final Context ctx;
    private InputStream in;

    LazyBody(Context ctx) {
      this.ctx = ctx;
    }

    private InputStream in() throws IOException {
      if (in == null) {
        in = ctx.req().getInputStream();
      }
      return in;
    }

    @Override
    public int read() throws IOException {
      return in().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in().read(b, off, len);
    }

    @Override
    public int available() throws IOException {
      return in == null ? 0 : in.available();
    }
  }

  /** Whether a refusal is about who signed (counted against the address), not about a payload header's form. */
  private static boolean isAuthentication(SigV4Exception.Reason reason) {
    return switch (reason) {
      case MISSING_AUTHENTICATION, MALFORMED_AUTHORIZATION, MALFORMED_PRESIGNED, AMBIGUOUS_AUTHENTICATION,
          UNKNOWN_ACCESS_KEY, WRONG_SCOPE, SIGNATURE_MISMATCH, REQUEST_TIME_TOO_SKEWED, PRESIGN_EXPIRED -> true;
      default -> false;
    };
  }

  /** The declared length of the payload: {@code x-amz-decoded-content-length} for aws-chunked, else the body's. */
  static long declaredLength(Context ctx) {
    String decoded = ctx.header("x-amz-decoded-content-length");
    try {
      if (decoded != null) {
        return Long.parseLong(decoded.strip());
      }
    } catch (NumberFormatException e) {
      return -1;
    }
    String encoding = ctx.header("Content-Encoding");
    if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("aws-chunked")) {
      return -1;
    }
    long length = ctx.req().getContentLengthLong();
    return length >= 0 ? length : -1;
  }

  /** S3's answer to a refused signature or a payload proved bad. */
  static S3Api.S3Failure failureOf(SigV4Exception e) {
    String m = e.getMessage();
    return switch (e.reason()) {
      case MISSING_AUTHENTICATION -> new S3Api.S3Failure(403, "AccessDenied", "Access Denied: " + m);
      case MALFORMED_AUTHORIZATION -> new S3Api.S3Failure(400, "AuthorizationHeaderMalformed", m);
      case MALFORMED_PRESIGNED -> new S3Api.S3Failure(400, "AuthorizationQueryParametersError", m);
      case AMBIGUOUS_AUTHENTICATION -> new S3Api.S3Failure(400, "InvalidArgument", m);
      case UNKNOWN_ACCESS_KEY -> new S3Api.S3Failure(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided"
          + " does not exist in our records.");
      case WRONG_SCOPE -> new S3Api.S3Failure(400, "AuthorizationHeaderMalformed", m);
      case SIGNATURE_MISMATCH -> new S3Api.S3Failure(403, "SignatureDoesNotMatch", m);
      case REQUEST_TIME_TOO_SKEWED -> new S3Api.S3Failure(403, "RequestTimeTooSkewed", m);
      case PRESIGN_EXPIRED -> new S3Api.S3Failure(403, "AccessDenied", "Request has expired");
      case CONTENT_SHA256_MISMATCH -> new S3Api.S3Failure(400, "XAmzContentSHA256Mismatch", m);
      case BAD_DIGEST, BAD_CHECKSUM -> new S3Api.S3Failure(400, "BadDigest", m);
      case INCOMPLETE_BODY -> new S3Api.S3Failure(400, "IncompleteBody", m);
      case MALFORMED_CHUNK, INVALID_ARGUMENT -> new S3Api.S3Failure(400, "InvalidArgument", m);
      case UNSUPPORTED -> new S3Api.S3Failure(501, "NotImplemented", m);
    };
  }
}
