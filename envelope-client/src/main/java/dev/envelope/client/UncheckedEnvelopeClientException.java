package dev.envelope.client;

import java.util.Objects;

/**
 * An {@link EnvelopeClientException} thrown where a checked exception cannot be: from the iterator of
 * {@link EnvelopeClient#listAll}. {@link #getCause()} is the original.
 */
public final class UncheckedEnvelopeClientException extends RuntimeException {
  UncheckedEnvelopeClientException(EnvelopeClientException cause) {
    super(cause.getMessage(), Objects.requireNonNull(cause));
  }

  @Override
  public synchronized EnvelopeClientException getCause() {
    return (EnvelopeClientException) super.getCause();
  }
}
