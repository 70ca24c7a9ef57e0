package dev.envelope.client;

import java.util.Objects;

/**
 * A tenant's use of the service, as {@link EnvelopeClient#usage()} reports it.
 *
 * @param tenant the caller's tenant
 * @param files how many files it has
 * @param bytes the sum of their plaintext sizes
 */
public record Usage(String tenant, long files, long bytes) {
  public Usage {
    Objects.requireNonNull(tenant, "tenant");
  }
}
