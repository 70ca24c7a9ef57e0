package dev.envelope.postgres;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.BucketRecord;
import dev.envelope.service.BucketStore;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.LinkRecord;
import dev.envelope.service.LinkStore;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.ObjectRecord;
import dev.envelope.service.PartRecord;
import dev.envelope.service.S3CredentialRecord;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TenantStore;
import dev.envelope.service.TokenRecord;
import dev.envelope.service.TokenStore;
import dev.envelope.service.UploadRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * File rows, tokens, tenant records, share links and the S3 API's credentials, buckets, objects and multipart uploads in a PostgreSQL
 * database, shared by every node of a cluster: {@link FileRows}, {@link TokenRows}, {@link TenantRows},
 * {@link LinkRows} and {@link BucketRows} (which says how a bucket's delete and a put into it exclude each other) over {@link PostgresCalls} (the pool, retries and
 * errors). Connections come from a HikariCP pool ({@link PostgresConfig#maxPoolSize()} at most); every statement
 * runs in auto-commit mode, so a row is committed (and, with PostgreSQL's defaults, on disk) when {@link #insert}
 * returns. The tables are
 * versioned and migrated on {@link #open} ({@link PostgresSchema}); listings and scans page by key set with an
 * opaque, tamper-checked cursor. {@link #replaceWrappedKey} and {@link #replaceTenant} are each one conditional
 * UPDATE: the row lock makes racing writers take turns, and the condition lets only the first one through.
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li>Every call is bounded in time (see {@link PostgresConfig}); a server that is down, restarting, refusing
 *       logins or too busy is {@link ErrorCode#UNAVAILABLE}, a statement that fails for any other reason (a
 *       bug) {@link ErrorCode#INTERNAL}. Messages name neither SQL nor the password; the
 *       {@link java.sql.SQLException} is the cause, for logs.
 *   <li>Nothing is kept broken: the pool checks a connection before handing it out and replaces dead ones, and
 *       a statement that fails because its connection broke (a server restart) is tried again, at most twice,
 *       on a new connection. The same store object works again once the server is back: the pool tries new
 *       connections with a backoff that grows to at most 5 s (HikariCP's), so within about 5 s.
 *   <li>An insert whose connection broke may have been committed without our hearing of it. It is tried again:
 *       the second insert waits for the first one's transaction, and a duplicate that is field for field the
 *       row we were inserting counts as success. Only when no retry reaches the server does the caller get
 *       {@link ErrorCode#UNAVAILABLE} without knowing whether the row is there. A conditional update whose
 *       connection broke is tried again the same way: a retry that finds the row already as it would have left
 *       it counts as success.
 * </ul>
 *
 * <h2>Restrictions</h2>
 * PostgreSQL text cannot hold NUL, and this store refuses text that is not valid UTF-16 (a lone surrogate)
 * rather than let the driver mangle it: inserting either is {@link ErrorCode#INVALID_ARGUMENT}, looking either
 * up finds nothing. Ids and tenants are at most {@value #MAX_KEY_BYTES} bytes of UTF-8 (they are indexed);
 * {@code createdAt} (and a tenant's times) is kept at millisecond precision (finer digits are cut) and must lie in
 * the years 0 to 9999.
 */
public final class PostgresMetadataStore implements MetadataStore, TokenStore, TenantStore, LinkStore, BucketStore {
  /** Longest id or tenant in UTF-8 bytes: keeps index rows well under PostgreSQL's limit (about 2.7 kB). */
  public static final int MAX_KEY_BYTES = PostgresText.MAX_KEY_BYTES;

  private final PostgresCalls calls;
  private final FileRows files;
  private final TokenRows tokens;
  private final TenantRows tenants;
  private final LinkRows links;
  private final BucketRows buckets;

  private PostgresMetadataStore(PostgresCalls calls) {
    this.calls = calls;
    this.files = new FileRows(calls);
    this.tokens = new TokenRows(calls);
    this.tenants = new TenantRows(calls);
    this.links = new LinkRows(calls);
    this.buckets = new BucketRows(calls);
  }

  /**
   * Connects, and creates or migrates the tables.
   *
   * @throws EnvelopeException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached or refuses the
   *     login or the database (the message says which, never the password),
   *     {@link ErrorCode#UNSUPPORTED_FORMAT} if a newer version of Envelope made the tables
   */
  public static PostgresMetadataStore open(PostgresConfig config) throws EnvelopeException {
    return new PostgresMetadataStore(PostgresCalls.open(config));
  }

  @Override
  public void insert(FileRecord file) throws EnvelopeException {
    files.insert(file);
  }

  @Override
  public Optional<FileRecord> get(String tenant, String id) throws EnvelopeException {
    return files.get(tenant, id);
  }

  @Override
  public FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
    return files.list(tenant, cursor, limit);
  }

  @Override
  public boolean delete(String tenant, String id) throws EnvelopeException {
    return files.delete(tenant, id);
  }

  @Override
  public FilePage scan(String tenant, String cursor, int limit) throws EnvelopeException {
    return files.scan(tenant, cursor, limit);
  }

  @Override
  public boolean replaceWrappedKey(FileRecord expected, String keyService, WrappedKey replacement)
      throws EnvelopeException {
    return files.replaceWrappedKey(expected, keyService, replacement);
  }

  @Override
  public Optional<FileRecord> rename(String tenant, String id, String name, String contentType)
      throws EnvelopeException {
    return files.rename(tenant, id, name, contentType);
  }

  @Override
  public Usage usage(String tenant) throws EnvelopeException {
    return files.usage(tenant);
  }

  @Override
  public boolean exists(String id) throws EnvelopeException {
    return files.exists(id);
  }

  @Override
  public void insertToken(TokenRecord token) throws EnvelopeException {
    tokens.insert(token);
  }

  @Override
  public Optional<TokenRecord> findToken(String id) throws EnvelopeException {
    return tokens.find(id);
  }

  @Override
  public List<TokenRecord> listTokens(String tenant) throws EnvelopeException {
    return tokens.list(tenant);
  }

  @Override
  public boolean revokeToken(String id, Instant at) throws EnvelopeException {
    return tokens.revoke(id, at);
  }

  @Override
  public void recordTokenUse(String id, Instant at) throws EnvelopeException {
    tokens.recordUse(id, at);
  }

  @Override
  public boolean hasTokens() throws EnvelopeException {
    return tokens.any();
  }

  @Override
  public void insertTenant(TenantRecord tenant) throws EnvelopeException {
    tenants.insert(tenant);
  }

  @Override
  public Optional<TenantRecord> findTenant(String name) throws EnvelopeException {
    return tenants.find(name);
  }

  @Override
  public List<TenantRecord> listTenants() throws EnvelopeException {
    return tenants.list();
  }

  @Override
  public boolean replaceTenant(TenantRecord expected, TenantRecord updated) throws EnvelopeException {
    return tenants.replace(expected, updated);
  }

  @Override
  public void insertLink(LinkRecord link) throws EnvelopeException {
    links.insert(link);
  }

  @Override
  public Optional<LinkRecord> findLink(String id) throws EnvelopeException {
    return links.find(id);
  }

  @Override
  public List<LinkRecord> listLinks(String tenant, String fileId) throws EnvelopeException {
    return links.list(tenant, fileId);
  }

  @Override
  public boolean revokeLink(String id, Instant at) throws EnvelopeException {
    return links.revoke(id, at);
  }

  @Override
  public boolean countDownload(String id, Instant now) throws EnvelopeException {
    return links.countDownload(id, now);
  }

  @Override
  public int deleteLinks(String tenant, String fileId) throws EnvelopeException {
    return links.deleteOf(tenant, fileId);
  }

  @Override
  public void insertS3Credential(S3CredentialRecord credential) throws EnvelopeException {
    buckets.insertCredential(credential);
  }

  @Override
  public Optional<S3CredentialRecord> findS3Credential(String accessKeyId) throws EnvelopeException {
    return buckets.findCredential(accessKeyId);
  }

  @Override
  public List<S3CredentialRecord> listS3Credentials(String tenant) throws EnvelopeException {
    return buckets.listCredentials(tenant);
  }

  @Override
  public boolean revokeS3Credential(String accessKeyId, Instant at) throws EnvelopeException {
    return buckets.revokeCredential(accessKeyId, at);
  }

  @Override
  public void insertBucket(BucketRecord bucket) throws EnvelopeException {
    buckets.insertBucket(bucket);
  }

  @Override
  public Optional<BucketRecord> findBucket(String name) throws EnvelopeException {
    return buckets.findBucket(name);
  }

  @Override
  public List<BucketRecord> listBuckets(String tenant) throws EnvelopeException {
    return buckets.listBuckets(tenant);
  }

  @Override
  public boolean deleteBucket(String name) throws EnvelopeException {
    return buckets.deleteBucket(name);
  }

  @Override
  public Optional<ObjectRecord> findObject(String bucket, String key) throws EnvelopeException {
    return buckets.findObject(bucket, key);
  }

  @Override
  public Optional<ObjectRecord> putObject(ObjectRecord object) throws EnvelopeException {
    return buckets.putObject(object);
  }

  @Override
  public boolean deleteObject(String bucket, String key, String fileId) throws EnvelopeException {
    return buckets.deleteObject(bucket, key, fileId);
  }

  @Override
  public List<ObjectRecord> listObjects(String bucket, String prefix, String startAfter, int limit)
      throws EnvelopeException {
    return buckets.listObjects(bucket, prefix, startAfter, limit);
  }

  @Override
  public Optional<ObjectRecord> findObjectByFile(String tenant, String fileId) throws EnvelopeException {
    return buckets.findObjectByFile(tenant, fileId);
  }

  @Override
  public void insertUpload(UploadRecord upload) throws EnvelopeException {
    buckets.insertUpload(upload);
  }

  @Override
  public Optional<UploadRecord> findUpload(String uploadId) throws EnvelopeException {
    return buckets.findUpload(uploadId);
  }

  @Override
  public List<UploadRecord> listUploads(String bucket, String prefix, String keyMarker, String uploadIdMarker,
      int limit) throws EnvelopeException {
    return buckets.listUploads(bucket, prefix, keyMarker, uploadIdMarker, limit);
  }

  @Override
  public List<UploadRecord> listUploadsStartedBefore(Instant before, int limit) throws EnvelopeException {
    return buckets.listUploadsStartedBefore(before, limit);
  }

  @Override
  public boolean deleteUpload(String uploadId) throws EnvelopeException {
    return buckets.deleteUpload(uploadId);
  }

  @Override
  public Optional<PartRecord> putPart(PartRecord part) throws EnvelopeException {
    return buckets.putPart(part);
  }

  @Override
  public Optional<PartRecord> findPart(String uploadId, int partNumber) throws EnvelopeException {
    return buckets.findPart(uploadId, partNumber);
  }

  @Override
  public List<PartRecord> listParts(String uploadId, int afterPartNumber, int limit) throws EnvelopeException {
    return buckets.listParts(uploadId, afterPartNumber, limit);
  }

  @Override
  public boolean deletePart(String uploadId, int partNumber, String blobId) throws EnvelopeException {
    return buckets.deletePart(uploadId, partNumber, blobId);
  }

  /** Answers when the server takes a query on the store's tables; else {@link ErrorCode#UNAVAILABLE}. */
  @Override
  public void checkReady() throws EnvelopeException {
    files.checkReady();
  }

  /** Closes every connection; calls after this are {@link ErrorCode#UNAVAILABLE}. */
  @Override
  public void close() {
    calls.close();
  }

  @Override
  public String toString() {
    return "PostgresMetadataStore[" + calls.jdbcUrl() + "]";
  }
}
