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
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      for (int round = 0; round < 8; round++) {
        String bucket = "race-" + round;
        store.insertBucket(new BucketRecord(bucket, "acme", T0));
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> puts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          String key = "k" + i;
          String fileId = String.format("%026d", round * 10 + i);
          Callable<Boolean> put = () -> {
            go.await();
            try {
              store.putObject(object(bucket, key, fileId));
              return true;
            } catch (EnvelopeException e) {
              assertEquals(ErrorCode.NOT_FOUND, e.code(), "a put that loses the race: " + e.getMessage());
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
        for (Future<Boolean> put : puts) {
          landed += get(put) ? 1 : 0;
        }
        boolean deleted = get(delete);
        if (deleted) {
          assertEquals(0, landed, "a put that succeeded, in a bucket deleted meanwhile");
          assertEquals(Optional.empty(), store.findBucket(bucket));
          for (int i = 0; i < 4; i++) {
            assertEquals(Optional.empty(), store.findObject(bucket, "k" + i), "an object outlived its bucket");
          }
          assertEquals(List.of(), store.listObjects(bucket, "", "", 10));
        } else {
          assertTrue(landed > 0, "the delete failed, so a put landed first");
          assertTrue(store.findBucket(bucket).isPresent());
          assertEquals(landed, store.listObjects(bucket, "", "", 10).size());
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
