package dev.envelope.service;

import dev.envelope.core.WrappedKey;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One stored file: the metadata row. The wrapped data key lives here, not in the blob, so deleting the row
 * crypto-shreds the file even in old backups of the blob store.
 *
 * @param id the file's random id (also its blob key)
 * @param tenant the owner
 * @param name the client's name for it: data, never a path
 * @param contentType the media type given at upload
 * @param size the plaintext size in bytes
 * @param createdAt when the upload was acknowledged, at millisecond precision
 * @param keyService the {@link dev.envelope.core.KeyService#name()} that wrapped the data key
 * @param wrappedKey the data key, wrapped under a root key (id and version inside)
 * @param formatVersion the blob format ({@link #FORMAT_VERSION} today)
 * @param segmentSize the ciphertext segment size of the blob's stream
 * @param sha256 the SHA-256 of the plaintext, 64 lowercase hex digits, computed while the upload streamed in;
 *     null for a file stored before Envelope recorded it. Metadata, not a security check: the blob's own
 *     authentication is what proves the content (a digest in a row an attacker can write proves nothing)
 */
public record FileRecord(String id, String tenant, String name, String contentType, long size, Instant createdAt,
    String keyService, WrappedKey wrappedKey, int formatVersion, int segmentSize, String sha256) {
  /** Blob format 1: a Tink AES-GCM-HKDF streaming ciphertext; the associated data is the file's context. */
  public static final int FORMAT_VERSION = 1;
  /**
   * Blob format 2: as format 1, but the data key may be shared with other files of the tenant (the opt-in {@link
   * DataKeyCache}): it is wrapped under the tenant's context alone, and the stream's associated data adds a digest
   * of the row's name, content type and creation time ({@link FileService#streamContextOf}).
   */
  public static final int FORMAT_SHARED_KEY = 2;
  /**
   * Blob format 3: an S3 object completed from a multipart upload. One data key for the file, wrapped under the
   * file's context as format 1; each part its own Tink AES-GCM-HKDF stream in its own blob, whose associated data is
   * the file's context and the part's number ({@link FileService#partContextOf}). The parts, in order, are the ones
   * the file's object names ({@link ObjectRecord#parts()}); their blobs are the parts' ({@link PartRecord}).
   */
  public static final int FORMAT_MULTIPART = 3;

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  public FileRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(keyService, "keyService");
    Objects.requireNonNull(wrappedKey, "wrappedKey");
    if (size < 0) {
      throw new IllegalArgumentException("negative size");
    }
    if (sha256 != null && !SHA256_HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException("sha256 is not 64 lowercase hex digits");
    }
  }

  /** A row without a recorded digest (a file stored before Envelope recorded one, or a test's). */
  public FileRecord(String id, String tenant, String name, String contentType, long size, Instant createdAt,
      String keyService, WrappedKey wrappedKey, int formatVersion, int segmentSize) {
    this(id, tenant, name, contentType, size, createdAt, keyService, wrappedKey, formatVersion, segmentSize, null);
  }

  /** This row with another name and content type (a rename: {@link FileService#update}). */
  public FileRecord withNameAndType(String newName, String newContentType) {
    return new FileRecord(id, tenant, newName, newContentType, size, createdAt, keyService, wrappedKey,
        formatVersion, segmentSize, sha256);
  }

  /** This row with its plaintext's digest. */
  public FileRecord withSha256(String digest) {
    return new FileRecord(id, tenant, name, contentType, size, createdAt, keyService, wrappedKey, formatVersion,
        segmentSize, digest);
  }

  /** Says what the row is without the name (client text) or the wrapped key. */
  @Override
  public String toString() {
    return "FileRecord[id=" + id + ", tenant=" + tenant + ", size=" + size + "]";
  }
}
