package dev.envelope.service.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.testing.FileModes;
import dev.envelope.service.FileRecord;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.MetadataStoreContract;
import dev.envelope.service.Role;
import dev.envelope.service.TokenRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteMetadataStoreTest extends MetadataStoreContract {
  private static final Instant T0 = Instant.parse("2026-05-06T07:08:09.010Z");

  @TempDir
  Path home;

  @Override
  protected MetadataStore newStore() throws EnvelopeException {
    return SqliteMetadataStore.open(database());
  }

  private Path database() {
    return home.resolve("envelope.db");
  }

  @Test
  void newDatabase_isMigratedToTheLatestSchema() throws Exception {
    assertEquals(SqliteSchema.latest(), query("PRAGMA user_version"));
    assertEquals(1, query("SELECT count(*) FROM sqlite_master WHERE name = 'files_by_tenant_newest'"));
  }

  @Test
  void emptyFile_isMigrated() throws Exception {
    Path empty = home.resolve("empty.db");
    Files.createFile(empty);
    try (SqliteMetadataStore store = SqliteMetadataStore.open(empty)) {
      store.insert(file("acme", "f1", T0));
    }
    assertEquals(SqliteSchema.latest(), query(empty, "PRAGMA user_version"));
  }

  @Test
  void reopenedDatabase_keepsItsRows_andIsNotMigratedAgain() throws Exception {
    FileRecord file = file("acme", "f1", T0);
    store().insert(file);
    store().close();
    try (SqliteMetadataStore again = SqliteMetadataStore.open(database())) {
      assertEquals(Optional.of(file), again.get("acme", "f1"));
    }
  }

  @Test
  void databaseOfANewerSchema_isRefusedClearly() throws Exception {
    store().close();
    execute("PRAGMA user_version = " + (SqliteSchema.latest() + 1));
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> SqliteMetadataStore.open(database()));
    assertEquals(ErrorCode.UNSUPPORTED_FORMAT, e.code());
    assertTrue(e.getMessage().contains("newer than this version of Envelope"), e.getMessage());
  }

  @Test
  void notADatabase_isRefusedClearly() throws Exception {
    Path garbage = home.resolve("garbage.db");
    Files.write(garbage, "this is not a database, it is a text file that is long enough".repeat(100)
        .getBytes(StandardCharsets.US_ASCII));
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> SqliteMetadataStore.open(garbage));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("cannot open the metadata database"), e.getMessage());
  }

  @Test
  void database_isInWalMode() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database());
        Statement s = c.createStatement(); ResultSet rows = s.executeQuery("PRAGMA journal_mode")) {
      rows.next();
      assertEquals("wal", rows.getString(1));
    }
  }

  @Test
  void everyConnection_commitsDurably_waitsWhenBusy_andEnforcesForeignKeys() throws Exception {
    try (Connection c = SqliteConnections.open(database())) {
      assertEquals(2, query(c, "PRAGMA synchronous"), "FULL");
      assertEquals(SqliteConnections.BUSY_TIMEOUT_MILLIS, query(c, "PRAGMA busy_timeout"));
      assertEquals(1, query(c, "PRAGMA foreign_keys"));
    }
  }

  @Test
  void readConnections_refuseToWrite() throws Exception {
    try (Connection c = SqliteConnections.openForReading(database()); Statement s = c.createStatement()) {
      assertThrows(SQLException.class, () -> s.execute("DELETE FROM files"));
    }
  }

  @Test
  void databaseAndItsLogs_areOwnerOnly() throws Exception {
    store().insert(file("acme", "f1", T0));
    store().get("acme", "f1");
    for (String name : List.of("envelope.db", "envelope.db-wal", "envelope.db-shm")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(name))),
          name);
    }
  }

  @Test
  void aDatabaseOthersMayWrite_isRefused() throws Exception {
    store().close();
    for (String mode : List.of("rw-rw----", "rw-r--rw-")) {
      FileModes.set(database(), mode);
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> SqliteMetadataStore.open(database()));
      assertEquals(ErrorCode.INSECURE_FILE, e.code(), mode);
      assertTrue(e.getMessage().contains("metadata database " + database())
          && e.getMessage().contains("chmod 600"), e.getMessage());
    }
    FileModes.set(database(), "rw-r--r--"); // readable is fine: it holds no secret in plaintext
    SqliteMetadataStore.open(database()).close();
  }

  @Test
  void aWriteAheadLogOthersMayWrite_isRefused() throws Exception {
    store().insert(file("acme", "f1", T0));
    FileModes.set(home.resolve("envelope.db-wal"), "rw-rw-rw-");
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> SqliteMetadataStore.open(database()));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains("envelope.db-wal"), e.getMessage());
  }

  @Test
  void aDatabaseOfAnotherUser_isRefused() throws Exception {
    store().close();
    FileModes.giveToNobody(database());
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> SqliteMetadataStore.open(database()));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains("belongs to uid 65534"), e.getMessage());
  }

  @Test
  void pathWithQuestionMarkAndSpaces_isUsedAsItIs() throws Exception {
    Path odd = Files.createDirectory(home.resolve("odd ?mode=memory&x=1 dir"));
    try (SqliteMetadataStore store = SqliteMetadataStore.open(odd.resolve("envelope.db"))) {
      store.insert(file("acme", "f1", T0));
    }
    assertTrue(Files.size(odd.resolve("envelope.db")) > 0);
  }

  @Test
  void cursorOfAnotherTenant_isInvalidArgument() throws EnvelopeException {
    store().insert(file("acme", "f1", T0));
    store().insert(file("acme", "f2", T0));
    String cursor = store().list("acme", null, 1).nextCursor().orElseThrow();
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store().list("globex", cursor, 10));
  }

  @Test
  void closedStore_isUnavailable_withoutSqlInTheMessage() throws EnvelopeException {
    store().close();
    EnvelopeException read = assertThrows(EnvelopeException.class, () -> store().get("acme", "f1"));
    EnvelopeException write = assertThrows(EnvelopeException.class, () -> store().insert(file("acme", "f1", T0)));
    for (EnvelopeException e : List.of(read, write)) {
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertEquals("the metadata database is not available now", e.getMessage());
    }
    assertCode(ErrorCode.UNAVAILABLE, store()::checkReady);
  }

  @Test
  void acknowledgedRows_surviveKill9OfTheWritingProcess() throws Exception {
    store().close();
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // The JVM's own warnings go to stderr, so that every line on stdout is an acknowledged id.
        "-Xlog:disable", "-Xlog:all=warning:stderr", "-cp", System.getProperty("java.class.path"),
        SqliteInsertChild.class.getName(), database().toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String> acknowledged = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acknowledged.size() < 200 && (line = out.readLine()) != null) {
        acknowledged.add(line);
      }
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, writers mid-commit
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(200, acknowledged.size(), "the child acknowledged 200 rows before it was killed");
    try (SqliteMetadataStore store = SqliteMetadataStore.open(database())) {
      for (String id : acknowledged) {
        assertTrue(store.get("acme", id).isPresent(), id);
      }
    }
  }

  private int query(String sql) throws SQLException {
    return query(database(), sql);
  }

  private static int query(Path db, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      return query(c, sql);
    }
  }

  private static int query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private void execute(String sql) throws SQLException, IOException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database());
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void aVersionOneDatabase_keepsItsTokens_andTakesTheOperatorRole() throws Exception {
    Path old = home.resolve("v1.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old)) {
      SqliteSchema.migrate(c, 1);
      execute(c, "INSERT INTO tokens VALUES ('aaaaaaaaaaaaaaaa', 'acme', 'admin', 'old admin', zeroblob(32), 1, NULL)");
      assertThrows(SQLException.class, () -> execute(c, "INSERT INTO tokens VALUES ('bbbbbbbbbbbbbbbb', 'acme', "
          + "'operator', 'x', zeroblob(32), 1, NULL)"), "version 1 knows no operator");
    }

    try (SqliteMetadataStore store = SqliteMetadataStore.open(old)) {
      TokenRecord kept = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
      assertEquals(Role.ADMIN, kept.role(), "an admin token stays a tenant admin");
      assertEquals("old admin", kept.name());
      store.insertToken(new TokenRecord("bbbbbbbbbbbbbbbb", "acme", Role.OPERATOR, "ops", new byte[32], T0,
          java.util.Optional.empty()));
      assertEquals(Role.OPERATOR, store.findToken("bbbbbbbbbbbbbbbb").orElseThrow().role());
    }
    assertEquals(SqliteSchema.latest(), query(old, "PRAGMA user_version"));
    assertEquals(1, query(old, "SELECT count(*) FROM sqlite_master WHERE name = 'tokens_by_tenant'"));
  }

  @Test
  void aVersionThreeDatabase_keepsItsTokens_asNeverExpiringAndNeverUsed_andRecordsUses() throws Exception {
    Path old = home.resolve("v3.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old)) {
      SqliteSchema.migrate(c, 3);
      execute(c, "INSERT INTO tokens VALUES ('aaaaaaaaaaaaaaaa', 'acme', 'read', 'old', zeroblob(32), 1, NULL)");
      execute(c, "INSERT INTO tokens VALUES ('bbbbbbbbbbbbbbbb', 'acme', 'admin', 'gone', zeroblob(32), 2, 3)");
    }

    try (SqliteMetadataStore store = SqliteMetadataStore.open(old)) {
      TokenRecord kept = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
      assertEquals("old", kept.name());
      assertEquals(Optional.empty(), kept.expiresAt());
      assertEquals(Optional.empty(), kept.lastUsedAt());
      assertEquals(Optional.of(Instant.ofEpochMilli(3)), store.findToken("bbbbbbbbbbbbbbbb").orElseThrow().revokedAt());
      store.recordTokenUse("aaaaaaaaaaaaaaaa", T0);
      assertEquals(Optional.of(T0), store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().lastUsedAt());
    }
    assertEquals(SqliteSchema.latest(), query(old, "PRAGMA user_version"));
  }

  @Test
  void aVersionFourDatabase_keepsItsFiles_withoutADigest_andStoresNewOnesWithOne() throws Exception {
    Path old = home.resolve("v4.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old)) {
      SqliteSchema.migrate(c, 4);
      execute(c, "INSERT INTO files VALUES ('f1', 'acme', 'old.txt', 'text/plain', 3, 1, 'local', 'root', 1,"
          + " x'00', 1, 65536)");
    }
    try (SqliteMetadataStore store = SqliteMetadataStore.open(old)) {
      FileRecord kept = store.get("acme", "f1").orElseThrow();
      assertEquals("old.txt", kept.name());
      assertEquals(null, kept.sha256());
      FileRecord fresh = new FileRecord("f2", "acme", "new.txt", "text/plain", 3, T0, "local",
          WrappedKey.of("root", 1, new byte[] {1}), 1, 65536, "ab".repeat(32));
      store.insert(fresh);
      assertEquals(Optional.of(fresh), store.get("acme", "f2"));
      assertEquals(new dev.envelope.service.MetadataStore.Usage(2, 6), store.usage("acme"));
    }
    assertEquals(SqliteSchema.latest(), query(old, "PRAGMA user_version"));
  }

  @Test
  void aVersionFourDatabase_keepsItsFilesAndTokens_andTakesShareLinks() throws Exception {
    Path old = home.resolve("v4.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old)) {
      SqliteSchema.migrate(c, 4);
      execute(c, "INSERT INTO tokens VALUES ('aaaaaaaaaaaaaaaa', 'acme', 'read', 'old', zeroblob(32), 1, NULL, 9,"
          + " NULL)");
    }

    try (SqliteMetadataStore store = SqliteMetadataStore.open(old)) {
      assertEquals(Optional.of(Instant.ofEpochMilli(9)), store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().expiresAt());
      assertEquals(java.util.List.of(), store.listLinks("acme", "aaaaaaaaaaaaaaaaaaaaaaaaaa"));
      store.insertLink(new dev.envelope.service.LinkRecord("bbbbbbbbbbbbbbbb", "acme", "aaaaaaaaaaaaaaaaaaaaaaaaaa",
          new byte[32], T0, T0.plusSeconds(60), java.util.OptionalLong.of(1), 0, Optional.empty()));
      assertEquals(true, store.countDownload("bbbbbbbbbbbbbbbb", T0));
    }
    assertEquals(SqliteSchema.latest(), query(old, "PRAGMA user_version"));
  }

  @Test
  void aVersionSixDatabase_keepsItsFiles_andTakesBucketsWhoseObjectsNeedThem() throws Exception {
    Path old = home.resolve("v6.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old)) {
      SqliteSchema.migrate(c, 6);
      execute(c, "INSERT INTO files VALUES ('f1', 'acme', 'old.txt', 'text/plain', 3, 1, 'local', 'root', 1,"
          + " x'00', 1, 65536, NULL)");
    }
    try (SqliteMetadataStore store = SqliteMetadataStore.open(old)) {
      assertEquals("old.txt", store.get("acme", "f1").orElseThrow().name());
      store.insertBucket(new dev.envelope.service.BucketRecord("photos", "acme", T0));
      dev.envelope.service.ObjectRecord object = new dev.envelope.service.ObjectRecord("photos", "old.txt", "acme",
          "f1", 3, "900150983cd24fb0d6963f7d28e17f72", "text/plain", java.util.Map.of(), T0);
      store.putObject(object);
      assertEquals(Optional.of(object), store.findObjectByFile("acme", "f1"));
    }
    assertEquals(SqliteSchema.latest(), query(old, "PRAGMA user_version"));
    assertEquals(7, SqliteSchema.latest());
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
