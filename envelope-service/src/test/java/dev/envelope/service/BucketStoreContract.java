package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link BucketStore}: every implementation extends this class and passes all of it. Each test gets
 * a new, empty store from {@link #newStore()}; it is closed after the test if it is {@link AutoCloseable}.
 */
public abstract class BucketStoreContract {
  private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.089Z");
  private static final String FILE = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
  private static final String OTHER_FILE = "bbbbbbbbbbbbbbbbbbbbbbbbbb";
  private static final String UPLOAD = "uuuuuuuuuuuuuuuuuuuuuuuuuu";
  private static final String OTHER_UPLOAD = "vvvvvvvvvvvvvvvvvvvvvvvvvv";
  /** Keys in the order of their UTF-8 bytes; Java's String order would put the emoji before U+E000 and U+FFFD. */
  private static final List<String> KEYS_IN_ORDER = List.of("A", "B/x", "a", "a%b", "a/b", "a/c", "a\\b", "a_b", "ab",
      "b", "é", "\uE000", "\uFFFD", "😀");
  private BucketStore store;

  /** A new, empty store. */
  protected abstract BucketStore newStore() throws Exception;

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

  // ---- S3 credentials ----

  @Test
  void insertedCredential_isFoundFieldForField_andItsSealedSecretByteForByte() throws EnvelopeException {
    S3CredentialRecord credential = credential("AKIAAAAAAAAAAAAAAAAA", "acme", Role.WRITE, T0);
    store.insertS3Credential(credential);
    S3CredentialRecord found = store.findS3Credential("AKIAAAAAAAAAAAAAAAAA").orElseThrow();
    assertEquals("AKIAAAAAAAAAAAAAAAAA", found.accessKeyId());
    assertEquals("acme", found.tenant());
    assertEquals(Role.WRITE, found.role());
    assertEquals("backup job ✓", found.name());
    assertEquals("local", found.keyService());
    assertEquals(credential.sealedSecret(), found.sealedSecret());
    assertArrayEquals(credential.sealedSecret().ciphertext(), found.sealedSecret().ciphertext());
    assertEquals("root-key-1", found.sealedSecret().rootKeyId());
    assertEquals(3, found.sealedSecret().rootKeyVersion());
    assertEquals(T0, found.createdAt());
    assertEquals(Optional.empty(), found.revokedAt());
  }

  @Test
  void readOnlyCredential_andRevokedOne_insertedAsSuch_roundTrip() throws EnvelopeException {
    S3CredentialRecord c = credential("AKIABBBBBBBBBBBBBBBB", "acme", Role.READ, T0);
    store.insertS3Credential(new S3CredentialRecord(c.accessKeyId(), c.tenant(), c.role(), "", c.keyService(),
        c.sealedSecret(), c.createdAt(), Optional.of(T0.plusMillis(1))));
    S3CredentialRecord found = store.findS3Credential("AKIABBBBBBBBBBBBBBBB").orElseThrow();
    assertEquals(Role.READ, found.role());
    assertEquals("", found.name());
    assertEquals(Optional.of(T0.plusMillis(1)), found.revokedAt());
  }

  @Test
  void unknownCredential_isEmpty() throws EnvelopeException {
    assertEquals(Optional.empty(), store.findS3Credential("AKIAZZZZZZZZZZZZZZZZ"));
  }

  @Test
  void duplicateAccessKeyId_isAlreadyExists() throws EnvelopeException {
    store.insertS3Credential(credential("AKIAAAAAAAAAAAAAAAAA", "acme", Role.READ, T0));
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> store.insertS3Credential(credential("AKIAAAAAAAAAAAAAAAAA", "globex", Role.WRITE, T0)));
    assertEquals(ErrorCode.ALREADY_EXISTS, e.code());
    assertEquals("acme", store.findS3Credential("AKIAAAAAAAAAAAAAAAAA").orElseThrow().tenant());
  }

  @Test
  void listCredentials_ofATenant_isItsOwnOldestFirst_andOfAll_isEveryOne() throws EnvelopeException {
    store.insertS3Credential(credential("AKIACCCCCCCCCCCCCCCC", "acme", Role.READ, T0.plusSeconds(2)));
    store.insertS3Credential(credential("AKIAAAAAAAAAAAAAAAAA", "globex", Role.READ, T0));
    store.insertS3Credential(credential("AKIABBBBBBBBBBBBBBBB", "acme", Role.WRITE, T0.plusSeconds(1)));
    store.insertS3Credential(credential("AKIADDDDDDDDDDDDDDDD", "acme", Role.WRITE, T0.plusSeconds(1)));
    store.revokeS3Credential("AKIACCCCCCCCCCCCCCCC", T0.plusSeconds(3));
    assertEquals(List.of("AKIABBBBBBBBBBBBBBBB", "AKIADDDDDDDDDDDDDDDD", "AKIACCCCCCCCCCCCCCCC"),
        accessKeyIds(store.listS3Credentials("acme")));
    assertEquals(List.of("AKIAAAAAAAAAAAAAAAAA", "AKIABBBBBBBBBBBBBBBB", "AKIADDDDDDDDDDDDDDDD",
        "AKIACCCCCCCCCCCCCCCC"), accessKeyIds(store.listS3Credentials(null)));
    assertEquals(List.of(), store.listS3Credentials("nobody"));
    assertTrue(store.listS3Credentials("acme").get(2).isRevoked());
    assertArrayEquals(secret("AKIABBBBBBBBBBBBBBBB"),
        store.listS3Credentials("acme").get(0).sealedSecret().ciphertext(), "listed with the sealed secret whole");
  }

  @Test
  void revokeCredential_isIdempotent_keepsTheFirstTime_andIsFalseForAnUnknownOne() throws EnvelopeException {
    store.insertS3Credential(credential("AKIAAAAAAAAAAAAAAAAA", "acme", Role.WRITE, T0));
    assertTrue(store.revokeS3Credential("AKIAAAAAAAAAAAAAAAAA", T0.plusSeconds(10)));
    assertTrue(store.revokeS3Credential("AKIAAAAAAAAAAAAAAAAA", T0.plusSeconds(20)));
    S3CredentialRecord found = store.findS3Credential("AKIAAAAAAAAAAAAAAAAA").orElseThrow();
    assertEquals(Optional.of(T0.plusSeconds(10)), found.revokedAt());
    assertEquals(Role.WRITE, found.role(), "revoking changes nothing else");
    assertArrayEquals(secret("AKIAAAAAAAAAAAAAAAAA"), found.sealedSecret().ciphertext());
    assertFalse(store.revokeS3Credential("AKIAZZZZZZZZZZZZZZZZ", T0));
    assertEquals(Optional.empty(), store.findS3Credential("AKIAZZZZZZZZZZZZZZZZ"), "revoking makes nothing");
  }

  // ---- buckets ----

  @Test
  void insertedBucket_isFoundFieldForField() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos-2026", "acme", T0));
    assertEquals(Optional.of(new BucketRecord("photos-2026", "acme", T0)), store.findBucket("photos-2026"));
    assertEquals(Optional.empty(), store.findBucket("photos-2027"));
  }

  @Test
  void bucketName_isUniqueAcrossTenants() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> store.insertBucket(new BucketRecord("photos", "globex", T0.plusSeconds(1))));
    assertEquals(ErrorCode.ALREADY_EXISTS, e.code());
    assertEquals("acme", store.findBucket("photos").orElseThrow().tenant());
    assertEquals(List.of(), store.listBuckets("globex"));
  }

  @Test
  void listBuckets_isATenantsOwnByName_andOfAll_isEveryOneByName() throws EnvelopeException {
    store.insertBucket(new BucketRecord("zeta", "acme", T0));
    store.insertBucket(new BucketRecord("alpha", "acme", T0.plusSeconds(1)));
    store.insertBucket(new BucketRecord("beta", "globex", T0));
    store.insertBucket(new BucketRecord("alpha.logs", "acme", T0));
    assertEquals(List.of(new BucketRecord("alpha", "acme", T0.plusSeconds(1)), new BucketRecord("alpha.logs", "acme",
        T0), new BucketRecord("zeta", "acme", T0)), store.listBuckets("acme"));
    assertEquals(List.of("alpha", "alpha.logs", "beta", "zeta"),
        store.listBuckets(null).stream().map(BucketRecord::name).toList());
    assertEquals(List.of(), store.listBuckets("nobody"));
  }

  @Test
  void deleteBucket_removesAnEmptyOne_andIsFalseWhenThereIsNone() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    assertTrue(store.deleteBucket("photos"));
    assertEquals(Optional.empty(), store.findBucket("photos"));
    assertFalse(store.deleteBucket("photos"));
    assertFalse(store.deleteBucket("never-made"));
    store.insertBucket(new BucketRecord("photos", "globex", T0.plusSeconds(5)));
    assertEquals("globex", store.findBucket("photos").orElseThrow().tenant(), "the name is free again");
  }

  @Test
  void deleteBucket_holdingAnObject_isConflict_andKeepsBoth() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    store.putObject(object("photos", "cat.jpg", FILE));
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> store.deleteBucket("photos"));
    assertEquals(ErrorCode.CONFLICT, e.code());
    assertTrue(store.findBucket("photos").isPresent());
    assertTrue(store.findObject("photos", "cat.jpg").isPresent());
    assertTrue(store.deleteObject("photos", "cat.jpg", FILE));
    assertTrue(store.deleteBucket("photos"), "empty again");
    assertEquals(List.of(), store.listObjects("photos", "", "", 10));
  }

  @Test
  void racingPutsAndDelete_neverLeaveAnObjectWithoutItsBucket() throws Exception {
    raceWithDeleteBucket((bucket, i, fileId) -> store.putObject(object(bucket, "k" + i, fileId)),
        (bucket, i, fileId) -> store.findObject(bucket, "k" + i).isPresent(),
        bucket -> store.listObjects(bucket, "", "", 10).size());
  }

  @Test
  void racingUploadsAndDelete_neverLeaveAnUploadWithoutItsBucket() throws Exception {
    raceWithDeleteBucket((bucket, i, uploadId) -> {
      store.insertUpload(upload(uploadId, bucket, "k" + i, T0));
      return true;
    },
        (bucket, i, uploadId) -> store.findUpload(uploadId).isPresent(),
        bucket -> store.listUploads(bucket, "", "", "", 10).size());
  }

  /** A write into a bucket, the {@code i}th of a round, with a fresh id; or the consistent read of what it wrote. */
  private interface BucketWrite<T> {
    T apply(String bucket, int i, String id) throws EnvelopeException;
  }

  /** How many things a bucket's listing holds. */
  private interface BucketCount {
    int count(String bucket) throws EnvelopeException;
  }

  /**
   * Rounds of four writes racing a delete of their bucket: either the bucket stays with every write that landed, or
   * it goes and none landed.
   */
  private void raceWithDeleteBucket(BucketWrite<?> write, BucketWrite<Boolean> found, BucketCount count)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      for (int round = 0; round < 8; round++) {
        String bucket = "race-" + round;
        store.insertBucket(new BucketRecord(bucket, "acme", T0));
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> puts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          int n = i;
          String id = String.format("%026d", round * 10 + i);
          Callable<Boolean> put = () -> {
            go.await();
            try {
              write.apply(bucket, n, id);
              return true;
            } catch (EnvelopeException e) {
              assertEquals(ErrorCode.NOT_FOUND, e.code(), "a write that loses the race: " + e.getMessage());
              return false;
            }
          };
          puts.add(pool.submit(put));
        }
        Future<Boolean> delete = pool.submit(() -> {
          go.await();
          try {
            return store.deleteBucket(bucket);
          } catch (EnvelopeException e) {
            assertEquals(ErrorCode.CONFLICT, e.code(), "a delete that loses the race: " + e.getMessage());
            return false;
          }
        });
        go.countDown();
        int landed = 0;
        for (int i = 0; i < 4; i++) {
          boolean ok = get(puts.get(i));
          landed += ok ? 1 : 0;
          assertEquals(ok, found.apply(bucket, i, String.format("%026d", round * 10 + i)),
              "what a write answered is what it left");
        }
        boolean deleted = get(delete);
        if (deleted) {
          assertEquals(0, landed, "a write that succeeded, in a bucket deleted meanwhile");
          assertEquals(Optional.empty(), store.findBucket(bucket));
          assertEquals(0, count.count(bucket), "something outlived its bucket");
        } else {
          assertTrue(landed > 0, "the delete failed, so a write landed first");
          assertTrue(store.findBucket(bucket).isPresent());
          assertEquals(landed, count.count(bucket));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- objects ----

  @Test
  void putObject_inAMissingBucket_orAnotherTenantsOne_isNotFound() throws EnvelopeException {
    EnvelopeException missing = assertThrows(EnvelopeException.class,
        () -> store.putObject(object("photos", "cat.jpg", FILE)));
    assertEquals(ErrorCode.NOT_FOUND, missing.code());
    store.insertBucket(new BucketRecord("photos", "globex", T0));
    EnvelopeException others = assertThrows(EnvelopeException.class,
        () -> store.putObject(object("photos", "cat.jpg", FILE)));
    assertEquals(ErrorCode.NOT_FOUND, others.code(), "a file of acme never goes in globex's bucket");
    assertEquals(Optional.empty(), store.findObject("photos", "cat.jpg"));
    assertEquals(Optional.empty(), store.findObjectByFile("acme", FILE));
  }

  @Test
  void putObject_isFoundFieldForField() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    ObjectRecord put = new ObjectRecord("photos", "2026/cat.jpg", "acme", FILE, 5L << 30,
        "0123456789abcdef0123456789abcdef", "image/jpeg", Map.of("owner", "kim"), T0);
    assertEquals(Optional.empty(), store.putObject(put));
    assertEquals(Optional.of(put), store.findObject("photos", "2026/cat.jpg"));
    assertEquals(Optional.empty(), store.findObject("photos", "2026/dog.jpg"));
    assertEquals(Optional.empty(), store.findObject("other", "2026/cat.jpg"));
  }

  @Test
  void userMetadataAndContentType_roundTrip() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    Map<String, String> metadata = Map.of("a&b", "x&y=z%20+", "é", "ü ✓ 😀", "empty", "", "eq", "=", "pct", "100%");
    ObjectRecord rich = new ObjectRecord("photos", "rich", "acme", FILE, 1, "0123456789abcdef0123456789abcdef-2",
        "text/plain; charset=utf-8", metadata, T0);
    ObjectRecord bare = new ObjectRecord("photos", "bare", "acme", OTHER_FILE, 0, "d41d8cd98f00b204e9800998ecf8427e",
        "application/octet-stream", Map.of(), T0);
    store.putObject(rich);
    store.putObject(bare);
    assertEquals(metadata, store.findObject("photos", "rich").orElseThrow().userMetadata());
    assertEquals("text/plain; charset=utf-8", store.findObject("photos", "rich").orElseThrow().contentType());
    assertEquals(Map.of(), store.findObject("photos", "bare").orElseThrow().userMetadata());
    assertEquals(List.of(bare, rich), store.listObjects("photos", "", "", 10), "listed whole too");
  }

  @Test
  void lastModified_keepsItsMilliseconds() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    Instant at = Instant.parse("2026-12-31T23:59:59.999Z");
    store.putObject(new ObjectRecord("photos", "k", "acme", FILE, 1, "0123456789abcdef0123456789abcdef", "a/b",
        Map.of(), at));
    assertEquals(at, store.findObject("photos", "k").orElseThrow().lastModified());
    assertEquals(at, store.listObjects("photos", "", "", 1).get(0).lastModified());
    assertEquals(at, store.findObjectByFile("acme", FILE).orElseThrow().lastModified());
  }

  @Test
  void aKeyOf1024Bytes_roundTrips() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    String key = "é".repeat(511) + "/z";
    assertEquals(1024, key.getBytes(StandardCharsets.UTF_8).length);
    store.putObject(object("photos", key, FILE));
    assertEquals(key, store.findObject("photos", key).orElseThrow().key());
    assertEquals(List.of(key), keys(store.listObjects("photos", "é", "", 10)));
    assertEquals(key, store.findObjectByFile("acme", FILE).orElseThrow().key());
    assertTrue(store.deleteObject("photos", key, FILE));
  }

  @Test
  void putObject_replacing_returnsTheRowItReplaced() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    ObjectRecord first = object("photos", "cat.jpg", FILE);
    ObjectRecord second = new ObjectRecord("photos", "cat.jpg", "acme", OTHER_FILE, 9,
        "ffffffffffffffffffffffffffffffff", "image/png", Map.of("v", "2"), T0.plusSeconds(1));
    assertEquals(Optional.empty(), store.putObject(first));
    assertEquals(Optional.of(first), store.putObject(second));
    assertEquals(Optional.of(second), store.findObject("photos", "cat.jpg"));
    assertEquals(List.of(second), store.listObjects("photos", "", "", 10));
  }

  @Test
  void deleteObject_isConditionalOnItsFile() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    store.insertBucket(new BucketRecord("other", "acme", T0));
    store.putObject(object("photos", "cat.jpg", FILE));
    store.putObject(object("other", "cat.jpg", "cccccccccccccccccccccccccc"));
    assertFalse(store.deleteObject("photos", "cat.jpg", OTHER_FILE), "names another file");
    store.putObject(object("photos", "cat.jpg", OTHER_FILE));
    assertFalse(store.deleteObject("photos", "cat.jpg", FILE), "replaced meanwhile");
    assertTrue(store.findObject("photos", "cat.jpg").isPresent());
    assertTrue(store.deleteObject("photos", "cat.jpg", OTHER_FILE));
    assertEquals(Optional.empty(), store.findObject("photos", "cat.jpg"));
    assertFalse(store.deleteObject("photos", "cat.jpg", OTHER_FILE), "gone");
    assertFalse(store.deleteObject("nosuchbucket", "cat.jpg", OTHER_FILE));
    assertTrue(store.findObject("other", "cat.jpg").isPresent(), "the same key in another bucket stays");
  }

  @Test
  void listObjects_isInUtf8ByteOrder() throws EnvelopeException {
    putKeys();
    assertEquals(KEYS_IN_ORDER, keys(store.listObjects("photos", "", "", 100)));
    assertEquals(KEYS_IN_ORDER, keys(store.listObjects("photos", "", "", KEYS_IN_ORDER.size())));
  }

  @Test
  void listObjects_byPrefix_takesLikeMetacharactersLiterally() throws EnvelopeException {
    putKeys();
    assertEquals(List.of("a", "a%b", "a/b", "a/c", "a\\b", "a_b", "ab"), keys(store.listObjects("photos", "a", "", 100)));
    assertEquals(List.of("a/b", "a/c"), keys(store.listObjects("photos", "a/", "", 100)));
    assertEquals(List.of("a%b"), keys(store.listObjects("photos", "a%", "", 100)));
    assertEquals(List.of("a_b"), keys(store.listObjects("photos", "a_", "", 100)));
    assertEquals(List.of("a\\b"), keys(store.listObjects("photos", "a\\", "", 100)));
    assertEquals(List.of("A"), keys(store.listObjects("photos", "A", "", 100)), "case matters");
    assertEquals(List.of("\uFFFD"), keys(store.listObjects("photos", "\uFFFD", "", 100)));
    assertEquals(List.of("😀"), keys(store.listObjects("photos", "😀", "", 100)));
    assertEquals(List.of(), keys(store.listObjects("photos", "zz", "", 100)));
    assertEquals(List.of(), keys(store.listObjects("photos", "%", "", 100)));
  }

  @Test
  void listObjects_startAfter_isExclusive_andNeedNotBeAKey() throws EnvelopeException {
    putKeys();
    assertEquals(KEYS_IN_ORDER.subList(6, KEYS_IN_ORDER.size()), keys(store.listObjects("photos", "", "a/c", 100)));
    assertEquals(List.of("a\\b", "a_b", "ab"), keys(store.listObjects("photos", "a", "a0", 100)), "a0 is no key");
    assertEquals(List.of("\uFFFD", "😀"), keys(store.listObjects("photos", "", "\uE000", 100)));
    assertEquals(List.of("a/b", "a/c"), keys(store.listObjects("photos", "a/", "A", 100)), "before the prefix");
    assertEquals(List.of(), keys(store.listObjects("photos", "a", "b", 100)), "after the prefix");
    assertEquals(List.of(), keys(store.listObjects("photos", "", "😀", 100)));
  }

  @Test
  void listObjects_pagesWithLimitAndStartAfter() throws EnvelopeException {
    putKeys();
    assertEquals(KEYS_IN_ORDER.subList(0, 3), keys(store.listObjects("photos", "", "", 3)));
    List<String> all = new ArrayList<>();
    String after = "";
    while (true) {
      List<ObjectRecord> page = store.listObjects("photos", "", after, 2);
      if (page.isEmpty()) {
        break;
      }
      assertTrue(page.size() <= 2);
      all.addAll(keys(page));
      after = page.get(page.size() - 1).key();
    }
    assertEquals(KEYS_IN_ORDER, all);
  }

  @Test
  void listObjects_isOneBucketsOnly() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    store.insertBucket(new BucketRecord("photos2", "acme", T0));
    store.insertBucket(new BucketRecord("photo", "acme", T0));
    store.putObject(object("photos", "x", FILE));
    store.putObject(object("photos2", "x", OTHER_FILE));
    store.putObject(object("photo", "sx", "cccccccccccccccccccccccccc"));
    assertEquals(List.of(object("photos", "x", FILE)), store.listObjects("photos", "", "", 10));
    assertEquals(List.of(), store.listObjects("nosuchbucket", "", "", 10));
  }

  @Test
  void findObjectByFile_followsPutsAndDeletes() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    ObjectRecord cat = object("photos", "cat.jpg", FILE);
    store.putObject(cat);
    assertEquals(Optional.of(cat), store.findObjectByFile("acme", FILE));
    assertEquals(Optional.empty(), store.findObjectByFile("globex", FILE), "never another tenant's");
    assertEquals(Optional.empty(), store.findObjectByFile("acme", OTHER_FILE));
    ObjectRecord replaced = object("photos", "cat.jpg", OTHER_FILE);
    store.putObject(replaced);
    assertEquals(Optional.empty(), store.findObjectByFile("acme", FILE), "its file is no object any more");
    assertEquals(Optional.of(replaced), store.findObjectByFile("acme", OTHER_FILE));
    store.deleteObject("photos", "cat.jpg", OTHER_FILE);
    assertEquals(Optional.empty(), store.findObjectByFile("acme", OTHER_FILE));
  }

  // ---- multipart uploads ----

  @Test
  void insertedUpload_isFoundFieldForField_andItsWrappedKeyByteForByte() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    UploadRecord upload = new UploadRecord(UPLOAD, "photos", "2026/big.iso", "acme", "local",
        WrappedKey.of("root-key-1", 3, secret("upload")), "application/x-iso9660-image",
        Map.of("owner", "kim", "é", "ü ✓ 😀", "a&b", "x=y%"), Instant.parse("2026-12-31T23:59:59.999Z"));
    store.insertUpload(upload);
    UploadRecord found = store.findUpload(UPLOAD).orElseThrow();
    assertEquals(upload.uploadId(), found.uploadId());
    assertEquals("photos", found.bucket());
    assertEquals("2026/big.iso", found.key());
    assertEquals("acme", found.tenant());
    assertEquals("local", found.keyService());
    assertEquals(upload.wrappedKey(), found.wrappedKey());
    assertArrayEquals(secret("upload"), found.wrappedKey().ciphertext());
    assertEquals("application/x-iso9660-image", found.contentType());
    assertEquals(upload.userMetadata(), found.userMetadata());
    assertEquals(upload.initiatedAt(), found.initiatedAt());
    assertEquals(List.of(UPLOAD), uploadIds(store.listUploads("photos", "", "", "", 10)));
    assertEquals(Optional.empty(), store.findUpload(OTHER_UPLOAD));
  }

  @Test
  void duplicateUploadId_isAlreadyExists() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    store.insertUpload(upload(UPLOAD, "photos", "a", T0));
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> store.insertUpload(upload(UPLOAD, "photos", "b", T0.plusSeconds(1))));
    assertEquals(ErrorCode.ALREADY_EXISTS, e.code());
    assertEquals("a", store.findUpload(UPLOAD).orElseThrow().key());
  }

  @Test
  void insertUpload_inAMissingBucket_orAnotherTenantsOne_isNotFound() throws EnvelopeException {
    EnvelopeException missing = assertThrows(EnvelopeException.class,
        () -> store.insertUpload(upload(UPLOAD, "photos", "a", T0)));
    assertEquals(ErrorCode.NOT_FOUND, missing.code());
    store.insertBucket(new BucketRecord("photos", "globex", T0));
    EnvelopeException others = assertThrows(EnvelopeException.class,
        () -> store.insertUpload(upload(UPLOAD, "photos", "a", T0)));
    assertEquals(ErrorCode.NOT_FOUND, others.code(), "an upload of acme never goes in globex's bucket");
    assertEquals(Optional.empty(), store.findUpload(UPLOAD));
    assertTrue(store.deleteBucket("photos"), "nothing was left in it");
  }

  @Test
  void deleteBucket_holdingAnUpload_isConflict_untilTheUploadIsDeleted() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    store.insertUpload(upload(UPLOAD, "photos", "big.iso", T0));
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> store.deleteBucket("photos"));
    assertEquals(ErrorCode.CONFLICT, e.code());
    assertTrue(store.findBucket("photos").isPresent());
    assertTrue(store.findUpload(UPLOAD).isPresent());
    assertTrue(store.deleteUpload(UPLOAD));
    assertFalse(store.deleteUpload(UPLOAD), "already gone");
    assertFalse(store.deleteUpload(OTHER_UPLOAD), "never was");
    assertEquals(Optional.empty(), store.findUpload(UPLOAD));
    assertTrue(store.deleteBucket("photos"), "empty again");
  }

  @Test
  void listUploads_isByKeyInUtf8ByteOrderThenUploadId_withPrefixAndMarkers() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    store.insertBucket(new BucketRecord("photos2", "acme", T0));
    List<String[]> inOrder = List.of(new String[] {"a", id('c')}, new String[] {"a", id('d')},
        new String[] {"a/b", id('a')}, new String[] {"b", id('b')}, new String[] {"\uFFFD", id('e')},
        new String[] {"😀", id('f')});
    List<String[]> shuffled = new ArrayList<>(inOrder);
    java.util.Collections.shuffle(shuffled, new java.util.Random(3));
    for (String[] u : shuffled) {
      store.insertUpload(upload(u[1], "photos", u[0], T0));
    }
    store.insertUpload(upload(id('g'), "photos2", "a", T0));
    List<String> all = inOrder.stream().map(u -> u[0] + " " + u[1]).toList();
    assertEquals(all, keyAndId(store.listUploads("photos", "", "", "", 100)));
    assertEquals(all.subList(0, 3), keyAndId(store.listUploads("photos", "a", "", "", 100)));
    assertEquals(all.subList(2, 3), keyAndId(store.listUploads("photos", "a/", "", "", 100)));
    assertEquals(List.of(), keyAndId(store.listUploads("photos", "%", "", "", 100)));
    assertEquals(all.subList(2, 6), keyAndId(store.listUploads("photos", "", "a", "", 100)),
        "a key marker alone: the keys after it");
    assertEquals(all.subList(1, 6), keyAndId(store.listUploads("photos", "", "a", id('c'), 100)),
        "with an upload id marker: the uploads of that key after it, then the keys after it");
    assertEquals(all.subList(3, 6), keyAndId(store.listUploads("photos", "", "a0", "", 100)), "a0 is no key");
    assertEquals(all.subList(5, 6), keyAndId(store.listUploads("photos", "", "\uFFFD", "", 100)));
    assertEquals(all.subList(1, 3), keyAndId(store.listUploads("photos", "a", "a", id('c'), 100)));
    List<String> paged = new ArrayList<>();
    String keyMarker = "";
    String idMarker = "";
    while (true) {
      List<UploadRecord> page = store.listUploads("photos", "", keyMarker, idMarker, 2);
      if (page.isEmpty()) {
        break;
      }
      assertTrue(page.size() <= 2);
      paged.addAll(keyAndId(page));
      keyMarker = page.get(page.size() - 1).key();
      idMarker = page.get(page.size() - 1).uploadId();
    }
    assertEquals(all, paged);
    assertEquals(List.of("a " + id('g')), keyAndId(store.listUploads("photos2", "", "", "", 100)));
    assertEquals(List.of(), store.listUploads("nosuchbucket", "", "", "", 100));
  }

  @Test
  void listUploadsStartedBefore_isEveryBucketsOlderOnes_uptoTheLimit() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    store.insertBucket(new BucketRecord("logs", "acme", T0));
    store.insertUpload(upload(id('a'), "photos", "k", T0));
    store.insertUpload(upload(id('b'), "logs", "k", T0.plusSeconds(1)));
    store.insertUpload(upload(id('c'), "photos", "k", T0.plusSeconds(2)));
    store.insertUpload(upload(id('d'), "logs", "k", T0.plusSeconds(3)));
    assertEquals(java.util.Set.of(id('a'), id('b')),
        java.util.Set.copyOf(uploadIds(store.listUploadsStartedBefore(T0.plusSeconds(2), 10))));
    List<UploadRecord> one = store.listUploadsStartedBefore(T0.plusSeconds(2), 1);
    assertEquals(1, one.size());
    assertTrue(java.util.Set.of(id('a'), id('b')).contains(one.get(0).uploadId()));
    assertEquals(List.of(), store.listUploadsStartedBefore(T0, 10));
    assertEquals(4, store.listUploadsStartedBefore(T0.plusSeconds(60), 10).size());
  }

  @Test
  void putPart_storesOrReplaces_returningThePartItReplaced() throws EnvelopeException {
    startUpload();
    PartRecord first = part(UPLOAD, 1, 5 << 20);
    PartRecord second = part(UPLOAD, 2, 7);
    PartRecord again = part(UPLOAD, 1, 9);
    assertEquals(Optional.empty(), store.putPart(first));
    assertEquals(Optional.empty(), store.putPart(second));
    assertEquals(Optional.of(first), store.findPart(UPLOAD, 1));
    assertEquals(Optional.of(first), store.putPart(again));
    assertEquals(Optional.of(again), store.findPart(UPLOAD, 1));
    assertEquals(Optional.of(second), store.findPart(UPLOAD, 2));
    assertEquals(Optional.empty(), store.findPart(UPLOAD, 3));
    assertEquals(Optional.empty(), store.findPart(OTHER_UPLOAD, 1));
    assertEquals(List.of(again, second), store.listParts(UPLOAD, 0, 100));
  }

  @Test
  void putPart_ofAMissingOrDeletedUpload_isNotFound_andStoresNothing() throws EnvelopeException {
    EnvelopeException never = assertThrows(EnvelopeException.class, () -> store.putPart(part(UPLOAD, 1, 3)));
    assertEquals(ErrorCode.NOT_FOUND, never.code());
    startUpload();
    PartRecord kept = part(UPLOAD, 1, 3);
    store.putPart(kept);
    assertTrue(store.deleteUpload(UPLOAD));
    EnvelopeException gone = assertThrows(EnvelopeException.class, () -> store.putPart(part(UPLOAD, 1, 4)));
    assertEquals(ErrorCode.NOT_FOUND, gone.code());
    EnvelopeException goneNew = assertThrows(EnvelopeException.class, () -> store.putPart(part(UPLOAD, 2, 4)));
    assertEquals(ErrorCode.NOT_FOUND, goneNew.code());
    assertEquals(Optional.of(kept), store.findPart(UPLOAD, 1), "the parts stay, unchanged: they are the file's");
    assertEquals(Optional.empty(), store.findPart(UPLOAD, 2));
    assertEquals(List.of(kept), store.listParts(UPLOAD, 0, 100));
  }

  @Test
  void listParts_isInNumberOrder_andPages() throws EnvelopeException {
    startUpload();
    store.insertUpload(upload(OTHER_UPLOAD, "photos", "other", T0));
    List<Integer> numbers = new ArrayList<>(List.of(1, 2, 3, 9, 10, 11, 100, 1000, 9999, 10000));
    java.util.Collections.shuffle(numbers, new java.util.Random(5));
    for (int n : numbers) {
      store.putPart(part(UPLOAD, n, n));
    }
    store.putPart(part(OTHER_UPLOAD, 5, 5));
    List<Integer> sorted = numbers.stream().sorted().toList();
    assertEquals(sorted, partNumbers(store.listParts(UPLOAD, 0, 100)));
    assertEquals(sorted.subList(3, 10), partNumbers(store.listParts(UPLOAD, 3, 100)));
    assertEquals(sorted.subList(4, 10), partNumbers(store.listParts(UPLOAD, 9, 100)));
    assertEquals(sorted.subList(0, 3), partNumbers(store.listParts(UPLOAD, 0, 3)));
    assertEquals(List.of(), store.listParts(UPLOAD, 10000, 100));
    List<Integer> paged = new ArrayList<>();
    int after = 0;
    while (true) {
      List<PartRecord> page = store.listParts(UPLOAD, after, 3);
      if (page.isEmpty()) {
        break;
      }
      assertTrue(page.size() <= 3);
      paged.addAll(partNumbers(page));
      after = page.get(page.size() - 1).partNumber();
    }
    assertEquals(sorted, paged);
    assertEquals(List.of(5), partNumbers(store.listParts(OTHER_UPLOAD, 0, 100)));
    assertEquals(List.of(), store.listParts(id('z'), 0, 100));
    assertEquals(List.of(), store.listParts(UPLOAD, 0, 0));
  }

  @Test
  void deletePart_isConditionalOnItsBlob() throws EnvelopeException {
    startUpload();
    PartRecord first = part(UPLOAD, 4, 1);
    PartRecord replaced = part(UPLOAD, 4, 2);
    store.putPart(first);
    store.putPart(replaced);
    assertFalse(store.deletePart(UPLOAD, 4, first.blobId()), "replaced meanwhile");
    assertEquals(Optional.of(replaced), store.findPart(UPLOAD, 4));
    assertFalse(store.deletePart(UPLOAD, 5, replaced.blobId()), "another number");
    assertTrue(store.deletePart(UPLOAD, 4, replaced.blobId()));
    assertEquals(Optional.empty(), store.findPart(UPLOAD, 4));
    assertFalse(store.deletePart(UPLOAD, 4, replaced.blobId()), "gone");
    store.deleteUpload(UPLOAD);
    store.insertUpload(upload(OTHER_UPLOAD, "photos", "k", T0));
    PartRecord late = part(OTHER_UPLOAD, 1, 1);
    store.putPart(late);
    store.deleteUpload(OTHER_UPLOAD);
    assertTrue(store.deletePart(OTHER_UPLOAD, 1, late.blobId()), "a part outlives its upload until deleted");
  }

  @Test
  void racingPutParts_loseNoBlob_eachReplacedOneIsReturnedOnce() throws Exception {
    startUpload();
    int threads = 4;
    int parts = 30;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<String>>> tasks = new ArrayList<>();
      List<java.util.Set<String>> written = new ArrayList<>();
      for (int n = 0; n <= parts; n++) {
        written.add(java.util.concurrent.ConcurrentHashMap.newKeySet());
      }
      for (int t = 0; t < threads; t++) {
        tasks.add(pool.submit(() -> {
          go.await();
          List<String> replaced = new ArrayList<>();
          for (int n = 1; n <= parts; n++) {
            PartRecord p = part(UPLOAD, n, n);
            written.get(n).add(p.blobId());
            store.putPart(p).ifPresent(old -> replaced.add(old.blobId()));
          }
          return replaced;
        }));
      }
      go.countDown();
      List<String> replaced = new ArrayList<>();
      for (Future<List<String>> task : tasks) {
        replaced.addAll(get(task));
      }
      assertEquals(java.util.Set.copyOf(replaced).size(), replaced.size(), "a part replaced twice");
      for (int n = 1; n <= parts; n++) {
        String kept = store.findPart(UPLOAD, n).orElseThrow().blobId();
        java.util.Set<String> accounted = new java.util.HashSet<>();
        accounted.add(kept);
        for (String blob : replaced) {
          if (written.get(n).contains(blob)) {
            accounted.add(blob);
          }
        }
        assertEquals(written.get(n), accounted, "every blob of part " + n + " is kept or returned as replaced");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void objectWithParts_roundTrips_allTenThousand_andSparse() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    List<Integer> all = java.util.stream.IntStream.rangeClosed(1, PartRecord.MAX_PARTS).boxed().toList();
    ObjectRecord big = withParts(object("photos", "big", FILE), all);
    ObjectRecord sparse = withParts(object("photos", "sparse", OTHER_FILE), List.of(1, 3, 7));
    assertEquals(Optional.empty(), store.putObject(big));
    store.putObject(sparse);
    assertEquals(Optional.of(big), store.findObject("photos", "big"));
    assertEquals(all, store.findObject("photos", "big").orElseThrow().parts());
    assertEquals(Optional.of(sparse), store.findObject("photos", "sparse"));
    assertEquals(Optional.of(big), store.findObjectByFile("acme", FILE));
    assertEquals(Optional.of(sparse), store.findObjectByFile("acme", OTHER_FILE));
    assertEquals(List.of(big, sparse), store.listObjects("photos", "", "", 10));
    ObjectRecord plain = object("photos", "big", "cccccccccccccccccccccccccc");
    assertEquals(Optional.of(big), store.putObject(plain), "returned whole when replaced");
    assertEquals(List.of(), store.findObject("photos", "big").orElseThrow().parts());
  }

  @Test
  void objectWithTheLongestPartList_fits() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    // Every other number: 5,000 runs of one, the longest encoding of any part list.
    List<Integer> odd = java.util.stream.IntStream.rangeClosed(1, PartRecord.MAX_PARTS).filter(n -> n % 2 == 1)
        .boxed().toList();
    String key = "é".repeat(511) + "/z";
    ObjectRecord longest = new ObjectRecord("photos", key, "acme", FILE, 5L << 40,
        "0123456789abcdef0123456789abcdef-5000", "application/octet-stream", bigMetadata(), T0, odd);
    store.putObject(longest);
    assertEquals(Optional.of(longest), store.findObject("photos", key));
    assertEquals(Optional.of(longest), store.findObjectByFile("acme", FILE));
  }

  @Test
  void theParts_outliveTheUpload_asTheCompletedFilesContent() throws EnvelopeException {
    startUpload();
    PartRecord one = part(UPLOAD, 1, 5 << 20);
    PartRecord three = part(UPLOAD, 3, 1);
    store.putPart(one);
    store.putPart(three);
    UploadRecord upload = store.findUpload(UPLOAD).orElseThrow();
    assertTrue(store.deleteUpload(UPLOAD));
    ObjectRecord completed = new ObjectRecord("photos", upload.key(), "acme", UPLOAD, one.size() + three.size(),
        "0123456789abcdef0123456789abcdef-2", upload.contentType(), upload.userMetadata(), T0, List.of(1, 3));
    store.putObject(completed);
    ObjectRecord found = store.findObjectByFile("acme", UPLOAD).orElseThrow();
    assertEquals(List.of(one, three), List.of(store.findPart(UPLOAD, found.parts().get(0)).orElseThrow(),
        store.findPart(UPLOAD, found.parts().get(1)).orElseThrow()));
    assertEquals(List.of(one, three), store.listParts(UPLOAD, 0, 100));
  }

  private void startUpload() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    store.insertUpload(upload(UPLOAD, "photos", "big.iso", T0));
  }

  /** An upload of tenant acme. */
  protected static UploadRecord upload(String uploadId, String bucket, String key, Instant at) {
    return new UploadRecord(uploadId, bucket, key, "acme", "local", WrappedKey.of("root-key-1", 3, secret(uploadId)),
        "application/octet-stream", Map.of("origin", "test"), at);
  }

  /** A part with a fresh blob id, stored at {@link #T0}. */
  protected static PartRecord part(String uploadId, int number, long size) {
    return new PartRecord(uploadId, number, PartRecord.blobIdOf(uploadId, number), size,
        String.format("%032x", size), T0.plusMillis(number));
  }

  private static ObjectRecord withParts(ObjectRecord o, List<Integer> parts) {
    return new ObjectRecord(o.bucket(), o.key(), o.tenant(), o.fileId(), o.size(), o.etag(), o.contentType(),
        o.userMetadata(), o.lastModified(), parts);
  }

  /** User metadata of about 2 KB, S3's limit. */
  private static Map<String, String> bigMetadata() {
    Map<String, String> metadata = new java.util.TreeMap<>();
    for (int i = 0; i < 20; i++) {
      metadata.put("m" + i, "v".repeat(95));
    }
    return metadata;
  }

  /** A well-formed upload id of one letter repeated. */
  private static String id(char c) {
    return String.valueOf(c).repeat(26);
  }

  private static List<String> uploadIds(List<UploadRecord> uploads) {
    return uploads.stream().map(UploadRecord::uploadId).toList();
  }

  private static List<String> keyAndId(List<UploadRecord> uploads) {
    return uploads.stream().map(u -> u.key() + " " + u.uploadId()).toList();
  }

  private static List<Integer> partNumbers(List<PartRecord> parts) {
    return parts.stream().map(PartRecord::partNumber).toList();
  }

  // ---- helpers ----

  private void putKeys() throws EnvelopeException {
    store.insertBucket(new BucketRecord("photos", "acme", T0));
    List<String> shuffled = new ArrayList<>(KEYS_IN_ORDER);
    java.util.Collections.shuffle(shuffled, new java.util.Random(7));
    int i = 0;
    for (String key : shuffled) {
      store.putObject(object("photos", key, String.format("%026d", i++)));
    }
  }

  /** An object of tenant acme of 3 bytes, stored at {@link #T0}. */
  protected static ObjectRecord object(String bucket, String key, String fileId) {
    return new ObjectRecord(bucket, key, "acme", fileId, 3, "900150983cd24fb0d6963f7d28e17f72", "text/plain",
        Map.of("origin", "test"), T0);
  }

  /** A credential whose sealed secret holds every byte value (0 and 255 included), made from its id. */
  protected static S3CredentialRecord credential(String accessKeyId, String tenant, Role role, Instant createdAt) {
    return new S3CredentialRecord(accessKeyId, tenant, role, "backup job ✓", "local",
        WrappedKey.of("root-key-1", 3, secret(accessKeyId)), createdAt, Optional.empty());
  }

  private static byte[] secret(String accessKeyId) {
    byte[] bytes = new byte[300];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i + accessKeyId.charAt(accessKeyId.length() - 1));
    }
    return bytes;
  }

  private static <T> T get(Future<T> future) throws Exception {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error error) {
        throw error; // an assertion in the task
      }
      throw e;
    }
  }

  private static List<String> keys(List<ObjectRecord> objects) {
    return objects.stream().map(ObjectRecord::key).toList();
  }

  private static List<String> accessKeyIds(List<S3CredentialRecord> credentials) {
    return credentials.stream().map(S3CredentialRecord::accessKeyId).toList();
  }
}
