package dev.envelope.keyserver;

/**
 * A request the key server refuses, with the {@link KmsError} the client gets. The message goes to the client
 * verbatim: it names keys and fields, never key material, file paths or stack traces. Carries no stack trace
 * itself, since it is an answer rather than a bug.
 */
final class KmsException extends RuntimeException {
  private final KmsError error;

  KmsException(KmsError error, String message) {
    super(message, null, false, false);
    this.error = error;
  }

  KmsError error() {
    return error;
  }
}
