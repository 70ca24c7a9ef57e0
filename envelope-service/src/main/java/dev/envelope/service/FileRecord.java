package dev.envelope.service;

import dev.envelope.core.WrappedKey;
import java.time.Instant;
import java.util.Objects;

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
 */
public record FileRecord(String id, String tenant, String name, String contentType, long size, Instant createdAt,
    String keyService, WrappedKey wrappedKey, int formatVersion, int segmentSize) {
  /** Blob format 1: a Tink AES-GCM-HKDF streaming ciphertext; the associated data is the file's context. */
  public static final int FORMAT_VERSION = 1;
  /**
   * Blob format 2: as format 1, but the data key may be shared with other files of the tenant (the opt-in {@link
   * DataKeyCache}): it is wrapped under the tenant's context alone, and the stream's associated data adds a digest
   * of the row's name, content type and creation time ({@link FileService#streamContextOf}).
   */
  public static final int FORMAT_SHARED_KEY = 2;

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
  }

  /** Says what the row is without the name (client text) or the wrapped key. */
  @Override
  public String toString() {
    return "FileRecord[id=" + id + ", tenant=" + tenant + ", size=" + size + "]";
  }
}
