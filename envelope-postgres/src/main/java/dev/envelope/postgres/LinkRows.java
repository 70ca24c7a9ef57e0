package dev.envelope.postgres;

import static dev.envelope.postgres.PostgresTime.instant;
import static dev.envelope.postgres.PostgresTime.timestamp;

import dev.envelope.api.EnvelopeException;
import dev.envelope.service.LinkRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The {@code links} table: one row per share link (the hash of its secret, never the secret), and its mapping.
 * Counting a download is one conditional UPDATE: the row lock makes racing counts take turns, and each re-reads the
 * condition on the row the one before left. It is not retried after a broken connection (a retry could count one
 * download twice); that download fails with 503 instead.
 */
final class LinkRows {
  private static final String COLUMNS = "id, tenant, file_id, secret_hash, created_at, expires_at, max_downloads, "
      + "downloads, revoked_at";

  private final PostgresCalls calls;

  LinkRows(PostgresCalls calls) {
    this.calls = calls;
  }

  void insert(LinkRecord link) throws EnvelopeException {
    PostgresText.checkKey("link id", link.id());
    PostgresText.checkKey("tenant", link.tenant());
    PostgresText.checkKey("file id", link.fileId());
    Instant createdAt = PostgresTime.millis(link.createdAt());
    Instant expiresAt = PostgresTime.millis(link.expiresAt());
    Optional<Instant> revokedAt = link.revokedAt().isPresent()
        ? Optional.of(PostgresTime.millis(link.revokedAt().get())) : Optional.empty();
    byte[] hash = link.secretHash();
    calls.insertOnce("a link with id " + link.id() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO links (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, link.id());
        s.setString(2, link.tenant());
        s.setString(3, link.fileId());
        s.setBytes(4, hash);
        s.setObject(5, timestamp(createdAt));
        s.setObject(6, timestamp(expiresAt));
        s.setObject(7, link.maxDownloads().isPresent() ? link.maxDownloads().getAsLong() : null, Types.BIGINT);
        s.setLong(8, link.downloads());
        s.setObject(9, revokedAt.map(PostgresTime::timestamp).orElse(null), Types.TIMESTAMP_WITH_TIMEZONE);
        return s.executeUpdate();
      }
    }, c -> select(c, "WHERE id = ?", link.id()).stream().anyMatch(l -> l.tenant().equals(link.tenant())
        && l.fileId().equals(link.fileId()) && Arrays.equals(l.secretHash(), hash)
        && l.createdAt().equals(createdAt) && l.expiresAt().equals(expiresAt)));
  }

  Optional<LinkRecord> find(String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return Optional.empty();
    }
    return calls.run(c -> select(c, "WHERE id = ?", id).stream().findFirst());
  }

  List<LinkRecord> list(String tenant, String fileId) throws EnvelopeException {
    if (!PostgresText.isStorableKey(tenant) || !PostgresText.isStorableKey(fileId)) {
      return List.of();
    }
    return calls.run(c -> select(c, "WHERE tenant = ? AND file_id = ?", tenant, fileId));
  }

  boolean revoke(String id, Instant at) throws EnvelopeException {
    return calls.revoke("links", id, at);
  }

  boolean countDownload(String id, Instant now) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return false;
    }
    Instant when = PostgresTime.millis(now);
    return calls.runOnce(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE links SET downloads = downloads + 1 WHERE id = ?"
          + " AND revoked_at IS NULL AND expires_at > ? AND (max_downloads IS NULL OR downloads < max_downloads)")) {
        s.setString(1, id);
        s.setObject(2, timestamp(when));
        return s.executeUpdate() > 0;
      }
    });
  }

  int deleteOf(String tenant, String fileId) throws EnvelopeException {
    if (!PostgresText.isStorableKey(tenant) || !PostgresText.isStorableKey(fileId)) {
      return 0;
    }
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM links WHERE tenant = ? AND file_id = ?")) {
        s.setString(1, tenant);
        s.setString(2, fileId);
        return s.executeUpdate();
      }
    });
  }

  private static List<LinkRecord> select(Connection c, String where, String... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM links " + where + " ORDER BY created_at, id")) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      List<LinkRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          try {
            long max = rows.getLong(7);
            OptionalLong maxDownloads = rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(max);
            found.add(new LinkRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getBytes(4),
                instant(rows, 5), instant(rows, 6), maxDownloads, rows.getLong(8),
                Optional.ofNullable(rows.getObject(9, OffsetDateTime.class)).map(OffsetDateTime::toInstant)));
          } catch (IllegalArgumentException | NullPointerException e) {
            throw new SQLException("a row of the links table is damaged", "XX001", e);
          }
        }
      }
      return found;
    }
  }
}
