package dev.envelope.client;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;

/**
 * A call to the Envelope server failed. {@link #code()} is the server's stable {@link ErrorCode} (from its
 * {@code application/problem+json} answer) or, when no answer came, what the client saw: {@link
 * ErrorCode#UNAVAILABLE} for a server that cannot be reached or does not answer in time, {@link ErrorCode#IO}
 * for a transfer that broke off or a local stream that failed. The message is the server's {@code detail}
 * (or the client's own explanation); it never contains the token.
 */
public final class EnvelopeClientException extends EnvelopeException {
  private final int status;

  EnvelopeClientException(ErrorCode code, int status, String message, Throwable cause) {
    super(code, message, cause);
    this.status = status;
  }

  EnvelopeClientException(ErrorCode code, int status, String message) {
    this(code, status, message, null);
  }

  /** The HTTP status of the server's answer, or 0 when there was none (connection refused, timeout...). */
  public int status() {
    return status;
  }
}
