package dev.envelope.keyserver;

import dev.envelope.api.EnvelopeException;

/**
 * The KMS error a key service's {@link EnvelopeException} becomes. Messages of client errors are passed on
 * (they name keys and states, nothing secret); errors of the key service itself become
 * {@code KMSInternalException} with a fixed message, because theirs may name files of the server.
 */
final class EnvelopeErrors {
  private EnvelopeErrors() {}

  static KmsException toKms(EnvelopeException e) {
    KmsError error = switch (e.code()) {
      case KEY_NOT_FOUND -> KmsError.NOT_FOUND;
      case KEY_DISABLED -> KmsError.DISABLED;
      case KEY_INVALID_STATE -> KmsError.INVALID_STATE;
      case ALREADY_EXISTS -> KmsError.ALREADY_EXISTS;
      case INVALID_ARGUMENT -> KmsError.VALIDATION;
      case INVALID_WRAPPED_KEY, INVALID_CIPHERTEXT, CONTEXT_MISMATCH, UNSUPPORTED_FORMAT ->
          KmsError.INVALID_CIPHERTEXT;
      case KEYRING_UNAVAILABLE, INSECURE_FILE -> KmsError.KEY_UNAVAILABLE;
      default -> KmsError.INTERNAL; // IO, INTERNAL and codes added later
    };
    if (error.status() >= 500) {
      return error.exception(error == KmsError.KEY_UNAVAILABLE
          ? "The key service is unavailable; see the key server's log" : "Internal error; see the key server's log");
    }
    if (error == KmsError.INVALID_CIPHERTEXT) {
      // One answer for a wrong context and a damaged blob, as KMS gives, so neither can be told apart.
      return error.exception("The ciphertext is invalid, or was made under another encryption context");
    }
    return error.exception(e.getMessage());
  }
}
