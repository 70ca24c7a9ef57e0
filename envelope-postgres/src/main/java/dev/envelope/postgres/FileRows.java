package dev.envelope.postgres;

import static dev.envelope.postgres.PostgresTime.instant;
import static dev.envelope.postgres.PostgresTime.timestamp;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.PageCursor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code files} table: one row per file, its SQL and its mapping to {@link FileRecord}. */
final class FileRows {
  private static final String COLUMNS = "id, tenant, name, content_type, size, created_at, key_service, "
      + "root_key_id, root_key_version, wrapped_key, format_version, segment_size, sha256";

  private final PostgresCalls calls;

  FileRows(PostgresCalls calls) {
    this.calls = calls;
  }

  void insert(FileRecord given) throws EnvelopeException {
    PostgresText.checkKey("id", given.id());
    PostgresText.checkKey("tenant", given.tenant());
    PostgresText.checkText("name", given.name());
    PostgresText.checkText("content type", given.contentType());
    PostgresText.checkText("key service", given.keyService());
    PostgresText.checkText("root key id", given.wrappedKey().rootKeyId());
    FileRecord file = new FileRecord(given.id(), given.tenant(), given.name(), given.contentType(), given.size(),
        PostgresTime.millis(given.createdAt()), given.keyService(), given.wrappedKey(), given.formatVersion(),
        given.segmentSize(), given.sha256());
    calls.insertOnce("a file with id " + file.id() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO files (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, file.id());
        s.setString(2, file.tenant());
        s.setString(3, file.name());
        s.setString(4, file.contentType());
        s.setLong(5, file.size());
        s.setObject(6, timestamp(file.createdAt()));
        s.setString(7, file.keyService());
        s.setString(8, file.wrappedKey().rootKeyId());
        s.setInt(9, file.wrappedKey().rootKeyVersion());
        s.setBytes(10, file.wrappedKey().ciphertext());
        s.setInt(11, file.formatVersion());
        s.setInt(12, file.segmentSize());
        s.setString(13, file.sha256());
        return s.executeUpdate();
      }
    }, c -> byId(c, file.id()).filter(file::equals).isPresent());
  }

  Optional<FileRecord> get(String tenant, String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(tenant) || !PostgresText.isStorableKey(id)) {
      return Optional.empty(); // no such row can exist
    }
    return calls.run(c -> byId(c, id).filter(f -> f.tenant().equals(tenant)));
  }

  FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
    checkLimit(limit);
    PageCursor after = cursor == null ? null : PageCursor.decode(tenant, cursor);
    if (after != null && (!PostgresText.isStorableKey(after.id()) || !PostgresTime.inRange(after.createdAtMillis()))) {
      throw forgedCursor();
    }
    if (!PostgresText.isStorableKey(tenant)) {
      return new FilePage(List.of(), Optional.empty());
    }
    List<FileRecord> rows = calls.run(c -> {
      String sql = "SELECT " + COLUMNS + " FROM files WHERE tenant = ?"
          + (after == null ? "" : " AND (created_at, id) < (?, ?)")
          + " ORDER BY created_at DESC, id DESC LIMIT ?";
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int i = 1;
        s.setString(i++, tenant);
        if (after != null) {
          s.setObject(i++, timestamp(Instant.ofEpochMilli(after.createdAtMillis())));
          s.setString(i++, after.id());
        }
        s.setInt(i, limit + 1); // one more than asked: tells whether there is a next page
        return records(s);
      }
    });
    if (rows.size() <= limit) {
      return new FilePage(rows, Optional.empty());
    }
    FileRecord last = rows.get(limit - 1);
    String next = new PageCursor(last.createdAt().toEpochMilli(), last.id()).encode(tenant);
    return new FilePage(rows.subList(0, limit), Optional.of(next));
  }

  /** Every row (or the tenant's) by id, after the id in the cursor: the primary key's index serves it. */
  FilePage scan(String tenant, String cursor, int limit) throws EnvelopeException {
    checkLimit(limit);
    String after = cursor == null ? null : PageCursor.decodeScan(tenant, cursor);
    if (after != null && !PostgresText.isStorableKey(after)) {
      throw forgedCursor();
    }
    if (tenant != null && !PostgresText.isStorableKey(tenant)) {
      return new FilePage(List.of(), Optional.empty());
    }
    List<FileRecord> rows = calls.run(c -> {
      String sql = "SELECT " + COLUMNS + " FROM files WHERE true" + (tenant == null ? "" : " AND tenant = ?")
          + (after == null ? "" : " AND id > ?") + " ORDER BY id LIMIT ?";
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int i = 1;
        if (tenant != null) {
          s.setString(i++, tenant);
        }
        if (after != null) {
          s.setString(i++, after);
        }
        s.setInt(i, limit + 1);
        return records(s);
      }
    });
    if (rows.size() <= limit) {
      return new FilePage(rows, Optional.empty());
    }
    return new FilePage(rows.subList(0, limit), Optional.of(PageCursor.encodeScan(tenant, rows.get(limit - 1).id())));
  }

  /**
   * One conditional UPDATE: the row must still have the tenant, id, key service and wrapped key of {@code
   * expected}. Racing updates of one row queue on its lock, and each re-checks the condition on the row the
   * previous one left, so exactly one of them wins.
   */
  boolean replaceWrappedKey(FileRecord expected, String keyService, WrappedKey replacement)
      throws EnvelopeException {
    PostgresText.checkText("key service", keyService);
    PostgresText.checkText("root key id", replacement.rootKeyId());
    WrappedKey was = expected.wrappedKey();
    if (!PostgresText.isStorableKey(expected.tenant()) || !PostgresText.isStorableKey(expected.id())
        || !PostgresText.isStorableText(expected.keyService()) || !PostgresText.isStorableText(was.rootKeyId())) {
      return false; // no row holds such values
    }
    return calls.updateOnce(c -> {
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
        s.setString(8, was.rootKeyId());
        s.setInt(9, was.rootKeyVersion());
        s.setBytes(10, was.ciphertext());
        return s.executeUpdate() > 0;
      }
    }, c -> byId(c, expected.id()).filter(f -> f.tenant().equals(expected.tenant())
        && f.keyService().equals(keyService) && f.wrappedKey().equals(replacement)).isPresent());
  }

  /** One UPDATE of the name and content type; retried like a read, since setting the same values twice is harmless. */
  Optional<FileRecord> rename(String tenant, String id, String name, String contentType) throws EnvelopeException {
    PostgresText.checkText("name", name);
    PostgresText.checkText("content type", contentType);
    if (!PostgresText.isStorableKey(tenant) || !PostgresText.isStorableKey(id)) {
      return Optional.empty();
    }
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE files SET name = ?, content_type = ?"
          + " WHERE tenant = ? AND id = ? RETURNING " + COLUMNS)) {
        s.setString(1, name);
        s.setString(2, contentType);
        s.setString(3, tenant);
        s.setString(4, id);
        List<FileRecord> updated = records(s);
        return updated.isEmpty() ? Optional.empty() : Optional.of(updated.get(0));
      }
    });
  }

  MetadataStore.Usage usage(String tenant) throws EnvelopeException {
    if (!PostgresText.isStorableKey(tenant)) {
      return new MetadataStore.Usage(0, 0);
    }
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT count(*), coalesce(sum(size), 0) FROM files WHERE tenant = ?")) {
        s.setString(1, tenant);
        try (ResultSet rows = s.executeQuery()) {
          rows.next();
          return new MetadataStore.Usage(rows.getLong(1), rows.getLong(2));
        }
      }
    });
  }

  boolean delete(String tenant, String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(tenant) || !PostgresText.isStorableKey(id)) {
      return false;
    }
    // Retried like a read: a retry after a lost answer may say false about a row the first try deleted,
    // which callers treat as "already gone" either way.
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM files WHERE tenant = ? AND id = ?")) {
        s.setString(1, tenant);
        s.setString(2, id);
        return s.executeUpdate() > 0;
      }
    });
  }

  boolean exists(String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return false;
    }
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM files WHERE id = ?")) {
        s.setString(1, id);
        try (ResultSet rows = s.executeQuery()) {
          return rows.next();
        }
      }
    });
  }

  /** Answers when the server takes a query on the table; else {@link ErrorCode#UNAVAILABLE}. */
  void checkReady() throws EnvelopeException {
    calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM files WHERE false");
          ResultSet rows = s.executeQuery()) {
        return rows.next();
      }
    });
  }

  private static void checkLimit(int limit) throws EnvelopeException {
    if (limit < 1 || limit > MetadataStore.MAX_PAGE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "limit must be between 1 and "
          + MetadataStore.MAX_PAGE);
    }
  }

  /** A cursor with a valid check but values this store never writes: only a forger makes one. */
  private static EnvelopeException forgedCursor() {
    return new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
        "the cursor is not one this server made for your listing: start again without a cursor");
  }

  private static List<FileRecord> records(PreparedStatement s) throws SQLException {
    List<FileRecord> found = new ArrayList<>();
    try (ResultSet result = s.executeQuery()) {
      while (result.next()) {
        found.add(record(result));
      }
    }
    return found;
  }

  private static Optional<FileRecord> byId(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM files WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? Optional.of(record(rows)) : Optional.empty();
      }
    }
  }

  private static FileRecord record(ResultSet rows) throws SQLException {
    try {
      return new FileRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
          rows.getLong(5), instant(rows, 6), rows.getString(7),
          WrappedKey.of(rows.getString(8), rows.getInt(9), rows.getBytes(10)), rows.getInt(11), rows.getInt(12),
          rows.getString(13));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new SQLException("a row of the files table is damaged", "XX001", e);
    }
  }
}
