package dev.envelope.postgres;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/**
 * The tables of the PostgreSQL metadata store and their migrations. The schema version is the highest
 * {@code version} in {@code envelope_schema_version} (0 when the table is missing or empty): migration {@code n}
 * (1-based) takes the database from version {@code n - 1} to {@code n} in one transaction, its row in the
 * version table included, so a failure mid-migration leaves the old version whole (PostgreSQL's DDL is
 * transactional). Every transaction first takes a transaction-scoped advisory lock, so nodes starting at once
 * migrate one after the other and each sees the others' work. Migrations are only ever appended, never
 * edited. Ids and tenants are {@code COLLATE "C"}: they sort by code point, as in SQLite and in the keyset
 * cursor, whatever the database's locale. A database newer than this code is refused, never written to.
 */
final class PostgresSchema {
  /** Key of the advisory lock that serialises migrations (any fixed number; this one spells "envelope"). */
  static final long MIGRATION_LOCK = 0x656e76656c6f7065L;

  private static final List<List<String>> MIGRATIONS = List.of(
      // 1: files and tokens, like SQLite's
      List.of(
          """
          CREATE TABLE files (
            id               text COLLATE "C" NOT NULL PRIMARY KEY,
            tenant           text COLLATE "C" NOT NULL,
            name             text        NOT NULL,
            content_type     text        NOT NULL,
            size             bigint      NOT NULL CHECK (size >= 0),
            created_at       timestamptz(3) NOT NULL,
            key_service      text        NOT NULL,
            root_key_id      text        NOT NULL,
            root_key_version integer     NOT NULL,
            wrapped_key      bytea       NOT NULL,
            format_version   integer     NOT NULL,
            segment_size     integer     NOT NULL
          )""",
          "CREATE INDEX files_by_tenant_newest ON files (tenant, created_at DESC, id DESC)",
          """
          CREATE TABLE tokens (
            id          text COLLATE "C" NOT NULL PRIMARY KEY,
            tenant      text COLLATE "C" NOT NULL,
            role        text        NOT NULL CHECK (role IN ('read', 'write', 'admin')),
            name        text        NOT NULL,
            secret_hash bytea       NOT NULL CHECK (length(secret_hash) = 32),
            created_at  timestamptz(3) NOT NULL,
            revoked_at  timestamptz(3)
          )""",
          "CREATE INDEX tokens_by_tenant ON tokens (tenant, created_at, id)"),
      // 2: the operator role (tenant admins and the operator are two roles)
      List.of(
          "ALTER TABLE tokens DROP CONSTRAINT tokens_role_check",
          "ALTER TABLE tokens ADD CONSTRAINT tokens_role_check"
              + " CHECK (role IN ('read', 'write', 'admin', 'operator'))"),
      // 3: tenants with root keys of their own (a tenant without a row uses the node's root key), like SQLite's
      List.of(
          """
          CREATE TABLE tenants (
            name        text COLLATE "C" NOT NULL PRIMARY KEY,
            root_key    text        NOT NULL,
            key_service text        NOT NULL,
            own_key     boolean     NOT NULL,
            state       text        NOT NULL CHECK (state IN ('active', 'shredded')),
            created_at  timestamptz(3) NOT NULL,
            updated_at  timestamptz(3) NOT NULL
          )"""),
      // 4: tokens that end, and when each was last used (NULL: never), like SQLite's
      List.of(
          "ALTER TABLE tokens ADD COLUMN expires_at timestamptz(3)",
          "ALTER TABLE tokens ADD COLUMN last_used_at timestamptz(3)"),
      // 5: share links (only the SHA-256 of a link's secret), like SQLite's
      List.of(
          """
          CREATE TABLE links (
            id            text COLLATE "C" NOT NULL PRIMARY KEY,
            tenant        text COLLATE "C" NOT NULL,
            file_id       text COLLATE "C" NOT NULL,
            secret_hash   bytea       NOT NULL CHECK (length(secret_hash) = 32),
            created_at    timestamptz(3) NOT NULL,
            expires_at    timestamptz(3) NOT NULL,
            max_downloads bigint      CHECK (max_downloads > 0),
            downloads     bigint      NOT NULL CHECK (downloads >= 0),
            revoked_at    timestamptz(3)
          )""",
          "CREATE INDEX links_by_file ON links (tenant, file_id, created_at, id)"),
      // 6: the plaintext's SHA-256 (NULL for files stored before), and a tenant's optional quota, like SQLite's
      List.of(
          "ALTER TABLE files ADD COLUMN sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$')",
          "ALTER TABLE tenants ADD COLUMN quota_bytes bigint CHECK (quota_bytes >= 0)"),
      // 7: the S3 API's credentials, buckets, object index, multipart uploads and parts, like SQLite's. An object's
      // (bucket, tenant) is a foreign key, and so is an upload's: PostgreSQL's check locks the bucket row (FOR KEY
      // SHARE) for the put, and a DELETE of the bucket waits for that put and then fails, or goes first and the put
      // fails. A part has no key to its upload: it outlives it as the completed file's content (an object's parts
      // column lists its numbers, ObjectRecord.encodeParts). Keys are COLLATE "C": UTF-8 byte order.
      List.of(
          """
          CREATE TABLE s3_credentials (
            access_key_id    text COLLATE "C" NOT NULL PRIMARY KEY,
            tenant           text COLLATE "C" NOT NULL,
            role             text        NOT NULL CHECK (role IN ('read', 'write')),
            name             text        NOT NULL,
            key_service      text        NOT NULL,
            root_key_id      text        NOT NULL,
            root_key_version integer     NOT NULL,
            sealed_secret    bytea       NOT NULL,
            created_at       timestamptz(3) NOT NULL,
            revoked_at       timestamptz(3)
          )""",
          "CREATE INDEX s3_credentials_by_tenant ON s3_credentials (tenant, created_at, access_key_id)",
          """
          CREATE TABLE buckets (
            name       text COLLATE "C" NOT NULL PRIMARY KEY,
            tenant     text COLLATE "C" NOT NULL,
            created_at timestamptz(3) NOT NULL,
            UNIQUE (name, tenant)
          )""",
          "CREATE INDEX buckets_by_tenant ON buckets (tenant, name)",
          """
          CREATE TABLE objects (
            bucket        text COLLATE "C" NOT NULL,
            object_key    text COLLATE "C" NOT NULL,
            tenant        text COLLATE "C" NOT NULL,
            file_id       text COLLATE "C" NOT NULL,
            size          bigint      NOT NULL CHECK (size >= 0),
            etag          text        NOT NULL,
            content_type  text        NOT NULL,
            user_metadata text        NOT NULL,
            last_modified timestamptz(3) NOT NULL,
            parts         text        NOT NULL,
            PRIMARY KEY (bucket, object_key),
            FOREIGN KEY (bucket, tenant) REFERENCES buckets (name, tenant)
          )""",
          "CREATE INDEX objects_by_file ON objects (tenant, file_id)",
          """
          CREATE TABLE uploads (
            upload_id        text COLLATE "C" NOT NULL PRIMARY KEY,
            bucket           text COLLATE "C" NOT NULL,
            object_key       text COLLATE "C" NOT NULL,
            tenant           text COLLATE "C" NOT NULL,
            key_service      text        NOT NULL,
            root_key_id      text        NOT NULL,
            root_key_version integer     NOT NULL,
            wrapped_key      bytea       NOT NULL,
            content_type     text        NOT NULL,
            user_metadata    text        NOT NULL,
            initiated_at     timestamptz(3) NOT NULL,
            FOREIGN KEY (bucket, tenant) REFERENCES buckets (name, tenant)
          )""",
          "CREATE INDEX uploads_by_key ON uploads (bucket, object_key, upload_id)",
          "CREATE INDEX uploads_by_age ON uploads (initiated_at)",
          """
          CREATE TABLE parts (
            upload_id     text COLLATE "C" NOT NULL,
            part_number   integer     NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
            blob_id       text COLLATE "C" NOT NULL,
            size          bigint      NOT NULL CHECK (size >= 0),
            etag          text        NOT NULL,
            last_modified timestamptz(3) NOT NULL,
            PRIMARY KEY (upload_id, part_number)
          )"""));

