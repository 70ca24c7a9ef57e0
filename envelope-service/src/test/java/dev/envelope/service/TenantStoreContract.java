package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link TenantStore}: every implementation extends this class and passes all of it. Each test
 * gets a new, empty store from {@link #newStore()}; it is closed after the test if it is {@link AutoCloseable}.
 */
public abstract class TenantStoreContract {
  private static final Instant T0 = Instant.parse("2026-05-06T07:08:09.123Z");
  private static final String ARN = "arn:aws:kms:eu-west-1:111122223333:key/" + "0".repeat(8) + "-1111-2222-3333-"
      + "4".repeat(12);
  private TenantStore store;

  /** A new, empty store. */
  protected abstract TenantStore newStore() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  @Test
  void insertedTenant_isFoundFieldForField() throws EnvelopeException {
    TenantRecord acme = new TenantRecord("acme", ARN, "aws-kms", true, TenantRecord.State.ACTIVE, T0,
        T0.plusMillis(1));
    store.insertTenant(acme);
    assertEquals(Optional.of(acme), store.findTenant("acme"));
    TenantRecord shared = new TenantRecord("globex", "k".repeat(2048), "local", false, TenantRecord.State.SHREDDED,
        T0, T0);
    store.insertTenant(shared);
    assertEquals(Optional.of(shared), store.findTenant("globex"));
  }

  @Test
  void quotas_roundTrip_changeByReplace_andComeOff() throws EnvelopeException {
    TenantRecord acme = new TenantRecord("acme", ARN, "aws-kms", true, TenantRecord.State.ACTIVE, T0, T0,
        Long.MAX_VALUE - 1);
    store.insertTenant(acme);
    assertEquals(Optional.of(acme), store.findTenant("acme"));
    TenantRecord lowered = acme.withQuota(0L, T0.plusSeconds(1));
    assertTrue(store.replaceTenant(acme, lowered));
    assertEquals(Optional.of(lowered), store.findTenant("acme"));
    assertFalse(store.replaceTenant(acme, acme.withQuota(5L, T0.plusSeconds(2))), "a stale record changes nothing");
    TenantRecord none = lowered.withQuota(null, T0.plusSeconds(3));
    assertTrue(store.replaceTenant(lowered, none));
    assertEquals(Optional.of(none), store.findTenant("acme"));
    assertEquals(null, store.findTenant("acme").orElseThrow().quotaBytes());
    TenantRecord moved = none.withQuota(7L, T0.plusSeconds(4)).withRootKey("key-2", false, T0.plusSeconds(5));
    assertTrue(store.replaceTenant(none, moved));
    assertEquals(7L, store.listTenants().get(0).quotaBytes(), "a listing carries it too");
  }

  @Test
  void unknownTenant_isEmpty() throws EnvelopeException {
    assertEquals(Optional.empty(), store.findTenant("nobody"));
  }

  @Test
  void duplicateName_isAlreadyExists_andKeepsTheFirst() throws EnvelopeException {
    TenantRecord first = tenant("acme", "key-1");
    store.insertTenant(first);
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> store.insertTenant(tenant("acme", "key-2")));
    assertEquals(ErrorCode.ALREADY_EXISTS, e.code());
    assertEquals(Optional.of(first), store.findTenant("acme"));
  }

  @Test
  void list_isByName() throws EnvelopeException {
    for (String name : List.of("zeta", "acme", "m.1", "globex")) {
      store.insertTenant(tenant(name, "key-" + name));
    }
    assertEquals(List.of("acme", "globex", "m.1", "zeta"),
        store.listTenants().stream().map(TenantRecord::name).toList());
  }

  @Test
  void list_ofAnEmptyStore_isEmpty() throws EnvelopeException {
    assertEquals(List.of(), store.listTenants());
  }

  @Test
  void replace_ofTheStoredRecord_succeeds() throws EnvelopeException {
    TenantRecord acme = tenant("acme", "key-1");
    store.insertTenant(acme);
    TenantRecord moved = acme.withRootKey("key-2", false, T0.plusSeconds(5));
    assertTrue(store.replaceTenant(acme, moved));
    assertEquals(Optional.of(moved), store.findTenant("acme"));
    TenantRecord shredded = moved.withState(TenantRecord.State.SHREDDED, T0.plusSeconds(6));
    assertTrue(store.replaceTenant(moved, shredded));
    assertEquals(Optional.of(shredded), store.findTenant("acme"));
  }

  @Test
  void replace_fromAStaleRecord_isFalse_andChangesNothing() throws EnvelopeException {
    TenantRecord acme = tenant("acme", "key-1");
    store.insertTenant(acme);
    TenantRecord moved = acme.withRootKey("key-2", true, T0.plusSeconds(5));
    assertTrue(store.replaceTenant(acme, moved));
    assertFalse(store.replaceTenant(acme, acme.withState(TenantRecord.State.SHREDDED, T0.plusSeconds(6))));
    // Each field alone makes a record stale.
    assertFalse(store.replaceTenant(moved.withState(TenantRecord.State.SHREDDED, moved.updatedAt()), acme));
    assertFalse(store.replaceTenant(moved.withRootKey("key-2", false, moved.updatedAt()), acme));
    assertFalse(store.replaceTenant(moved.withRootKey("key-2", true, moved.updatedAt().plusMillis(1)), acme));
    assertFalse(store.replaceTenant(new TenantRecord("acme", "key-2", "pkcs11", true, TenantRecord.State.ACTIVE,
        T0, moved.updatedAt()), acme));
    assertEquals(Optional.of(moved), store.findTenant("acme"));
  }

  @Test
  void replace_ofAMissingTenant_isFalse_andCreatesNothing() throws EnvelopeException {
    TenantRecord ghost = tenant("ghost", "key-1");
    assertFalse(store.replaceTenant(ghost, ghost.withState(TenantRecord.State.SHREDDED, T0.plusSeconds(1))));
    assertEquals(Optional.empty(), store.findTenant("ghost"));
  }

  @Test
  void replace_underAnotherName_isRefused() throws EnvelopeException {
    TenantRecord acme = tenant("acme", "key-1");
    store.insertTenant(acme);
    assertThrows(IllegalArgumentException.class, () -> store.replaceTenant(acme, tenant("globex", "key-1")));
    assertEquals(Optional.of(acme), store.findTenant("acme"));
    assertEquals(Optional.empty(), store.findTenant("globex"));
  }

  @Test
  void racingReplaces_exactlyOneWins() throws Exception {
    TenantRecord acme = tenant("acme", "key-1");
    store.insertTenant(acme);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> outcomes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        TenantRecord next = acme.withRootKey("key-" + (10 + i), true, T0.plusSeconds(1 + i));
        outcomes.add(pool.submit(() -> store.replaceTenant(acme, next)));
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

  private static TenantRecord tenant(String name, String key) {
    return new TenantRecord(name, key, "local", true, TenantRecord.State.ACTIVE, T0, T0);
  }
}
