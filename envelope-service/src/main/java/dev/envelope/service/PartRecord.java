package dev.envelope.service;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored part of a multipart upload (and, once the upload completes, of its object's file, whose id is the
 * upload's).
 *
 * @param uploadId the upload
 * @param partNumber 1 to 10,000
 * @param blobId the blob that holds this part's ciphertext: {@link #blobIdOf} (a fresh one per upload of the part)
 * @param size the part's plaintext size in bytes
 * @param etag the MD5 of the part's plaintext, 32 lower-case hex digits, without quotes
 * @param lastModified when it was stored, at millisecond precision
 */
public record PartRecord(String uploadId, int partNumber, String blobId, long size, String etag,
    Instant lastModified) {
  /** The most parts an upload may have, as S3. */
  public static final int MAX_PARTS = 10_000;

  public PartRecord {
    Objects.requireNonNull(uploadId, "uploadId");
    Objects.requireNonNull(blobId, "blobId");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(lastModified, "lastModified");
    if (partNumber < 1 || partNumber > MAX_PARTS || size < 0) {
      throw new IllegalArgumentException("part number out of 1..10000, or negative size");
    }
  }

  /** A new blob id for part {@code partNumber} of {@code uploadId}: {@code UPLOAD-N-RANDOM}, a valid blob key. */
  public static String blobIdOf(String uploadId, int partNumber) {
    return uploadId + "-" + partNumber + "-" + FileId.random().substring(0, 10);
  }

  /** The upload and part number a part's blob id names, or null if {@code blobId} is not a part's. */
  public static PartRecord.Name nameOf(String blobId) {
    String[] parts = blobId.split("-", -1);
    if (parts.length != 3 || !FileId.isWellFormed(parts[0]) || !parts[1].matches("[1-9][0-9]{0,4}")
        || !parts[2].matches("[a-z2-7]{10}")) {
      return null;
    }
    int number = Integer.parseInt(parts[1]);
    return number > MAX_PARTS ? null : new Name(parts[0], number);
  }

  /** What a part's blob id names. */
  public record Name(String uploadId, int partNumber) {}
}