  private PostgresSchema() {}

  /** The schema version this code writes. */
  static int latest() {
    return MIGRATIONS.size();
  }

  /**
   * Brings the database up to {@link #latest()}, creating {@code schema} first when given; safe when other
   * nodes migrate at the same time. The connection is in auto-commit mode and is left so.
   */
  static void migrate(Connection connection, Optional<String> schema) throws SQLException, EnvelopeException {
    migrate(connection, schema, latest());
  }

  /** Brings the database up to {@code target} (tests make databases of earlier versions with it). */
  static void migrate(Connection connection, Optional<String> schema, int target)
      throws SQLException, EnvelopeException {
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      while (true) {
        try {
          statement.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
          if (schema.isPresent()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + schema.get()); // the name is checked: [a-z0-9_]
          }
          statement.execute("CREATE TABLE IF NOT EXISTS envelope_schema_version ("
              + "version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
          int current = version(statement);
          checkNotNewer(current);
          if (current >= target) {
            connection.commit();
            return;
          }
          for (String sql : MIGRATIONS.get(current)) {
            statement.execute(sql);
          }
          statement.execute("INSERT INTO envelope_schema_version (version) VALUES (" + (current + 1) + ")");
          connection.commit();
        } catch (SQLException | EnvelopeException | RuntimeException e) {
          rollbackQuietly(connection);
          throw e;
        }
      }
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /** The version recorded in the database (the version table must exist). */
  static int version(Statement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery("SELECT coalesce(max(version), 0) FROM envelope_schema_version")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static void checkNotNewer(int version) throws EnvelopeException {
    if (version > latest()) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT, "the PostgreSQL metadata database has schema "
          + "version " + version + ", newer than this version of Envelope knows (" + latest() + "): upgrade Envelope");
    }
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // the connection is broken; the server rolls the transaction back itself
    }
  }
}
