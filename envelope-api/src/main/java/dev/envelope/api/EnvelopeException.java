package dev.envelope.api;

/**
 * A failure Envelope can explain: it carries a stable {@link ErrorCode} and a message written for the
 * person at the keyboard. Messages never contain key material or plaintext.
 */
public class EnvelopeException extends Exception {
  private final ErrorCode code;

  public EnvelopeException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public EnvelopeException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
