package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of {@link MetadataStore}: every implementation (SQLite, PostgreSQL, DynamoDB, ...) extends
 * this class and passes all of it. Each test gets a new, empty store from {@link #newStore()}.
 */
public abstract class MetadataStoreContract {
  private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.678Z");
  private MetadataStore store;

  /** A new, empty store; the contract closes it after the test. */
  protected abstract MetadataStore newStore() throws Exception;

  /** The store of the running test. */
  protected MetadataStore store() {
    return store;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void insertedRow_readsBackFieldForField() throws EnvelopeException {
    byte[] wrapped = new byte[WrappedKey.MAX_CIPHERTEXT_BYTES];
    new Random(1).nextBytes(wrapped);
    wrapped[0] = 0;
    FileRecord file = new FileRecord("f1", "acme", "report.pdf", "application/pdf; charset=binary",
        5L * 1024 * 1024 * 1024 * 1024, T0, "aws-kms",
        WrappedKey.of("arn:aws:kms:eu-west-1:111122223333:key/" + "k".repeat(100), 7, wrapped), 1, 1 << 20);
    store.insert(file);
    assertEquals(Optional.of(file), store.get("acme", "f1"));
  }

  @Test
  void missingRow_isEmpty() throws EnvelopeException {
    assertEquals(Optional.empty(), store.get("acme", "nothing"));
  }

  @Test
  void delete_removesTheRow_andSaysWhetherThereWasOne() throws EnvelopeException {
    store.insert(file("acme", "f1", T0));
    assertTrue(store.delete("acme", "f1"));
    assertEquals(Optional.empty(), store.get("acme", "f1"));
    assertFalse(store.delete("acme", "f1"));
    assertFalse(store.exists("f1"));
  }

  @Test
  void anotherTenantsRow_isInvisibleToGetDeleteAndList() throws EnvelopeException {
    FileRecord theirs = file("acme", "f1", T0);
    store.insert(theirs);
    assertEquals(Optional.empty(), store.get("globex", "f1"));
    assertFalse(store.delete("globex", "f1"));
    assertEquals(List.of(), store.list("globex", null, 10).files());
    assertEquals(Optional.of(theirs), store.get("acme", "f1"));
  }

  @Test
  void duplicateId_isAlreadyExists_inAnyTenant_andKeepsTheFirstRow() throws EnvelopeException {
    FileRecord first = file("acme", "f1", T0);
    store.insert(first);
    assertCode(ErrorCode.ALREADY_EXISTS, () -> store.insert(file("acme", "f1", T0.plusSeconds(1))));
    assertCode(ErrorCode.ALREADY_EXISTS, () -> store.insert(file("globex", "f1", T0)));
    assertEquals(Optional.of(first), store.get("acme", "f1"));
    assertEquals(Optional.empty(), store.get("globex", "f1"));
  }

  @Test
  void exists_looksAcrossTenants() throws EnvelopeException {
    store.insert(file("acme", "f1", T0));
    assertTrue(store.exists("f1"));
    assertFalse(store.exists("f2"));
  }

  @Test
  void list_isNewestFirst_withTiesBrokenByIdDescending() throws EnvelopeException {
    store.insert(file("acme", "b", T0));
    store.insert(file("acme", "c", T0.minusMillis(1)));
    store.insert(file("acme", "a", T0));
    store.insert(file("acme", "d", T0.plusMillis(1)));
    store.insert(file("acme", "e", T0));
    FilePage page = store.list("acme", null, 10);
    assertEquals(List.of("d", "e", "b", "a", "c"), ids(page.files()));
    assertEquals(Optional.empty(), page.nextCursor());
  }

  @Test
  void list_pagesAcrossManyRows_withoutGapsOrDuplicates() throws EnvelopeException {
    List<FileRecord> all = new ArrayList<>();
    Random random = new Random(2);
    for (int i = 0; i < 250; i++) {
      // Many ties: about seven rows share each instant, so pages often end inside a tie.
      FileRecord f = file("acme", String.format("f%05d", random.nextInt(100_000)) + "-" + i,
          T0.plusMillis(i / 7));
      all.add(f);
      store.insert(f);
    }
    store.insert(file("globex", "other", T0.plusMillis(10)));
    all.sort(Comparator.comparing(FileRecord::createdAt).thenComparing(FileRecord::id).reversed());
    for (int limit : new int[] {1, 7, 100, 250, MetadataStore.MAX_PAGE}) {
      List<FileRecord> seen = new ArrayList<>();
      String cursor = null;
      do {
        FilePage page = store.list("acme", cursor, limit);
        assertTrue(page.files().size() <= limit);
        seen.addAll(page.files());
        cursor = page.nextCursor().orElse(null);
        assertTrue(seen.size() <= all.size(), "no more rows than there are");
      } while (cursor != null);
      assertEquals(ids(all), ids(seen), "limit " + limit);
      assertEquals(all.size(), new HashSet<>(ids(seen)).size());
    }
  }

  @Test
  void list_ofAFullFirstPage_leadsToTheRest() throws EnvelopeException {
    for (int i = 0; i < 5; i++) {
      store.insert(file("acme", "f" + i, T0.plusSeconds(i)));
    }
    FilePage first = store.list("acme", null, 2);
    assertEquals(List.of("f4", "f3"), ids(first.files()));
    FilePage second = store.list("acme", first.nextCursor().orElseThrow(), 2);
    assertEquals(List.of("f2", "f1"), ids(second.files()));
    FilePage third = store.list("acme", second.nextCursor().orElseThrow(), 2);
    assertEquals(List.of("f0"), ids(third.files()));
    assertEquals(Optional.empty(), third.nextCursor());
  }

  @Test
  void list_cursorStaysValid_whenItsRowIsDeleted() throws EnvelopeException {
    for (int i = 0; i < 4; i++) {
      store.insert(file("acme", "f" + i, T0.plusSeconds(i)));
    }
    FilePage first = store.list("acme", null, 2);
    store.delete("acme", "f2");
    assertEquals(List.of("f1", "f0"), ids(store.list("acme", first.nextCursor().orElseThrow(), 10).files()));
  }

  @Test
  void list_ofATenantWithoutFiles_isEmpty() throws EnvelopeException {
    FilePage page = store.list("nobody", null, 10);
    assertEquals(List.of(), page.files());
    assertEquals(Optional.empty(), page.nextCursor());
  }

  @Test
  void list_limitOutsideOneToMaxPage_isInvalidArgument() throws EnvelopeException {
    store.insert(file("acme", "f1", T0));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", null, 0));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", null, -1));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", null, MetadataStore.MAX_PAGE + 1));
    assertEquals(1, store.list("acme", null, 1).files().size());
    assertEquals(1, store.list("acme", null, MetadataStore.MAX_PAGE).files().size());
  }

  static Stream<String> forgedCursors() {
    byte[] random = new byte[40];
    new Random(3).nextBytes(random);
    return Stream.of("", " ", "garbage!", "AAAA", "null", "0", "../../etc/passwd", "\u0000",
        Base64.getUrlEncoder().withoutPadding().encodeToString(random),
        Base64.getUrlEncoder().encodeToString("{\"createdAt\":0,\"id\":\"f1\"}".getBytes(StandardCharsets.UTF_8)),
        "x".repeat(100_000));
  }

  @ParameterizedTest
  @MethodSource("forgedCursors")
  void forgedCursor_isInvalidArgument(String cursor) throws EnvelopeException {
    store.insert(file("acme", "f1", T0));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", cursor, 10));
  }

  @Test
  void garbledCursor_isInvalidArgument() throws EnvelopeException {
    for (int i = 0; i < 3; i++) {
      store.insert(file("acme", "f" + i, T0.plusSeconds(i)));
    }
    String cursor = store.list("acme", null, 1).nextCursor().orElseThrow();
    int middle = cursor.length() / 2;
    char other = cursor.charAt(middle) == 'A' ? 'B' : 'A';
    String changed = cursor.substring(0, middle) + other + cursor.substring(middle + 1);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", changed, 10));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", cursor.substring(0, middle), 10));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", cursor + "AAAA", 10));
  }

  static Stream<String> names() {
    return Stream.of("報告書.pdf", "отчёт за 2025.docx", "تقرير.txt", "📄 notes", "../etc/passwd", "a/b\\c",
        "'; DROP TABLE files; --", "%00%2e%2e", " leading and trailing ", "é".repeat(512),
        "\uD83D\uDE00".repeat(256));
  }

  @ParameterizedTest
  @MethodSource("names")
  void names_roundTripExactly(String name) throws EnvelopeException {
    store.insert(withName(file("acme", "f1", T0), name));
    assertEquals(name, store.get("acme", "f1").orElseThrow().name());
    assertEquals(name, store.list("acme", null, 1).files().get(0).name());
  }

  @Test
  void concurrentInserts_allLand() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 25; i++) {
            store.insert(file("acme", "t" + thread + "-" + i, T0.plusMillis(i)));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<FileRecord> all = store.list("acme", null, MetadataStore.MAX_PAGE).files();
    assertEquals(16 * 25, all.size());
  }

  @Test
  void duplicatesAmongConcurrentInserts_failAlone() throws Exception {
    for (int i = 0; i < 50; i++) {
      store.insert(file("acme", "taken-" + i, T0));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ErrorCode>> outcomes = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String id = i % 2 == 0 ? "taken-" + (i / 4) : "new-" + i;
        outcomes.add(pool.submit(() -> {
          try {
            store.insert(file("acme", id, T0.plusSeconds(1)));
            return null;
          } catch (EnvelopeException e) {
            return e.code();
          }
        }));
      }
      for (int i = 0; i < outcomes.size(); i++) {
        assertEquals(i % 2 == 0 ? ErrorCode.ALREADY_EXISTS : null, outcomes.get(i).get(60, TimeUnit.SECONDS),
            "insert " + i);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(150, store.list("acme", null, MetadataStore.MAX_PAGE).files().size());
  }

  // --- scan and replaceWrappedKey: the administrative walk (rewrap, usage, purge)

  @Test
  void scan_visitsEveryRowOfEveryTenantOnce_acrossSmallPages() throws EnvelopeException {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 75; i++) {
      for (String tenant : List.of("acme", "globex", "initech")) {
        String id = tenant.charAt(0) + "-" + i;
        store.insert(file(tenant, id, T0.plusMillis(i % 5)));
        expected.add(id);
      }
    }
    List<String> seen = scanIds(null, 7);
    assertEquals(expected.size(), seen.size(), "no row twice");
    assertEquals(new HashSet<>(expected), new HashSet<>(seen));
  }

  @Test
  void scan_ofOneTenant_seesOnlyItsRows() throws EnvelopeException {
    for (int i = 0; i < 30; i++) {
      store.insert(file("acme", "a-" + i, T0));
      store.insert(file("globex", "g-" + i, T0));
    }
    List<String> seen = scanIds("globex", 4);
    assertEquals(30, seen.size());
    assertTrue(seen.stream().allMatch(id -> id.startsWith("g-")), seen.toString());
    assertEquals(List.of(), scanIds("initech", 10));
  }

  @Test
  void scan_ofAnEmptyStore_isOneEmptyLastPage() throws EnvelopeException {
    FilePage page = store.scan(null, null, 10);
    assertEquals(List.of(), page.files());
    assertEquals(Optional.empty(), page.nextCursor());
  }

  @Test
  void scan_returnsWholeRows() throws EnvelopeException {
    FileRecord file = file("acme", "f1", T0);
    store.insert(file);
    assertEquals(List.of(file), store.scan("acme", null, 10).files());
  }

  @Test
  void scan_refusesBadLimitsAndCursors() throws EnvelopeException {
    for (int i = 0; i < 5; i++) {
      store.insert(file("acme", "f" + i, T0));
    }
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan(null, null, 0));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan(null, null, MetadataStore.MAX_PAGE + 1));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan(null, "garbage", 2));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan(null, "", 2));
    String cursor = store.scan("acme", null, 2).nextCursor().orElseThrow();
    // A cursor of one scan does not continue another, nor a listing.
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan(null, cursor, 2));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan("globex", cursor, 2));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", cursor, 2));
    String listCursor = store.list("acme", null, 2).nextCursor().orElseThrow();
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan("acme", listCursor, 2));
  }

  @Test
  void scan_cursorStaysValid_whenItsRowIsDeleted() throws EnvelopeException {
    for (int i = 0; i < 10; i++) {
      store.insert(file("acme", "f" + i, T0));
    }
    FilePage first = store.scan(null, null, 3);
    for (FileRecord f : first.files()) {
      assertTrue(store.delete("acme", f.id()));
    }
    List<String> rest = new ArrayList<>();
    String cursor = first.nextCursor().orElseThrow();
    while (cursor != null) {
      FilePage page = store.scan(null, cursor, 3);
      page.files().forEach(f -> rest.add(f.id()));
      cursor = page.nextCursor().orElse(null);
    }
    assertEquals(7, rest.size(), rest.toString());
  }

  @Test
  void replaceWrappedKey_changesTheKeyAndNothingElse() throws EnvelopeException {
    FileRecord file = file("acme", "f1", T0);
    store.insert(file);
    WrappedKey next = WrappedKey.of("arn:aws:kms:eu-west-1:111122223333:key/new", 0, new byte[] {9, 8, 7});
    assertTrue(store.replaceWrappedKey(file, "aws-kms", next));
    FileRecord after = store.get("acme", "f1").orElseThrow();
    assertEquals(new FileRecord(file.id(), file.tenant(), file.name(), file.contentType(), file.size(),
        file.createdAt(), "aws-kms", next, file.formatVersion(), file.segmentSize()), after);
  }

  @Test
  void replaceWrappedKey_ofARowChangedMeanwhile_isFalse_andKeepsTheNewerKey() throws EnvelopeException {
    FileRecord file = file("acme", "f1", T0);
    store.insert(file);
    WrappedKey first = WrappedKey.of("root-acme", 2, new byte[] {1});
    assertTrue(store.replaceWrappedKey(file, "local", first));
    // A second writer still holding the original row loses; so does one naming the same key with another version.
    assertFalse(store.replaceWrappedKey(file, "local", WrappedKey.of("root-acme", 3, new byte[] {2})));
    FileRecord sameBytesOtherVersion = new FileRecord(file.id(), file.tenant(), file.name(), file.contentType(),
        file.size(), file.createdAt(), "local", WrappedKey.of("root-acme", 1, new byte[] {1}), file.formatVersion(),
        file.segmentSize());
    assertFalse(store.replaceWrappedKey(sameBytesOtherVersion, "local", WrappedKey.of("x", 1, new byte[] {3})));
    FileRecord otherService = new FileRecord(file.id(), file.tenant(), file.name(), file.contentType(),
        file.size(), file.createdAt(), "pkcs11", first, file.formatVersion(), file.segmentSize());
    assertFalse(store.replaceWrappedKey(otherService, "local", WrappedKey.of("x", 1, new byte[] {3})));
    assertEquals(first, store.get("acme", "f1").orElseThrow().wrappedKey());
  }

  @Test
  void replaceWrappedKey_ofADeletedRow_isFalse_andDoesNotBringItBack() throws EnvelopeException {
    FileRecord file = file("acme", "f1", T0);
    store.insert(file);
    assertTrue(store.delete("acme", "f1"));
    assertFalse(store.replaceWrappedKey(file, "local", WrappedKey.of("root-acme", 2, new byte[] {1})));
    assertEquals(Optional.empty(), store.get("acme", "f1"));
    assertFalse(store.exists("f1"));
  }

  @Test
  void replaceWrappedKey_namingAnotherTenant_isFalse() throws EnvelopeException {
    FileRecord file = file("acme", "f1", T0);
    store.insert(file);
    FileRecord claimed = new FileRecord(file.id(), "globex", file.name(), file.contentType(), file.size(),
        file.createdAt(), file.keyService(), file.wrappedKey(), file.formatVersion(), file.segmentSize());
    assertFalse(store.replaceWrappedKey(claimed, "local", WrappedKey.of("root-globex", 1, new byte[] {1})));
    assertEquals(file, store.get("acme", "f1").orElseThrow());
  }

  @Test
  void racingReplacesOfOneRow_exactlyOneWins() throws Exception {
    FileRecord file = file("acme", "f1", T0);
    store.insert(file);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> outcomes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        WrappedKey next = WrappedKey.of("root-acme", 10 + i, new byte[] {(byte) i});
        outcomes.add(pool.submit(() -> store.replaceWrappedKey(file, "local", next)));
      }
      int won = 0;
      for (Future<Boolean> f : outcomes) {
        won += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertEquals(1, won);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sha256_roundTrips_andAbsentStaysAbsent() throws EnvelopeException {
    String digest = "0123456789abcdef".repeat(4);
    FileRecord with = file("acme", "d1", T0).withSha256(digest);
    FileRecord without = file("acme", "d2", T0);
    store.insert(with);
    store.insert(without);
    assertEquals(Optional.of(with), store.get("acme", "d1"));
    assertEquals(digest, store.get("acme", "d1").orElseThrow().sha256());
    assertEquals(Optional.of(without), store.get("acme", "d2"));
    assertEquals(null, store.get("acme", "d2").orElseThrow().sha256());
    assertEquals(List.of(with), store.scan("acme", null, 10).files().stream().filter(f -> f.id().equals("d1"))
        .toList(), "scans carry it too");
  }

  @Test
  void rename_changesNameAndTypeAndNothingElse() throws EnvelopeException {
    FileRecord file = file("acme", "r1", T0).withSha256("ab".repeat(32));
    store.insert(file);
    FileRecord expected = file.withNameAndType("renamed ✓.txt", "text/markdown; charset=utf-8");
    assertEquals(Optional.of(expected), store.rename("acme", "r1", "renamed ✓.txt", "text/markdown; charset=utf-8"));
    assertEquals(Optional.of(expected), store.get("acme", "r1"));
    assertEquals(List.of(expected), store.list("acme", null, 10).files());
  }

  @Test
  void rename_ofAMissingOrAnotherTenantsRow_isEmpty_andChangesNothing() throws EnvelopeException {
    FileRecord file = file("acme", "r2", T0);
    store.insert(file);
    assertEquals(Optional.empty(), store.rename("evil", "r2", "stolen", "text/plain"));
    assertEquals(Optional.empty(), store.rename("acme", "nope", "x", "text/plain"));
    assertEquals(Optional.of(file), store.get("acme", "r2"));
    assertEquals(Optional.empty(), store.get("acme", "nope"), "a rename never makes a row");
    store.delete("acme", "r2");
    assertEquals(Optional.empty(), store.rename("acme", "r2", "back", "text/plain"));
    assertEquals(Optional.empty(), store.get("acme", "r2"), "nor brings a deleted one back");
  }

  @Test
  void usage_countsTheTenantsFilesAndBytes_only() throws EnvelopeException {
    assertEquals(new MetadataStore.Usage(0, 0), store.usage("acme"));
    long total = 0;
    for (int i = 0; i < 7; i++) {
      FileRecord f = file("acme", "u" + "x".repeat(i), T0.plusMillis(i));
      store.insert(f);
      total += f.size();
    }
    store.insert(new FileRecord("big", "acme", "big", "text/plain", 5L << 40, T0, "local",
        WrappedKey.of("root-acme", 1, new byte[] {1}), FileRecord.FORMAT_VERSION, 65536));
    store.insert(file("other", "o1", T0));
    assertEquals(new MetadataStore.Usage(8, total + (5L << 40)), store.usage("acme"));
    assertEquals(new MetadataStore.Usage(1, 2), store.usage("other"));
    store.delete("acme", "big");
    assertEquals(new MetadataStore.Usage(7, total), store.usage("acme"));
    assertEquals(new MetadataStore.Usage(0, 0), store.usage("nobody"));
  }

  @Test
  void healthyStore_isReady() throws EnvelopeException {
    store.checkReady();
  }

  // --- helpers

  /** A row with plausible values; tests change what they look at. */
  protected static FileRecord file(String tenant, String id, Instant createdAt) {
    byte[] wrapped = (id + "@" + tenant).getBytes(StandardCharsets.UTF_8);
    return new FileRecord(id, tenant, "name of " + id, "text/plain", id.length(), createdAt, "local",
        WrappedKey.of("root-" + tenant, 1, wrapped), FileRecord.FORMAT_VERSION, 65536);
  }

  protected static FileRecord withName(FileRecord f, String name) {
    return new FileRecord(f.id(), f.tenant(), name, f.contentType(), f.size(), f.createdAt(), f.keyService(),
        f.wrappedKey(), f.formatVersion(), f.segmentSize());
  }

  protected static void assertCode(ErrorCode code, Executable call) {
    EnvelopeException e = assertThrows(EnvelopeException.class, call);
    assertEquals(code, e.code(), e.getMessage());
  }

  private List<String> scanIds(String tenant, int limit) throws EnvelopeException {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      FilePage page = store.scan(tenant, cursor, limit);
      assertTrue(page.files().size() <= limit);
      page.files().forEach(f -> seen.add(f.id()));
      cursor = page.nextCursor().orElse(null);
      assertTrue(++pages < 10_000, "the scan ends");
    } while (cursor != null);
    return seen;
  }

  private static List<String> ids(List<FileRecord> files) {
    return files.stream().map(FileRecord::id).toList();
  }
}
