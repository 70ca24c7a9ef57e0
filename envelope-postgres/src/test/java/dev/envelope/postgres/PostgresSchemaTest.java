package dev.envelope.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FileRecord;
import dev.envelope.service.Role;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TokenRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versioned migrations of the PostgreSQL store. */
class PostgresSchemaTest {
  private static final Instant T0 = Instant.parse("2026-05-06T07:08:09.010Z");
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

  @Test
  void freshDatabase_isMigratedToTheLatestVersion_oneRowPerMigration() throws Exception {
    String db = postgres.createDatabase();
    PostgresMetadataStore.open(postgres.config(db)).close();
    assertEquals(versions(PostgresSchema.latest()), strings(db, "SELECT version FROM envelope_schema_version ORDER BY version"));
    assertEquals(List.of("files_by_tenant_newest", "tokens_by_tenant"), strings(db,
        "SELECT indexname FROM pg_indexes WHERE indexname IN ('files_by_tenant_newest', 'tokens_by_tenant') ORDER BY 1"));
    assertEquals(List.of("buckets", "files", "links", "objects", "parts", "s3_credentials", "tenants", "tokens",
        "uploads"), strings(db, "SELECT table_name FROM"
        + " information_schema.tables WHERE table_schema = 'public' AND table_name <> 'envelope_schema_version'"
        + " ORDER BY 1"));
  }

  @Test
  void reopenedDatabase_keepsItsRows_andIsNotMigratedAgain() throws Exception {
    String db = postgres.createDatabase();
    FileRecord file = file("f1");
    try (PostgresMetadataStore store = PostgresMetadataStore.open(postgres.config(db))) {
      store.insert(file);
    }
    try (PostgresMetadataStore store = PostgresMetadataStore.open(postgres.config(db))) {
      assertEquals(Optional.of(file), store.get("acme", "f1"));
    }
    assertEquals(versions(PostgresSchema.latest()), strings(db, "SELECT version FROM envelope_schema_version ORDER BY version"));
  }

