package dev.envelope.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.Role;
import dev.envelope.service.TokenRecord;
import dev.envelope.service.TokenStore;
import dev.envelope.service.local.PageCursor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * File rows and tokens in a PostgreSQL database, shared by every node of a cluster. Connections come from a
 * HikariCP pool ({@link PostgresConfig#maxPoolSize()} at most); every statement runs in auto-commit mode, so a
 * row is committed (and, with PostgreSQL's defaults, on disk) when {@link #insert} returns. The tables are
 * versioned and migrated on {@link #open} ({@link PostgresSchema}); listings page by key set with an opaque,
 * tamper-checked cursor.
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li>Every call is bounded in time (see {@link PostgresConfig}); a server that is down, restarting, refusing
 *       logins or too busy is {@link ErrorCode#UNAVAILABLE}, a statement that fails for any other reason (a
 *       bug) {@link ErrorCode#INTERNAL}. Messages name neither SQL nor the password; the
 *       {@link SQLException} is the cause, for logs.
 *   <li>Nothing is kept broken: the pool checks a connection before handing it out and replaces dead ones, and
 *       a statement that fails because its connection broke (a server restart) is tried again, at most twice,
 *       on a new connection. The same store object works again once the server is back: the pool tries new
 *       connections with a backoff that grows to at most 5 s (HikariCP's), so within about 5 s.
 *   <li>An insert whose connection broke may have been committed without our hearing of it. It is tried again:
 *       the second insert waits for the first one's transaction, and a duplicate that is field for field the
 *       row we were inserting counts as success. Only when no retry reaches the server does the caller get
 *       {@link ErrorCode#UNAVAILABLE} without knowing whether the row is there.
 * </ul>
 *
 * <h2>Restrictions</h2>
 * PostgreSQL text cannot hold NUL, and this store refuses text that is not valid UTF-16 (a lone surrogate)
 * rather than let the driver mangle it: inserting either is {@link ErrorCode#INVALID_ARGUMENT}, looking either
 * up finds nothing. Ids and tenants are at most {@value #MAX_KEY_BYTES} bytes of UTF-8 (they are indexed);
 * {@code createdAt} is kept at millisecond precision (finer digits are cut) and must lie in the years 0 to
 * 9999.
 */
public final class PostgresMetadataStore implements MetadataStore, TokenStore {
  /** Longest id or tenant in UTF-8 bytes: keeps index rows well under PostgreSQL's limit (about 2.7 kB). */
  public static final int MAX_KEY_BYTES = PostgresText.MAX_KEY_BYTES;

  private static final String FILE_COLUMNS = "id, tenant, name, content_type, size, created_at, key_service, "
      + "root_key_id, root_key_version, wrapped_key, format_version, segment_size";
  private static final String TOKEN_COLUMNS = "id, tenant, role, name, secret_hash, created_at, revoked_at";
  private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");
  private static final int ATTEMPTS = 3;

  /** One unit of work on a pooled connection. */
  private interface Sql<T> {
    T apply(Connection connection) throws SQLException;
  }

  private final HikariDataSource pool;

  private PostgresMetadataStore(HikariDataSource pool) {
    this.pool = pool;
  }

  /**
   * Connects, and creates or migrates the tables.
   *
   * @throws EnvelopeException {@link ErrorCode#UNAVAILABLE} if the server cannot be reached or refuses the
   *     login or the database (the message says which, never the password),
   *     {@link ErrorCode#UNSUPPORTED_FORMAT} if a newer version of Envelope made the tables
   */
  public static PostgresMetadataStore open(PostgresConfig config) throws EnvelopeException {
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari(config));
    } catch (RuntimeException e) { // the pool's PoolInitializationException, with the driver's SQLException
      SQLException cause = sqlCause(e);
      if (cause == null) {
        throw new EnvelopeException(ErrorCode.UNAVAILABLE,
            "cannot open the PostgreSQL metadata database at " + config.jdbcUrl() + ": " + e.getClass().getSimpleName(), e);
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
    return new PostgresMetadataStore(pool);
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

  @Override
  public void insert(FileRecord given) throws EnvelopeException {
    PostgresText.checkKey("id", given.id());
    PostgresText.checkKey("tenant", given.tenant());
    PostgresText.checkText("name", given.name());
    PostgresText.checkText("content type", given.contentType());
    PostgresText.checkText("key service", given.keyService());
    PostgresText.checkText("root key id", given.wrappedKey().rootKeyId());
    FileRecord file = new FileRecord(given.id(), given.tenant(), given.name(), given.contentType(), given.size(),
        millis(given.createdAt()), given.keyService(), given.wrappedKey(), given.formatVersion(),
        given.segmentSize());
    insertOnce("a file with id " + file.id() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO files (" + FILE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
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
        return s.executeUpdate();
      }
    }, c -> fileById(c, file.id()).filter(file::equals).isPresent());
  }

  @Override
  public Optional<FileRecord> get(String tenant, String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(tenant) || !PostgresText.isStorableKey(id)) {
      return Optional.empty(); // no such row can exist
    }
    return run(c -> fileById(c, id).filter(f -> f.tenant().equals(tenant)));
  }

  @Override
  public FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "limit must be between 1 and " + MAX_PAGE);
    }
    PageCursor after = cursor == null ? null : PageCursor.decode(tenant, cursor);
    if (after != null && (!PostgresText.isStorableKey(after.id()) || !inRange(after.createdAtMillis()))) {
      // A cursor with a valid check but values this store never writes: only a forger makes one.
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "the cursor is not one this server made for your listing: start again without a cursor");
    }
    if (!PostgresText.isStorableKey(tenant)) {
      return new FilePage(List.of(), Optional.empty());
    }
    List<FileRecord> rows = run(c -> {
      String sql = "SELECT " + FILE_COLUMNS + " FROM files WHERE tenant = ?"
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
        List<FileRecord> found = new ArrayList<>();
        try (ResultSet result = s.executeQuery()) {
          while (result.next()) {
            found.add(fileRecord(result));
          }
        }
        return found;
      }
    });
    if (rows.size() <= limit) {
      return new FilePage(rows, Optional.empty());
    }
    FileRecord last = rows.get(limit - 1);
    String next = new PageCursor(last.createdAt().toEpochMilli(), last.id()).encode(tenant);
    return new FilePage(rows.subList(0, limit), Optional.of(next));
  }

  @Override
  public boolean delete(String tenant, String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(tenant) || !PostgresText.isStorableKey(id)) {
      return false;
    }
    // Retried like a read: a retry after a lost answer may say false about a row the first try deleted,
    // which callers treat as "already gone" either way.
    return run(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM files WHERE tenant = ? AND id = ?")) {
        s.setString(1, tenant);
        s.setString(2, id);
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public boolean exists(String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return false;
    }
    return run(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM files WHERE id = ?")) {
        s.setString(1, id);
        try (ResultSet rows = s.executeQuery()) {
          return rows.next();
        }
      }
    });
  }

  @Override
  public void insertToken(TokenRecord token) throws EnvelopeException {
    PostgresText.checkKey("token id", token.id());
    PostgresText.checkKey("tenant", token.tenant());
    PostgresText.checkText("token name", token.name());
    Instant createdAt = millis(token.createdAt());
    Optional<Instant> revokedAt = token.revokedAt().isPresent()
        ? Optional.of(millis(token.revokedAt().get())) : Optional.empty();
    byte[] hash = token.secretHash();
    insertOnce("a token with id " + token.id() + " already exists", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO tokens (" + TOKEN_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, token.id());
        s.setString(2, token.tenant());
        s.setString(3, token.role().id());
        s.setString(4, token.name());
        s.setBytes(5, hash);
        s.setObject(6, timestamp(createdAt));
        s.setObject(7, revokedAt.map(PostgresMetadataStore::timestamp).orElse(null), java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
        return s.executeUpdate();
      }
    }, c -> tokens(c, "WHERE id = ?", token.id()).stream().anyMatch(t -> t.tenant().equals(token.tenant())
        && t.role() == token.role() && t.name().equals(token.name()) && Arrays.equals(t.secretHash(), hash)
        && t.createdAt().equals(createdAt) && t.revokedAt().equals(revokedAt)));
  }

  @Override
  public Optional<TokenRecord> findToken(String id) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return Optional.empty();
    }
    return run(c -> tokens(c, "WHERE id = ?", id).stream().findFirst());
  }

  @Override
  public List<TokenRecord> listTokens(String tenant) throws EnvelopeException {
    if (tenant == null) {
      return run(c -> tokens(c, ""));
    }
    return PostgresText.isStorableKey(tenant) ? run(c -> tokens(c, "WHERE tenant = ?", tenant)) : List.of();
  }

  @Override
  public boolean revokeToken(String id, Instant at) throws EnvelopeException {
    if (!PostgresText.isStorableKey(id)) {
      return false;
    }
    Instant when = millis(at);
    return run(c -> { // idempotent: a retry keeps the first revocation time and answers the same
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?")) {
        s.setObject(1, timestamp(when));
        s.setString(2, id);
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public boolean hasTokens() throws EnvelopeException {
    return run(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM tokens)");
          ResultSet rows = s.executeQuery()) {
        return rows.next() && rows.getBoolean(1);
      }
    });
  }

  /** Answers when the server takes a query on the store's tables; else {@link ErrorCode#UNAVAILABLE}. */
  @Override
  public void checkReady() throws EnvelopeException {
    run(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM files WHERE false");
          ResultSet rows = s.executeQuery()) {
        return rows.next();
      }
    });
  }

  /** Closes every connection; calls after this are {@link ErrorCode#UNAVAILABLE}. */
  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return "PostgresMetadataStore[" + pool.getJdbcUrl() + "]";
  }

  // --- running statements

  /**
   * Runs {@code sql}, again on a new connection (at most {@value #ATTEMPTS} tries) when its connection broke.
   * Failing to get a connection is not retried: the pool has already tried for the whole connection timeout.
   */
  private <T> T run(Sql<T> sql) throws EnvelopeException {
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
   * Runs an insert like {@link #run}; a duplicate key is {@link ErrorCode#ALREADY_EXISTS}, except on a retry
   * after a broken connection, where a duplicate for which {@code isOurs} holds is the first try's row: success.
   */
  private void insertOnce(String duplicateMessage, Sql<Integer> insert, Sql<Boolean> isOurs)
      throws EnvelopeException {
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

  // --- rows

  private static Optional<FileRecord> fileById(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + FILE_COLUMNS + " FROM files WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? Optional.of(fileRecord(rows)) : Optional.empty();
      }
    }
  }

  private static FileRecord fileRecord(ResultSet rows) throws SQLException {
    try {
      return new FileRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
          rows.getLong(5), instant(rows, 6), rows.getString(7),
          WrappedKey.of(rows.getString(8), rows.getInt(9), rows.getBytes(10)), rows.getInt(11), rows.getInt(12));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new SQLException("a row of the files table is damaged", "XX001", e);
    }
  }

  private static List<TokenRecord> tokens(Connection c, String where, String... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + TOKEN_COLUMNS + " FROM tokens " + where + " ORDER BY created_at, id")) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      List<TokenRecord> found = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          try {
            OffsetDateTime revoked = rows.getObject(7, OffsetDateTime.class);
            found.add(new TokenRecord(rows.getString(1), rows.getString(2), Role.parse(rows.getString(3)),
                rows.getString(4), rows.getBytes(5), instant(rows, 6),
                Optional.ofNullable(revoked).map(OffsetDateTime::toInstant)));
          } catch (IllegalArgumentException | NullPointerException e) {
            throw new SQLException("a row of the tokens table is damaged", "XX001", e);
          }
        }
      }
      return found;
    }
  }

  private static Instant instant(ResultSet rows, int column) throws SQLException {
    return rows.getObject(column, OffsetDateTime.class).toInstant();
  }

  private static OffsetDateTime timestamp(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  /** {@code instant} cut to milliseconds; INVALID_ARGUMENT outside the years 0 to 9999. */
  private static Instant millis(Instant instant) throws EnvelopeException {
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a time must lie in the years 0 to 9999");
    }
    return instant.truncatedTo(ChronoUnit.MILLIS);
  }

  private static boolean inRange(long epochMillis) {
    return epochMillis >= EARLIEST.toEpochMilli() && epochMillis <= LATEST.toEpochMilli();
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
}
