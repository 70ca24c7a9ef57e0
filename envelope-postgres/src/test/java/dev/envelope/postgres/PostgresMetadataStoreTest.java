package dev.envelope.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FileRecord;
import dev.envelope.service.PageCursor;
import dev.envelope.service.Role;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TokenRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the PostgreSQL store adds to the contract: hostile text, forged cursors, times. */
class PostgresMetadataStoreTest {
  private static final Instant T0 = Instant.parse("2026-05-06T07:08:09.010Z");
  @TempDir
  static Path dir;
  private static PostgresFixture postgres;
  private PostgresMetadataStore store;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresFixture.start(dir.resolve("pg"));
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @BeforeEach
  void openStore() throws EnvelopeException {
    store = PostgresMetadataStore.open(postgres.config(postgres.createDatabase()));
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void cursorOfAnotherTenant_isInvalidArgument() throws EnvelopeException {
    for (int i = 0; i < 3; i++) {
      store.insert(file("acme", "a" + i, T0.plusSeconds(i)));
      store.insert(file("globex", "g" + i, T0.plusSeconds(i)));
    }
    String acmeCursor = store.list("acme", null, 1).nextCursor().orElseThrow();
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("globex", acmeCursor, 10));
    assertEquals(2, store.list("acme", acmeCursor, 10).files().size());
  }

