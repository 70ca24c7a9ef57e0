package dev.envelope.postgres;

import static dev.envelope.postgres.PostgresTime.instant;
import static dev.envelope.postgres.PostgresTime.timestamp;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.BucketRecord;
import dev.envelope.service.ObjectKeys;
import dev.envelope.service.ObjectRecord;
import dev.envelope.service.PartRecord;
import dev.envelope.service.Role;
import dev.envelope.service.S3CredentialRecord;
import dev.envelope.service.UploadRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tables {@code s3_credentials}, {@code buckets}, {@code objects}, {@code uploads} and {@code parts} (migration 7,
 * {@link PostgresSchema}) and their mapping.
 *
 * <p>{@link #deleteBucket} against {@link #putObject}: an object's {@code (bucket, tenant)} is a foreign key to its
 * bucket. The put's check locks the bucket row ({@code FOR KEY SHARE}) until the put commits; the DELETE of the bucket
 * locks it for update, so the two take turns, and whichever comes second fails on the key: the put with
 * {@link ErrorCode#NOT_FOUND} (the bucket is gone), the delete with {@link ErrorCode#CONFLICT} (the bucket holds the
 * object). PostgreSQL's own referential check, which sees rows committed by concurrent transactions, is what makes
 * this hold at READ COMMITTED. An upload's {@code (bucket, tenant)} is a foreign key as well, and
 * {@link #insertUpload} takes turns with {@link #deleteBucket} the same way.
 *
 * <p>{@link #putPart} against {@link #deleteUpload}: the put locks the upload's row ({@code FOR KEY SHARE}) and writes
 * its part in one transaction; the DELETE of the upload waits for it, or goes first and the put finds no upload
 * (NOT_FOUND). The part itself is replaced as a put replaces an object, so the part it returns is exactly the one it
 * replaced.
 *
 * <p>A put is one transaction: the row at its key, locked ({@code FOR UPDATE}), then an UPDATE of it, or an INSERT
 * when there is none (an INSERT that meets a row a racing put committed meanwhile starts over, now finding it), so
 * that the row it returns as replaced is exactly the one it replaced. It is not retried after a broken connection:
 * the caller gets {@link ErrorCode#UNAVAILABLE}, and a put made again replaces whatever the first one left.
 */
final class BucketRows {
  private static final String CREDENTIAL_COLUMNS = "access_key_id, tenant, role, name, key_service, root_key_id, "
      + "root_key_version, sealed_secret, created_at, revoked_at";
  private static final String OBJECT_COLUMNS = "bucket, object_key, tenant, file_id, size, etag, content_type, "
      + "user_metadata, last_modified, parts";
  private static final String UPLOAD_COLUMNS = "upload_id, bucket, object_key, tenant, key_service, root_key_id, "
      + "root_key_version, wrapped_key, content_type, user_metadata, initiated_at";
  private static final String PART_COLUMNS = "upload_id, part_number, blob_id, size, etag, last_modified";

  private final PostgresCalls calls;

  BucketRows(PostgresCalls calls) {
    this.calls = calls;
  }

  void insertCredential(S3CredentialRecord k) throws EnvelopeException {
    PostgresText.checkKey("access key id", k.accessKeyId());
    PostgresText.checkKey("tenant", k.tenant());
    PostgresText.checkText("credential name", k.name());
    PostgresText.checkText("key service", k.keyService());
    PostgresText.checkText("root key id", k.sealedSecret().rootKeyId());
    Instant createdAt = PostgresTime.millis(k.createdAt());
    Optional<Instant> revokedAt = k.revokedAt().isPresent()
        ? Optional.of(PostgresTime.millis(k.revokedAt().get())) : Optional.empty();
    WrappedKey secret = k.sealedSecret();
    calls.insertOnce("an S3 credential with access key id " + k.accessKeyId() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO s3_credentials (" + CREDENTIAL_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, k.accessKeyId());
        s.setString(2, k.tenant());
        s.setString(3, k.role().id());
        s.setString(4, k.name());
        s.setString(5, k.keyService());
        s.setString(6, secret.rootKeyId());
        s.setInt(7, secret.rootKeyVersion());
        s.setBytes(8, secret.ciphertext());
        s.setObject(9, timestamp(createdAt));
        s.setObject(10, revokedAt.map(PostgresTime::timestamp).orElse(null), Types.TIMESTAMP_WITH_TIMEZONE);
        return s.executeUpdate();
      }
    }, c -> credentials(c, "WHERE access_key_id = ?", k.accessKeyId()).stream().anyMatch(
        found -> found.tenant().equals(k.tenant()) && found.role() == k.role() && found.sealedSecret().equals(secret)
            && found.createdAt().equals(createdAt)));
  }

  Optional<S3CredentialRecord> findCredential(String accessKeyId) throws EnvelopeException {
    if (!PostgresText.isStorableKey(accessKeyId)) {
      return Optional.empty();
    }
    return calls.run(c -> credentials(c, "WHERE access_key_id = ?", accessKeyId).stream().findFirst());
  }

  List<S3CredentialRecord> listCredentials(String tenant) throws EnvelopeException {
    if (tenant == null) {
      return calls.run(c -> credentials(c, ""));
    }
    return PostgresText.isStorableKey(tenant) ? calls.run(c -> credentials(c, "WHERE tenant = ?", tenant)) : List.of();
  }

  boolean revokeCredential(String accessKeyId, Instant at) throws EnvelopeException {
    if (!PostgresText.isStorableKey(accessKeyId)) {
      return false;
    }
    Instant when = PostgresTime.millis(at);
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE s3_credentials SET revoked_at = coalesce(revoked_at, ?) WHERE access_key_id = ?")) {
        s.setObject(1, timestamp(when));
        s.setString(2, accessKeyId);
        return s.executeUpdate() > 0;
      }
    });
  }

  void insertBucket(BucketRecord b) throws EnvelopeException {
    PostgresText.checkKey("bucket name", b.name());
    PostgresText.checkKey("tenant", b.tenant());
    Instant createdAt = PostgresTime.millis(b.createdAt());
    calls.insertOnce("a bucket named " + b.name() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO buckets (name, tenant, created_at) VALUES (?, ?, ?)")) {
        s.setString(1, b.name());
        s.setString(2, b.tenant());
        s.setObject(3, timestamp(createdAt));
        return s.executeUpdate();
      }
    }, c -> buckets(c, "WHERE name = ?", b.name()).contains(new BucketRecord(b.name(), b.tenant(), createdAt)));
  }

  Optional<BucketRecord> findBucket(String name) throws EnvelopeException {
    if (!PostgresText.isStorableKey(name)) {
      return Optional.empty();
    }
    return calls.run(c -> buckets(c, "WHERE name = ?", name).stream().findFirst());
  }

  List<BucketRecord> listBuckets(String tenant) throws EnvelopeException {
    if (tenant == null) {
      return calls.run(c -> buckets(c, ""));
    }
    return PostgresText.isStorableKey(tenant) ? calls.run(c -> buckets(c, "WHERE tenant = ?", tenant)) : List.of();
  }

  boolean deleteBucket(String name) throws EnvelopeException {
    if (!PostgresText.isStorableKey(name)) {
      return false;
    }
    return refusedByForeignKey(ErrorCode.CONFLICT,
        "bucket " + name + " is not empty: delete its objects and abort its multipart uploads first",
        () -> calls.run(c -> {
          try (PreparedStatement s = c.prepareStatement("DELETE FROM buckets WHERE name = ?")) {
            s.setString(1, name);
            return s.executeUpdate() > 0;
          }
        }));
  }

  Optional<ObjectRecord> findObject(String bucket, String key) throws EnvelopeException {
    if (!PostgresText.isStorableKey(bucket) || !PostgresText.isStorableKey(key)) {
      return Optional.empty();
    }
    return calls.run(c -> objects(c, "WHERE bucket = ? AND object_key = ?", 1, "", bucket, key).stream().findFirst());
  }

  Optional<ObjectRecord> putObject(ObjectRecord o) throws EnvelopeException {
    PostgresText.checkKey("bucket name", o.bucket());
    PostgresText.checkKey("object key", o.key());
    PostgresText.checkKey("tenant", o.tenant());
    PostgresText.checkKey("file id", o.fileId());
    PostgresText.checkText("ETag", o.etag());
    PostgresText.checkText("content type", o.contentType());
    Instant lastModified = PostgresTime.millis(o.lastModified());
    String metadata = ObjectRecord.encodeMetadata(o.userMetadata()); // URL-encoded: never a NUL
    String parts = ObjectRecord.encodeParts(o.parts());
    return refusedByForeignKey(ErrorCode.NOT_FOUND, "there is no bucket " + o.bucket(), () -> calls.transactionOnce(c -> {
      while (true) {
        Optional<ObjectRecord> old = objects(c, "WHERE bucket = ? AND object_key = ?", 1, " FOR UPDATE", o.bucket(),
            o.key()).stream().findFirst();
        String sql = old.isPresent()
            ? "UPDATE objects SET tenant = ?, file_id = ?, size = ?, etag = ?, content_type = ?, user_metadata = ?,"
                + " last_modified = ?, parts = ? WHERE bucket = ? AND object_key = ?"
            : "INSERT INTO objects (tenant, file_id, size, etag, content_type, user_metadata, last_modified, parts,"
                + " bucket, object_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, object_key) DO NOTHING";
        try (PreparedStatement s = c.prepareStatement(sql)) {
          s.setString(1, o.tenant());
          s.setString(2, o.fileId());
          s.setLong(3, o.size());
          s.setString(4, o.etag());
          s.setString(5, o.contentType());
          s.setString(6, metadata);
          s.setObject(7, timestamp(lastModified));
          s.setString(8, parts);
          s.setString(9, o.bucket());
          s.setString(10, o.key());
          if (s.executeUpdate() > 0) {
            return old;
          }
        }
        // An INSERT that met the row of a put committed since our SELECT: read and lock that row, and replace it.
      }
    }));
  }

  boolean deleteObject(String bucket, String key, String fileId) throws EnvelopeException {
    if (!PostgresText.isStorableKey(bucket) || !PostgresText.isStorableKey(key)
        || !PostgresText.isStorableKey(fileId)) {
      return false;
    }
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM objects WHERE bucket = ? AND object_key = ? AND file_id = ?")) {
        s.setString(1, bucket);
        s.setString(2, key);
        s.setString(3, fileId);
        return s.executeUpdate() > 0;
      }
    });
  }

  /**
   * A page of a bucket's objects in key order ({@code COLLATE "C"}). The prefix is a key range ({@link
   * ObjectKeys#prefixEnd}), never a LIKE pattern: {@code %}, {@code _} and {@code \} in it are plain characters, and
   * the primary key's index seeks straight to it.
   */
  List<ObjectRecord> listObjects(String bucket, String prefix, String startAfter, int limit) throws EnvelopeException {
    PostgresText.checkText("start-after key", startAfter);
    if (limit < 1 || !PostgresText.isStorableKey(bucket) || !PostgresText.isStorableText(prefix)) {
      return List.of();
    }
    Optional<String> end = ObjectKeys.prefixEnd(prefix);
    String where = "WHERE bucket = ? AND object_key > ? AND object_key >= ?"
        + (end.isPresent() ? " AND object_key < ?" : "") + " ORDER BY object_key";
    String[] args = end.isPresent() ? new String[] {bucket, startAfter, prefix, end.get()}
        : new String[] {bucket, startAfter, prefix};
    return calls.run(c -> objects(c, where, limit, "", args));
  }

  Optional<ObjectRecord> findObjectByFile(String tenant, String fileId) throws EnvelopeException {
    if (!PostgresText.isStorableKey(tenant) || !PostgresText.isStorableKey(fileId)) {
      return Optional.empty();
    }
    return calls.run(c -> objects(c, "WHERE tenant = ? AND file_id = ?", 1, "", tenant, fileId).stream().findFirst());
  }

  void insertUpload(UploadRecord u) throws EnvelopeException {
    PostgresText.checkKey("upload id", u.uploadId());
    PostgresText.checkKey("bucket name", u.bucket());
    PostgresText.checkKey("object key", u.key());
    PostgresText.checkKey("tenant", u.tenant());
    PostgresText.checkText("key service", u.keyService());
    PostgresText.checkText("root key id", u.wrappedKey().rootKeyId());
    PostgresText.checkText("content type", u.contentType());
    Instant initiatedAt = PostgresTime.millis(u.initiatedAt());
    String metadata = ObjectRecord.encodeMetadata(u.userMetadata());
    refusedByForeignKey(ErrorCode.NOT_FOUND, "there is no bucket " + u.bucket(), () -> {
      calls.insertOnce("an upload with id " + u.uploadId() + " already exists", c -> {
        try (PreparedStatement s = c.prepareStatement(
            "INSERT INTO uploads (" + UPLOAD_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
          bind(s, u.uploadId(), u.bucket(), u.key(), u.tenant(), u.keyService(), u.wrappedKey().rootKeyId(),
              u.wrappedKey().rootKeyVersion(), u.wrappedKey().ciphertext(), u.contentType(), metadata,
              timestamp(initiatedAt));
          return s.executeUpdate();
        }
      }, c -> uploads(c, "WHERE upload_id = ?", 1, "", u.uploadId()).stream().anyMatch(found ->
          found.bucket().equals(u.bucket()) && found.key().equals(u.key())
              && found.wrappedKey().equals(u.wrappedKey()) && found.initiatedAt().equals(initiatedAt)));
      return null;
    });
  }

  Optional<UploadRecord> findUpload(String uploadId) throws EnvelopeException {
    if (!PostgresText.isStorableKey(uploadId)) {
      return Optional.empty();
    }
    return calls.run(c -> uploads(c, "WHERE upload_id = ?", 1, "", uploadId).stream().findFirst());
  }

  /** By key then upload id, after the markers as S3 takes them ({@link dev.envelope.service.BucketStore}). */
  List<UploadRecord> listUploads(String bucket, String prefix, String keyMarker, String uploadIdMarker, int limit)
      throws EnvelopeException {
    PostgresText.checkText("key marker", keyMarker);
    PostgresText.checkText("upload id marker", uploadIdMarker);
    if (limit < 1 || !PostgresText.isStorableKey(bucket) || !PostgresText.isStorableText(prefix)) {
      return List.of();
    }
    List<Object> args = new ArrayList<>(List.of(bucket));
    String where = "WHERE bucket = ? AND " + ObjectKeys.uploadPageSql(prefix, keyMarker, uploadIdMarker, args);
    return calls.run(c -> uploads(c, where, limit, "", args.toArray()));
  }

  List<UploadRecord> listUploadsStartedBefore(Instant before, int limit) throws EnvelopeException {
    if (limit < 1) {
      return List.of();
    }
    if (!PostgresTime.inRange(before.toEpochMilli())) { // before the year 0: none; after 9999: all
      return before.toEpochMilli() < 0 ? List.of() : calls.run(c -> uploads(c, "", limit, ""));
    }
    return calls.run(c -> uploads(c, "WHERE initiated_at < ?", limit, "", timestamp(before)));
  }

  boolean deleteUpload(String uploadId) throws EnvelopeException {
    if (!PostgresText.isStorableKey(uploadId)) {
      return false;
    }
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM uploads WHERE upload_id = ?")) {
        s.setString(1, uploadId);
        return s.executeUpdate() > 0;
      }
    });
  }

  /** One transaction: the upload's row locked, then the part replaced as {@link #putObject} replaces an object. */
  Optional<PartRecord> putPart(PartRecord p) throws EnvelopeException {
    PostgresText.checkKey("upload id", p.uploadId());
    PostgresText.checkKey("blob id", p.blobId());
    PostgresText.checkText("ETag", p.etag());
    Instant lastModified = PostgresTime.millis(p.lastModified());
    Optional<Optional<PartRecord>> replaced = calls.transactionOnce(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM uploads WHERE upload_id = ? FOR KEY SHARE")) {
        s.setString(1, p.uploadId());
        try (ResultSet rows = s.executeQuery()) {
          if (!rows.next()) {
            return Optional.empty();
          }
        }
      }
      while (true) {
        Optional<PartRecord> old = parts(c, "WHERE upload_id = ? AND part_number = ?", 1, " FOR UPDATE",
            p.uploadId(), p.partNumber()).stream().findFirst();
        String sql = old.isPresent()
            ? "UPDATE parts SET blob_id = ?, size = ?, etag = ?, last_modified = ? WHERE upload_id = ?"
                + " AND part_number = ?"
            : "INSERT INTO parts (blob_id, size, etag, last_modified, upload_id, part_number)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (upload_id, part_number) DO NOTHING";
        try (PreparedStatement s = c.prepareStatement(sql)) {
          bind(s, p.blobId(), p.size(), p.etag(), timestamp(lastModified), p.uploadId(), p.partNumber());
          if (s.executeUpdate() > 0) {
            return Optional.of(old);
          }
        }
        // An INSERT that met the part of a put committed since our SELECT: read and lock it, and replace it.
      }
    });
    return replaced.orElseThrow(() -> new EnvelopeException(ErrorCode.NOT_FOUND, "there is no upload "
        + p.uploadId()));
  }

  Optional<PartRecord> findPart(String uploadId, int partNumber) throws EnvelopeException {
    if (!PostgresText.isStorableKey(uploadId)) {
      return Optional.empty();
    }
    return calls.run(c -> parts(c, "WHERE upload_id = ? AND part_number = ?", 1, "", uploadId, partNumber).stream()
        .findFirst());
  }

  List<PartRecord> listParts(String uploadId, int afterPartNumber, int limit) throws EnvelopeException {
    if (limit < 1 || !PostgresText.isStorableKey(uploadId)) {
      return List.of();
    }
    return calls.run(c -> parts(c, "WHERE upload_id = ? AND part_number > ? ORDER BY part_number", limit, "",
        uploadId, afterPartNumber));
  }

  boolean deletePart(String uploadId, int partNumber, String blobId) throws EnvelopeException {
    if (!PostgresText.isStorableKey(uploadId) || !PostgresText.isStorableKey(blobId)) {
      return false;
    }
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM parts WHERE upload_id = ? AND part_number = ? AND blob_id = ?")) {
        bind(s, uploadId, partNumber, blobId);
        return s.executeUpdate() > 0;
      }
    });
  }

  /** What a store call that PostgreSQL refused on a foreign key means: {@code code}. */
  private static <T> T refusedByForeignKey(ErrorCode code, String message, Call<T> call) throws EnvelopeException {
    try {
      return call.run();
    } catch (EnvelopeException e) {
      if (e.getCause() instanceof SQLException s && PostgresErrors.FOREIGN_KEY_VIOLATION.equals(s.getSQLState())) {
        throw new EnvelopeException(code, message, s);
      }
      throw e;
    }
  }

  private interface Call<T> {
    T run() throws EnvelopeException;
  }

  private static List<S3CredentialRecord> credentials(Connection c, String where, String... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + CREDENTIAL_COLUMNS + " FROM s3_credentials " + where
        + " ORDER BY created_at, access_key_id")) {
      bind(s, args);
      List<S3CredentialRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          try {
            found.add(new S3CredentialRecord(rows.getString(1), rows.getString(2), Role.parse(rows.getString(3)),
                rows.getString(4), rows.getString(5), WrappedKey.of(rows.getString(6), rows.getInt(7),
                    rows.getBytes(8)), instant(rows, 9),
                Optional.ofNullable(rows.getObject(10, OffsetDateTime.class)).map(OffsetDateTime::toInstant)));
          } catch (IllegalArgumentException | NullPointerException e) {
            throw new SQLException("a row of the s3_credentials table is damaged", "XX001", e);
          }
        }
      }
      return found;
    }
  }

  private static List<BucketRecord> buckets(Connection c, String where, String... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT name, tenant, created_at FROM buckets " + where + " ORDER BY name")) {
      bind(s, args);
      List<BucketRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          found.add(new BucketRecord(rows.getString(1), rows.getString(2), instant(rows, 3)));
        }
      }
      return found;
    }
  }

  /** Up to {@code limit} objects; {@code lock} is a locking clause, or empty. */
  private static List<ObjectRecord> objects(Connection c, String where, int limit, String lock, String... args)
      throws SQLException {
    return select(c, "SELECT " + OBJECT_COLUMNS + " FROM objects " + where + " LIMIT " + limit + lock, "objects",
        rows -> new ObjectRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
            rows.getLong(5), rows.getString(6), rows.getString(7), ObjectRecord.decodeMetadata(rows.getString(8)),
            instant(rows, 9), ObjectRecord.decodeParts(rows.getString(10))), (Object[]) args);
  }

  private static List<UploadRecord> uploads(Connection c, String where, int limit, String lock, Object... args)
      throws SQLException {
    return select(c, "SELECT " + UPLOAD_COLUMNS + " FROM uploads " + where + " LIMIT " + limit + lock, "uploads",
        rows -> new UploadRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
            rows.getString(5), WrappedKey.of(rows.getString(6), rows.getInt(7), rows.getBytes(8)), rows.getString(9),
            ObjectRecord.decodeMetadata(rows.getString(10)), instant(rows, 11)), args);
  }

  private static List<PartRecord> parts(Connection c, String where, int limit, String lock, Object... args)
      throws SQLException {
    return select(c, "SELECT " + PART_COLUMNS + " FROM parts " + where + " LIMIT " + limit + lock, "parts",
        rows -> new PartRecord(rows.getString(1), rows.getInt(2), rows.getString(3), rows.getLong(4),
            rows.getString(5), instant(rows, 6)), args);
  }

  /** One row of a result, as a record. */
  private interface Row<T> {
    T of(ResultSet rows) throws SQLException;
  }

  /** The rows of {@code sql} with {@code args} bound in order; a row {@code row} cannot read is damaged. */
  private static <T> List<T> select(Connection c, String sql, String table, Row<T> row, Object... args)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      bind(s, args);
      List<T> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          try {
            found.add(row.of(rows));
          } catch (IllegalArgumentException | NullPointerException e) {
            throw new SQLException("a row of the " + table + " table is damaged", "XX001", e);
          }
        }
      }
      return found;
    }
  }

  private static void bind(PreparedStatement s, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      s.setObject(i + 1, args[i]);
    }
  }
}
