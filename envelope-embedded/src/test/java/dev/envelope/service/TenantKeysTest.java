package dev.envelope.service;

import static dev.envelope.service.ServiceFixture.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService.KeyState;
import dev.envelope.core.WrappedKey;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Per-tenant root keys, rewrap and crypto-shredding over the real local keyring and the real local stores. */
class TenantKeysTest {
  private static final Principal OPERATOR = Principal.localOperator();
  private static final Principal ACME = Principal.of("acme", Role.WRITE);
  private static final Principal GLOBEX = Principal.of("globex", Role.WRITE);

  @TempDir
  Path home;
  private ServiceFixture fx;
  private TenantAdmin tenants;
  private Rewrap rewrap;

  @BeforeEach
  void start() throws Exception {
    fx = new ServiceFixture(home);
    tenants = new TenantAdmin(fx.service, fx.stores.tokens(), fx.keyring);
    rewrap = new Rewrap(fx.service, fx.keyring);
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  @Test
  void aTenantWithItsOwnKey_hasItsNewFilesWrappedUnderIt_andOthersKeepTheNodesKey() throws Exception {
    TenantRecord acme = tenants.create(OPERATOR, "acme", null);
    assertTrue(acme.ownKey());
    assertEquals(KeyState.ENABLED, fx.keyring.describeKey(acme.rootKey()).state());
    FileRecord a = upload(ACME, 5000, 1);
    FileRecord g = upload(GLOBEX, 5000, 2);
    assertEquals(acme.rootKey(), a.wrappedKey().rootKeyId());
    assertEquals(fx.rootKey, g.wrappedKey().rootKeyId());
    assertArrayEquals(random(5000, 1), fx.download(ACME, a.id()));
    assertArrayEquals(random(5000, 2), fx.download(GLOBEX, g.id()));
  }

  @Test
  void bringYourOwnKey_byAlias_isRecordedByItsId() throws Exception {
    String own = fx.keyring.createKey("acme's own").id();
    fx.keyring.createAlias("acme-key", own);
    TenantRecord acme = tenants.create(OPERATOR, "acme", "acme-key");
    assertEquals(own, acme.rootKey());
    assertEquals(own, upload(ACME, 10, 1).wrappedKey().rootKeyId());
    assertCode(ErrorCode.ALREADY_EXISTS, () -> tenants.create(OPERATOR, "acme", null));
    assertCode(ErrorCode.KEY_NOT_FOUND, () -> tenants.create(OPERATOR, "globex", "no-such-key"));
    fx.keyring.disableKey(own);
    assertCode(ErrorCode.KEY_DISABLED, () -> tenants.setKey(OPERATOR, "acme", own));
  }

  @Test
  void filesFromBeforeATenantHadItsOwnKey_stillRead_andRewrapMovesThem() throws Exception {
    FileRecord before = upload(ACME, 9000, 1);
    TenantRecord acme = tenants.create(OPERATOR, "acme", null);
    FileRecord after = upload(ACME, 9000, 2);
    assertArrayEquals(random(9000, 1), fx.download(ACME, before.id()));

    Rewrap.Summary dry = rewrap.run(OPERATOR, new Rewrap.Options(null, true, 0), null);
    assertArrayEquals(new long[] {2, 1, 1, 0}, new long[] {dry.scanned(), dry.rewrapped(), dry.current(), dry.failed()});
    assertEquals(fx.rootKey, row(before).wrappedKey().rootKeyId(), "a dry run changes nothing");

    Rewrap.Summary done = rewrap.run(OPERATOR, new Rewrap.Options("acme", false, 0), null);
    assertEquals(1, done.rewrapped());
    assertEquals(acme.rootKey(), row(before).wrappedKey().rootKeyId());
    assertEquals(row(after), after, "a current row is not touched");
    assertArrayEquals(random(9000, 1), fx.download(ACME, before.id()));
    assertArrayEquals(random(9000, 2), fx.download(ACME, after.id()));
  }

  @Test
  void afterRotation_rewrapMovesEveryRowToTheCurrentVersion_soTheOldOneCanBeDestroyed() throws Exception {
    List<FileRecord> old = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      old.add(upload(ACME, 3000 + i, i));
    }
    FileRecord other = upload(GLOBEX, 100, 99);
    fx.keyring.rotateKey(fx.rootKey);
    FileRecord fresh = upload(ACME, 10, 50);
    assertEquals(2, fresh.wrappedKey().rootKeyVersion());
    KeyUsage usage = KeyUsage.of(fx.stores.metadata(), null);
    assertEquals(6, usage.filesUnder("local", fx.rootKey, 1));
    assertEquals(1, usage.filesUnder("local", fx.rootKey, 2));

    Rewrap.Summary done = rewrap.run(OPERATOR, new Rewrap.Options(null, false, 0), null);
    assertEquals(7, done.scanned());
    assertEquals(6, done.rewrapped());
    assertEquals(1, done.current());
    assertEquals(0, KeyUsage.of(fx.stores.metadata(), null).filesUnder("local", fx.rootKey, 1));

    Rewrap.Summary again = rewrap.run(OPERATOR, new Rewrap.Options(null, false, 0), null);
    assertEquals(0, again.rewrapped(), "idempotent");
    assertEquals(7, again.current());

    fx.keyring.destroyKeyVersion(fx.rootKey, 1);
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(random(3000 + i, i), fx.download(ACME, old.get(i).id()));
    }
    assertArrayEquals(random(100, 99), fx.download(GLOBEX, other.id()));
  }

  @Test
  void setKey_thenRewrap_movesATenantToAnotherKey() throws Exception {
    tenants.create(OPERATOR, "acme", null);
    FileRecord a = upload(ACME, 7000, 1);
    String next = fx.keyring.createKey("acme next").id();
    tenants.setKey(OPERATOR, "acme", next);
    assertEquals(1, rewrap.run(OPERATOR, new Rewrap.Options("acme", false, 0), null).rewrapped());
    assertEquals(next, row(a).wrappedKey().rootKeyId());
    assertArrayEquals(random(7000, 1), fx.download(ACME, a.id()));
  }

  @Test
  void aRowWhoseKeyCannotBeRewrapped_isCountedAndNamed_andTheRunGoesOn() throws Exception {
    FileRecord good = upload(ACME, 10, 1);
    FileRecord bad = upload(ACME, 10, 2);
    fx.keyring.rotateKey(fx.rootKey);
    WrappedKey garbage = WrappedKey.of(fx.rootKey, 1, new byte[60]);
    assertTrue(fx.stores.metadata().replaceWrappedKey(bad, "local", garbage));
    Rewrap.Summary done = rewrap.run(OPERATOR, new Rewrap.Options(null, false, 0), null);
    assertEquals(1, done.rewrapped());
    assertEquals(1, done.failed());
    assertTrue(done.failures().get(0).startsWith(bad.id()), done.failures().toString());
    assertEquals(2, row(good).wrappedKey().rootKeyVersion());
    assertEquals(garbage, row(bad).wrappedKey(), "a failed row is left as it was");
  }

  @Test
  void aTenantWhoseKeyCannotWrap_failsItsRowsWithOneReason_andOtherTenantsAreRewrapped() throws Exception {
    TenantRecord acme = tenants.create(OPERATOR, "acme", null);
    for (int i = 0; i < 30; i++) {
      upload(ACME, 10, i);
    }
    FileRecord g = upload(GLOBEX, 10, 99);
    fx.keyring.rotateKey(acme.rootKey());
    fx.keyring.rotateKey(fx.rootKey);
    fx.keyring.disableKey(acme.rootKey());
    Rewrap.Summary done = rewrap.run(OPERATOR, new Rewrap.Options(null, false, 0), null);
    assertEquals(30, done.failed());
    assertEquals(1, done.rewrapped());
    assertEquals(1, done.failures().size(), done.failures().toString());
    assertTrue(done.failures().get(0).contains("tenant acme: its root key " + acme.rootKey()),
        done.failures().toString());
    assertEquals(2, row(g).wrappedKey().rootKeyVersion());
  }

  @Test
  void rewrapRacingDeletesAndUploads_losesNoRow_bringsNoneBack_andLeavesEveryRowReadable() throws Exception {
    Map<String, byte[]> live = new HashMap<>();
    List<FileRecord> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      FileRecord f = upload(i % 2 == 0 ? ACME : GLOBEX, 100 + i, i);
      rows.add(f);
      live.put(f.id(), random(100 + i, i));
    }
    fx.keyring.rotateKey(fx.rootKey);
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<String> deleted = new ArrayList<>();
    Map<String, byte[]> added = new HashMap<>();
    Future<?> traffic = pool.submit(() -> {
      int i = 0;
      while (running.get() && i < rows.size()) {
        FileRecord victim = rows.get(i);
        Principal owner = victim.tenant().equals("acme") ? ACME : GLOBEX;
        fx.service.delete(owner, victim.id());
        deleted.add(victim.id());
        FileRecord f = upload(owner, 50 + i, 1000 + i);
        added.put(f.id(), random(50 + i, 1000 + i));
        i += 3;
      }
      return null;
    });
    Rewrap.Summary done = rewrap.run(OPERATOR, new Rewrap.Options(null, false, 500), null);
    running.set(false);
    traffic.get(60, TimeUnit.SECONDS);
    pool.shutdownNow();
    assertEquals(0, done.failed(), done.failures().toString());
    for (String id : deleted) {
      live.remove(id);
      assertFalse(fx.stores.metadata().exists(id), "a deleted row stays deleted: " + id);
    }
    live.putAll(added);
    Rewrap.Summary finish = rewrap.run(OPERATOR, new Rewrap.Options(null, false, 0), null);
    assertEquals(live.size(), finish.scanned());
    assertEquals(0, KeyUsage.of(fx.stores.metadata(), null).filesUnder("local", fx.rootKey, 1));
    fx.keyring.destroyKeyVersion(fx.rootKey, 1);
    for (Map.Entry<String, byte[]> e : live.entrySet()) {
      Principal owner = row(e.getKey()).tenant().equals("acme") ? ACME : GLOBEX;
      assertArrayEquals(e.getValue(), fx.download(owner, e.getKey()), e.getKey());
    }
  }

  @Test
  void shred_makesOneTenantGone_andLeavesTheOtherUntouched() throws Exception {
    TenantRecord acme = tenants.create(OPERATOR, "acme", null);
    TenantRecord globex = tenants.create(OPERATOR, "globex", null);
    FileRecord a = upload(ACME, 5000, 1);
    FileRecord g = upload(GLOBEX, 5000, 2);
    AccessTokens tokens = new AccessTokens(fx.stores.tokens(), fx.stores.metadata(), fx.clock);
    String acmeToken = tokens.create(OPERATOR, "acme", Role.WRITE, "acme app").token();
    String globexToken = tokens.create(OPERATOR, "globex", Role.WRITE, "globex app").token();

    java.time.Instant before = java.time.Instant.now();
    TenantAdmin.Shredded shred = tenants.shred(OPERATOR, "acme", false);
    java.time.Instant after = java.time.Instant.now();
    assertEquals(1, shred.tokensRevoked());
    java.time.Instant date = shred.deletionDate().orElseThrow(); // the keyring's own clock: the system's
    assertFalse(date.isBefore(before.plus(Duration.ofDays(7)).minusMillis(1)), date.toString());
    assertFalse(date.isAfter(after.plus(Duration.ofDays(7))), date.toString());
    assertEquals(KeyState.PENDING_DELETION, fx.keyring.describeKey(acme.rootKey()).state());

    for (Executable call : List.<Executable>of(() -> fx.download(ACME, a.id()),
        () -> fx.service.describe(ACME, a.id()), () -> fx.service.list(ACME, null, 10),
        () -> fx.service.delete(ACME, a.id()), () -> upload(ACME, 1, 1))) {
      assertCode(ErrorCode.TENANT_SHREDDED, call);
    }
    assertCode(ErrorCode.TENANT_SHREDDED, () -> tokens.authenticate(acmeToken));
    String forged = acmeToken.substring(0, acmeToken.length() - 2) + (acmeToken.endsWith("A") ? "BB" : "AA");
    assertCode(ErrorCode.UNAUTHENTICATED, () -> tokens.authenticate(forged)); // the secret is still needed
    assertCode(ErrorCode.TENANT_SHREDDED, () -> tokens.create(OPERATOR, "acme", Role.READ, "after"));
    assertEquals("globex", tokens.authenticate(globexToken).tenant());
    assertArrayEquals(random(5000, 2), fx.download(GLOBEX, g.id()));
    assertEquals(KeyState.ENABLED, fx.keyring.describeKey(globex.rootKey()).state());

    assertEquals(0, tenants.shred(OPERATOR, "acme", false).tokensRevoked(), "a rerun finishes, changes nothing");
    KeyUsage.Totals purged = tenants.purge(OPERATOR, "acme");
    assertEquals(1, purged.files());
    assertFalse(fx.stores.metadata().exists(a.id()));
    assertFalse(java.nio.file.Files.exists(fx.blobFile(a.id())));
    assertTrue(java.nio.file.Files.exists(fx.blobFile(g.id())));
    assertEquals("shredded", tenants.describe(OPERATOR, "acme").state());
  }

  /**
   * An upload that chose the node's key before its tenant had one (or before a set-key) and stores its row after
   * shred's checks but before shred marks the tenant: shredding must not leave that row readable under the node's
   * key, which is never destroyed.
   */
  @Test
  void anUploadStoredBetweenShredsChecksAndItsMark_leavesNoRowOfTheTenantUnderAnotherKey() throws Exception {
    TenantRecord acme = tenants.create(OPERATOR, "acme", null);
    // An upload that started before acme had its own key: it wraps under the node's key, and its row lands now.
    FileService early = FileService.builder().keyService(fx.keyring, fx.rootKey).blobStore(fx.stores.blobs())
        .metadataStore(fx.stores.metadata()).segmentSize(ServiceFixture.SEGMENT).build();
    TenantStore store = fx.stores.metadata();
    List<FileRecord> landed = new ArrayList<>();
    TenantStore racing = new TenantStore() {
      @Override
      public void insertTenant(TenantRecord tenant) throws EnvelopeException {
        store.insertTenant(tenant);
      }

      @Override
      public java.util.Optional<TenantRecord> findTenant(String name) throws EnvelopeException {
        return store.findTenant(name);
      }

      @Override
      public List<TenantRecord> listTenants() throws EnvelopeException {
        return store.listTenants();
      }

      @Override
      public boolean replaceTenant(TenantRecord expected, TenantRecord updated) throws EnvelopeException {
        if (!updated.active() && landed.isEmpty()) {
          landed.add(early.upload(ACME, "late.bin", null, new ByteArrayInputStream(random(5000, 9))));
        }
        return store.replaceTenant(expected, updated);
      }
    };
    FileService service = FileService.builder().keyService(fx.keyring, fx.rootKey).blobStore(fx.stores.blobs())
        .metadataStore(fx.stores.metadata()).tenantStore(racing).segmentSize(ServiceFixture.SEGMENT).build();
    new TenantAdmin(service, fx.stores.tokens(), fx.keyring).shred(OPERATOR, "acme", true);

    assertEquals(1, landed.size());
    assertEquals(fx.rootKey, landed.get(0).wrappedKey().rootKeyId(), "the late row was under the node's key");
    for (FileRecord row : fx.stores.metadata().scan("acme", null, MetadataStore.MAX_PAGE).files()) {
      assertEquals(acme.rootKey(), row.wrappedKey().rootKeyId(), "file " + row.id() + " of the shredded tenant"
          + " is still wrapped under a key that was not destroyed");
    }
  }

  /**
   * A token made while its tenant is being shredded (it passed the shredded check before the mark, and is stored
   * after shred listed the tokens to revoke) must not stay live: shredding promises every token revoked.
   */
  @Test
  void aTokenMadeWhileItsTenantIsShredded_doesNotStayLive() throws Exception {
    tenants.create(OPERATOR, "acme", null);
    TokenStore store = fx.stores.tokens();
    TokenStore racing = new TokenStore() {
      @Override
      public void insertToken(TokenRecord token) throws EnvelopeException {
        tenants.shred(OPERATOR, token.tenant(), false); // runs whole between the check and the insert
        store.insertToken(token);
      }

      @Override
      public java.util.Optional<TokenRecord> findToken(String id) throws EnvelopeException {
        return store.findToken(id);
      }

      @Override
      public List<TokenRecord> listTokens(String tenant) throws EnvelopeException {
        return store.listTokens(tenant);
      }

      @Override
      public boolean revokeToken(String id, java.time.Instant at) throws EnvelopeException {
        return store.revokeToken(id, at);
      }

      @Override
      public void recordTokenUse(String id, java.time.Instant at) throws EnvelopeException {
        store.recordTokenUse(id, at);
      }

      @Override
      public boolean hasTokens() throws EnvelopeException {
        return store.hasTokens();
      }
    };
    AccessTokens tokens = new AccessTokens(racing, fx.stores.metadata(), fx.clock);
    String made;
    try {
      made = tokens.create(OPERATOR, "acme", Role.ADMIN, "raced").token();
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.TENANT_SHREDDED, e.code(), e.getMessage());
      assertTrue(store.listTokens("acme").stream().allMatch(TokenRecord::revoked), "a live token was kept");
      return;
    }
    assertCode(ErrorCode.TENANT_SHREDDED, () -> tokens.authenticate(made));
  }

  @Test
  void anotherNodeThatCachedTheTenantAsActive_answersShreddedAtOnce() throws Exception {
    tenants.create(OPERATOR, "acme", null);
    FileRecord a = upload(ACME, 10, 1);
    FileService otherNode = FileService.builder().keyService(fx.keyring, fx.rootKey).blobStore(fx.stores.blobs())
        .metadataStore(fx.stores.metadata()).tenantStore(fx.stores.metadata()).clock(fx.clock)
        .segmentSize(ServiceFixture.SEGMENT).build();
    otherNode.describe(ACME, a.id()); // its cache now says acme is active, for 2 s
    tenants.shred(OPERATOR, "acme", false);
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> otherNode.upload(ACME, "f", null, new ByteArrayInputStream(new byte[1])));
    assertEquals(ErrorCode.TENANT_SHREDDED, e.code(), "the key's refusal is explained: " + e.getMessage());
    assertCode(ErrorCode.TENANT_SHREDDED, () -> otherNode.download(ACME, a.id()));
  }

  @Test
  void shredNow_destroysTheKeyAtOnce() throws Exception {
    TenantRecord acme = tenants.create(OPERATOR, "acme", null);
    FileRecord a = upload(ACME, 10, 1);
    assertTrue(tenants.shred(OPERATOR, "acme", true).destroyed());
    assertCode(ErrorCode.KEY_NOT_FOUND, () -> fx.keyring.describeKey(acme.rootKey()));
    assertCode(ErrorCode.KEY_NOT_FOUND, () -> fx.keyring.decrypt(a.wrappedKey(),
        FileService.contextOf("acme", a.id(), a.formatVersion())));
    assertTrue(tenants.shred(OPERATOR, "acme", true).destroyed(), "a rerun after the key is gone");
  }

  @Test
  void shred_ofATenantSharingAKey_isRefusedWithTheReason() throws Exception {
    upload(ACME, 10, 1);
    EnvelopeException noRecord = assertThrows(EnvelopeException.class, () -> tenants.shred(OPERATOR, "acme", false));
    assertTrue(noRecord.getMessage().contains("shares the node's root key"), noRecord.getMessage());

    tenants.setKey(OPERATOR, "acme", fx.rootKey); // a record, but the node's key
    EnvelopeException nodeKey = assertThrows(EnvelopeException.class, () -> tenants.shred(OPERATOR, "acme", false));
    assertTrue(nodeKey.getMessage().contains("shares the node's root key"), nodeKey.getMessage());

    String shared = fx.keyring.createKey("shared").id();
    tenants.setKey(OPERATOR, "acme", shared);
    tenants.create(OPERATOR, "globex", shared);
    EnvelopeException both = assertThrows(EnvelopeException.class, () -> tenants.shred(OPERATOR, "acme", false));
    assertTrue(both.getMessage().contains("with tenant globex"), both.getMessage());

    tenants.setKey(OPERATOR, "globex", fx.keyring.createKey("globex").id());
    EnvelopeException oldFiles = assertThrows(EnvelopeException.class, () -> tenants.shred(OPERATOR, "acme", false));
    assertEquals(ErrorCode.KEY_IN_USE, oldFiles.code(), "acme's file is still under the node's key");
    assertEquals(KeyState.ENABLED, fx.keyring.describeKey(shared).state(), "nothing changed");
    assertTrue(tenants.describe(OPERATOR, "acme").state().equals("active"));

    rewrap.run(OPERATOR, new Rewrap.Options("acme", false, 0), null);
    tenants.shred(OPERATOR, "acme", false);
    assertEquals(KeyState.ENABLED, fx.keyring.describeKey(fx.rootKey).state(), "the node's key lives on");
  }

  @Test
  void onlyTheOperator_managesTenantsAndRewraps() throws Exception {
    Principal admin = Principal.of("acme", Role.ADMIN);
    assertCode(ErrorCode.FORBIDDEN, () -> tenants.create(admin, "acme", null));
    assertCode(ErrorCode.FORBIDDEN, () -> tenants.list(admin));
    assertCode(ErrorCode.FORBIDDEN, () -> tenants.setKey(admin, "acme", fx.rootKey));
    assertCode(ErrorCode.FORBIDDEN, () -> tenants.shred(admin, "acme", false));
    assertCode(ErrorCode.FORBIDDEN, () -> tenants.purge(admin, "acme"));
    assertCode(ErrorCode.FORBIDDEN, () -> rewrap.run(admin, new Rewrap.Options(null, true, 0), null));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tenants.create(OPERATOR, "Not A Tenant", null));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tenants.purge(OPERATOR, "acme"));
    assertEquals(List.of(), fx.stores.metadata().listTenants());
  }

  @Test
  void list_showsEveryTenantWithARecordOrFiles_withCountsAndBytes() throws Exception {
    tenants.create(OPERATOR, "acme", null);
    upload(ACME, 100, 1);
    upload(ACME, 23, 2);
    upload(GLOBEX, 7, 3);
    tenants.create(OPERATOR, "initech", null);
    List<TenantAdmin.TenantView> all = tenants.list(OPERATOR);
    assertEquals(List.of("acme", "globex", "initech"), all.stream().map(TenantAdmin.TenantView::name).toList());
    assertEquals(2, all.get(0).files());
    assertEquals(123, all.get(0).bytes());
    assertTrue(all.get(1).nodeKey());
    assertEquals(7, all.get(1).bytes());
    assertEquals(0, all.get(2).files());
  }

  private FileRecord upload(Principal who, int size, long seed) throws EnvelopeException {
    return fx.service.upload(who, "f.bin", null, new ByteArrayInputStream(random(size, seed)));
  }

  private FileRecord row(FileRecord f) throws EnvelopeException {
    return row(f.id());
  }

  private FileRecord row(String id) throws EnvelopeException {
    for (String t : List.of("acme", "globex")) {
      var found = fx.stores.metadata().get(t, id);
      if (found.isPresent()) {
        return found.get();
      }
    }
    throw new AssertionError("no row " + id);
  }

  private static void assertCode(ErrorCode code, Executable call) {
    EnvelopeException e = assertThrows(EnvelopeException.class, call);
    assertEquals(code, e.code(), e.getMessage());
  }
}
