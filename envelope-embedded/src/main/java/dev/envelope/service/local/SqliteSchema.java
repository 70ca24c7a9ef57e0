package dev.envelope.service.local;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The schema of {@code envelope.db} and its migrations. The schema version is SQLite's {@code user_version}
 * (0 in a new file): migration {@code n} (1-based) takes the database from version {@code n - 1} to {@code n}
 * in one transaction, the version bump included, so a crash mid-migration leaves the old version whole.
 * Migrations are only ever appended, never edited: a database written by any release opens in every later
 * one. A database newer than this code is refused, never written to.
 */
final class SqliteSchema {
  private static final List<List<String>> MIGRATIONS = List.of(
      // 1: files and tokens
      List.of(
          """
          CREATE TABLE files (
            id               TEXT    NOT NULL PRIMARY KEY,
            tenant           TEXT    NOT NULL,
            name             TEXT    NOT NULL,
            content_type     TEXT    NOT NULL,
            size             INTEGER NOT NULL CHECK (size >= 0),
            created_at       INTEGER NOT NULL,
            key_service      TEXT    NOT NULL,
            root_key_id      TEXT    NOT NULL,
            root_key_version INTEGER NOT NULL,
            wrapped_key      BLOB    NOT NULL,
            format_version   INTEGER NOT NULL,
            segment_size     INTEGER NOT NULL
          ) STRICT""",
          "CREATE INDEX files_by_tenant_newest ON files (tenant, created_at DESC, id DESC)",
          """
          CREATE TABLE tokens (
            id          TEXT    NOT NULL PRIMARY KEY,
            tenant      TEXT    NOT NULL,
            role        TEXT    NOT NULL CHECK (role IN ('read', 'write', 'admin')),
            name        TEXT    NOT NULL,
            secret_hash BLOB    NOT NULL CHECK (length(secret_hash) = 32),
            created_at  INTEGER NOT NULL,
            revoked_at  INTEGER
          ) STRICT""",
          "CREATE INDEX tokens_by_tenant ON tokens (tenant, created_at, id)"),
      // 2: the operator role (tenant admins and the operator are two roles; SQLite changes a CHECK only by
      // rebuilding the table)
      List.of(
          """
          CREATE TABLE tokens_v2 (
            id          TEXT    NOT NULL PRIMARY KEY,
            tenant      TEXT    NOT NULL,
            role        TEXT    NOT NULL CHECK (role IN ('read', 'write', 'admin', 'operator')),
            name        TEXT    NOT NULL,
            secret_hash BLOB    NOT NULL CHECK (length(secret_hash) = 32),
            created_at  INTEGER NOT NULL,
            revoked_at  INTEGER
          ) STRICT""",
          "INSERT INTO tokens_v2 SELECT id, tenant, role, name, secret_hash, created_at, revoked_at FROM tokens",
          "DROP TABLE tokens",
          "ALTER TABLE tokens_v2 RENAME TO tokens",
          "CREATE INDEX tokens_by_tenant ON tokens (tenant, created_at, id)"),
      // 3: tenants with root keys of their own (a tenant without a row uses the node's root key)
      List.of(
          """
          CREATE TABLE tenants (
            name        TEXT    NOT NULL PRIMARY KEY,
            root_key    TEXT    NOT NULL,
            key_service TEXT    NOT NULL,
            own_key     INTEGER NOT NULL CHECK (own_key IN (0, 1)),
            state       TEXT    NOT NULL CHECK (state IN ('active', 'shredded')),
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL
          ) STRICT"""),
      // 4: tokens that end, and when each was last used (epoch milliseconds, NULL: never)
      List.of(
          "ALTER TABLE tokens ADD COLUMN expires_at INTEGER",
          "ALTER TABLE tokens ADD COLUMN last_used_at INTEGER"),
      // 5: share links (a link's secret is never stored, only its SHA-256; times in epoch milliseconds)
      List.of(
          """
          CREATE TABLE links (
            id            TEXT    NOT NULL PRIMARY KEY,
            tenant        TEXT    NOT NULL,
            file_id       TEXT    NOT NULL,
            secret_hash   BLOB    NOT NULL CHECK (length(secret_hash) = 32),
            created_at    INTEGER NOT NULL,
            expires_at    INTEGER NOT NULL,
            max_downloads INTEGER CHECK (max_downloads > 0),
            downloads     INTEGER NOT NULL CHECK (downloads >= 0),
            revoked_at    INTEGER
          ) STRICT""",
          "CREATE INDEX links_by_file ON links (tenant, file_id, created_at, id)"),
      // 6: the plaintext's SHA-256 (NULL for files stored before), and a tenant's optional quota in bytes
      List.of(
          "ALTER TABLE files ADD COLUMN sha256 TEXT",
          "ALTER TABLE tenants ADD COLUMN quota_bytes INTEGER CHECK (quota_bytes >= 0)"),
      // 7: the S3 API's credentials (the secret sealed by the key service), buckets, object index, multipart uploads
      // and their parts. An object's (bucket, tenant) is a foreign key, and so is an upload's: a put or an upload
      // into a missing (or another tenant's) bucket fails, and so does deleting a bucket that holds either, each in
      // its own statement, so they cannot interleave. A part has no key to its upload: it outlives it, as the
      // completed file's content (an object's parts column lists its part numbers, ObjectRecord.encodeParts). Keys
      // compare as BINARY: memcmp of their UTF-8, S3's order.
      List.of(
          """
          CREATE TABLE s3_credentials (
            access_key_id    TEXT    NOT NULL PRIMARY KEY,
            tenant           TEXT    NOT NULL,
            role             TEXT    NOT NULL CHECK (role IN ('read', 'write')),
            name             TEXT    NOT NULL,
            key_service      TEXT    NOT NULL,
            root_key_id      TEXT    NOT NULL,
            root_key_version INTEGER NOT NULL,
            sealed_secret    BLOB    NOT NULL,
            created_at       INTEGER NOT NULL,
            revoked_at       INTEGER
          ) STRICT""",
          "CREATE INDEX s3_credentials_by_tenant ON s3_credentials (tenant, created_at, access_key_id)",
          """
          CREATE TABLE buckets (
            name       TEXT    NOT NULL PRIMARY KEY,
            tenant     TEXT    NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (name, tenant)
          ) STRICT""",
          "CREATE INDEX buckets_by_tenant ON buckets (tenant, name)",
          """
          CREATE TABLE objects (
            bucket        TEXT    NOT NULL,
            object_key    TEXT    NOT NULL COLLATE BINARY,
            tenant        TEXT    NOT NULL,
            file_id       TEXT    NOT NULL,
            size          INTEGER NOT NULL CHECK (size >= 0),
            etag          TEXT    NOT NULL,
            content_type  TEXT    NOT NULL,
            user_metadata TEXT    NOT NULL,
            last_modified INTEGER NOT NULL,
            parts         TEXT    NOT NULL,
            PRIMARY KEY (bucket, object_key),
            FOREIGN KEY (bucket, tenant) REFERENCES buckets (name, tenant)
          ) STRICT, WITHOUT ROWID""",
          "CREATE INDEX objects_by_file ON objects (tenant, file_id)",
          """
          CREATE TABLE uploads (
            upload_id        TEXT    NOT NULL PRIMARY KEY,
            bucket           TEXT    NOT NULL,
            object_key       TEXT    NOT NULL COLLATE BINARY,
            tenant           TEXT    NOT NULL,
            key_service      TEXT    NOT NULL,
            root_key_id      TEXT    NOT NULL,
            root_key_version INTEGER NOT NULL,
            wrapped_key      BLOB    NOT NULL,
            content_type     TEXT    NOT NULL,
            user_metadata    TEXT    NOT NULL,
            initiated_at     INTEGER NOT NULL,
            FOREIGN KEY (bucket, tenant) REFERENCES buckets (name, tenant)
          ) STRICT""",
          "CREATE INDEX uploads_by_key ON uploads (bucket, object_key, upload_id)",
          "CREATE INDEX uploads_by_age ON uploads (initiated_at)",
          """
          CREATE TABLE parts (
            upload_id     TEXT    NOT NULL,
            part_number   INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
            blob_id       TEXT    NOT NULL,
            size          INTEGER NOT NULL CHECK (size >= 0),
            etag          TEXT    NOT NULL,
            last_modified INTEGER NOT NULL,
            PRIMARY KEY (upload_id, part_number)
          ) STRICT, WITHOUT ROWID"""));