  @Test
  void cursorWithAValidCheck_butValuesNoStoreWrites_isInvalidArgument() {
    // Whoever knows the format can make the check: such a cursor must still fail cleanly, not in the driver.
    for (PageCursor forged : List.of(new PageCursor(Long.MAX_VALUE, "f1"),
        new PageCursor(Long.MIN_VALUE, "f1"), new PageCursor(0, "f\0"),
        new PageCursor(0, "x".repeat(PostgresMetadataStore.MAX_KEY_BYTES + 1)))) {
      assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.list("acme", forged.encode("acme"), 10));
    }
  }

  @Test
  void cursorWithAValidCheck_andPlausibleValues_onlyPagesTheTenantsOwnFiles() throws EnvelopeException {
    store.insert(file("acme", "a1", T0));
    store.insert(file("globex", "g1", T0.minusSeconds(1)));
    String forged = new PageCursor(T0.plusSeconds(1).toEpochMilli(), "zzz").encode("acme");
    assertEquals(List.of("a1"), store.list("acme", forged, 10).files().stream().map(FileRecord::id).toList());
  }

  static Stream<String> unstorable() {
    return Stream.of("a\0b", "\0", "lone \uD800 high", "lone \uDC00 low", "\uDC00\uD800");
  }

  @ParameterizedTest
  @MethodSource("unstorable")
  void textPostgresCannotHold_isRefusedCleanlyOnInsert(String text) throws EnvelopeException {
    FileRecord good = file("acme", "f1", T0);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(withName(good, text)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(file("acme", text, T0)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(file(text, "f1", T0)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(new FileRecord("f1", "acme", "n", text, 1, T0, "local",
        good.wrappedKey(), 1, 65536)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(new FileRecord("f1", "acme", "n", "text/plain", 1, T0,
        text, good.wrappedKey(), 1, 65536)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertToken(token(text, "acme", "")));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertToken(token("aaaaaaaaaaaaaaaa", text, "")));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertToken(token("aaaaaaaaaaaaaaaa", "acme", text)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertTenant(tenant("acme", text, "local")));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertTenant(tenant("acme", "root", text)));
    assertEquals(List.of(), store.listTenants());
  }

  @ParameterizedTest
  @MethodSource("unstorable")
  void textPostgresCannotHold_isRefusedCleanlyOnReplace(String text) throws EnvelopeException {
    FileRecord file = file("acme", "f1", T0);
    store.insert(file);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.replaceWrappedKey(file, text, file.wrappedKey()));
    TenantRecord acme = tenant("acme", "root", "local");
    store.insertTenant(acme);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.replaceTenant(acme, tenant("acme", text, "local")));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.replaceTenant(acme, tenant("acme", "root", text)));
    assertEquals(Optional.of(file), store.get("acme", "f1"));
    assertEquals(Optional.of(acme), store.findTenant("acme"));
  }

  @ParameterizedTest
  @MethodSource("unstorable")
  void textPostgresCannotHold_findsNothing(String text) throws EnvelopeException {
    store.insert(file("acme", "f1", T0));
    assertEquals(Optional.empty(), store.get("acme", text));
    assertEquals(Optional.empty(), store.get(text, "f1"));
    assertFalse(store.delete("acme", text));
    assertFalse(store.delete(text, "f1"));
    assertFalse(store.exists(text));
    assertEquals(List.of(), store.list(text, null, 10).files());
    assertEquals(Optional.empty(), store.findToken(text));
    assertEquals(List.of(), store.listTokens(text));
    assertFalse(store.revokeToken(text, T0));
    assertEquals(List.of(), store.scan(text, null, 10).files());
    FileRecord f1 = file("acme", "f1", T0);
    WrappedKey next = WrappedKey.of("root", 2, new byte[] {2});
    assertFalse(store.replaceWrappedKey(file(text, "f1", T0), "local", next));
    assertFalse(store.replaceWrappedKey(file("acme", text, T0), "local", next));
    assertFalse(store.replaceWrappedKey(new FileRecord("f1", "acme", f1.name(), f1.contentType(), f1.size(), T0,
        text, f1.wrappedKey(), f1.formatVersion(), f1.segmentSize()), "local", next));
    assertEquals(Optional.empty(), store.findTenant(text));
    TenantRecord acme = tenant("acme", "root", "local");
    store.insertTenant(acme);
    assertFalse(store.replaceTenant(tenant("acme", text, "local"), tenant("acme", "root-2", "local")));
    assertFalse(store.replaceTenant(tenant("acme", "root", text), tenant("acme", "root-2", "local")));
    assertEquals(Optional.of(acme), store.findTenant("acme"));
    assertEquals(Optional.of(f1), store.get("acme", "f1"));
  }

  @Test
  void scanCursorWithAValidCheck_butAnIdNoStoreWrites_isInvalidArgument() {
    for (String id : List.of("f\0", "x".repeat(PostgresMetadataStore.MAX_KEY_BYTES + 1))) {
      assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan(null, PageCursor.encodeScan(null, id), 10));
      assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.scan("acme", PageCursor.encodeScan("acme", id), 10));
    }
  }

  @Test
  void scan_goesByCodePoint_fromAnyPlausibleId() throws EnvelopeException {
    for (String id : List.of("B", "a", "_", "Z", "é", "-")) {
      store.insert(file("acme", id, T0));
    }
    assertEquals(List.of("-", "B", "Z", "_", "a", "é"),
        store.scan(null, null, 10).files().stream().map(FileRecord::id).toList());
    // A made-up cursor only moves the start: it reaches nothing a scan would not.
    assertEquals(List.of("_", "a", "é"), store.scan("acme", PageCursor.encodeScan("acme", "Zz"), 10).files()
        .stream().map(FileRecord::id).toList());
  }

  @Test
  void tenantTimes_areKeptToTheMillisecond_andAStaleRecordStillMatchesAtThatPrecision() throws EnvelopeException {
    Instant fine = Instant.parse("2026-05-06T07:08:09.010999999Z");
    TenantRecord given = new TenantRecord("acme", "root", "local", true, TenantRecord.State.ACTIVE, fine, fine);
    store.insertTenant(given);
    TenantRecord stored = store.findTenant("acme").orElseThrow();
    assertEquals(Instant.parse("2026-05-06T07:08:09.010Z"), stored.createdAt());
    assertEquals(stored.updatedAt(), stored.createdAt());
    assertTrue(store.replaceTenant(given, given.withState(TenantRecord.State.SHREDDED, fine.plusSeconds(1))));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertTenant(new TenantRecord("globex", "root", "local",
        true, TenantRecord.State.ACTIVE, Instant.MAX, T0)));
    assertFalse(store.replaceTenant(new TenantRecord("acme", "root", "local", true, TenantRecord.State.SHREDDED,
        fine, Instant.MAX), given));
    assertEquals(Optional.empty(), store.findTenant("globex"));
  }

  @Test
  void idsAndTenants_longerThanTheLimit_areRefused_andFindNothing() throws EnvelopeException {
    String longest = "é".repeat(PostgresMetadataStore.MAX_KEY_BYTES / 2);
    store.insert(file(longest, longest, T0));
    assertTrue(store.exists(longest));
    assertEquals(1, store.list(longest, null, 10).files().size());
    String tooLong = longest + "x";
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(file("acme", tooLong, T0)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(file(tooLong, "f2", T0)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insertToken(token("x".repeat(1025), "acme", "")));
    assertFalse(store.exists(tooLong));
    assertEquals(Optional.empty(), store.get("acme", "y".repeat(1_000_000)));
  }

  @Test
  void hugeNameAndWrappedKey_roundTrip() throws EnvelopeException {
    byte[] wrapped = new byte[WrappedKey.MAX_CIPHERTEXT_BYTES];
    for (int i = 0; i < wrapped.length; i++) {
      wrapped[i] = (byte) i;
    }
    FileRecord big = new FileRecord("f1", "acme", "📄".repeat(500_000), "text/plain", Long.MAX_VALUE, T0, "local",
        WrappedKey.of("root", Integer.MAX_VALUE, wrapped), Integer.MAX_VALUE, Integer.MAX_VALUE);
    store.insert(big);
    assertEquals(Optional.of(big), store.get("acme", "f1"));
  }

  @Test
  void createdAt_isKeptToTheMillisecond_andTimesOutsideYears0To9999_areRefused() throws EnvelopeException {
    Instant fine = Instant.parse("2026-05-06T07:08:09.010999999Z");
    store.insert(file("acme", "f1", fine));
    assertEquals(Instant.parse("2026-05-06T07:08:09.010Z"), store.get("acme", "f1").orElseThrow().createdAt());
    store.insert(file("acme", "old", Instant.parse("0000-01-01T00:00:00Z")));
    store.insert(file("acme", "late", Instant.parse("9999-12-31T23:59:59.999Z")));
    assertEquals(List.of("late", "f1", "old"),
        store.list("acme", null, 10).files().stream().map(FileRecord::id).toList());
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(file("acme", "f2", Instant.MAX)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.insert(file("acme", "f3", Instant.parse("-0001-12-31T23:59:59Z"))));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> store.revokeToken("aaaaaaaaaaaaaaaa", Instant.MIN));
    assertFalse(store.exists("f2"));
  }

  @Test
  void idsSortByCodePoint_likeSqlite() throws EnvelopeException {
    for (String id : List.of("B", "a", "_", "Z", "é", "-")) {
      store.insert(file("acme", id, T0));
    }
    assertEquals(List.of("é", "a", "_", "Z", "B", "-"),
        store.list("acme", null, 10).files().stream().map(FileRecord::id).toList());
  }

  @Test
  void toString_namesTheDatabase_notThePassword() {
    assertFalse(store.toString().contains(postgres.password()));
    assertTrue(store.toString().contains("127.0.0.1"), store.toString());
  }

  private static FileRecord file(String tenant, String id, Instant createdAt) {
    return new FileRecord(id, tenant, "name", "text/plain", 1, createdAt, "local",
        WrappedKey.of("root", 1, new byte[] {1}), FileRecord.FORMAT_VERSION, 65536);
  }

  private static TenantRecord tenant(String name, String rootKey, String keyService) {
    return new TenantRecord(name, rootKey, keyService, true, TenantRecord.State.ACTIVE, T0, T0);
  }

  private static FileRecord withName(FileRecord f, String name) {
    return new FileRecord(f.id(), f.tenant(), name, f.contentType(), f.size(), f.createdAt(), f.keyService(),
        f.wrappedKey(), f.formatVersion(), f.segmentSize());
  }

  private static TokenRecord token(String id, String tenant, String name) {
    return new TokenRecord(id, tenant, Role.READ, name, new byte[32], T0, Optional.empty());
  }

  private static void assertCode(ErrorCode code, Executable call) {
    EnvelopeException e = assertThrows(EnvelopeException.class, call);
    assertEquals(code, e.code(), e.getMessage());
  }
}