  @Test
  void databaseOfANewerSchema_isRefusedClearly_andLeftAlone() throws Exception {
    String db = postgres.createDatabase();
    PostgresMetadataStore.open(postgres.config(db)).close();
    int newer = PostgresSchema.latest() + 1;
    execute(db, "INSERT INTO envelope_schema_version (version) VALUES (" + newer + ")");
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> PostgresMetadataStore.open(postgres.config(db)));
    assertEquals(ErrorCode.UNSUPPORTED_FORMAT, e.code());
    assertTrue(e.getMessage().contains("schema version " + newer + ", newer than this version of Envelope"),
        e.getMessage());
    List<String> all = versions(PostgresSchema.latest());
    all.add(String.valueOf(newer));
    assertEquals(all, strings(db, "SELECT version FROM envelope_schema_version ORDER BY version"));
  }

  @Test
  void storesOpeningAtOnce_onAFreshDatabase_migrateItOnce() throws Exception {
    String db = postgres.createDatabase();
    int nodes = 6;
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<PostgresMetadataStore>> opened = new ArrayList<>();
    try {
      for (int i = 0; i < nodes; i++) {
        opened.add(pool.submit(() -> {
          go.await();
          return PostgresMetadataStore.open(postgres.config(db));
        }));
      }
      go.countDown();
      List<PostgresMetadataStore> stores = new ArrayList<>();
      for (Future<PostgresMetadataStore> f : opened) {
        stores.add(f.get(60, TimeUnit.SECONDS));
      }
      for (int i = 0; i < nodes; i++) {
        stores.get(i).insert(file("f" + i));
      }
      assertEquals(nodes, stores.get(0).list("acme", null, 100).files().size());
      stores.forEach(PostgresMetadataStore::close);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(versions(PostgresSchema.latest()), strings(db, "SELECT version FROM envelope_schema_version ORDER BY version"));
  }

  @Test
  void schemaOption_putsTheTablesThere_andSchemasAreIndependent() throws Exception {
    String db = postgres.createDatabase();
    PostgresConfig base = postgres.config(db);
    PostgresConfig blue = PostgresConfig.builder(base.jdbcUrl()).user(base.user()).password(base.password())
        .schema("blue").build();
    PostgresConfig green = PostgresConfig.builder(base.jdbcUrl()).user(base.user()).password(base.password())
        .schema("green").build();
    try (PostgresMetadataStore b = PostgresMetadataStore.open(blue);
        PostgresMetadataStore g = PostgresMetadataStore.open(green)) {
      b.insert(file("f1"));
      assertEquals(Optional.empty(), g.get("acme", "f1"));
      assertTrue(b.exists("f1"));
    }
    assertEquals(List.of("blue", "green"), strings(db,
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'files' ORDER BY 1"));
  }

  private static List<String> versions(int upTo) {
    List<String> v = new ArrayList<>();
    for (int i = 1; i <= upTo; i++) {
      v.add(String.valueOf(i));
    }
    return v;
  }

  private static FileRecord file(String id) {
    return new FileRecord(id, "acme", "name", "text/plain", 1, T0, "local", WrappedKey.of("root", 1, new byte[] {1}),
        FileRecord.FORMAT_VERSION, 65536);
  }

  static List<String> strings(String db, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(db), postgres.user(), postgres.password());
        Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
      List<String> found = new ArrayList<>();
      while (rows.next()) {
        found.add(rows.getString(1));
      }
      return found;
    }
  }

  private static void execute(String db, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(db), postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void aVersionOneDatabase_keepsItsTokens_andTakesTheOperatorRole() throws Exception {
    String db = postgres.createDatabase();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(db), postgres.user(), postgres.password())) {
      PostgresSchema.migrate(c, Optional.empty(), 1);
    }
    execute(db, "INSERT INTO tokens VALUES ('aaaaaaaaaaaaaaaa', 'acme', 'admin', 'old admin', '\\x"
        + "00".repeat(32) + "', now(), NULL)");
    assertThrows(SQLException.class, () -> execute(db, "INSERT INTO tokens VALUES ('bbbbbbbbbbbbbbbb', 'acme', "
        + "'operator', 'x', '\\x" + "00".repeat(32) + "', now(), NULL)"), "version 1 knows no operator");

    try (PostgresMetadataStore store = PostgresMetadataStore.open(postgres.config(db))) {
      TokenRecord kept = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
      assertEquals(Role.ADMIN, kept.role(), "an admin token stays a tenant admin");
      store.insertToken(new TokenRecord("bbbbbbbbbbbbbbbb", "acme", Role.OPERATOR, "ops", new byte[32], T0,
          Optional.empty()));
      assertEquals(Role.OPERATOR, store.findToken("bbbbbbbbbbbbbbbb").orElseThrow().role());
    }
    assertEquals(versions(PostgresSchema.latest()), strings(db, "SELECT version FROM envelope_schema_version ORDER BY version"));
  }

  @Test
  void aVersionTwoDatabase_keepsItsFilesAndTokens_andGetsTheTenantsTable() throws Exception {
    String db = postgres.createDatabase();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(db), postgres.user(), postgres.password())) {
      PostgresSchema.migrate(c, Optional.empty(), 2);
    }
    assertEquals(List.of(), strings(db,
        "SELECT table_name FROM information_schema.tables WHERE table_name = 'tenants'"), "version 2 has no tenants");
    execute(db, "INSERT INTO files VALUES ('f1', 'acme', 'name', 'text/plain', 1, '2026-05-06T07:08:09.010Z',"
        + " 'local', 'root', 1, '\\x01', " + FileRecord.FORMAT_VERSION + ", 65536)");
    execute(db, "INSERT INTO tokens VALUES ('aaaaaaaaaaaaaaaa', 'acme', 'operator', 'ops', '\\x"
        + "00".repeat(32) + "', now(), NULL)");

    try (PostgresMetadataStore store = PostgresMetadataStore.open(postgres.config(db))) {
      assertEquals(Optional.of(file("f1")), store.get("acme", "f1"));
      assertEquals(Role.OPERATOR, store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().role());
      assertEquals(List.of(), store.listTenants());
      TenantRecord acme = new TenantRecord("acme", "root-acme", "local", true, TenantRecord.State.ACTIVE, T0, T0);
      store.insertTenant(acme);
      assertEquals(Optional.of(acme), store.findTenant("acme"));
      // Rows made before the migration take part in the new operations too.
      assertTrue(store.replaceWrappedKey(file("f1"), "local", WrappedKey.of("root-acme", 1, new byte[] {2})));
      assertEquals(List.of("f1"), store.scan("acme", null, 10).files().stream().map(FileRecord::id).toList());
    }
    assertEquals(versions(PostgresSchema.latest()), strings(db, "SELECT version FROM envelope_schema_version ORDER BY version"));
    assertThrows(SQLException.class, () -> execute(db, "INSERT INTO tenants VALUES ('globex', 'k', 'local', true,"
        + " 'frozen', now(), now())"), "a state outside active and shredded is refused by the table");
  }

  @Test
  void aVersionThreeDatabase_keepsItsTokens_asNeverExpiringAndNeverUsed_andRecordsUses() throws Exception {
    String db = postgres.createDatabase();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(db), postgres.user(), postgres.password())) {
      PostgresSchema.migrate(c, Optional.empty(), 3);
    }
    execute(db, "INSERT INTO tokens VALUES ('aaaaaaaaaaaaaaaa', 'acme', 'read', 'old', '\\x"
        + "00".repeat(32) + "', now(), NULL)");

    try (PostgresMetadataStore store = PostgresMetadataStore.open(postgres.config(db))) {
      TokenRecord kept = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
      assertEquals("old", kept.name());
      assertEquals(Optional.empty(), kept.expiresAt());
      assertEquals(Optional.empty(), kept.lastUsedAt());
      store.recordTokenUse("aaaaaaaaaaaaaaaa", T0);
      assertEquals(Optional.of(T0), store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().lastUsedAt());
    }
    assertEquals(versions(PostgresSchema.latest()), strings(db,
        "SELECT version FROM envelope_schema_version ORDER BY version"));
  }

  @Test
  void aVersionFourDatabase_keepsItsFiles_withoutADigest_andStoresNewOnesWithOne() throws Exception {
    String db = postgres.createDatabase();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(db), postgres.user(), postgres.password())) {
      PostgresSchema.migrate(c, Optional.empty(), 4);
    }
    execute(db, "INSERT INTO files VALUES ('f1', 'acme', 'old.txt', 'text/plain', 3, now(), 'local', 'root', 1,"
        + " '\\x00', 1, 65536)");
    try (PostgresMetadataStore store = PostgresMetadataStore.open(postgres.config(db))) {
      FileRecord kept = store.get("acme", "f1").orElseThrow();
      assertEquals("old.txt", kept.name());
      assertEquals(null, kept.sha256());
      FileRecord fresh = new FileRecord("f2", "acme", "new.txt",
          "text/plain", 3, T0, "local", WrappedKey.of("root", 1, new byte[] {1}), 1, 65536,
          "ab".repeat(32));
      store.insert(fresh);
      assertEquals(Optional.of(fresh), store.get("acme", "f2"));
      assertEquals(new dev.envelope.service.MetadataStore.Usage(2, 6), store.usage("acme"));
    }
    assertEquals(versions(PostgresSchema.latest()), strings(db,
        "SELECT version FROM envelope_schema_version ORDER BY version"));
  }

  @Test
  void aVersionSixDatabase_keepsItsFiles_andTakesBucketsWhoseObjectsNeedThem() throws Exception {
    String db = postgres.createDatabase();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(db), postgres.user(), postgres.password())) {
      PostgresSchema.migrate(c, Optional.empty(), 6);
    }
    execute(db, "INSERT INTO files VALUES ('f1', 'acme', 'old.txt', 'text/plain', 3, now(), 'local', 'root', 1,"
        + " '\\x00', 1, 65536, NULL)");
    try (PostgresMetadataStore store = PostgresMetadataStore.open(postgres.config(db))) {
      assertEquals("old.txt", store.get("acme", "f1").orElseThrow().name());
      store.insertBucket(new dev.envelope.service.BucketRecord("photos", "acme", T0));
      dev.envelope.service.ObjectRecord object = new dev.envelope.service.ObjectRecord("photos", "old.txt", "acme",
          "f1", 3, "900150983cd24fb0d6963f7d28e17f72", "text/plain", java.util.Map.of(), T0);
      store.putObject(object);
      assertEquals(Optional.of(object), store.findObjectByFile("acme", "f1"));
    }
    assertEquals(versions(PostgresSchema.latest()), strings(db,
        "SELECT version FROM envelope_schema_version ORDER BY version"));
    assertEquals(7, PostgresSchema.latest());
  }
}