  private SqliteSchema() {}

  /** The schema version this code writes. */
  static int latest() {
    return MIGRATIONS.size();
  }

  /** Brings the database up to {@link #latest()}; safe when another process migrates at the same time. */
  static void migrate(Connection connection) throws SQLException, EnvelopeException {
    migrate(connection, latest());
  }

  /** Brings the database up to {@code target} (tests make databases of earlier versions with it). */
  static void migrate(Connection connection, int target) throws SQLException, EnvelopeException {
    try (Statement statement = connection.createStatement()) {
      checkNotNewer(version(statement));
      while (version(statement) < target) {
        statement.execute("BEGIN IMMEDIATE"); // takes the write lock: one migrating process at a time
        try {
          int current = version(statement); // another process may have migrated meanwhile
          checkNotNewer(current);
          if (current < target) {
            for (String sql : MIGRATIONS.get(current)) {
              statement.execute(sql);
            }
            statement.execute("PRAGMA user_version = " + (current + 1));
          }
          statement.execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
          statement.execute("ROLLBACK");
          throw e;
        }
      }
    }
  }

  static int version(Statement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery("PRAGMA user_version")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static void checkNotNewer(int version) throws EnvelopeException {
    if (version > latest()) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT, "the metadata database has schema version "
          + version + ", newer than this version of Envelope knows (" + latest() + "): upgrade Envelope");
    }
  }
}
