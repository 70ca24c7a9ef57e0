package dev.envelope.service;

import java.time.Instant;
import java.util.Objects;

/**
 * An S3 bucket: a name unique in the installation, owned by one tenant.
 *
 * @param name the bucket name (S3's rules: {@link Buckets#checkName})
 * @param tenant the owner: only its credentials see the bucket and its objects
 * @param createdAt when it was made, at millisecond precision
 */
public record BucketRecord(String name, String tenant, Instant createdAt) {
  public BucketRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
