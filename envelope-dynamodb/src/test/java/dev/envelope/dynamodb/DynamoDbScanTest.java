package dev.envelope.dynamodb;

import static dev.envelope.dynamodb.DynamoDbMetadataStoreTest.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.PageCursor;
import dev.envelope.service.Role;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TokenRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the scan contract does not reach on DynamoDB: a table where files share the Scan with tokens and tenant
 * records, so that pages come back short or empty and end on items that are not files.
 */
class DynamoDbScanTest {
  private static final Instant T0 = Instant.parse("2026-05-06T07:08:09.010Z");
  private static final AtomicInteger TABLES = new AtomicInteger();
  @TempDir
  static Path data;
  private static DynaliteFixture dynalite;
  private DynamoDbMetadataStore store;

  @BeforeAll
  static void startDynalite() {
    dynalite = DynaliteFixture.start(data.resolve("dynalite"));
  }

  @AfterAll
  static void stopDynalite() {
    dynalite.close();
  }

  @BeforeEach
  void newTable() throws EnvelopeException {
    DynamoDbConfig config = dynalite.config("scan-" + TABLES.incrementAndGet());
    DynamoDbMetadataStore.createTable(config);
    store = DynamoDbMetadataStore.open(config);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void scan_amongTokensAndTenants_visitsEveryFileOnce_atEveryPageSize() throws EnvelopeException {
    List<String> all = new ArrayList<>();
    List<String> globex = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String tenant = i % 4 == 0 ? "globex" : "acme";
      store.insert(file(tenant, "f" + i));
      (tenant.equals("globex") ? globex : all).add("f" + i);
      store.insertToken(token("t" + i, tenant));
      store.insertTenant(new TenantRecord("tenant-" + i, "root", "local", true, TenantRecord.State.ACTIVE, T0, T0));
    }
    all.addAll(globex);
    for (int limit : new int[] {1, 2, 3, 7, 40, 1000}) {
      assertSameOnce(all, walk(null, limit).ids, "every tenant, limit " + limit);
      assertSameOnce(globex, walk("globex", limit).ids, "globex, limit " + limit);
    }
  }

  @Test
  void scan_whereFilesAreRare_givesShortAndEmptyPagesWithACursor_andStillEnds() throws EnvelopeException {
    for (int i = 0; i < 60; i++) {
      store.insertToken(token("t" + i, "acme"));
    }
    store.insert(file("acme", "only"));
    Walk walk = walk("acme", 1);
    assertEquals(List.of("only"), walk.ids);
    assertTrue(walk.emptyPagesWithACursor > 0, "a page of one evaluated item at a time meets tokens only");
  }

  @Test
  void scan_ofATableWithoutFiles_endsWithoutFindingAny() throws EnvelopeException {
    for (int i = 0; i < 30; i++) {
      store.insertToken(token("t" + i, "acme"));
      store.insertTenant(new TenantRecord("tenant-" + i, "root", "local", true, TenantRecord.State.ACTIVE, T0, T0));
    }
    assertEquals(List.of(), walk(null, 1000).ids);
    assertEquals(List.of(), walk(null, 5).ids);
  }

  @Test
  void scanCursor_afterAnItemOfAnyKind_continues_evenWhenTheItemIsGone() throws EnvelopeException {
    store.insert(file("acme", "f1"));
    for (String key : List.of("t#gone", "n#gone", "f#gone", "f#f1")) {
      FilePage page = store.scan("acme", PageCursor.encodeScan("acme", key), 10);
      assertTrue(page.files().size() <= 1, key);
    }
  }

  @Test
  void scanCursorWithAValidCheck_namingNoKeyOfThisTable_isInvalidArgument() {
    for (String key : List.of("f1", "f#", "x#f1", "ready#", "f#" + "x".repeat(Items.MAX_ID_BYTES + 1))) {
      assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan(null, PageCursor.encodeScan(null, key), 10));
    }
  }

  private record Walk(List<String> ids, int emptyPagesWithACursor) {}

  private Walk walk(String tenant, int limit) throws EnvelopeException {
    List<String> ids = new ArrayList<>();
    int empty = 0;
    String cursor = null;
    int pages = 0;
    do {
      FilePage page = store.scan(tenant, cursor, limit);
      assertTrue(page.files().size() <= limit, "a page holds at most the limit");
      page.files().forEach(f -> ids.add(f.id()));
      cursor = page.nextCursor().orElse(null);
      if (page.files().isEmpty() && cursor != null) {
        empty++;
      }
      assertTrue(++pages < 1000, "the scan ends");
    } while (cursor != null);
    return new Walk(ids, empty);
  }

  private static void assertSameOnce(List<String> expected, List<String> seen, String what) {
    assertEquals(expected.size(), seen.size(), what + ": " + seen);
    assertEquals(new HashSet<>(expected), new HashSet<>(seen), what);
  }

  private static FileRecord file(String tenant, String id) {
    return new FileRecord(id, tenant, "name of " + id, "text/plain", 1, T0, "local",
        WrappedKey.of("root", 1, new byte[] {1, 2, 3}), FileRecord.FORMAT_VERSION, 65536);
  }

  private static TokenRecord token(String id, String tenant) {
    return new TokenRecord(id, tenant, Role.READ, "", new byte[32], T0, Optional.empty());
  }
}
