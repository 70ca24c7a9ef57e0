package dev.envelope.service;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A share link as stored: never its secret, only the SHA-256 of it.
 *
 * @param id the link's public id (the part of the link's secret before the dot; used to list and revoke)
 * @param tenant whose file it opens: the file's tenant, always
 * @param fileId the file it opens
 * @param secretHash SHA-256 of the link's secret part (32 bytes)
 * @param createdAt when it was made
 * @param expiresAt from when on it opens nothing (every link ends)
 * @param maxDownloads how many downloads it allows in all, if it is bounded
 * @param downloads how many downloads it has started so far
 * @param revokedAt when it was revoked, if it was
 */
public record LinkRecord(String id, String tenant, String fileId, byte[] secretHash, Instant createdAt,
    Instant expiresAt, OptionalLong maxDownloads, long downloads, Optional<Instant> revokedAt) {
  public LinkRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(fileId, "fileId");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(maxDownloads, "maxDownloads");
    Objects.requireNonNull(revokedAt, "revokedAt");
    if (secretHash.length != 32) {
      throw new IllegalArgumentException("secretHash must be 32 bytes");
    }
    if (downloads < 0 || maxDownloads.isPresent() && maxDownloads.getAsLong() < 1) {
      throw new IllegalArgumentException("downloads must not be negative, maxDownloads must be positive");
    }
    secretHash = secretHash.clone();
  }

  @Override
  public byte[] secretHash() {
    return secretHash.clone();
  }

  public boolean revoked() {
    return revokedAt.isPresent();
  }

  /** Whether it opens its file at {@code now}: not revoked, not expired, downloads left. */
  public boolean usableAt(Instant now) {
    return !revoked() && now.isBefore(expiresAt)
        && (maxDownloads.isEmpty() || downloads < maxDownloads.getAsLong());
  }

  /** Leaves the hash out. */
  @Override
  public String toString() {
    return "LinkRecord[id=" + id + ", tenant=" + tenant + ", file=" + fileId + "]";
  }
}
