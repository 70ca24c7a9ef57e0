package dev.envelope.service.local;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The statements of {@link SqliteMetadataStore}'s {@link dev.envelope.service.BucketStore} (tables of schema version
 * 7, {@link SqliteSchema}), each against the connection it is given: the writer's inside its transaction, or a
 * reader's. Each write is one statement, as {@link SqliteWriter} needs: a put into a missing bucket and the delete of
 * a bucket that holds an object fail on the foreign key, in that statement alone.
 */
final class SqliteBucketRows {
  private static final String CREDENTIAL_COLUMNS = "access_key_id, tenant, role, name, key_service, root_key_id, "
      + "root_key_version, sealed_secret, created_at, revoked_at";
  private static final String OBJECT_COLUMNS = "bucket, object_key, tenant, file_id, size, etag, content_type, "
      + "user_metadata, last_modified, parts";
  private static final String UPLOAD_COLUMNS = "upload_id, bucket, object_key, tenant, key_service, root_key_id, "
      + "root_key_version, wrapped_key, content_type, user_metadata, initiated_at";
  private static final String PART_COLUMNS = "upload_id, part_number, blob_id, size, etag, last_modified";

  private SqliteBucketRows() {}

  static int insertCredential(Connection c, S3CredentialRecord k) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO s3_credentials (" + CREDENTIAL_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, k.accessKeyId());
      s.setString(2, k.tenant());
      s.setString(3, k.role().id());
      s.setString(4, k.name());
      s.setString(5, k.keyService());
      s.setString(6, k.sealedSecret().rootKeyId());
      s.setInt(7, k.sealedSecret().rootKeyVersion());
      s.setBytes(8, k.sealedSecret().ciphertext());
      s.setLong(9, k.createdAt().toEpochMilli());
      if (k.revokedAt().isPresent()) {
        s.setLong(10, k.revokedAt().get().toEpochMilli());
      } else {
        s.setNull(10, Types.INTEGER);
      }
      return s.executeUpdate();
    }
  }

  /** The credentials with that access key id, or of that tenant, or (null, null) all, oldest first. */
  static List<S3CredentialRecord> credentials(Connection c, String accessKeyId, String tenant) throws SQLException {
    String where = accessKeyId != null ? " WHERE access_key_id = ?" : tenant != null ? " WHERE tenant = ?" : "";
    try (PreparedStatement s = c.prepareStatement("SELECT " + CREDENTIAL_COLUMNS + " FROM s3_credentials" + where
        + " ORDER BY created_at, access_key_id")) {
      if (!where.isEmpty()) {
        s.setString(1, accessKeyId != null ? accessKeyId : tenant);
      }
      List<S3CredentialRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          long revoked = rows.getLong(10);
          Optional<Instant> revokedAt = rows.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(revoked));
          found.add(new S3CredentialRecord(rows.getString(1), rows.getString(2), Role.parse(rows.getString(3)),
              rows.getString(4), rows.getString(5), WrappedKey.of(rows.getString(6), rows.getInt(7), rows.getBytes(8)),
              Instant.ofEpochMilli(rows.getLong(9)), revokedAt));
        }
      }
      return found;
    }
  }

  static boolean revokeCredential(Connection c, String accessKeyId, Instant at) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE s3_credentials SET revoked_at = coalesce(revoked_at, ?) WHERE access_key_id = ?")) {
      s.setLong(1, at.toEpochMilli());
      s.setString(2, accessKeyId);
      return s.executeUpdate() > 0;
    }
  }

  static int insertBucket(Connection c, BucketRecord b) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO buckets (name, tenant, created_at) VALUES (?, ?, ?)")) {
      s.setString(1, b.name());
      s.setString(2, b.tenant());
      s.setLong(3, b.createdAt().toEpochMilli());
      return s.executeUpdate();
    }
  }

  /** The bucket of that name, or the buckets of that tenant, or (null, null) all, by name. */
  static List<BucketRecord> buckets(Connection c, String name, String tenant) throws SQLException {
    String where = name != null ? " WHERE name = ?" : tenant != null ? " WHERE tenant = ?" : "";
    try (PreparedStatement s = c.prepareStatement(
        "SELECT name, tenant, created_at FROM buckets" + where + " ORDER BY name")) {
      if (!where.isEmpty()) {
        s.setString(1, name != null ? name : tenant);
      }
      List<BucketRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          found.add(new BucketRecord(rows.getString(1), rows.getString(2), Instant.ofEpochMilli(rows.getLong(3))));
        }
      }
      return found;
    }
  }

  /** Deletes the bucket; a foreign-key violation (it holds an object) fails the statement. */
  static boolean deleteBucket(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM buckets WHERE name = ?")) {
      s.setString(1, name);
      return s.executeUpdate() > 0;
    }
  }

  static Optional<ObjectRecord> findObject(Connection c, String bucket, String key) throws SQLException {
    return first(objects(c, "WHERE bucket = ? AND object_key = ?", List.of(bucket, key), 1));
  }

  static Optional<ObjectRecord> findObjectByFile(Connection c, String tenant, String fileId) throws SQLException {
    return first(objects(c, "WHERE tenant = ? AND file_id = ?", List.of(tenant, fileId), 1));
  }

  /**
   * Reads the row there now, then upserts (one statement: a missing or another tenant's bucket fails it on the
   * foreign key, and nothing is written). Returns the row replaced.
   */
  static Optional<ObjectRecord> putObject(Connection c, ObjectRecord o) throws SQLException {
    Optional<ObjectRecord> old = findObject(c, o.bucket(), o.key());
    try (PreparedStatement s = c.prepareStatement("INSERT INTO objects (" + OBJECT_COLUMNS + ")"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, object_key) DO UPDATE SET"
        + " tenant = excluded.tenant, file_id = excluded.file_id, size = excluded.size, etag = excluded.etag,"
        + " content_type = excluded.content_type, user_metadata = excluded.user_metadata,"
        + " last_modified = excluded.last_modified, parts = excluded.parts")) {
      s.setString(1, o.bucket());
      s.setString(2, o.key());
      s.setString(3, o.tenant());
      s.setString(4, o.fileId());
      s.setLong(5, o.size());
      s.setString(6, o.etag());
      s.setString(7, o.contentType());
      s.setString(8, ObjectRecord.encodeMetadata(o.userMetadata()));
      s.setLong(9, o.lastModified().toEpochMilli());
      s.setString(10, ObjectRecord.encodeParts(o.parts()));
      s.executeUpdate();
    }
    return old;
  }

  static boolean deleteObject(Connection c, String bucket, String key, String fileId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM objects WHERE bucket = ? AND object_key = ? AND file_id = ?")) {
      s.setString(1, bucket);
      s.setString(2, key);
      s.setString(3, fileId);
      return s.executeUpdate() > 0;
    }
  }

  /**
   * A page of a bucket's objects, in key order. The prefix is a key range ({@link ObjectKeys#prefixEnd}), never a
   * LIKE pattern, so that {@code %}, {@code _} and {@code \} in it are plain characters, and the primary key's index
   * seeks straight to it.
   */
  static List<ObjectRecord> listObjects(Connection c, String bucket, String prefix, String startAfter, int limit)
      throws SQLException {
    Optional<String> end = ObjectKeys.prefixEnd(prefix);
    List<String> args = new ArrayList<>(List.of(bucket, startAfter, prefix));
    end.ifPresent(args::add);
    return objects(c, "WHERE bucket = ? AND object_key > ? AND object_key >= ?"
        + (end.isPresent() ? " AND object_key < ?" : "") + " ORDER BY object_key", args, limit);
  }

  private static List<ObjectRecord> objects(Connection c, String where, List<String> args, int limit)
      throws SQLException {
    return select(c, "SELECT " + OBJECT_COLUMNS + " FROM objects " + where, args, limit,
        rows -> new ObjectRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
            rows.getLong(5), rows.getString(6), rows.getString(7), ObjectRecord.decodeMetadata(rows.getString(8)),
            Instant.ofEpochMilli(rows.getLong(9)), ObjectRecord.decodeParts(rows.getString(10))));
  }

  static int insertUpload(Connection c, UploadRecord u) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO uploads (" + UPLOAD_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, u.uploadId());
      s.setString(2, u.bucket());
      s.setString(3, u.key());
      s.setString(4, u.tenant());
      s.setString(5, u.keyService());
      s.setString(6, u.wrappedKey().rootKeyId());
      s.setInt(7, u.wrappedKey().rootKeyVersion());
      s.setBytes(8, u.wrappedKey().ciphertext());
      s.setString(9, u.contentType());
      s.setString(10, ObjectRecord.encodeMetadata(u.userMetadata()));
      s.setLong(11, u.initiatedAt().toEpochMilli());
      return s.executeUpdate();
    }
  }

  static Optional<UploadRecord> findUpload(Connection c, String uploadId) throws SQLException {
    return first(uploads(c, "WHERE upload_id = ?", List.of(uploadId), 1));
  }

  /**
   * A page of a bucket's uploads by key, then upload id, after the markers as S3 takes them: the keys after {@code
   * keyMarker}, and when {@code uploadIdMarker} is not empty, first the uploads of {@code keyMarker} itself whose ids
   * come after it. The prefix is a key range, as in {@link #listObjects}.
   */
  static List<UploadRecord> listUploads(Connection c, String bucket, String prefix, String keyMarker,
      String uploadIdMarker, int limit) throws SQLException {
    List<Object> args = new ArrayList<>(List.of(bucket));
    return uploads(c, "WHERE bucket = ? AND " + ObjectKeys.uploadPageSql(prefix, keyMarker, uploadIdMarker, args),
        args, limit);
  }

  static List<UploadRecord> listUploadsStartedBefore(Connection c, Instant before, int limit) throws SQLException {
    return uploads(c, "WHERE initiated_at < ?", List.of(before.toEpochMilli()), limit);
  }

  static boolean deleteUpload(Connection c, String uploadId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM uploads WHERE upload_id = ?")) {
      s.setString(1, uploadId);
      return s.executeUpdate() > 0;
    }
  }

  /**
   * Reads the part there now, then upserts it only while its upload's row exists (one statement). Returns the part
   * replaced, or null (not an empty Optional) if the upload is gone and nothing was written.
   */
  static Optional<PartRecord> putPart(Connection c, PartRecord p) throws SQLException {
    Optional<PartRecord> old = findPart(c, p.uploadId(), p.partNumber());
    try (PreparedStatement s = c.prepareStatement("INSERT INTO parts (" + PART_COLUMNS + ")"
        + " SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM uploads WHERE upload_id = ?)"
        + " ON CONFLICT (upload_id, part_number) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size,"
        + " etag = excluded.etag, last_modified = excluded.last_modified")) {
      s.setString(1, p.uploadId());
      s.setInt(2, p.partNumber());
      s.setString(3, p.blobId());
      s.setLong(4, p.size());
      s.setString(5, p.etag());
      s.setLong(6, p.lastModified().toEpochMilli());
      s.setString(7, p.uploadId());
      return s.executeUpdate() > 0 ? old : null;
    }
  }

  static Optional<PartRecord> findPart(Connection c, String uploadId, int partNumber) throws SQLException {
    return first(parts(c, "WHERE upload_id = ? AND part_number = ?", List.of(uploadId, partNumber), 1));
  }

  static List<PartRecord> listParts(Connection c, String uploadId, int afterPartNumber, int limit)
      throws SQLException {
    return parts(c, "WHERE upload_id = ? AND part_number > ? ORDER BY part_number", List.of(uploadId,
        afterPartNumber), limit);
  }

  static boolean deletePart(Connection c, String uploadId, int partNumber, String blobId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM parts WHERE upload_id = ? AND part_number = ? AND blob_id = ?")) {
      s.setString(1, uploadId);
      s.setInt(2, partNumber);
      s.setString(3, blobId);
      return s.executeUpdate() > 0;
    }
  }

  private static List<UploadRecord> uploads(Connection c, String where, List<?> args, int limit)
      throws SQLException {
    return select(c, "SELECT " + UPLOAD_COLUMNS + " FROM uploads " + where, args, limit,
        rows -> new UploadRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
            rows.getString(5), WrappedKey.of(rows.getString(6), rows.getInt(7), rows.getBytes(8)), rows.getString(9),
            ObjectRecord.decodeMetadata(rows.getString(10)), Instant.ofEpochMilli(rows.getLong(11))));
  }

  private static List<PartRecord> parts(Connection c, String where, List<?> args, int limit) throws SQLException {
    return select(c, "SELECT " + PART_COLUMNS + " FROM parts " + where, args, limit,
        rows -> new PartRecord(rows.getString(1), rows.getInt(2), rows.getString(3), rows.getLong(4),
            rows.getString(5), Instant.ofEpochMilli(rows.getLong(6))));
  }

  /** One row of a result, as a record. */
  private interface Row<T> {
    T of(ResultSet rows) throws SQLException;
  }

  /** Up to {@code limit} rows of {@code sql} with {@code args} (strings, integers or longs) bound in order. */
  private static <T> List<T> select(Connection c, String sql, List<?> args, int limit, Row<T> row)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql + " LIMIT ?")) {
      for (int i = 0; i < args.size(); i++) {
        s.setObject(i + 1, args.get(i));
      }
      s.setInt(args.size() + 1, limit);
      List<T> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          found.add(row.of(rows));
        }
      }
      return found;
    }
  }

  private static <T> Optional<T> first(List<T> rows) {
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }
}
