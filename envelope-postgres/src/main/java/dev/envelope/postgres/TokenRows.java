package dev.envelope.postgres;

import static dev.envelope.postgres.PostgresTime.instant;
import static dev.envelope.postgres.PostgresTime.timestamp;

import dev.envelope.api.EnvelopeException;
import dev.envelope.service.Role;
import dev.envelope.service.TokenRecord;
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

/** The {@code tokens} table: one row per bearer token (its hash, never its text), and its mapping. */
final class TokenRows {
  private static final String COLUMNS = "id, tenant, role, name, secret_hash, created_at, revoked_at, expires_at, "
      + "last_used_at";

  private final PostgresCalls calls;

  TokenRows(PostgresCalls calls) {
    this.calls = calls;
  }

  void insert(TokenRecord token) throws EnvelopeException {
    PostgresText.checkKey("token id", token.id());
    PostgresText.checkKey("tenant", token.tenant());
    PostgresText.checkText("token name", token.name());
    Instant createdAt = PostgresTime.millis(token.createdAt());
    Optional<Instant> revokedAt = millis(token.revokedAt());
    Optional<Instant> expiresAt = millis(token.expiresAt());
    Optional<Instant> lastUsedAt = millis(token.lastUsedAt());
    byte[] hash = token.secretHash();
    calls.insertOnce("a token with id " + token.id() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO tokens (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, token.id());
        s.setString(2, token.tenant());
        s.setString(3, token.role().id());
        s.setString(4, token.name());
        s.setBytes(5, hash);
        s.setObject(6, timestamp(createdAt));
        s.setObject(7, revokedAt.map(PostgresTime::timestamp).orElse(null), Types.TIMESTAMP_WITH_TIMEZONE);
        s.setObject(8, expiresAt.map(PostgresTime::timestamp).orElse(null), Types.TIMESTAMP_WITH_TIMEZONE);
        s.setObject(9, lastUsedAt.map(PostgresTime::timestamp).orElse(null), Types.TIMESTAMP_WITH_TIMEZONE);
        return s.executeUpdate();
      }
    }, c -> select(c, "WHERE id = ?", token.id()).stream().anyMatch(t -> t.tenant().equals(token.tenant())
        && t.role() == token.role() && t.name().equals(token.name()) && Arrays.equals(t.secretHash(), hash)
        && t.createdAt().equals(createdAt) && t.revokedAt().equals(revokedAt) && t.expiresAt().equals(expiresAt)));
  }

  Optional<TokenRecord> find(String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return Optional.empty();
    }
    return calls.run(c -> select(c, "WHERE id = ?", id).stream().findFirst());
  }

  List<TokenRecord> list(String tenant) throws EnvelopeException {
    if (tenant == null) {
      return calls.run(c -> select(c, ""));
    }
    return PostgresText.isStorableKey(tenant) ? calls.run(c -> select(c, "WHERE tenant = ?", tenant)) : List.of();
  }

  boolean revoke(String id, Instant at) throws EnvelopeException {
    return calls.revoke("tokens", id, at);
  }

  void recordUse(String id, Instant at) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return;
    }
    Instant when = PostgresTime.millis(at);
    calls.run(c -> { // idempotent: never moves the time back, so a retry changes nothing
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
        s.setObject(1, timestamp(when));
        s.setString(2, id);
        s.setObject(3, timestamp(when));
        return s.executeUpdate();
      }
    });
  }

  boolean any() throws EnvelopeException {
    return calls.run(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM tokens)");
          ResultSet rows = s.executeQuery()) {
        return rows.next() && rows.getBoolean(1);
      }
    });
  }

  private static Optional<Instant> millis(Optional<Instant> at) throws EnvelopeException {
    return at.isPresent() ? Optional.of(PostgresTime.millis(at.get())) : Optional.empty();
  }

  private static Optional<Instant> optionalInstant(ResultSet rows, int column) throws SQLException {
    return Optional.ofNullable(rows.getObject(column, OffsetDateTime.class)).map(OffsetDateTime::toInstant);
  }

  private static List<TokenRecord> select(Connection c, String where, String... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM tokens " + where + " ORDER BY created_at, id")) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      List<TokenRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          try {
            found.add(new TokenRecord(rows.getString(1), rows.getString(2), Role.parse(rows.getString(3)),
                rows.getString(4), rows.getBytes(5), instant(rows, 6), optionalInstant(rows, 7),
                optionalInstant(rows, 8), optionalInstant(rows, 9)));
          } catch (IllegalArgumentException | NullPointerException e) {
            throw new SQLException("a row of the tokens table is damaged", "XX001", e);
          }
        }
      }
      return found;
    }
  }
}
