package dev.envelope.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FileRecord;
import dev.envelope.service.Role;
import dev.envelope.service.TokenRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store when PostgreSQL is down, restarts, refuses the login, or hangs: every call ends within its bound
 * as {@link ErrorCode#UNAVAILABLE}, no message holds the password, and the same store recovers on its own.
 * "Within its bound" is measured: each failing call must end within the bound {@link PostgresConfig} documents
 * for that failure plus {@link #SLACK}. {@link #HANG} only stops a test that would otherwise never end.
 */
class PostgresOutageTest {
  private static final Instant T0 = Instant.parse("2026-05-06T07:08:09.010Z");
  private static final Duration HANG = Duration.ofSeconds(60);
  /**
   * Added to a configured bound before a call counts as too slow: generous, for a shared and noisy machine, yet
   * far below what an ignored timeout costs (HikariCP's default connection timeout alone is 30 s).
   */
  private static final Duration SLACK = Duration.ofSeconds(3);
  @TempDir
  static Path dir;
  private static PostgresFixture postgres;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresFixture.start(dir.resolve("pg"));
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @AfterEach
  void serverRunsAgain() {
    postgres.restart();
  }

  @Test
  void stoppedServer_isUnavailable_withinTheBound_andTheSameStoreRecoversAfterRestart() throws Exception {
    PostgresConfig base = postgres.config(postgres.createDatabase());
    PostgresConfig quick = PostgresConfig.builder(base.jdbcUrl()).user(base.user()).password(base.password())
        .connectionTimeout(Duration.ofMillis(500)).build();
    try (PostgresMetadataStore store = PostgresMetadataStore.open(quick)) {
      store.insert(file("before"));
      postgres.stop();
      List<Executable> calls = List.of(
          () -> store.insert(file("during")),
          () -> store.get("acme", "before"),
          () -> store.list("acme", null, 10),
          () -> store.delete("acme", "before"),
          () -> store.exists("before"),
          store::checkReady,
          () -> store.insertToken(token("aaaaaaaaaaaaaaaa")),
          () -> store.findToken("aaaaaaaaaaaaaaaa"),
          () -> store.listTokens(null),
          () -> store.revokeToken("aaaaaaaaaaaaaaaa", T0),
          store::hasTokens);
      for (Executable call : calls) {
        // A stopped server refuses connections at once; the pool retries them until the connection timeout.
        assertUnavailableWithoutPassword(quick.connectionTimeout(), call);
      }
      postgres.restart();
      awaitReady(store); // the pool retries new connections with a backoff of up to 5 s
      assertEquals(Optional.of(file("before")), store.get("acme", "before"));
      store.insert(file("after"));
      assertEquals(2, store.list("acme", null, 10).files().size());
      assertFalse(store.exists("during"));
    }
  }

  @Test
  void connectionsCutUnderTheStore_areReplaced_withoutAFailedCall() throws Exception {
    String db = postgres.createDatabase();
    try (PostgresMetadataStore store = PostgresMetadataStore.open(postgres.config(db))) {
      for (int round = 0; round < 5; round++) {
        store.insert(file("f" + round)); // warms the pool's connections, used again at once below
        terminateConnections(db);
        store.insert(file("g" + round));
        assertTrue(store.exists("f" + round));
        terminateConnections(db);
        assertEquals(2 * (round + 1), store.list("acme", null, 100).files().size());
      }
    }
  }

  @Test
  void openingWhileTheServerIsDown_isUnavailable_andSaysWhy() {
    String db = postgres.createDatabase();
    postgres.stop();
    PostgresConfig config = postgres.config(db);
    EnvelopeException e = assertUnavailableWithoutPassword(config.connectionTimeout(),
        () -> PostgresMetadataStore.open(config));
    assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
    assertTrue(e.getMessage().contains(postgres.jdbcUrl(db)), e.getMessage());
  }

  @Test
  void wrongPassword_isASettingsMistake_andSaysSo_withoutEitherPassword() {
    PostgresConfig good = postgres.config(postgres.createDatabase());
    String wrong = "wrong-" + postgres.password();
    PostgresConfig bad = PostgresConfig.builder(good.jdbcUrl()).user(good.user()).password(wrong).build();
    EnvelopeException e = assertFailsWithoutPassword(ErrorCode.INVALID_ARGUMENT, bad.connectionTimeout(),
        () -> PostgresMetadataStore.open(bad));
    assertTrue(e.getMessage().contains("refused the user name or password"), e.getMessage());
    assertFalse(stackTrace(e).contains(wrong), "the wrong password must not show either");
  }

  @Test
  void unknownUser_andMissingDatabase_sayWhatIsWrong() {
    PostgresConfig good = postgres.config(postgres.createDatabase());
    PostgresConfig nobody = PostgresConfig.builder(good.jdbcUrl()).user("nobody").password(postgres.password()).build();
    assertTrue(assertFailsWithoutPassword(ErrorCode.INVALID_ARGUMENT, nobody.connectionTimeout(),
        () -> PostgresMetadataStore.open(nobody)).getMessage().contains("refused the user name or password"));
    PostgresConfig missing = postgres.config("no_such_database");
    assertTrue(assertFailsWithoutPassword(ErrorCode.INVALID_ARGUMENT, missing.connectionTimeout(),
        () -> PostgresMetadataStore.open(missing)).getMessage().contains("the database does not exist"));
  }

  @Test
  void statementStuckBehindALock_isCancelledByTheStatementTimeout() throws Exception {
    String db = postgres.createDatabase();
    PostgresConfig base = postgres.config(db);
    PostgresConfig quick = PostgresConfig.builder(base.jdbcUrl()).user(base.user()).password(base.password())
        .statementTimeout(Duration.ofSeconds(1)).build();
    try (PostgresMetadataStore store = PostgresMetadataStore.open(quick);
        Connection locker = DriverManager.getConnection(base.jdbcUrl(), base.user(), base.password())) {
      locker.setAutoCommit(false);
      try (Statement s = locker.createStatement()) {
        s.execute("LOCK TABLE files IN ACCESS EXCLUSIVE MODE");
        // The pool has connections ready: the wait is the statement's, which the server cancels.
        assertUnavailableWithoutPassword(quick.statementTimeout(), () -> store.get("acme", "f1"));
        locker.rollback();
      }
      store.insert(file("f1"));
      assertTrue(store.exists("f1"));
    }
  }

  @Test
  void closedStore_isUnavailable() throws Exception {
    PostgresConfig config = postgres.config(postgres.createDatabase());
    PostgresMetadataStore store = PostgresMetadataStore.open(config);
    store.close();
    EnvelopeException e = assertUnavailableWithoutPassword(config.connectionTimeout(), () -> store.get("acme", "f1"));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertUnavailableWithoutPassword(config.connectionTimeout(), () -> store.insert(file("f1")));
  }

  /** Waits until the store answers again; fails after {@link #HANG}. */
  private static void awaitReady(PostgresMetadataStore store) throws InterruptedException {
    long deadline = System.nanoTime() + HANG.toNanos();
    while (true) {
      try {
        store.checkReady();
        return;
      } catch (EnvelopeException e) {
        assertEquals(ErrorCode.UNAVAILABLE, e.code(), e.getMessage());
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the store did not recover in " + HANG, e);
        }
        Thread.sleep(100);
      }
    }
  }

  /** {@code call} fails as UNAVAILABLE within {@code bound} (plus {@link #SLACK}), without the password. */
  private static EnvelopeException assertUnavailableWithoutPassword(Duration bound, Executable call) {
    return assertFailsWithoutPassword(ErrorCode.UNAVAILABLE, bound, call);
  }

  private static EnvelopeException assertFailsWithoutPassword(ErrorCode code, Duration bound, Executable call) {
    long start = System.nanoTime();
    EnvelopeException e = assertTimeoutPreemptively(HANG, () -> assertThrows(EnvelopeException.class, call));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(bound.plus(SLACK)) <= 0, "the call failed after " + took.toMillis()
        + " ms; its configured bound is " + bound.toMillis() + " ms (" + SLACK.toMillis() + " ms of slack allowed)");
    assertEquals(code, e.code(), e.getMessage());
    assertFalse(stackTrace(e).contains(postgres.password()), "the password shows in " + stackTrace(e));
    return e;
  }

  private static String stackTrace(Throwable e) {
    StringWriter text = new StringWriter();
    e.printStackTrace(new PrintWriter(text));
    return text.toString();
  }

  /**
   * Terminates every other backend on {@code db}, and fails unless there was one: the store has just used its
   * pool, so its connections must be among them, or the test would cut nothing and prove nothing.
   */
  private static void terminateConnections(String db) throws Exception {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(db), postgres.user(), postgres.password());
        PreparedStatement s = c.prepareStatement("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
            + "FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
      s.setString(1, db);
      try (ResultSet killed = s.executeQuery()) {
        assertTrue(killed.next());
        assertTrue(killed.getLong(1) > 0, "no connection of the store's pool was open on " + db + " to cut");
      }
    }
  }

  private static FileRecord file(String id) {
    return new FileRecord(id, "acme", "name", "text/plain", 1, T0, "local", WrappedKey.of("root", 1, new byte[] {1}),
        FileRecord.FORMAT_VERSION, 65536);
  }

  private static TokenRecord token(String id) {
    return new TokenRecord(id, "acme", Role.READ, "", new byte[32], T0, Optional.empty());
  }
}
