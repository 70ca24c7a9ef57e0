package dev.envelope.http;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An answer the guards give before (or instead of) the application's own handlers: a status, the reason in a
 * word, and a message for the client. Each server words it in its own error format ({@link ErrorFormat}).
 *
 * @param status the HTTP status
 * @param reason why, for the server's error format to map to its own codes
 * @param message safe to show the client: it never carries a header value or a secret
 * @param retryAfter when the client may come back, if it may ({@code Retry-After})
 */
public record Refusal(int status, Reason reason, String message, Optional<Duration> retryAfter) {
  public Refusal {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /** Why a request was refused outside the application. */
  public enum Reason {
    /** {@code X-HTTP-Method-Override} and its kin: a request is what its request line says. */
    METHOD_OVERRIDE,
    /** A transfer coding other than {@code chunked} (RFC 9112 §6.1: 501). */
    TRANSFER_CODING,
    /** Too many failed authentications from this address. */
    THROTTLED,
    /** The request line or headers are too large (414, 431). */
    TOO_LARGE,
    /** Anything else Jetty found malformed, or an error it met outside the application. */
    MALFORMED
  }

  static Refusal of(int status, Reason reason, String message) {
    return new Refusal(status, reason, message, Optional.empty());
  }
}
