package dev.envelope.service.local;

import dev.envelope.core.WrappedKey;
import dev.envelope.service.BucketRecord;
import dev.envelope.service.ObjectKeys;
import dev.envelope.service.ObjectRecord;
import dev.envelope.service.Role;
import dev.envelope.service.S3CredentialRecord;
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
      + "user_metadata, last_modified";

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
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, object_key) DO UPDATE SET tenant = excluded.tenant,"
        + " file_id = excluded.file_id, size = excluded.size, etag = excluded.etag,"
        + " content_type = excluded.content_type, user_metadata = excluded.user_metadata,"
        + " last_modified = excluded.last_modified")) {
      s.setString(1, o.bucket());
      s.setString(2, o.key());
      s.setString(3, o.tenant());
      s.setString(4, o.fileId());
      s.setLong(5, o.size());
      s.setString(6, o.etag());
      s.setString(7, o.contentType());
      s.setString(8, ObjectRecord.encodeMetadata(o.userMetadata()));
      s.setLong(9, o.lastModified().toEpochMilli());
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
    try (PreparedStatement s = c.prepareStatement("SELECT " + OBJECT_COLUMNS + " FROM objects " + where + " LIMIT ?")) {
      for (int i = 0; i < args.size(); i++) {
        s.setString(i + 1, args.get(i));
      }
      s.setInt(args.size() + 1, limit);
      List<ObjectRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          found.add(new ObjectRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
              rows.getLong(5), rows.getString(6), rows.getString(7), ObjectRecord.decodeMetadata(rows.getString(8)),
              Instant.ofEpochMilli(rows.getLong(9))));
        }
      }
      return found;
    }
  }

  private static <T> Optional<T> first(List<T> rows) {
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }
}
