package dev.envelope.service.local;

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
import dev.envelope.service.PageCursor;
import dev.envelope.service.PartRecord;
import dev.envelope.service.Role;
import dev.envelope.service.S3CredentialRecord;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TenantStore;
import dev.envelope.service.TokenRecord;
import dev.envelope.service.TokenStore;
import dev.envelope.service.UploadRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * File rows, tokens, tenant records, share links and the S3 API's credentials, buckets, objects, multipart uploads
 * and parts ({@link SqliteBucketRows}) in one SQLite file ({@code $ENVELOPE_HOME/envelope.db}, 0600), in WAL mode with
 * {@code synchronous=FULL}: a row is on disk when {@link #insert} returns, and survives {@code kill -9} and a
 * power cut. Writes go through one connection on one thread that commits them in groups ({@link
 * SqliteWriter}); reads run in parallel on a few more connections ({@link SqliteReaders}). The schema is
 * versioned ({@link SqliteSchema}); listings page by key set with an opaque {@link PageCursor}.
 *
 * <p>Failures of the database are {@link ErrorCode#UNAVAILABLE} with a message that names neither SQL nor
 * files; the {@link SQLException} is the cause, for logs.
 */
public final class SqliteMetadataStore implements MetadataStore, TokenStore, TenantStore, LinkStore, BucketStore {
  private static final int READERS = 4;
  private static final String FILE_COLUMNS = "id, tenant, name, content_type, size, created_at, key_service, "
      + "root_key_id, root_key_version, wrapped_key, format_version, segment_size, sha256";
  private static final String TOKEN_COLUMNS = "id, tenant, role, name, secret_hash, created_at, revoked_at, "
      + "expires_at, last_used_at";
  private static final String LINK_COLUMNS = "id, tenant, file_id, secret_hash, created_at, expires_at, "
      + "max_downloads, downloads, revoked_at";
  private static final String TENANT_COLUMNS = "name, root_key, key_service, own_key, state, created_at, updated_at, "
      + "quota_bytes";

  private final SqliteWriter writer;
  private final SqliteReaders readers;

  private SqliteMetadataStore(SqliteWriter writer, SqliteReaders readers) {
    this.writer = writer;
    this.readers = readers;
  }

  /**
   * Opens (creating it 0600 when missing) and migrates the database file. It holds the tokens' hashes, so
   * whoever could write it could make themselves an operator: it and its WAL files are refused unless only
   * their owner can change them ({@link SqliteConnections#createOrCheck}).
   *
   * @throws EnvelopeException {@link ErrorCode#UNAVAILABLE} if it cannot be opened,
   *     {@link ErrorCode#UNSUPPORTED_FORMAT} if a newer version of Envelope wrote it,
   *     {@link ErrorCode#INSECURE_FILE} if someone else could change it
   */
  public static SqliteMetadataStore open(Path file) throws EnvelopeException {
    Path path = file.toAbsolutePath().normalize();
    Connection connection = null;
    try {
      SqliteConnections.createOrCheck(path);
      connection = SqliteConnections.open(path);
      try (Statement statement = connection.createStatement();
          ResultSet mode = statement.executeQuery("PRAGMA journal_mode = WAL")) {
        // Stored in the file: set once, kept by every connection. SQLite answers with the mode it is in,
        // which is not WAL where the file system cannot share memory between processes.
        if (!mode.next() || !"wal".equalsIgnoreCase(mode.getString(1))) {
          throw new SQLException("SQLite cannot use WAL mode for this file");
        }
      }
      SqliteSchema.migrate(connection);
    } catch (IOException | SQLException e) {
      SqliteConnections.closeQuietly(connection);
      throw new EnvelopeException(ErrorCode.UNAVAILABLE,
          "cannot open the metadata database " + path + ": " + e.getMessage(), e);
    } catch (EnvelopeException | RuntimeException e) {
      SqliteConnections.closeQuietly(connection);
      throw e;
    }
    SqliteWriter writer = new SqliteWriter(connection, "envelope-sqlite-writer");
    return new SqliteMetadataStore(writer, new SqliteReaders(() -> SqliteConnections.openForReading(path), READERS));
  }

  @Override
  public void insert(FileRecord file) throws EnvelopeException {
    write("a file with id " + file.id() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO files (" + FILE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, file.id());
        s.setString(2, file.tenant());
        s.setString(3, file.name());
        s.setString(4, file.contentType());
        s.setLong(5, file.size());
        s.setLong(6, file.createdAt().toEpochMilli());
        s.setString(7, file.keyService());
        s.setString(8, file.wrappedKey().rootKeyId());
        s.setInt(9, file.wrappedKey().rootKeyVersion());
        s.setBytes(10, file.wrappedKey().ciphertext());
        s.setInt(11, file.formatVersion());
        s.setInt(12, file.segmentSize());
        s.setString(13, file.sha256());
        return s.executeUpdate();
      }
    });
  }

  @Override
  public Optional<FileRecord> get(String tenant, String id) throws EnvelopeException {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT " + FILE_COLUMNS + " FROM files WHERE tenant = ? AND id = ?")) {
        s.setString(1, tenant);
        s.setString(2, id);
        try (ResultSet rows = s.executeQuery()) {
          return rows.next() ? Optional.of(fileRecord(rows)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "limit must be between 1 and " + MAX_PAGE);
    }
    PageCursor after = cursor == null ? null : PageCursor.decode(tenant, cursor);
    List<FileRecord> rows = read(c -> {
      String sql = "SELECT " + FILE_COLUMNS + " FROM files WHERE tenant = ?"
          + (after == null ? "" : " AND (created_at, id) < (?, ?)")
          + " ORDER BY created_at DESC, id DESC LIMIT ?";
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int i = 1;
        s.setString(i++, tenant);
        if (after != null) {
          s.setLong(i++, after.createdAtMillis());
          s.setString(i++, after.id());
        }
        s.setInt(i, limit + 1); // one more than asked: tells whether there is a next page
        List<FileRecord> found = new ArrayList<>();
        try (ResultSet result = s.executeQuery()) {
          while (result.next()) {
            found.add(fileRecord(result));
          }
        }
        return found;
      }
    });
    if (rows.size() <= limit) {
      return new FilePage(rows, Optional.empty());
    }
    FileRecord last = rows.get(limit - 1);
    String next = new PageCursor(last.createdAt().toEpochMilli(), last.id()).encode(tenant);
    return new FilePage(rows.subList(0, limit), Optional.of(next));
  }

  @Override
  public boolean delete(String tenant, String id) throws EnvelopeException {
    return write(null, c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM files WHERE tenant = ? AND id = ?")) {
        s.setString(1, tenant);
        s.setString(2, id);
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public Optional<FileRecord> rename(String tenant, String id, String name, String contentType)
      throws EnvelopeException {
    boolean changed = write(null, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE files SET name = ?, content_type = ? WHERE tenant = ? AND id = ?")) {
        s.setString(1, name);
        s.setString(2, contentType);
        s.setString(3, tenant);
        s.setString(4, id);
        return s.executeUpdate() > 0;
      }
    });
    return changed ? get(tenant, id) : Optional.empty();
  }

  @Override
  public Usage usage(String tenant) throws EnvelopeException {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT count(*), coalesce(sum(size), 0) FROM files WHERE tenant = ?")) {
        s.setString(1, tenant);
        try (ResultSet rows = s.executeQuery()) {
          rows.next();
          return new Usage(rows.getLong(1), rows.getLong(2));
        }
      }
    });
  }

  @Override
  public FilePage scan(String tenant, String cursor, int limit) throws EnvelopeException {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "limit must be between 1 and " + MAX_PAGE);
    }
    String after = cursor == null ? null : PageCursor.decodeScan(tenant, cursor);
    List<FileRecord> rows = read(c -> {
      String sql = "SELECT " + FILE_COLUMNS + " FROM files WHERE 1"
          + (tenant == null ? "" : " AND tenant = ?") + (after == null ? "" : " AND id > ?")
          + " ORDER BY id LIMIT ?";
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int i = 1;
        if (tenant != null) {
          s.setString(i++, tenant);
        }
        if (after != null) {
          s.setString(i++, after);
        }
        s.setInt(i, limit + 1);
        List<FileRecord> found = new ArrayList<>();
        try (ResultSet result = s.executeQuery()) {
          while (result.next()) {
            found.add(fileRecord(result));
          }
        }
        return found;
      }
    });
    if (rows.size() <= limit) {
      return new FilePage(rows, Optional.empty());
    }
    return new FilePage(rows.subList(0, limit), Optional.of(PageCursor.encodeScan(tenant, rows.get(limit - 1).id())));
  }

  @Override
  public boolean replaceWrappedKey(FileRecord expected, String keyService, WrappedKey replacement)
      throws EnvelopeException {
    return write(null, c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE files SET key_service = ?, root_key_id = ?,"
          + " root_key_version = ?, wrapped_key = ? WHERE tenant = ? AND id = ? AND key_service = ?"
          + " AND root_key_id = ? AND root_key_version = ? AND wrapped_key = ?")) {
        s.setString(1, keyService);
        s.setString(2, replacement.rootKeyId());
        s.setInt(3, replacement.rootKeyVersion());
        s.setBytes(4, replacement.ciphertext());
        s.setString(5, expected.tenant());
        s.setString(6, expected.id());
        s.setString(7, expected.keyService());
        s.setString(8, expected.wrappedKey().rootKeyId());
        s.setInt(9, expected.wrappedKey().rootKeyVersion());
        s.setBytes(10, expected.wrappedKey().ciphertext());
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public void insertTenant(TenantRecord tenant) throws EnvelopeException {
    write("a tenant named " + tenant.name() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO tenants (" + TENANT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        bindTenant(s, 1, tenant);
        bindQuota(s, 8, tenant);
        return s.executeUpdate();
      }
    });
  }

  @Override
  public Optional<TenantRecord> findTenant(String name) throws EnvelopeException {
    List<TenantRecord> found = tenants("WHERE name = ?", name);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  @Override
  public List<TenantRecord> listTenants() throws EnvelopeException {
    return tenants("");
  }

  @Override
  public boolean replaceTenant(TenantRecord expected, TenantRecord updated) throws EnvelopeException {
    if (!expected.name().equals(updated.name())) {
      throw new IllegalArgumentException("a tenant cannot be renamed");
    }
    return write(null, c -> {
      // The quota is not compared: any change to it moved updated_at, which is.
      try (PreparedStatement s = c.prepareStatement("UPDATE tenants SET name = ?, root_key = ?, key_service = ?,"
          + " own_key = ?, state = ?, created_at = ?, updated_at = ?, quota_bytes = ? WHERE name = ? AND root_key = ?"
          + " AND key_service = ? AND own_key = ? AND state = ? AND created_at = ? AND updated_at = ?")) {
        bindTenant(s, 1, updated);
        bindQuota(s, 8, updated);
        bindTenant(s, 9, expected);
        return s.executeUpdate() > 0;
      }
    });
  }

  private static void bindTenant(PreparedStatement s, int from, TenantRecord t) throws SQLException {
    s.setString(from, t.name());
    s.setString(from + 1, t.rootKey());
    s.setString(from + 2, t.keyService());
    s.setInt(from + 3, t.ownKey() ? 1 : 0);
    s.setString(from + 4, t.state().id());
    s.setLong(from + 5, t.createdAt().toEpochMilli());
    s.setLong(from + 6, t.updatedAt().toEpochMilli());
  }

  private static void bindQuota(PreparedStatement s, int index, TenantRecord t) throws SQLException {
    if (t.quotaBytes() == null) {
      s.setNull(index, java.sql.Types.INTEGER);
    } else {
      s.setLong(index, t.quotaBytes());
    }
  }

  private List<TenantRecord> tenants(String where, String... args) throws EnvelopeException {
    return select("SELECT " + TENANT_COLUMNS + " FROM tenants " + where + " ORDER BY name",
        rows -> new TenantRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getInt(4) == 1,
            TenantRecord.State.parse(rows.getString(5)), Instant.ofEpochMilli(rows.getLong(6)),
            Instant.ofEpochMilli(rows.getLong(7)), rows.getObject(8) == null ? null : rows.getLong(8)), args);
  }


  @Override
  public boolean exists(String id) throws EnvelopeException {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM files WHERE id = ?")) {
        s.setString(1, id);
        try (ResultSet rows = s.executeQuery()) {
          return rows.next();
        }
      }
    });
  }

  @Override
  public void insertToken(TokenRecord token) throws EnvelopeException {
    write("a token with id " + token.id() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO tokens (" + TOKEN_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, token.id());
        s.setString(2, token.tenant());
        s.setString(3, token.role().id());
        s.setString(4, token.name());
        s.setBytes(5, token.secretHash());
        s.setLong(6, token.createdAt().toEpochMilli());
        setMillis(s, 7, token.revokedAt());
        setMillis(s, 8, token.expiresAt());
        setMillis(s, 9, token.lastUsedAt());
        return s.executeUpdate();
      }
    });
  }

  @Override
  public Optional<TokenRecord> findToken(String id) throws EnvelopeException {
    List<TokenRecord> found = tokens("WHERE id = ?", id);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  @Override
  public List<TokenRecord> listTokens(String tenant) throws EnvelopeException {
    return tenant == null ? tokens("") : tokens("WHERE tenant = ?", tenant);
  }

  @Override
  public boolean revokeToken(String id, Instant at) throws EnvelopeException {
    return write(null, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?")) {
        s.setLong(1, at.toEpochMilli());
        s.setString(2, id);
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public void recordTokenUse(String id, Instant at) throws EnvelopeException {
    write(null, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE tokens SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1)")) {
        s.setLong(1, at.toEpochMilli());
        s.setString(2, id);
        return s.executeUpdate();
      }
    });
  }

  @Override
  public boolean hasTokens() throws EnvelopeException {
    return read(c -> {
      try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT EXISTS (SELECT 1 FROM tokens)")) {
        return rows.next() && rows.getBoolean(1);
      }
    });
  }

  @Override
  public void insertLink(LinkRecord link) throws EnvelopeException {
    write("a link with id " + link.id() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO links (" + LINK_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, link.id());
        s.setString(2, link.tenant());
        s.setString(3, link.fileId());
        s.setBytes(4, link.secretHash());
        s.setLong(5, link.createdAt().toEpochMilli());
        s.setLong(6, link.expiresAt().toEpochMilli());
        if (link.maxDownloads().isPresent()) {
          s.setLong(7, link.maxDownloads().getAsLong());
        } else {
          s.setNull(7, Types.INTEGER);
        }
        s.setLong(8, link.downloads());
        setMillis(s, 9, link.revokedAt());
        return s.executeUpdate();
      }
    });
  }

  @Override
  public Optional<LinkRecord> findLink(String id) throws EnvelopeException {
    List<LinkRecord> found = links("WHERE id = ?", id);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  @Override
  public List<LinkRecord> listLinks(String tenant, String fileId) throws EnvelopeException {
    return links("WHERE tenant = ? AND file_id = ?", tenant, fileId);
  }

  @Override
  public boolean revokeLink(String id, Instant at) throws EnvelopeException {
    return write(null, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE links SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?")) {
        s.setLong(1, at.toEpochMilli());
        s.setString(2, id);
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public boolean countDownload(String id, Instant now) throws EnvelopeException {
    return write(null, c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE links SET downloads = downloads + 1 WHERE id = ?"
          + " AND revoked_at IS NULL AND expires_at > ? AND (max_downloads IS NULL OR downloads < max_downloads)")) {
        s.setString(1, id);
        s.setLong(2, now.toEpochMilli());
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public int deleteLinks(String tenant, String fileId) throws EnvelopeException {
    return write(null, c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM links WHERE tenant = ? AND file_id = ?")) {
        s.setString(1, tenant);
        s.setString(2, fileId);
        return s.executeUpdate();
      }
    });
  }

  private List<LinkRecord> links(String where, String... args) throws EnvelopeException {
    return select("SELECT " + LINK_COLUMNS + " FROM links " + where + " ORDER BY created_at, id", rows -> {
      long max = rows.getLong(7);
      OptionalLong maxDownloads = rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(max);
      return new LinkRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getBytes(4),
          Instant.ofEpochMilli(rows.getLong(5)), Instant.ofEpochMilli(rows.getLong(6)), maxDownloads,
          rows.getLong(8), millis(rows, 9));
    }, args);
  }


  @Override
  public void insertS3Credential(S3CredentialRecord credential) throws EnvelopeException {
    write("an S3 credential with access key id " + credential.accessKeyId() + " already exists",
        c -> SqliteBucketRows.insertCredential(c, credential));
  }

  @Override
  public Optional<S3CredentialRecord> findS3Credential(String accessKeyId) throws EnvelopeException {
    return read(c -> SqliteBucketRows.credentials(c, accessKeyId, null)).stream().findFirst();
  }

  @Override
  public List<S3CredentialRecord> listS3Credentials(String tenant) throws EnvelopeException {
    return read(c -> SqliteBucketRows.credentials(c, null, tenant));
  }

  @Override
  public boolean revokeS3Credential(String accessKeyId, Instant at) throws EnvelopeException {
    return write(null, c -> SqliteBucketRows.revokeCredential(c, accessKeyId, at));
  }

  @Override
  public void insertBucket(BucketRecord bucket) throws EnvelopeException {
    // The name is the primary key, and (name, tenant) unique for the objects' foreign key: either may report it.
    writeOr(c -> SqliteBucketRows.insertBucket(c, bucket),
        e -> e.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
            || e.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY
            ? new EnvelopeException(ErrorCode.ALREADY_EXISTS, "a bucket named " + bucket.name() + " already exists", e)
            : null);
  }

  @Override
  public Optional<BucketRecord> findBucket(String name) throws EnvelopeException {
    return read(c -> SqliteBucketRows.buckets(c, name, null)).stream().findFirst();
  }

  @Override
  public List<BucketRecord> listBuckets(String tenant) throws EnvelopeException {
    return read(c -> SqliteBucketRows.buckets(c, null, tenant));
  }

  /**
   * One DELETE: the objects' and the uploads' foreign keys fail it while the bucket holds either, in the same
   * transaction as any put or upload.
   */
  @Override
  public boolean deleteBucket(String name) throws EnvelopeException {
    return writeOr(c -> SqliteBucketRows.deleteBucket(c, name), e -> refusedBy(e,
        SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY, ErrorCode.CONFLICT,
        "bucket " + name + " is not empty: delete its objects and abort its multipart uploads first"));
  }

  @Override
  public Optional<ObjectRecord> findObject(String bucket, String key) throws EnvelopeException {
    return read(c -> SqliteBucketRows.findObject(c, bucket, key));
  }

  /** One upsert: the foreign key fails it when the bucket is missing or another tenant's. */
  @Override
  public Optional<ObjectRecord> putObject(ObjectRecord object) throws EnvelopeException {
    return writeOr(c -> SqliteBucketRows.putObject(c, object), e -> refusedBy(e,
        SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY, ErrorCode.NOT_FOUND, "there is no bucket " + object.bucket()));
  }

  @Override
  public boolean deleteObject(String bucket, String key, String fileId) throws EnvelopeException {
    return write(null, c -> SqliteBucketRows.deleteObject(c, bucket, key, fileId));
  }

  @Override
  public List<ObjectRecord> listObjects(String bucket, String prefix, String startAfter, int limit)
      throws EnvelopeException {
    if (limit < 1) {
      return List.of();
    }
    return read(c -> SqliteBucketRows.listObjects(c, bucket, prefix, startAfter, limit));
  }

  @Override
  public Optional<ObjectRecord> findObjectByFile(String tenant, String fileId) throws EnvelopeException {
    return read(c -> SqliteBucketRows.findObjectByFile(c, tenant, fileId));
  }

  /** One INSERT: the foreign key fails it when the bucket is missing or another tenant's. */
  @Override
  public void insertUpload(UploadRecord upload) throws EnvelopeException {
    writeOr(c -> SqliteBucketRows.insertUpload(c, upload), e -> e.getResultCode()
        == SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY ? new EnvelopeException(ErrorCode.NOT_FOUND,
        "there is no bucket " + upload.bucket(), e) : refusedBy(e, SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY,
        ErrorCode.ALREADY_EXISTS, "an upload with id " + upload.uploadId() + " already exists"));
  }

  @Override
  public Optional<UploadRecord> findUpload(String uploadId) throws EnvelopeException {
    return read(c -> SqliteBucketRows.findUpload(c, uploadId));
  }

  @Override
  public List<UploadRecord> listUploads(String bucket, String prefix, String keyMarker, String uploadIdMarker,
      int limit) throws EnvelopeException {
    if (limit < 1) {
      return List.of();
    }
    return read(c -> SqliteBucketRows.listUploads(c, bucket, prefix, keyMarker, uploadIdMarker, limit));
  }

  @Override
  public List<UploadRecord> listUploadsStartedBefore(Instant before, int limit) throws EnvelopeException {
    if (limit < 1) {
      return List.of();
    }
    return read(c -> SqliteBucketRows.listUploadsStartedBefore(c, before, limit));
  }

  @Override
  public boolean deleteUpload(String uploadId) throws EnvelopeException {
    return write(null, c -> SqliteBucketRows.deleteUpload(c, uploadId));
  }

  /** The writer's thread reads the part and writes it, so nothing comes between; the upload's row is checked too. */
  @Override
  public Optional<PartRecord> putPart(PartRecord part) throws EnvelopeException {
    Optional<PartRecord> replaced = write(null, c -> SqliteBucketRows.putPart(c, part));
    if (replaced == null) {
      throw new EnvelopeException(ErrorCode.NOT_FOUND, "there is no upload " + part.uploadId());
    }
    return replaced;
  }

  @Override
  public Optional<PartRecord> findPart(String uploadId, int partNumber) throws EnvelopeException {
    return read(c -> SqliteBucketRows.findPart(c, uploadId, partNumber));
  }

  @Override
  public List<PartRecord> listParts(String uploadId, int afterPartNumber, int limit) throws EnvelopeException {
    if (limit < 1) {
      return List.of();
    }
    return read(c -> SqliteBucketRows.listParts(c, uploadId, afterPartNumber, limit));
  }

  @Override
  public boolean deletePart(String uploadId, int partNumber, String blobId) throws EnvelopeException {
    return write(null, c -> SqliteBucketRows.deletePart(c, uploadId, partNumber, blobId));
  }

  @Override
  public void checkReady() throws EnvelopeException {
    if (!writer.isAlive()) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "the metadata database is closed");
    }
    read(c -> {
      try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT count(*) FROM files WHERE 0")) {
        return rows.next();
      }
    });
  }

  /** Finishes pending writes and closes every connection. */
  @Override
  public void close() {
    writer.close();
    readers.close();
  }

  private List<TokenRecord> tokens(String where, String... args) throws EnvelopeException {
    return select("SELECT " + TOKEN_COLUMNS + " FROM tokens " + where + " ORDER BY created_at, id",
        rows -> new TokenRecord(rows.getString(1), rows.getString(2), Role.parse(rows.getString(3)),
            rows.getString(4), rows.getBytes(5), Instant.ofEpochMilli(rows.getLong(6)), millis(rows, 7),
            millis(rows, 8), millis(rows, 9)), args);
  }

  /** One row of a result, as a record. */
  @FunctionalInterface
  private interface Row<T> {
    T of(ResultSet rows) throws SQLException;
  }

  /** The rows {@code sql} selects with {@code args} bound in order, each made a record by {@code row}. */
  private <T> List<T> select(String sql, Row<T> row, String... args) throws EnvelopeException {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        for (int i = 0; i < args.length; i++) {
          s.setString(i + 1, args[i]);
        }
        List<T> found = new ArrayList<>();
        try (ResultSet rows = s.executeQuery()) {
          while (rows.next()) {
            found.add(row.of(rows));
          }
        }
        return found;
      }
    });
  }


  private static void setMillis(PreparedStatement s, int index, Optional<Instant> at) throws SQLException {
    if (at.isPresent()) {
      s.setLong(index, at.get().toEpochMilli());
    } else {
      s.setNull(index, Types.INTEGER);
    }
  }

  private static Optional<Instant> millis(ResultSet rows, int index) throws SQLException {
    long value = rows.getLong(index);
    return rows.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(value));
  }

  private static FileRecord fileRecord(ResultSet rows) throws SQLException {
    return new FileRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
        rows.getLong(5), Instant.ofEpochMilli(rows.getLong(6)), rows.getString(7),
        WrappedKey.of(rows.getString(8), rows.getInt(9), rows.getBytes(10)), rows.getInt(11), rows.getInt(12),
        rows.getString(13));
  }

  private <T> T read(SqliteReaders.Read<T> query) throws EnvelopeException {
    try {
      return readers.read(query);
    } catch (SQLException e) {
      throw unavailable(e);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw damaged(e);
    }
  }

  /** Runs a write; a duplicate primary key is {@link ErrorCode#ALREADY_EXISTS} with {@code duplicateMessage}. */
  private <T> T write(String duplicateMessage, SqliteWriter.Write<T> statement) throws EnvelopeException {
    return writeOr(statement, e -> duplicateMessage == null ? null
        : refusedBy(e, SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY, ErrorCode.ALREADY_EXISTS, duplicateMessage));
  }

  /**
   * Runs a write; a refusal of SQLite's that {@code refusal} turns into an answer (not null) is thrown as that, any
   * other failure is {@link ErrorCode#UNAVAILABLE}.
   */
  private <T> T writeOr(SqliteWriter.Write<T> statement, Function<SQLiteException, EnvelopeException> refusal)
      throws EnvelopeException {
    try {
      return writer.submit(statement);
    } catch (SQLiteException e) {
      EnvelopeException answer = refusal.apply(e);
      throw answer != null ? answer : unavailable(e);
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  /** {@code code} with {@code message} if SQLite refused the statement with {@code refusal}, else null. */
  private static EnvelopeException refusedBy(SQLiteException e, SQLiteErrorCode refusal, ErrorCode code,
      String message) {
    return e.getResultCode() == refusal ? new EnvelopeException(code, message, e) : null;
  }

  private static EnvelopeException unavailable(SQLException e) {
    return new EnvelopeException(ErrorCode.UNAVAILABLE, "the metadata database is not available now", e);
  }

  private static EnvelopeException damaged(RuntimeException e) {
    return new EnvelopeException(ErrorCode.INTERNAL, "a row of the metadata database is damaged", e);
  }
}
