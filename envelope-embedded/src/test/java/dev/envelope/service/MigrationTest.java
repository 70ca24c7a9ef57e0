package dev.envelope.service;

import static dev.envelope.service.ServiceFixture.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.DataKey;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.local.SqliteMetadataStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Migration} between two real homes: the source's SQLite file, blob directory and local keyring, and the
 * target's own (another SQLite file, directory and keyring, under another master key). Every file is read back on
 * the target byte for byte, the blobs are compared as they lie on disk, and the source is compared before and after.
 */
class MigrationTest {
  private static final Principal OPERATOR = Principal.localOperator();
  private static final Principal ACME = Principal.of("acme", Role.WRITE);
  private static final Principal GLOBEX = Principal.of("globex", Role.WRITE);
  private static final Principal INITECH = Principal.of("initech", Role.WRITE);
  private static final Principal UMBRELLA = Principal.of("umbrella", Role.WRITE);
  private static final Migration.Options RUN = new Migration.Options(false, Map.of());
  private static final Migration.Options DRY_RUN = new Migration.Options(true, Map.of());

  @TempDir
  Path dir;
  private ServiceFixture from;
  private ServiceFixture to;
  /** What the source stored: each row and its content. */
  private final Map<FileRecord, byte[]> stored = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    from = new ServiceFixture(dir.resolve("source"));
    to = new ServiceFixture(dir.resolve("target"));
  }

  @AfterEach
  void stop() {
    from.close();
    to.close();
  }

  @Test
  void everyFileTokenAndTenant_moves_andReadsBackOnTheTarget_whileTheSourceStaysAsItWas() throws Exception {
    TenantAdmin admin = new TenantAdmin(from.service, from.stores.tokens(), from.keyring);
    String acmeKey = admin.create(OPERATOR, "acme", null).rootKey();
    admin.setKey(OPERATOR, "initech", from.rootKey); // a record naming the node's key
    admin.create(OPERATOR, "umbrella", null);
    for (int i = 0; i < 4; i++) {
      store(ACME, 3000 * i + 1, i);
      store(GLOBEX, 5000 + i, 10 + i);
    }
    store(INITECH, 0, 20); // an empty file
    storeShared(GLOBEX, 7000, 30); // format 2: a data key shared by two uploads
    storeShared(GLOBEX, 100, 31);
    store(UMBRELLA, 4000, 40);
    admin.shred(OPERATOR, "umbrella", true);
    stored.keySet().removeIf(r -> r.tenant().equals("umbrella"));
    AccessTokens tokens = new AccessTokens(from.stores.tokens(), from.stores.metadata(), from.clock);
    AccessTokens.IssuedToken operatorToken = tokens.create(OPERATOR, "default", Role.OPERATOR, "ops");
    AccessTokens.IssuedToken acmeToken = tokens.create(OPERATOR, "acme", Role.READ, "ci",
        from.clock.instant().plus(java.time.Duration.ofDays(30)));
    AccessTokens.IssuedToken revoked = tokens.create(OPERATOR, "globex", Role.WRITE, "old");
    tokens.revoke(OPERATOR, revoked.record().id());
    tokens.authenticate(acmeToken.token()); // records its last use
    assertTrue(from.stores.tokens().findToken(acmeToken.record().id()).orElseThrow().lastUsedAt().isPresent());
    List<FileRecord> sourceRows = rows(from);
    List<TokenRecord> sourceTokens = from.stores.tokens().listTokens(null);

    Migration.Summary done = migrate(RUN);

    assertEquals(12, done.rows());
    assertEquals(11, done.copied());
    assertEquals(stored.keySet().stream().mapToLong(FileRecord::size).sum(), done.bytes());
    assertEquals(List.of(0L, 1L, 0L, 11L, 0L), List.of(done.present(), done.shredded(), done.failed(),
        done.verified(), done.missing()));
    assertEquals(List.of(3L, 3L, 1L), List.of(done.tokensCopied(), done.tenantsCopied(), done.keysCreated()));
    assertTrue(done.complete());

    // The rows: the same columns, wrapped by the target's keyring, under the tenant's key there.
    TenantRecord acme = to.stores.metadata().findTenant("acme").orElseThrow();
    assertTrue(acme.ownKey() && acme.active());
    assertNotEquals(acmeKey, acme.rootKey(), "a new key of its own, in the target's keyring");
    assertEquals(acme.rootKey(), to.keyring.describeKey(acme.rootKey()).id());
    assertEquals(from.stores.metadata().findTenant("acme").orElseThrow().createdAt(), acme.createdAt());
    TenantRecord initech = to.stores.metadata().findTenant("initech").orElseThrow();
    assertEquals(to.rootKey, initech.rootKey());
    assertFalse(initech.ownKey());
    assertEquals(from.stores.metadata().findTenant("umbrella"), to.stores.metadata().findTenant("umbrella"),
        "a shredded tenant is copied as it is");
    FileService target = targetService();
    for (Map.Entry<FileRecord, byte[]> e : stored.entrySet()) {
      FileRecord was = e.getKey();
      FileRecord now = to.stores.metadata().get(was.tenant(), was.id()).orElseThrow();
      assertTrue(Migration.sameContent(was, now), was.toString());
      assertTrue(now.sha256() != null && now.sha256().equals(was.sha256()), "the digest moves with the row");
      assertEquals(ServiceFixture.SEGMENT, now.segmentSize());
      assertEquals("local", now.keyService());
      assertEquals(was.tenant().equals("acme") ? acme.rootKey() : to.rootKey, now.wrappedKey().rootKeyId());
      assertArrayEquals(e.getValue(), download(target, was), was.toString());
      assertArrayEquals(Files.readAllBytes(from.blobFile(was.id())), Files.readAllBytes(to.blobFile(was.id())),
          "the blob is the same ciphertext");
      try (DataKey a = from.keyring.decrypt(was.wrappedKey(), FileService.keyContextOf(was));
          DataKey b = to.keyring.decrypt(now.wrappedKey(), FileService.keyContextOf(now))) {
        assertArrayEquals(a.copyPlaintext(InsecureKeyAccess.get()), b.copyPlaintext(InsecureKeyAccess.get()));
      }
    }
    assertEquals(2, stored.keySet().stream().filter(r -> r.formatVersion() == FileRecord.FORMAT_SHARED_KEY).count());
    assertTrue(to.stores.metadata().get("umbrella", rows(from).stream().filter(r -> r.tenant().equals("umbrella"))
        .findFirst().orElseThrow().id()).isEmpty(), "none of a shredded tenant's rows");
    assertFalse(Files.exists(to.blobFile(rows(from).stream().filter(r -> r.tenant().equals("umbrella")).findFirst()
        .orElseThrow().id())));

    // The tokens: the same records, hashes as they were, so the same secrets open the target.
    for (TokenRecord t : sourceTokens) {
      TokenRecord there = to.stores.tokens().findToken(t.id()).orElseThrow();
      assertEquals(List.of(t.tenant(), t.role(), t.name(), t.createdAt(), t.revokedAt(), t.expiresAt(),
          t.lastUsedAt()), List.of(there.tenant(), there.role(), there.name(), there.createdAt(), there.revokedAt(),
          there.expiresAt(), there.lastUsedAt()));
      assertArrayEquals(t.secretHash(), there.secretHash());
    }
    AccessTokens targetTokens = new AccessTokens(to.stores.tokens(), to.stores.metadata(), to.clock);
    assertEquals("acme", targetTokens.authenticate(acmeToken.token()).tenant());
    assertTrue(targetTokens.authenticate(operatorToken.token()).isOperator());
    assertThrows(EnvelopeException.class, () -> targetTokens.authenticate(revoked.token()));

    // The source: every row, token and tenant as it was, every file still readable there.
    assertEquals(sourceRows, rows(from));
    assertEquals(sourceTokens.size(), from.stores.tokens().listTokens(null).size());
    for (Map.Entry<FileRecord, byte[]> e : stored.entrySet()) {
      assertArrayEquals(e.getValue(), download(from.service, e.getKey()));
    }

    // Again: nothing to copy, every file verified again.
    Migration.Summary again = migrate(RUN);
    assertEquals(List.of(12L, 0L, 11L, 1L, 0L, 11L), List.of(again.rows(), again.copied(), again.present(),
        again.shredded(), again.failed(), again.verified()));
    assertEquals(List.of(0L, 3L, 0L, 3L, 0L), List.of(again.tokensCopied(), again.tokensPresent(),
        again.tenantsCopied(), again.tenantsPresent(), again.keysCreated()));
  }

  @Test
  void anS3ObjectUploadedInParts_moves_withEachPartsBlobAndRow_andReadsWholeOnTheTarget() throws Exception {
    FileService sourceFiles = FileService.builder().keyService(from.keyring, from.rootKey).blobStore(from.blobs)
        .metadataStore(from.stores.metadata()).tenantStore(from.stores.metadata()).clock(from.clock)
        .segmentSize(ServiceFixture.SEGMENT).bucketStore(from.stores.metadata()).build();
    S3Objects objects = new S3Objects(sourceFiles, from.stores.metadata(), from.clock);
    objects.createBucket(ACME, "parts");
    UploadRecord upload = objects.startUpload(ACME, "parts", "dir/big.bin", "application/x-big", Map.of("k", "v"));
    byte[] one = new byte[(int) S3Objects.MIN_PART_BYTES];
    new java.util.Random(1).nextBytes(one);
    byte[] two = "the last part".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    PartRecord p1 = objects.putPart(ACME, "parts", "dir/big.bin", upload.uploadId(), 1,
        new java.io.ByteArrayInputStream(one), one.length);
    PartRecord p3 = objects.putPart(ACME, "parts", "dir/big.bin", upload.uploadId(), 3,
        new java.io.ByteArrayInputStream(two), two.length);
    ObjectRecord object = objects.completeUpload(ACME, "parts", "dir/big.bin", upload.uploadId(), List.of(
        new S3Objects.PartClaim(1, p1.etag()), new S3Objects.PartClaim(3, p3.etag())));

    Migration.Summary summary = migrate(RUN);
    assertTrue(summary.complete(), summary.toString());
    assertEquals(1, summary.verified(), "read back whole on the target, across its parts");

    SqliteMetadataStore target = to.stores.metadata();
    assertEquals(java.util.Optional.of(object), target.findObjectByFile("acme", upload.uploadId()));
    assertEquals(p3, target.findPart(upload.uploadId(), 3).orElseThrow());
    assertTrue(target.findUpload(upload.uploadId()).isEmpty(), "the upload that held the parts is gone");
    FileService targetFiles = FileService.builder().keyService(to.keyring, to.rootKey).blobStore(to.stores.blobs())
        .metadataStore(target).tenantStore(target).bucketStore(target).build();
    java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
    try (Download download = targetFiles.download(Principal.of("acme", Role.READ), upload.uploadId())) {
      download.writeTo(read);
    }
    byte[] whole = new byte[one.length + two.length];
    System.arraycopy(one, 0, whole, 0, one.length);
    System.arraycopy(two, 0, whole, one.length, two.length);
    assertArrayEquals(whole, read.toByteArray());
    assertTrue(migrate(RUN).complete(), "a second run finds it there");
  }

  @Test
  void s3CredentialsBucketsAndObjects_move_theSecretRewrappedByTheTarget_andARevocationFollowsOnTheNextRun()
      throws Exception {
    FileRecord file = store(ACME, 3000, 1);
    store(GLOBEX, 10, 2);
    java.time.Instant t0 = from.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    dev.envelope.core.EncryptionContext context = S3CredentialRecord.contextOf("acme", "AKIAAAAAAAAAAAAAAAAA");
    byte[] secret;
    WrappedKey sealed;
    try (DataKey key = from.keyring.generateDataKey(from.rootKey, context)) {
      secret = key.copyPlaintext(InsecureKeyAccess.get());
      sealed = key.wrapped();
    }
    S3CredentialRecord credential = new S3CredentialRecord("AKIAAAAAAAAAAAAAAAAA", "acme", Role.WRITE, "sync",
        from.keyring.name(), sealed, t0, java.util.Optional.empty());
    from.stores.metadata().insertS3Credential(credential);
    from.stores.metadata().insertBucket(new BucketRecord("photos", "acme", t0));
    from.stores.metadata().insertBucket(new BucketRecord("empty", "globex", t0));
    ObjectRecord object = new ObjectRecord("photos", "2026/cat.jpg", "acme", file.id(), file.size(),
        "900150983cd24fb0d6963f7d28e17f72", "image/jpeg", Map.of("owner", "kim"), t0);
    from.stores.metadata().putObject(object);
    from.stores.metadata().putObject(new ObjectRecord("photos", "ghost", "acme", "nosuchfileaaaaaaaaaaaaaaaa", 1,
        "900150983cd24fb0d6963f7d28e17f72", "text/plain", Map.of(), t0));

    assertTrue(migrate(RUN).complete());

    SqliteMetadataStore target = to.stores.metadata();
    assertEquals(List.of(new BucketRecord("empty", "globex", t0), new BucketRecord("photos", "acme", t0)),
        target.listBuckets(null));
    assertEquals(List.of(object), target.listObjects("photos", "", "", 10), "no object whose file is not there");
    assertEquals(java.util.Optional.of(object), target.findObjectByFile("acme", file.id()));
    S3CredentialRecord there = target.findS3Credential("AKIAAAAAAAAAAAAAAAAA").orElseThrow();
    assertEquals(List.of("acme", Role.WRITE, "sync", to.keyring.name(), t0), List.of(there.tenant(), there.role(),
        there.name(), there.keyService(), there.createdAt()));
    try (DataKey key = to.keyring.decrypt(there.sealedSecret(), context)) {
      assertArrayEquals(secret, key.copyPlaintext(InsecureKeyAccess.get()),
          "the same secret, sealed by the target's key service");
    }
    assertThrows(EnvelopeException.class, () -> to.keyring.decrypt(there.sealedSecret(),
        S3CredentialRecord.contextOf("acme", "AKIABBBBBBBBBBBBBBBB")), "bound to its access key id");

    from.stores.metadata().revokeS3Credential(credential.accessKeyId(), t0.plusSeconds(1));
    assertTrue(migrate(RUN).complete());
    assertEquals(java.util.Optional.of(t0.plusSeconds(1)),
        target.findS3Credential(credential.accessKeyId()).orElseThrow().revokedAt());
    assertEquals(List.of(object), target.listObjects("photos", "", "", 10), "a second run changes nothing else");
  }

  @Test
  void shareLinks_move_withTheirCounts_andARevocationOnTheSourceFollowsOnTheNextRun() throws Exception {
    FileRecord file = store(ACME, 3000, 1);
    java.time.Instant t0 = from.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    LinkRecord link = new LinkRecord("aaaaaaaaaaaaaaaa", file.tenant(), file.id(), new byte[32], t0,
        t0.plusSeconds(3600), java.util.OptionalLong.of(5), 0, java.util.Optional.empty());
    from.stores.links().insertLink(link);
    from.stores.links().countDownload(link.id(), t0);
    from.stores.links().insertLink(new LinkRecord("bbbbbbbbbbbbbbbb", "acme", "nosuchfileaaaaaaaaaaaaaaaa",
        new byte[32], t0, t0.plusSeconds(3600), java.util.OptionalLong.empty(), 0, java.util.Optional.empty()));

    assertTrue(migrate(RUN).complete());

    LinkRecord there = to.stores.links().findLink(link.id()).orElseThrow();
    assertEquals(List.of(file.tenant(), file.id(), t0.plusSeconds(3600), 1L, java.util.OptionalLong.of(5)),
        List.of(there.tenant(), there.fileId(), there.expiresAt(), there.downloads(), there.maxDownloads()));
    assertArrayEquals(link.secretHash(), there.secretHash());
    assertTrue(to.stores.links().findLink("bbbbbbbbbbbbbbbb").isEmpty(), "no link to a file that is not there");

    from.stores.links().revokeLink(link.id(), t0.plusSeconds(1));
    assertTrue(migrate(RUN).complete());
    assertEquals(java.util.Optional.of(t0.plusSeconds(1)), to.stores.links().findLink(link.id()).orElseThrow()
        .revokedAt());
  }

  @Test
  void aRunKilledHalfway_isFinishedByTheNext_withTheOrphanBlobsItLeftCheckedAndKeptOrReplaced() throws Exception {
    for (int i = 0; i < 30; i++) {
      store(i % 2 == 0 ? ACME : GLOBEX, 500 + 97 * i, i);
    }
    AtomicLong seen = new AtomicLong();
    RuntimeException kill = new RuntimeException("killed");
    RuntimeException thrown = assertThrows(RuntimeException.class, () -> new Migration(side(from), side(to))
        .run(OPERATOR, RUN, (phase, rows, t) -> {
          if (seen.incrementAndGet() == 12) {
            throw kill;
          }
        }));
    assertEquals(kill, thrown);
    assertEquals(12, rows(to).size());

    // What a crash between blob and row leaves: blobs without rows on the target, the source's bytes or others.
    List<FileRecord> left = new ArrayList<>();
    for (FileRecord r : stored.keySet()) {
      if (!to.stores.metadata().exists(r.id())) {
        left.add(r);
      }
    }
    FileRecord same = left.get(0);
    FileRecord garbage = left.get(1);
    FileRecord shorter = left.get(2);
    putBlob(same.id(), Files.readAllBytes(from.blobFile(same.id())));
    byte[] flipped = Files.readAllBytes(from.blobFile(garbage.id()));
    flipped[flipped.length / 2] ^= 1;
    putBlob(garbage.id(), flipped);
    putBlob(shorter.id(), new byte[7]);

    Migration.Summary done = migrate(RUN);
    assertEquals(List.of(30L, 18L, 12L, 0L, 30L), List.of(done.rows(), done.copied(), done.present(), done.failed(),
        done.verified()));
    FileService target = targetService();
    for (Map.Entry<FileRecord, byte[]> e : stored.entrySet()) {
      assertArrayEquals(e.getValue(), download(target, e.getKey()));
      assertArrayEquals(Files.readAllBytes(from.blobFile(e.getKey().id())),
          Files.readAllBytes(to.blobFile(e.getKey().id())));
    }
  }

  @Test
  void manyRowsInFlight_copyAndVerifyTheSame_andTheFirstConflictStopsTheRun() throws Exception {
    new TenantAdmin(from.service, from.stores.tokens(), from.keyring).create(OPERATOR, "acme", null);
    for (int i = 0; i < 60; i++) {
      store(i % 3 == 0 ? GLOBEX : ACME, 200 + 311 * i, i);
    }
    FileRecord broken = stored.keySet().stream().skip(17).findFirst().orElseThrow();
    Files.delete(from.blobFile(broken.id()));
    AtomicLong updates = new AtomicLong();
    Migration.Summary done = new Migration(side(from), side(to)).run(OPERATOR, new Migration.Options(false, Map.of(),
        8), (phase, rows, t) -> updates.incrementAndGet());
    assertEquals(List.of(60L, 59L, 1L, 59L), List.of(done.rows(), done.copied(), done.failed(), done.verified()));
    assertEquals(2 * 60, updates.get(), "one update per row of the source and phase");
    stored.remove(broken);
    FileService target = targetService();
    for (Map.Entry<FileRecord, byte[]> e : stored.entrySet()) {
      assertArrayEquals(e.getValue(), download(target, e.getKey()));
    }

    // A conflict met by one worker stops the others, and the run throws it.
    FileRecord victim = stored.keySet().iterator().next();
    to.stores.metadata().delete(victim.tenant(), victim.id());
    to.stores.metadata().insert(new FileRecord(victim.id(), victim.tenant(), "other", victim.contentType(),
        victim.size(), victim.createdAt(), "local", wrapped(), victim.formatVersion(), victim.segmentSize()));
    assertCode(ErrorCode.ALREADY_EXISTS, () -> new Migration(side(from), side(to)).run(OPERATOR,
        new Migration.Options(false, Map.of(), 8), null));
    assertThrows(IllegalArgumentException.class, () -> new Migration.Options(false, Map.of(), 0));
    assertThrows(IllegalArgumentException.class, () -> new Migration.Options(false, Map.of(), 65));
  }

  @Test
  void aDryRun_countsWhatItWouldCopy_andChangesNothingAnywhere() throws Exception {
    new TenantAdmin(from.service, from.stores.tokens(), from.keyring).create(OPERATOR, "acme", null);
    store(ACME, 1000, 1);
    store(GLOBEX, 2000, 2);
    new AccessTokens(from.stores.tokens(), from.clock).create(OPERATOR, "acme", Role.READ, "r");
    List<FileRecord> before = rows(from);
    int targetKeys = to.keyring.listKeys().size();

    Migration.Summary dry = migrate(DRY_RUN);
    assertEquals(List.of(2L, 2L, 3000L, 0L, 0L, 0L), List.of(dry.rows(), dry.copied(), dry.bytes(), dry.present(),
        dry.failed(), dry.verified()));
    assertEquals(List.of(1L, 1L, 1L), List.of(dry.tokensCopied(), dry.tenantsCopied(), dry.keysCreated()));
    assertEquals(List.of(), rows(to));
    assertEquals(List.of(), to.stores.tokens().listTokens(null));
    assertEquals(List.of(), to.stores.metadata().listTenants());
    assertEquals(List.of(), to.everyBlobFile());
    assertEquals(targetKeys, to.keyring.listKeys().size(), "no key made");
    assertEquals(before, rows(from));

    // A dry run needs neither key service nor blob store of the target: a target with none yet is empty.
    Migration.Side bare = new Migration.Side(null, to.rootKey, null, to.stores.metadata(), to.stores.tokens(),
        to.stores.metadata());
    Migration.Summary bareDry = new Migration(side(from), bare).run(OPERATOR, DRY_RUN, null);
    assertEquals(List.of(2L, 1L), List.of(bareDry.copied(), bareDry.keysCreated()));
    assertCode(ErrorCode.KEY_NOT_FOUND, () -> new Migration(side(from), bare).run(OPERATOR,
        new Migration.Options(true, Map.of("globex", "some-key")), null));
    assertThrows(IllegalArgumentException.class, () -> new Migration(side(from), bare).run(OPERATOR, RUN, null));

    // After a real run, a dry run finds nothing to do.
    migrate(RUN);
    Migration.Summary after = migrate(DRY_RUN);
    assertEquals(List.of(0L, 2L, 0L, 0L), List.of(after.copied(), after.present(), after.tokensCopied(),
        after.tenantsCopied()));
  }

  @Test
  void aTargetHoldingOtherContentUnderTheSameIds_isRefused_andNothingIsOverwritten() throws Exception {
    FileRecord a = store(ACME, 1000, 1);
    FileRecord other = new FileRecord(a.id(), a.tenant(), "another name", a.contentType(), a.size(), a.createdAt(),
        "local", wrapped(), a.formatVersion(), a.segmentSize());
    to.stores.metadata().insert(other);
    assertCode(ErrorCode.ALREADY_EXISTS, () -> migrate(RUN));
    assertEquals(Optional.of(other), to.stores.metadata().get(a.tenant(), a.id()));
    assertCode(ErrorCode.ALREADY_EXISTS, () -> migrate(DRY_RUN));

    to.stores.metadata().delete(a.tenant(), a.id());
    to.stores.metadata().insert(new FileRecord(a.id(), "globex", a.name(), a.contentType(), a.size(), a.createdAt(),
        "local", wrapped(), a.formatVersion(), a.segmentSize()));
    assertCode(ErrorCode.ALREADY_EXISTS, () -> migrate(RUN)); // the id is another tenant's there
    to.stores.metadata().delete("globex", a.id());

    TokenRecord token = new AccessTokens(from.stores.tokens(), from.clock).create(OPERATOR, "acme", Role.READ, "r")
        .record();
    to.stores.tokens().insertToken(new TokenRecord(token.id(), "globex", token.role(), token.name(), new byte[32],
        token.createdAt(), Optional.empty()));
    assertCode(ErrorCode.ALREADY_EXISTS, () -> migrate(RUN));
    assertEquals("globex", to.stores.tokens().findToken(token.id()).orElseThrow().tenant());
  }

  @Test
  void aTargetThatIsTheSource_isRefused() throws Exception {
    store(ACME, 1000, 1);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> new Migration(side(from), side(from)).run(OPERATOR, RUN, null));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> new Migration(side(from), side(from)).run(OPERATOR, DRY_RUN, null));
    assertEquals(1, rows(from).size());
    assertCode(ErrorCode.FORBIDDEN, () -> new Migration(side(from), side(to)).run(ACME, RUN, null));
  }

  @Test
  void tenantKeys_putATenantUnderAnExistingKeyOfTheTarget() throws Exception {
    new TenantAdmin(from.service, from.stores.tokens(), from.keyring).create(OPERATOR, "acme", null);
    FileRecord a = store(ACME, 1000, 1);
    FileRecord g = store(GLOBEX, 1000, 2);
    String brought = to.keyring.createKey("acme brings it").id();
    to.keyring.createAlias("acme-own", brought);
    String globexKey = to.keyring.createKey("globex's").id();

    assertCode(ErrorCode.KEY_NOT_FOUND, () -> migrate(new Migration.Options(false, Map.of("acme", "nope"))));
    assertEquals(List.of(), to.stores.metadata().listTenants(), "a wrong mapping stops it before anything");
    Migration.Summary done = migrate(new Migration.Options(false, Map.of("acme", "acme-own", "globex", globexKey)));
    assertEquals(List.of(2L, 2L, 0L), List.of(done.verified(), done.tenantsCopied(), done.keysCreated()));
    assertEquals(brought, to.stores.metadata().findTenant("acme").orElseThrow().rootKey());
    assertEquals(brought, to.stores.metadata().get("acme", a.id()).orElseThrow().wrappedKey().rootKeyId());
    assertEquals(globexKey, to.stores.metadata().get("globex", g.id()).orElseThrow().wrappedKey().rootKeyId());
    assertTrue(to.stores.metadata().findTenant("globex").orElseThrow().ownKey());

    assertCode(ErrorCode.ALREADY_EXISTS, () -> migrate(new Migration.Options(false, Map.of("acme", globexKey))),
        "acme has another key on the target already");
    assertEquals(0, migrate(new Migration.Options(false, Map.of("acme", brought))).copied());
  }

  @Test
  void damagedRows_fail_oneByOne_andTheRestMoves() throws Exception {
    FileRecord wrongKey = store(ACME, 1000, 1);
    FileRecord noBlob = store(ACME, 2000, 2);
    FileRecord flipped = store(GLOBEX, 9000, 3);
    FileRecord fine = store(GLOBEX, 3000, 4);
    swapWrappedKey(wrongKey, fine);
    Files.delete(from.blobFile(noBlob.id()));
    byte[] blob = Files.readAllBytes(from.blobFile(flipped.id()));
    blob[blob.length - 5] ^= 1;
    Files.write(from.blobFile(flipped.id()), blob);

    Migration.Summary done = migrate(RUN);
    assertEquals(List.of(4L, 2L, 3L, 1L), List.of(done.rows(), done.copied(), done.failed(), done.verified()));
    assertFalse(done.complete());
    String failures = String.join("\n", done.failures());
    assertTrue(failures.contains(wrongKey.id() + " (tenant acme): invalid-wrapped-key"), failures);
    assertTrue(failures.contains(noBlob.id() + " (tenant acme): invalid-ciphertext"), failures);
    assertTrue(failures.contains(flipped.id() + " (tenant globex): invalid-ciphertext: verify"), failures);
    assertArrayEquals(random(3000, 4), download(targetService(), fine));
  }

  @Test
  void aRevocationAndAShredOnTheSourceAfterARun_areCarriedByTheNext() throws Exception {
    TenantAdmin admin = new TenantAdmin(from.service, from.stores.tokens(), from.keyring);
    admin.create(OPERATOR, "umbrella", null);
    FileRecord u = store(UMBRELLA, 1000, 1);
    store(GLOBEX, 1000, 2);
    AccessTokens tokens = new AccessTokens(from.stores.tokens(), from.stores.metadata(), from.clock);
    AccessTokens.IssuedToken token = tokens.create(OPERATOR, "globex", Role.READ, "r");
    migrate(RUN);

    AccessTokens.IssuedToken used = tokens.create(OPERATOR, "globex", Role.READ, "used after the first run");
    migrate(RUN);
    assertEquals(java.util.Optional.empty(), to.stores.tokens().findToken(used.record().id()).orElseThrow()
        .lastUsedAt());
    tokens.authenticate(used.token());
    java.time.Instant usedAt = from.stores.tokens().findToken(used.record().id()).orElseThrow().lastUsedAt()
        .orElseThrow();
    tokens.revoke(OPERATOR, token.record().id());
    admin.shred(OPERATOR, "umbrella", false);
    FileRecord late = store(GLOBEX, 500, 3);
    Migration.Summary next = migrate(RUN);
    assertEquals(List.of(1L, 1L, 1L, 1L, 0L), List.of(next.copied(), next.present(), next.shredded(),
        next.tokensRevoked(), next.failed()));
    assertEquals(2, next.notices().size(), next.notices().toString());
    assertTrue(next.notices().get(0).contains("tenant umbrella was shredded on the source"), next.notices().get(0));
    assertEquals("1 tokens revoked on the source since an earlier run are revoked on the target too",
        next.notices().get(1));
    assertTrue(to.stores.tokens().findToken(token.record().id()).orElseThrow().revoked());
    assertEquals(java.util.Optional.of(usedAt), to.stores.tokens().findToken(used.record().id()).orElseThrow()
        .lastUsedAt(), "a use on the source since the last run is carried");
    assertFalse(to.stores.metadata().findTenant("umbrella").orElseThrow().active());
    assertCode(ErrorCode.TENANT_SHREDDED, () -> download(targetService(), u));
    assertArrayEquals(random(500, 3), download(targetService(), late));
  }

  @Test
  void aTenantKeyMadeForARecordThatCouldNotBeWritten_isRetired_andTheNextRunMakesAnother() throws Exception {
    new TenantAdmin(from.service, from.stores.tokens(), from.keyring).create(OPERATOR, "acme", null);
    FileRecord a = store(ACME, 1000, 1);
    TenantStore real = to.stores.metadata();
    TenantStore failing = new TenantStore() {
      @Override
      public void insertTenant(TenantRecord tenant) throws EnvelopeException {
        throw new EnvelopeException(ErrorCode.UNAVAILABLE, "the store went away");
      }

      @Override
      public Optional<TenantRecord> findTenant(String name) throws EnvelopeException {
        return real.findTenant(name);
      }

      @Override
      public List<TenantRecord> listTenants() throws EnvelopeException {
        return real.listTenants();
      }

      @Override
      public boolean replaceTenant(TenantRecord expected, TenantRecord updated) throws EnvelopeException {
        return real.replaceTenant(expected, updated);
      }
    };
    Migration.Side outage = new Migration.Side(to.keyring, to.rootKey, to.stores.blobs(), to.stores.metadata(),
        to.stores.tokens(), failing);
    int before = to.keyring.listKeys().size();
    assertCode(ErrorCode.UNAVAILABLE, () -> new Migration(side(from), outage).run(OPERATOR, RUN, null));
    List<dev.envelope.core.RootKey> keys = to.keyring.listKeys();
    assertEquals(before + 1, keys.size());
    assertEquals(dev.envelope.core.ManagedKeyService.KeyState.PENDING_DELETION, keys.get(keys.size() - 1).state(),
        "the key made for acme wraps nothing, and is on its way out");
    assertEquals(List.of(), rows(to));

    Migration.Summary done = migrate(RUN);
    assertEquals(List.of(1L, 1L, 1L), List.of(done.copied(), done.verified(), done.keysCreated()));
    String acme = to.stores.metadata().findTenant("acme").orElseThrow().rootKey();
    assertEquals(dev.envelope.core.ManagedKeyService.KeyState.ENABLED, to.keyring.describeKey(acme).state());
    assertArrayEquals(random(1000, 1), download(targetService(), a));
  }

  // ---- helpers ----

  private Migration.Summary migrate(Migration.Options options) throws EnvelopeException {
    return new Migration(side(from), side(to)).run(OPERATOR, options, null);
  }

  private static Migration.Side side(ServiceFixture fx) {
    return new Migration.Side(fx.keyring, fx.rootKey, fx.stores.blobs(), fx.stores.metadata(), fx.stores.tokens(),
        fx.stores.metadata());
  }

  private FileService targetService() {
    return FileService.builder().keyService(to.keyring, to.rootKey).blobStore(to.stores.blobs())
        .metadataStore(to.stores.metadata()).tenantStore(to.stores.metadata()).build();
  }

  private FileRecord store(Principal who, int size, long seed) throws EnvelopeException {
    FileRecord row = from.service.upload(who, "f" + seed + ".bin", "application/x-test",
        new ByteArrayInputStream(random(size, seed)));
    stored.put(row, random(size, seed));
    return row;
  }

  /** A format 2 upload: a data key shared with the tenant's other uploads of declared size. */
  private void storeShared(Principal who, int size, long seed) throws EnvelopeException {
    if (shared == null) {
      shared = FileService.builder().keyService(from.keyring, from.rootKey).blobStore(from.stores.blobs())
          .metadataStore(from.stores.metadata()).tenantStore(from.stores.metadata()).clock(from.clock)
          .segmentSize(ServiceFixture.SEGMENT)
          .dataKeyCache(new DataKeyCache.Limits(Duration.ofMinutes(5), 100, 1 << 20)).build();
    }
    FileRecord row = shared.upload(who, "s" + seed, null, new ByteArrayInputStream(random(size, seed)), size);
    assertEquals(FileRecord.FORMAT_SHARED_KEY, row.formatVersion());
    stored.put(row, random(size, seed));
  }

  private FileService shared;

  private static byte[] download(FileService files, FileRecord row) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download d = files.download(Principal.of(row.tenant(), Role.READ), row.id())) {
      d.writeTo(out);
    }
    return out.toByteArray();
  }

  private static List<FileRecord> rows(ServiceFixture fx) throws EnvelopeException {
    List<FileRecord> all = new ArrayList<>();
    String cursor = null;
    do {
      FilePage page = fx.stores.metadata().scan(null, cursor, 100);
      all.addAll(page.files());
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
    all.sort(java.util.Comparator.comparing(FileRecord::id));
    return all;
  }

  private void putBlob(String id, byte[] bytes) throws Exception {
    try (BlobWriter w = to.stores.blobs().create(id)) {
      w.write(bytes);
      w.commit();
    }
  }

  /** Gives {@code row} the wrapped key of {@code other}: it names a key that exists, under another context. */
  private void swapWrappedKey(FileRecord row, FileRecord other) throws Exception {
    assertTrue(from.stores.metadata().replaceWrappedKey(row, "local", other.wrappedKey()));
  }

  private static WrappedKey wrapped() {
    return WrappedKey.of("some-key", 1, new byte[] {1, 2, 3});
  }

  private static void assertCode(ErrorCode code, Executable call) {
    assertCode(code, call, "");
  }

  private static void assertCode(ErrorCode code, Executable call, String what) {
    EnvelopeException e = assertThrows(EnvelopeException.class, call, what);
    assertEquals(code, e.code(), what + ": " + e.getMessage());
  }
}
