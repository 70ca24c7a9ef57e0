package dev.envelope.postgres;

import static dev.envelope.postgres.PostgresTime.instant;
import static dev.envelope.postgres.PostgresTime.timestamp;

import dev.envelope.api.EnvelopeException;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.Tenants;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code tenants} table: one row per tenant with a root key of its own, and its mapping. */
final class TenantRows {
  private static final String COLUMNS = "name, root_key, key_service, own_key, state, created_at, updated_at, "
      + "quota_bytes";

  private final PostgresCalls calls;

  TenantRows(PostgresCalls calls) {
    this.calls = calls;
  }

  void insert(TenantRecord given) throws EnvelopeException {
    TenantRecord tenant = storable(given);
    calls.insertOnce("a tenant named " + tenant.name() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO tenants (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        bind(s, 1, tenant);
        bindQuota(s, 8, tenant);
        return s.executeUpdate();
      }
    }, c -> select(c, "WHERE name = ?", tenant.name()).stream().anyMatch(tenant::equals));
  }

  Optional<TenantRecord> find(String name) throws EnvelopeException {
    if (!Tenants.isValid(name)) {
      return Optional.empty(); // no record has such a name
    }
    return calls.run(c -> select(c, "WHERE name = ?", name).stream().findFirst());
  }

  List<TenantRecord> list() throws EnvelopeException {
    return calls.run(c -> select(c, ""));
  }

  /**
   * One conditional UPDATE on every column: racing updates of one row queue on its lock, and each re-checks the
   * condition on the row the previous one left, so exactly one of them wins.
   */
  boolean replace(TenantRecord expected, TenantRecord updated) throws EnvelopeException {
    if (!expected.name().equals(updated.name())) {
      throw new IllegalArgumentException("a tenant cannot be renamed");
    }
    TenantRecord next = storable(updated);
    TenantRecord was;
    try {
      was = storable(expected);
    } catch (EnvelopeException e) {
      return false; // no row holds such values
    }
    return calls.updateOnce(c -> {
      // The quota is not compared: any change to it moved updated_at, which is.
      try (PreparedStatement s = c.prepareStatement("UPDATE tenants SET name = ?, root_key = ?, key_service = ?,"
          + " own_key = ?, state = ?, created_at = ?, updated_at = ?, quota_bytes = ? WHERE name = ? AND root_key = ?"
          + " AND key_service = ? AND own_key = ? AND state = ? AND created_at = ? AND updated_at = ?")) {
        bind(s, 1, next);
        bindQuota(s, 8, next);
        bind(s, 9, was);
        return s.executeUpdate() > 0;
      }
    }, c -> select(c, "WHERE name = ?", next.name()).stream().anyMatch(next::equals));
  }

  /** The record as the table keeps it (times cut to milliseconds); INVALID_ARGUMENT for text it cannot hold. */
  private static TenantRecord storable(TenantRecord t) throws EnvelopeException {
    PostgresText.checkText("root key", t.rootKey());
    PostgresText.checkText("key service", t.keyService());
    return new TenantRecord(t.name(), t.rootKey(), t.keyService(), t.ownKey(), t.state(),
        PostgresTime.millis(t.createdAt()), PostgresTime.millis(t.updatedAt()), t.quotaBytes());
  }

  private static void bind(PreparedStatement s, int from, TenantRecord t) throws SQLException {
    s.setString(from, t.name());
    s.setString(from + 1, t.rootKey());
    s.setString(from + 2, t.keyService());
    s.setBoolean(from + 3, t.ownKey());
    s.setString(from + 4, t.state().id());
    s.setObject(from + 5, timestamp(t.createdAt()));
    s.setObject(from + 6, timestamp(t.updatedAt()));
  }

  private static void bindQuota(PreparedStatement s, int index, TenantRecord t) throws SQLException {
    if (t.quotaBytes() == null) {
      s.setNull(index, java.sql.Types.BIGINT);
    } else {
      s.setLong(index, t.quotaBytes());
    }
  }

  private static List<TenantRecord> select(Connection c, String where, String... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM tenants " + where + " ORDER BY name")) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      List<TenantRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          try {
            found.add(new TenantRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getBoolean(4),
                TenantRecord.State.parse(rows.getString(5)), instant(rows, 6), instant(rows, 7),
                rows.getObject(8) == null ? null : rows.getLong(8)));
          } catch (IllegalArgumentException | NullPointerException e) {
            throw new SQLException("a row of the tenants table is damaged", "XX001", e);
          }
        }
      }
      return found;
    }
  }
}
