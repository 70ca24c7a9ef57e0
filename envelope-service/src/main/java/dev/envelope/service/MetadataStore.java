package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import java.util.Optional;

/**
 * The seam to wherever file rows live: a SQLite file, PostgreSQL, DynamoDB. One {@link FileRecord} per file.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Every read and delete is scoped by tenant: another tenant's row behaves exactly like a missing one.
 *   <li>{@link #insert} is durable when it returns, and atomic: a row is there whole or not at all.
 *   <li>{@link #list} pages newest first ({@code createdAt} descending, then id descending) with an opaque
 *       cursor; a cursor the store did not make is {@link dev.envelope.api.ErrorCode#INVALID_ARGUMENT}.
 *   <li>Failures to reach the store are {@link dev.envelope.api.ErrorCode#UNAVAILABLE}.
 *   <li>Implementations are thread-safe.
 * </ul>
 * Every implementation passes {@code MetadataStoreContract} (test-jar).
 */
public interface MetadataStore extends AutoCloseable {
  /** Largest page {@link #list} returns. */
  int MAX_PAGE = 1000;

  /** Stores a new row; {@link dev.envelope.api.ErrorCode#ALREADY_EXISTS} if the id is taken (any tenant). */
  void insert(FileRecord file) throws EnvelopeException;

  /** The tenant's file with that id, if there is one. */
  Optional<FileRecord> get(String tenant, String id) throws EnvelopeException;

  /**
   * A page of the tenant's files, newest first.
   *
   * @param cursor {@code null} for the first page, else a {@link FilePage#nextCursor()} from this store;
   *     anything else (garbled, truncated, made up) is {@link dev.envelope.api.ErrorCode#INVALID_ARGUMENT}
   * @param limit 1 to {@link #MAX_PAGE}; outside that, {@link dev.envelope.api.ErrorCode#INVALID_ARGUMENT}
   */
  FilePage list(String tenant, String cursor, int limit) throws EnvelopeException;

  /** Deletes the tenant's row; returns whether there was one. */
  boolean delete(String tenant, String id) throws EnvelopeException;

  /**
   * A page of every row, of one tenant or of all: the way administrative jobs (rewrap, key usage, purge, migrate)
   * walk the whole store. The order is the store's own, but stable: following the cursors visits every row that
   * exists from the first page to the last exactly once; rows inserted or deleted meanwhile may or may not
   * appear. A page may hold fewer than {@code limit} rows (even none) while more follow: the scan ends when
   * {@link FilePage#nextCursor()} is empty.
   *
   * @param tenant only this tenant's rows, or every tenant's when null
   * @param cursor {@code null} to start, else a {@link FilePage#nextCursor()} of a scan with the same {@code
   *     tenant}; anything else is {@link dev.envelope.api.ErrorCode#INVALID_ARGUMENT}
   * @param limit 1 to {@link #MAX_PAGE}; outside that, {@link dev.envelope.api.ErrorCode#INVALID_ARGUMENT}
   */
  FilePage scan(String tenant, String cursor, int limit) throws EnvelopeException;

  /**
   * Re-wraps one row: sets its key service and wrapped key to {@code keyService} and {@code replacement} if the
   * row (same tenant and id) still has exactly the key service and wrapped key of {@code expected}. Returns false,
   * changing nothing, when the row is gone or another writer changed its key first: a rewrap beside live traffic
   * never brings back a deleted row or overwrites a newer key. Every other column stays as it is.
   */
  boolean replaceWrappedKey(FileRecord expected, String keyService, dev.envelope.core.WrappedKey replacement)
      throws EnvelopeException;

  /**
   * Renames the tenant's file and sets its content type: one conditional update of those two columns, nothing
   * else. Returns the row as it now is, or empty when the tenant has no such row (another tenant's row is
   * untouched and looks missing).
   */
  Optional<FileRecord> rename(String tenant, String id, String name, String contentType) throws EnvelopeException;

  /** How many files the tenant has and the sum of their plaintext sizes, as of now. */
  Usage usage(String tenant) throws EnvelopeException;

  /**
   * A tenant's use of the store.
   *
   * @param files how many files it has
   * @param bytes the sum of their plaintext sizes
   */
  record Usage(long files, long bytes) {}

  /** Whether any tenant has a row with that id: the orphan sweeper's question about a blob. */
  boolean exists(String id) throws EnvelopeException;

  /** Throws {@link dev.envelope.api.ErrorCode#UNAVAILABLE} if the store cannot be used now. */
  void checkReady() throws EnvelopeException;

  @Override
  void close();
}
