package dev.envelope.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How the PostgreSQL store talks to the server: a HikariCP pool, every statement in auto-commit mode and bounded
 * in time, a statement whose connection broke tried again on a new one, and failures translated to the error
 * contract ({@link PostgresErrors}). The rows themselves are {@link FileRows}', {@link TokenRows}' and
 * {@link TenantRows}'.
 */
final class PostgresCalls implements AutoCloseable {
  private static final int ATTEMPTS = 3;

  /** One unit of work on a pooled connection. */
  interface Sql<T> {
    T apply(Connection connection) throws SQLException;
  }

  private final HikariDataSource pool;

  private PostgresCalls(HikariDataSource pool) {
    this.pool = pool;
  }

  /** Connects, and creates or migrates the tables ({@link PostgresSchema}). */
  static PostgresCalls open(PostgresConfig config) throws EnvelopeException {
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari(config));
    } catch (RuntimeException e) { // the pool's PoolInitializationException, with the driver's SQLException
      SQLException cause = sqlCause(e);
      if (cause == null) {
        throw new EnvelopeException(ErrorCode.UNAVAILABLE, "cannot open the PostgreSQL metadata database at "
            + config.jdbcUrl() + ": " + e.getClass().getSimpleName(), e);
      }
      throw PostgresErrors.openFailure(config, cause);
    }
    try (Connection connection = pool.getConnection()) {
      PostgresSchema.migrate(connection, config.schema());
    } catch (SQLException e) {
      pool.close();
      throw PostgresErrors.openFailure(config, e);
    } catch (EnvelopeException | RuntimeException e) {
      pool.close();
      throw e;
    }
    return new PostgresCalls(pool);
  }

  private static HikariConfig hikari(PostgresConfig config) {
    HikariConfig h = new HikariConfig();
    h.setPoolName("envelope-postgres");
    h.setJdbcUrl(config.jdbcUrl());
    h.setUsername(config.user());
    h.setPassword(config.password());
    h.setMaximumPoolSize(config.maxPoolSize());
    h.setMinimumIdle(Math.min(2, config.maxPoolSize()));
    long connectMillis = config.connectionTimeout().toMillis();
    h.setConnectionTimeout(connectMillis);
    h.setValidationTimeout(Math.max(250, Math.min(2000, connectMillis)));
    h.setInitializationFailTimeout(1); // one attempt when opening: a wrong password fails at once, clearly
    h.setAutoCommit(true);
    long seconds = Math.max(1, (connectMillis + 999) / 1000);
    h.addDataSourceProperty("connectTimeout", String.valueOf(seconds));
    h.addDataSourceProperty("loginTimeout", String.valueOf(seconds));
    h.addDataSourceProperty("socketTimeout", String.valueOf(config.statementTimeout().toSeconds() + 15));
    h.addDataSourceProperty("tcpKeepAlive", "true");
    h.addDataSourceProperty("ApplicationName", "envelope");
    h.addDataSourceProperty("options", "-c statement_timeout=" + config.statementTimeout().toMillis());
    config.schema().ifPresent(schema -> h.addDataSourceProperty("currentSchema", schema));
    return h;
  }

  /**
   * Runs {@code sql}, again on a new connection (at most {@value #ATTEMPTS} tries) when its connection broke.
   * Failing to get a connection is not retried: the pool has already tried for the whole connection timeout.
   */
  <T> T run(Sql<T> sql) throws EnvelopeException {
    for (int attempt = 1; ; attempt++) {
      try (Connection connection = connection()) {
        return sql.apply(connection);
      } catch (SQLException e) {
        if (attempt >= ATTEMPTS || !retryable(e)) {
          throw translate(e);
        }
        pause(attempt);
      }
    }
  }

  /**
   * Runs {@code sql} once: for a statement that must not be repeated when its answer is lost (counting a download).
   * A broken connection is {@link ErrorCode#UNAVAILABLE}; the connections opened before it are retired as by
   * {@link #run}.
   */
  <T> T runOnce(Sql<T> sql) throws EnvelopeException {
    try (Connection connection = connection()) {
      return sql.apply(connection);
    } catch (SQLException e) {
      retryable(e);
      throw translate(e);
    }
  }

  /**
   * Runs {@code sql} as one transaction, once, like {@link #runOnce}: a transaction whose commit's answer was lost
   * may have been committed, and running it again would read its own rows as someone else's.
   */
  <T> T transactionOnce(Sql<T> sql) throws EnvelopeException {
    return runOnce(c -> {
      c.setAutoCommit(false);
      try {
        T result = sql.apply(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException broken) {
          e.addSuppressed(broken); // the server rolls back a transaction whose connection broke
        }
        throw e;
      } finally {
        c.setAutoCommit(true); // the pool would reset it too
      }
    });
  }

  /**
   * Runs an insert like {@link #run}; a duplicate key is {@link ErrorCode#ALREADY_EXISTS}, except on a retry
   * after a broken connection, where a duplicate for which {@code isOurs} holds is the first try's row: success.
   */
  void insertOnce(String duplicateMessage, Sql<Integer> insert, Sql<Boolean> isOurs) throws EnvelopeException {
    for (int attempt = 1; ; attempt++) {
      try (Connection connection = connection()) {
        insert.apply(connection);
        return;
      } catch (SQLException e) {
        if (PostgresErrors.UNIQUE_VIOLATION.equals(e.getSQLState())) {
          if (attempt > 1 && run(isOurs)) {
            return;
          }
          throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, duplicateMessage, e);
        }
        if (attempt >= ATTEMPTS || !retryable(e)) {
          throw translate(e);
        }
        pause(attempt);
      }
    }
  }

  /**
   * Runs a conditional update like {@link #run}. When a retry after a broken connection matches no row, the first
   * try may have been committed without our hearing of it: if {@code isOurs} finds the row as that try left it,
   * the update counts as done (the values it checks are fresh, so nobody else writes them).
   */
  /**
   * Sets {@code revoked_at} of the row {@code id} of {@code table} (tokens, links) to {@code at} unless it has one:
   * idempotent, so a retry keeps the first revocation time and answers the same. False when there is no such row.
   */
  boolean revoke(String table, String id, java.time.Instant at) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return false;
    }
    java.time.OffsetDateTime when = PostgresTime.timestamp(PostgresTime.millis(at));
    return run(c -> {
      try (java.sql.PreparedStatement s = c.prepareStatement(
          "UPDATE " + table + " SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?")) {
        s.setObject(1, when);
        s.setString(2, id);
        return s.executeUpdate() > 0;
      }
    });
  }

  boolean updateOnce(Sql<Boolean> update, Sql<Boolean> isOurs) throws EnvelopeException {
    int[] attempts = {0};
    boolean updated = run(c -> {
      attempts[0]++;
      return update.apply(c);
    });
    return updated || attempts[0] > 1 && run(isOurs);
  }

  /**
   * Whether a failure is a broken connection that another connection may cure. One broken connection means
   * the others, opened before the same restart, are likely broken too: they are all retired (idle ones now,
   * busy ones when returned), so the retry gets a new one instead of the next dead one.
   */
  private boolean retryable(SQLException e) {
    if (!PostgresErrors.isBrokenConnection(e) || pool.isClosed()) {
      return false;
    }
    pool.getHikariPoolMXBean().softEvictConnections();
    return true;
  }

  /** A pooled connection, or UNAVAILABLE once the pool's connection timeout has passed without one. */
  private Connection connection() throws EnvelopeException {
    try {
      return pool.getConnection();
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  private EnvelopeException translate(SQLException e) {
    if (pool.isClosed()) {
      return new EnvelopeException(ErrorCode.UNAVAILABLE, "the PostgreSQL metadata store is closed", e);
    }
    return PostgresErrors.translate(e);
  }

  /** Backoff with full jitter: up to 100 ms, then 200 ms. */
  private static void pause(int attempt) throws EnvelopeException {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 100L << (attempt - 1)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "interrupted while waiting to retry", e);
    }
  }

  private static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        return s;
      }
      if (t == t.getCause()) {
        break;
      }
    }
    return null;
  }

  String jdbcUrl() {
    return pool.getJdbcUrl();
  }

  /** Closes every connection; calls after this are {@link ErrorCode#UNAVAILABLE}. */
  @Override
  public void close() {
    pool.close();
  }
}
