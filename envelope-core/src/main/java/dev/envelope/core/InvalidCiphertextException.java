package dev.envelope.core;

import dev.envelope.api.ErrorCode;
import java.io.IOException;

/**
 * Ciphertext that failed authentication or parsing: tampered, truncated, extended, reordered, or decrypted
 * with the wrong encryption context. It is an {@link IOException} because it surfaces from stream reads.
 * When it is thrown, no plaintext of the bad segment has been released, but plaintext of earlier, authentic
 * segments may have been: a stream is only trustworthy once it has reached its end without this exception.
 */
public final class InvalidCiphertextException extends IOException {
  public InvalidCiphertextException(String message) {
    super(message);
  }

  public InvalidCiphertextException(String message, Throwable cause) {
    super(message, cause);
  }

  public ErrorCode code() {
    return ErrorCode.INVALID_CIPHERTEXT;
  }
}
