package dev.envelope.service;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

/**
 * The seam to wherever ciphertext lives: a local directory, S3. A blob is an immutable byte sequence under a
 * key that the file service chooses; blobs are written once, read in ranges, and deleted.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Keys match {@link #KEY_PATTERN}; anything else is refused with {@link IllegalArgumentException}
 *       before any I/O. Client-supplied text never becomes a key.
 *   <li>A blob is visible under its key only after {@link BlobWriter#commit()} returned, and then it is
 *       durable. A writer that is aborted, closed without commit, or dies with the process leaves nothing
 *       under the key (at most an unlisted temporary object that the store cleans up itself).
 *   <li>A missing blob is reported as {@link NoSuchBlobException}, never as an empty blob.
 *   <li>Implementations are thread-safe.
 * </ul>
 * Every implementation passes {@code BlobStoreContract} (test-jar).
 */
public interface BlobStore extends AutoCloseable {
  /** Keys: lower-case letters, digits, '-' and '_', 1 to 128 characters, starting with a letter or digit. */
  String KEY_PATTERN = "[a-z0-9][a-z0-9_-]{0,127}";

  /**
   * Starts writing a new blob. Writing to an existing key fails at {@link BlobWriter#commit()} (or earlier)
   * with {@link BlobExistsException}: blobs are never overwritten.
   */
  BlobWriter create(String key) throws IOException;

  /**
   * The bytes of a blob from {@code offset}, at most {@code length} of them (fewer if the blob ends first).
   * The caller closes the stream. An offset at or past the end gives an empty stream.
   *
   * @throws NoSuchBlobException if there is no blob under the key
   * @throws IllegalArgumentException if {@code offset} or {@code length} is negative
   */
  InputStream read(String key, long offset, long length) throws IOException;

  /**
   * The size of a blob in bytes.
   *
   * @throws NoSuchBlobException if there is no blob under the key
   */
  long size(String key) throws IOException;

  /** Deletes a blob; returns whether there was one. */
  boolean delete(String key) throws IOException;

  /**
   * For maintenance (the orphan sweeper): committed blobs in ascending key order, starting after
   * {@code afterKey} ({@code null} for the first page; it need not exist), at most {@code limit} of them. A
   * page shorter than {@code limit} is the last one.
   *
   * @throws IllegalArgumentException if {@code limit < 1} or {@code afterKey} is not a valid key
   */
  List<BlobInfo> list(String afterKey, int limit) throws IOException;

  /**
   * The least age a blob without a row must reach before the orphan sweeper may delete it; {@link
   * FileService#sweepOrphans} never sweeps with less, whatever it is asked. An upload writes its blob before its
   * row, so the sweeper must not take a blob whose row is still coming. A store that dates a blob by when it was
   * committed needs no minimum (the default: the caller's grace covers the moment between blob and row); one that
   * dates it by when its upload began, as S3 dates a multipart object, needs longer than any upload may take.
   */
  default Duration minimumOrphanGrace() {
    return Duration.ZERO;
  }

  /** Throws if the store cannot be used now (for readiness probes). */
  void checkReady() throws IOException;

  @Override
  void close() throws IOException;
}
