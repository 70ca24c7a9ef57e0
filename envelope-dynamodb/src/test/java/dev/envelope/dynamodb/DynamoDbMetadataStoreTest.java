package dev.envelope.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.PageCursor;
import dev.envelope.service.Role;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** What the contracts do not say: the table's life, limits, hostile input, cursors that cross tenants. */
class DynamoDbMetadataStoreTest {
  private static final Instant T0 = Instant.parse("2026-05-06T07:08:09.010Z");
  private static final AtomicInteger TABLES = new AtomicInteger();
  @TempDir
  static Path data;
  private static DynaliteFixture dynalite;
  private static DynamoDbClient raw;
  private String table;
  private DynamoDbMetadataStore store;

  @BeforeAll
  static void startDynalite() {
    dynalite = DynaliteFixture.start(data.resolve("dynalite"));
    raw = DynamoDbClient.builder().endpointOverride(dynalite.endpoint())
        .region(software.amazon.awssdk.regions.Region.of(dynalite.region()))
        .credentialsProvider(dynalite.credentials()).build();
  }

  @AfterAll
  static void stopDynalite() {
    raw.close();
    dynalite.close();
  }

  @BeforeEach
  void newTable() throws EnvelopeException {
    table = "envelope-" + TABLES.incrementAndGet();
    DynamoDbMetadataStore.createTable(dynalite.config(table));
    store = DynamoDbMetadataStore.open(dynalite.config(table));
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  // --- the table

  @Test
  void createTable_twice_isAlreadyExists_andSaysTheTableFits() {
    EnvelopeException e = assertCode(ErrorCode.ALREADY_EXISTS,
        () -> DynamoDbMetadataStore.createTable(dynalite.config(table)));
    assertTrue(e.getMessage().contains(table) && e.getMessage().contains("can be used as it is"), e.getMessage());
  }

  @Test
  void open_ofAMissingTable_saysHowToCreateIt_andDoesNotCreateIt() {
    EnvelopeException e = assertCode(ErrorCode.INVALID_ARGUMENT,
        () -> DynamoDbMetadataStore.open(dynalite.config("no-such-table")));
    assertTrue(e.getMessage().contains("no-such-table does not exist")
        && e.getMessage().contains("envelope admin init-dynamodb"), e.getMessage());
    assertFalse(raw.listTables().tableNames().contains("no-such-table"));
  }

  @Test
  void open_ofATableWithAnotherKey_isInvalidArgument_andCreateTableSaysItDoesNotFit() {
    raw.createTable(b -> b.tableName("other-key").billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
        .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH)));
    EnvelopeException e = assertCode(ErrorCode.INVALID_ARGUMENT,
        () -> DynamoDbMetadataStore.open(dynalite.config("other-key")));
    assertTrue(e.getMessage().contains("not an Envelope table") && e.getMessage().contains("pk"), e.getMessage());
    EnvelopeException again = assertCode(ErrorCode.ALREADY_EXISTS,
        () -> DynamoDbMetadataStore.createTable(dynalite.config("other-key")));
    assertTrue(again.getMessage().contains("not an Envelope table"), again.getMessage());
  }

  @Test
  void open_ofATableWithoutTheIndexes_isInvalidArgument() {
    raw.createTable(b -> b.tableName("no-index").billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S))
        .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH)));
    EnvelopeException e = assertCode(ErrorCode.INVALID_ARGUMENT,
        () -> DynamoDbMetadataStore.open(dynalite.config("no-index")));
    assertTrue(e.getMessage().contains("no global secondary index"), e.getMessage());
  }

  @Test
  void tableDeletedUnderAnOpenStore_isUnavailable_namingTheTable() {
    raw.deleteTable(b -> b.tableName(table));
    EnvelopeException e = assertCode(ErrorCode.UNAVAILABLE, () -> store.get("acme", "f1"));
    assertTrue(e.getMessage().contains(table + " does not exist"), e.getMessage());
    assertCode(ErrorCode.UNAVAILABLE, store::checkReady);
  }

  // --- rows at their limits, and over them

  @Test
  void maximalRow_fitsAndRoundTrips_evenAcrossQueryPagesOfOneMegabyte() throws EnvelopeException {
    List<FileRecord> rows = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      rows.add(maximal(i));
      store.insert(rows.get(i));
    }
    FileRecord first = rows.get(0);
    assertEquals(Optional.of(first), store.get(first.tenant(), first.id()));
    assertTrue(store.exists(first.id()));
    // 150 rows of ~20 KB (dynalite counts ~12 KB) are more than one 1 MB query page: the listing must go on past it.
    FilePage page = store.list(first.tenant(), null, MetadataStore.MAX_PAGE);
    assertEquals(Optional.empty(), page.nextCursor());
    assertEquals(rows.size(), page.files().size());
    assertEquals(rows.get(rows.size() - 1), page.files().get(0));
    FilePage two = store.list(first.tenant(), null, 2);
    assertEquals(rows.get(rows.size() - 2), store.list(first.tenant(), null, 2).files().get(1));
    assertEquals(rows.get(rows.size() - 3),
        store.list(first.tenant(), two.nextCursor().orElseThrow(), 1).files().get(0));
  }

  @Test
  void rowsOverTheLimits_areInvalidArgument_andNotStored() {
    FileRecord ok = maximal(0);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(with(ok, "x".repeat(Items.MAX_ID_BYTES + 1), ok.tenant(),
        ok.name(), ok.contentType(), ok.keyService())));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(with(ok, "é".repeat(Items.MAX_ID_BYTES / 2) + "x",
        ok.tenant(), ok.name(), ok.contentType(), ok.keyService())));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(with(ok, "", ok.tenant(), ok.name(),
        ok.contentType(), ok.keyService())));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(with(ok, ok.id(), ok.tenant(), ok.name() + "x",
        ok.contentType(), ok.keyService())));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(with(ok, ok.id(), ok.tenant(), "n".repeat(400_000),
        ok.contentType(), ok.keyService())));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(with(ok, ok.id(), ok.tenant(), ok.name(),
        ok.contentType() + "x", ok.keyService())));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(with(ok, ok.id(), ok.tenant(), ok.name(),
        ok.contentType(), ok.keyService() + "x")));
    for (String tenant : new String[] {"", "ACME", "a".repeat(65), "-acme", "ac me", "acme\u0000"}) {
      assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(with(ok, ok.id(), tenant, ok.name(),
          ok.contentType(), ok.keyService())));
    }
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertToken(token("t1", "acme", "x".repeat(1025))));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertToken(token("t1", "Not A Tenant", "")));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertToken(token("", "acme", "")));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertToken(token("x".repeat(513), "acme", "")));
    assertEquals(0, raw.scan(b -> b.tableName(table)).count());
  }

  @Test
  void hostileIdsAndTenants_onReads_findNothing() throws EnvelopeException {
    store.insert(file("acme", "f1", T0));
    store.insertToken(token("t1", "acme", ""));
    for (String id : new String[] {"", "x".repeat(100_000), "f1\u0000", "F1", "f#f1", "t1", "../f1"}) {
      assertEquals(Optional.empty(), store.get("acme", id), id);
      assertFalse(store.exists(id), id);
      assertFalse(store.delete("acme", id), id);
      assertEquals(Optional.empty(), store.findToken(id.equals("t1") ? "f1" : id), id);
      assertFalse(store.revokeToken(id.equals("t1") ? "f1" : id, T0), id);
    }
    for (String tenant : new String[] {"", "ACME", "x".repeat(100_000), "acme\u0000", "*"}) {
      assertEquals(Optional.empty(), store.get(tenant, "f1"), tenant);
      assertFalse(store.delete(tenant, "f1"), tenant);
      assertEquals(List.of(), store.list(tenant, null, 10).files(), tenant);
      assertEquals(List.of(), store.listTokens(tenant), tenant);
    }
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list(null, null, 10));
    assertTrue(store.exists("f1"));
    assertTrue(store.findToken("t1").isPresent());
  }

  @Test
  void aFileAndATokenWithTheSameId_areSeparateItems() throws EnvelopeException {
    store.insert(file("acme", "same", T0));
    store.insertToken(token("same", "acme", "label"));
    assertTrue(store.exists("same"));
    assertEquals("label", store.findToken("same").orElseThrow().name());
    assertTrue(store.delete("acme", "same"));
    assertTrue(store.findToken("same").isPresent());
    assertEquals(List.of("same"), store.listTokens("acme").stream().map(TokenRecord::id).toList());
  }

  @Test
  void ordering_holdsForTimesBeforeTheEpochAndAtTheExtremes() throws EnvelopeException {
    Instant[] times = {Instant.ofEpochMilli(Long.MIN_VALUE), Instant.ofEpochMilli(-1), Instant.EPOCH,
        Instant.ofEpochMilli(1), T0, Instant.ofEpochMilli(Long.MAX_VALUE)};
    for (int i = 0; i < times.length; i++) {
      store.insert(file("acme", "f" + i, times[i]));
    }
    List<String> ids = store.list("acme", null, 10).files().stream().map(FileRecord::id).toList();
    assertEquals(List.of("f5", "f4", "f3", "f2", "f1", "f0"), ids);
  }

  // --- tenant records and rewraps beside files and tokens

  @Test
  void tenantRecords_areNeitherTokensNorFiles_andTheirNamesMayBeIds() throws EnvelopeException {
    TenantRecord acme = tenant("acme", "local");
    store.insertTenant(acme);
    assertFalse(store.hasTokens());
    assertEquals(List.of(), store.listTokens(null));
    assertEquals(List.of(), store.scan(null, null, 10).files());
    assertFalse(store.exists("acme"));
    store.insert(file("acme", "acme", T0));
    store.insertToken(token("acme", "acme", ""));
    assertEquals(List.of(acme), store.listTenants());
    assertEquals(List.of("acme"), store.listTokens(null).stream().map(TokenRecord::id).toList());
    assertEquals(List.of("acme"), ids(store.scan(null, null, 10)));
    assertEquals(Optional.of(acme), store.findTenant("acme"));
  }

  @Test
  void tenantsAndRewrapsOverTheLimits_areInvalidArgument_andChangeNothing() throws EnvelopeException {
    String tooLong = "k".repeat(DynamoDbMetadataStore.MAX_TEXT_BYTES + 1);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertTenant(tenant("acme", tooLong)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertTenant(new TenantRecord("acme", "root", "local", true,
        TenantRecord.State.ACTIVE, Instant.MAX, T0)));
    assertEquals(0, raw.scan(b -> b.tableName(table)).count());
    TenantRecord acme = tenant("acme", "local");
    store.insertTenant(acme);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.replaceTenant(acme, tenant("acme", tooLong)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.replaceTenant(acme, acme.withState(TenantRecord.State.SHREDDED,
        Instant.MIN)));
    assertFalse(store.replaceTenant(acme.withState(TenantRecord.State.ACTIVE, Instant.MAX), acme));
    assertEquals(Optional.of(acme), store.findTenant("acme"));
    FileRecord f1 = file("acme", "f1", T0);
    store.insert(f1);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.replaceWrappedKey(f1, tooLong, f1.wrappedKey()));
    assertEquals(Optional.of(f1), store.get("acme", "f1"));
  }

  @Test
  void hostileNames_onTenantReadsAndRewraps_findNothing() throws EnvelopeException {
    store.insertTenant(tenant("acme", "local"));
    FileRecord f1 = file("acme", "f1", T0);
    store.insert(f1);
    for (String name : new String[] {"", "ACME", "x".repeat(100_000), "acme\u0000", "n#acme", "*"}) {
      assertEquals(Optional.empty(), store.findTenant(name), name);
      assertEquals(List.of(), store.scan(name, null, 10).files(), name);
      assertFalse(store.replaceWrappedKey(with(f1, f1.id(), name, f1.name(), f1.contentType(), f1.keyService()),
          "local", WrappedKey.of("root", 2, new byte[] {2})), name);
      assertFalse(store.replaceWrappedKey(with(f1, name.isEmpty() ? "x".repeat(513) : name, "acme", f1.name(),
          f1.contentType(), f1.keyService()), "local", WrappedKey.of("root", 2, new byte[] {2})), name);
    }
    assertEquals(Optional.of(f1), store.get("acme", "f1"));
  }

  // --- cursors

  @Test
  void aCursorOfOneTenant_isInvalidForAnother() throws EnvelopeException {
    for (int i = 0; i < 3; i++) {
      store.insert(file("acme", "a" + i, T0.plusSeconds(i)));
      store.insert(file("globex", "g" + i, T0.plusSeconds(i)));
    }
    String acmeCursor = store.list("acme", null, 1).nextCursor().orElseThrow();
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("globex", acmeCursor, 10));
    assertEquals(List.of("a1", "a0"), ids(store.list("acme", acmeCursor, 10)));
  }

  @Test
  void aForgedCursorWithAGoodCheck_onlyEverReachesTheCallersOwnFiles() throws EnvelopeException {
    for (int i = 0; i < 3; i++) {
      store.insert(file("acme", "a" + i, T0.plusSeconds(i)));
      store.insert(file("globex", "g" + i, T0.plusSeconds(i)));
    }
    // Someone who knows the format can make a cursor that checks out: it names acme's row but is globex's.
    String forged = new PageCursor(T0.plusSeconds(2).toEpochMilli(), "a2").encode("globex");
    assertEquals(List.of("g1", "g0"), ids(store.list("globex", forged, 10)));
    String fromTheTop = new PageCursor(Long.MAX_VALUE, "zzz").encode("globex");
    assertEquals(List.of("g2", "g1", "g0"), ids(store.list("globex", fromTheTop, 10)));
    String pastTheEnd = new PageCursor(Long.MIN_VALUE, "a").encode("globex");
    assertEquals(List.of(), ids(store.list("globex", pastTheEnd, 10)));
  }

  @Test
  void aCursorWithAGoodCheckButAnImpossibleId_isInvalidArgument() throws EnvelopeException {
    store.insert(file("acme", "a0", T0));
    String longId = new PageCursor(T0.toEpochMilli(), "x".repeat(Items.MAX_ID_BYTES + 1)).encode("acme");
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", longId, 10));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", "A".repeat(2000), 10));
  }

  @Test
  void everyBitFlipOfACursor_isInvalidArgument() throws EnvelopeException {
    for (int i = 0; i < 3; i++) {
      store.insert(file("acme", "a" + i, T0.plusSeconds(i)));
    }
    String cursor = store.list("acme", null, 1).nextCursor().orElseThrow();
    byte[] bytes = java.util.Base64.getUrlDecoder().decode(cursor);
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      byte[] flipped = bytes.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      String text = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(flipped);
      assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", text, 10));
    }
  }

  // --- helpers

  /** A row with every field at the largest size the store allows. */
  private static FileRecord maximal(int i) {
    byte[] wrapped = new byte[WrappedKey.MAX_CIPHERTEXT_BYTES];
    new Random(i).nextBytes(wrapped);
    String id = String.format("%03d", i) + "\uD83D\uDE00".repeat((Items.MAX_ID_BYTES - 3) / 4)
        + "x".repeat((Items.MAX_ID_BYTES - 3) % 4);
    assertEquals(Items.MAX_ID_BYTES, id.getBytes(StandardCharsets.UTF_8).length);
    return new FileRecord(id, "t".repeat(64), "é".repeat(512), "c".repeat(DynamoDbMetadataStore.MAX_TEXT_BYTES),
        Long.MAX_VALUE, T0.plusMillis(i), "k".repeat(DynamoDbMetadataStore.MAX_TEXT_BYTES),
        WrappedKey.of("€".repeat(2048), Integer.MAX_VALUE, wrapped), Integer.MAX_VALUE, Integer.MAX_VALUE);
  }

  private static FileRecord with(FileRecord f, String id, String tenant, String name, String contentType,
      String keyService) {
    return new FileRecord(id, tenant, name, contentType, f.size(), f.createdAt(), keyService, f.wrappedKey(),
        f.formatVersion(), f.segmentSize());
  }

  private static FileRecord file(String tenant, String id, Instant createdAt) {
    return new FileRecord(id, tenant, "name of " + id, "text/plain", 1, createdAt, "local",
        WrappedKey.of("root", 1, new byte[] {1, 2, 3}), FileRecord.FORMAT_VERSION, 65536);
  }

  private static TenantRecord tenant(String name, String keyService) {
    return new TenantRecord(name, "root-" + name, keyService, true, TenantRecord.State.ACTIVE, T0, T0);
  }

  private static TokenRecord token(String id, String tenant, String name) {
    byte[] hash = new byte[32];
    Arrays.fill(hash, (byte) 7);
    return new TokenRecord(id, tenant, Role.READ, name, hash, T0, Optional.empty());
  }

  private static List<String> ids(FilePage page) {
    return page.files().stream().map(FileRecord::id).toList();
  }

  static EnvelopeException assertCode(ErrorCode code, Executable call) {
    EnvelopeException e = assertThrows(EnvelopeException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }
}
