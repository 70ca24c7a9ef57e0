package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The contract every {@link KeyService} keeps. An implementation's test extends this class and says how to
 * make its service and manage its root keys; the tests here then run against it.
 *
 * <p>{@link #keyService()} is called once per test, before any other method of the subclass; the root keys
 * that {@link #createRootKey()} creates must be visible to that service.
 */
public abstract class KeyServiceContract {
  /** The service under test (a fresh one per test is fine). */
  protected abstract KeyService keyService() throws Exception;

  /** Creates a new, enabled root key and returns its canonical id. */
  protected abstract String createRootKey() throws Exception;

  protected abstract void disableRootKey(String id) throws Exception;

  protected abstract void enableRootKey(String id) throws Exception;

  /** Adds a new version to the root key, which wraps new data keys from now on. */
  protected abstract void rotateRootKey(String id) throws Exception;

  /** An id, shaped like this service's ids, that names no root key. */
  protected String unknownRootKeyId() {
    return UUID.randomUUID().toString();
  }

  /**
   * Whether wrapped keys say which version of the root key wrapped them. AWS KMS does not: its ciphertexts
   * name the key, and the key finds its own backing version, so such services record version 0 throughout.
   */
  protected boolean exposesKeyVersions() {
    return true;
  }

  /** Operations each of the 8 threads of the concurrency test performs. */
  protected int concurrentOperationsPerThread() {
    return 200;
  }

  protected static final EncryptionContext CONTEXT =
      EncryptionContext.of("format", "1", "tenant", "t-42", "object", "obj-7f3a");

  protected KeyService service;

  @BeforeEach
  void createService() throws Exception {
    service = keyService();
  }

  @Test
  void generateDataKey_returnsA32ByteKey_wrappedUnderTheCanonicalId() throws Exception {
    String root = createRootKey();
    try (DataKey key = service.generateDataKey(root, CONTEXT)) {
      byte[] plaintext = key.copyPlaintext(InsecureKeyAccess.get());

      assertEquals(DataKey.SIZE_BYTES, plaintext.length);
      assertFalse(Arrays.equals(new byte[DataKey.SIZE_BYTES], plaintext), "an all-zero key");
      assertEquals(root, key.wrapped().rootKeyId());
      assertTrue(key.wrapped().ciphertext().length > 0);
      assertFalse(containsSubsequence(key.wrapped().ciphertext(), plaintext), "the wrapped key holds the plaintext");
    }
  }

  @Test
  void twoDataKeys_differ_inPlaintextAndWrapped() throws Exception {
    String root = createRootKey();
    try (DataKey a = service.generateDataKey(root, CONTEXT); DataKey b = service.generateDataKey(root, CONTEXT)) {
      assertFalse(Arrays.equals(a.copyPlaintext(InsecureKeyAccess.get()), b.copyPlaintext(InsecureKeyAccess.get())));
      assertFalse(Arrays.equals(a.wrapped().ciphertext(), b.wrapped().ciphertext()));
      assertNotEquals(a.wrapped(), b.wrapped());
    }
  }

  @Test
  void decrypt_withTheSameContext_returnsTheSamePlaintext() throws Exception {
    String root = createRootKey();
    try (DataKey generated = service.generateDataKey(root, CONTEXT);
         DataKey decrypted = service.decrypt(generated.wrapped(), CONTEXT)) {
      assertArrayEquals(generated.copyPlaintext(InsecureKeyAccess.get()),
          decrypted.copyPlaintext(InsecureKeyAccess.get()));
      assertEquals(root, decrypted.wrapped().rootKeyId());
    }
  }

  @Test
  void decrypt_withAnEqualContextBuiltInAnotherOrder_works() throws Exception {
    String root = createRootKey();
    EncryptionContext reordered = EncryptionContext.of("object", "obj-7f3a", "tenant", "t-42", "format", "1");
    try (DataKey generated = service.generateDataKey(root, CONTEXT);
         DataKey decrypted = service.decrypt(generated.wrapped(), reordered)) {
      assertArrayEquals(generated.copyPlaintext(InsecureKeyAccess.get()),
          decrypted.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void decrypt_withAnotherContext_failsWithInvalidWrappedKey() throws Exception {
    String root = createRootKey();
    WrappedKey wrapped;
    try (DataKey key = service.generateDataKey(root, CONTEXT)) {
      wrapped = key.wrapped();
    }

    for (EncryptionContext other : otherContexts()) {
      assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY, () -> service.decrypt(wrapped, other).close(),
          "context " + other);
    }
  }

  @Test
  void decrypt_ofAWrappedKeyWithAFlippedByte_failsWithInvalidWrappedKey() throws Exception {
    String root = createRootKey();
    WrappedKey wrapped;
    try (DataKey key = service.generateDataKey(root, CONTEXT)) {
      wrapped = key.wrapped();
    }
    byte[] ciphertext = wrapped.ciphertext();

    for (int position : new int[] {0, ciphertext.length / 2, ciphertext.length - 1}) {
      byte[] flipped = ciphertext.clone();
      flipped[position] ^= 0x01;
      WrappedKey damaged = WrappedKey.of(wrapped.rootKeyId(), wrapped.rootKeyVersion(), flipped);

      assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY, () -> service.decrypt(damaged, CONTEXT).close(),
          "byte " + position + " flipped");
    }
  }

  @Test
  void generateDataKey_underAnUnknownRootKey_failsWithKeyNotFound() {
    assertFailsWith(ErrorCode.KEY_NOT_FOUND,
        () -> service.generateDataKey(unknownRootKeyId(), CONTEXT).close(), "unknown root key");
  }

  @Test
  void decrypt_ofAWrappedKeyNamingAnUnknownRootKey_failsWithKeyNotFound() throws Exception {
    String root = createRootKey();
    WrappedKey wrapped;
    try (DataKey key = service.generateDataKey(root, CONTEXT)) {
      wrapped = key.wrapped();
    }
    WrappedKey elsewhere = WrappedKey.of(unknownRootKeyId(), wrapped.rootKeyVersion(), wrapped.ciphertext());

    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> service.decrypt(elsewhere, CONTEXT).close(), "unknown root key");
  }

  @Test
  void aDisabledRootKey_neitherGeneratesNorDecrypts() throws Exception {
    String root = createRootKey();
    WrappedKey wrapped;
    try (DataKey key = service.generateDataKey(root, CONTEXT)) {
      wrapped = key.wrapped();
    }

    disableRootKey(root);

    assertFailsWith(ErrorCode.KEY_DISABLED, () -> service.generateDataKey(root, CONTEXT).close(), "generate");
    assertFailsWith(ErrorCode.KEY_DISABLED, () -> service.decrypt(wrapped, CONTEXT).close(), "decrypt");
  }

  @Test
  void aReEnabledRootKey_decryptsAndGeneratesAgain() throws Exception {
    String root = createRootKey();
    try (DataKey key = service.generateDataKey(root, CONTEXT)) {
      disableRootKey(root);
      enableRootKey(root);

      try (DataKey decrypted = service.decrypt(key.wrapped(), CONTEXT)) {
        assertArrayEquals(key.copyPlaintext(InsecureKeyAccess.get()), decrypted.copyPlaintext(InsecureKeyAccess.get()));
      }
      try (DataKey fresh = service.generateDataKey(root, CONTEXT)) {
        assertEquals(root, fresh.wrapped().rootKeyId());
      }
    }
  }

  @Test
  void disablingOneRootKey_leavesOthersUsable() throws Exception {
    String disabled = createRootKey();
    String other = createRootKey();
    disableRootKey(disabled);

    try (DataKey key = service.generateDataKey(other, CONTEXT);
         DataKey decrypted = service.decrypt(key.wrapped(), CONTEXT)) {
      assertArrayEquals(key.copyPlaintext(InsecureKeyAccess.get()), decrypted.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void aKeyWrappedBeforeRotation_stillDecrypts() throws Exception {
    String root = createRootKey();
    try (DataKey before = service.generateDataKey(root, CONTEXT)) {
      rotateRootKey(root);
      rotateRootKey(root);

      try (DataKey decrypted = service.decrypt(before.wrapped(), CONTEXT)) {
        assertArrayEquals(before.copyPlaintext(InsecureKeyAccess.get()),
            decrypted.copyPlaintext(InsecureKeyAccess.get()));
      }
    }
  }

  @Test
  void aKeyWrappedAfterRotation_hasAHigherRootKeyVersion_orVersion0Throughout_andBothDecrypt() throws Exception {
    String root = createRootKey();
    try (DataKey before = service.generateDataKey(root, CONTEXT)) {
      rotateRootKey(root);
      try (DataKey after = service.generateDataKey(root, CONTEXT);
           DataKey oldDecrypted = service.decrypt(before.wrapped(), CONTEXT);
           DataKey decrypted = service.decrypt(after.wrapped(), CONTEXT)) {
        assertEquals(root, after.wrapped().rootKeyId());
        if (exposesKeyVersions()) {
          assertTrue(after.wrapped().rootKeyVersion() > before.wrapped().rootKeyVersion(),
              after.wrapped().rootKeyVersion() + " after rotation, " + before.wrapped().rootKeyVersion() + " before");
        } else {
          assertEquals(0, before.wrapped().rootKeyVersion());
          assertEquals(0, after.wrapped().rootKeyVersion());
        }
        assertArrayEquals(before.copyPlaintext(InsecureKeyAccess.get()),
            oldDecrypted.copyPlaintext(InsecureKeyAccess.get()));
        assertArrayEquals(after.copyPlaintext(InsecureKeyAccess.get()), decrypted.copyPlaintext(InsecureKeyAccess.get()));
      }
    }
  }

  @Test
  void reEncrypt_toASecondRootKey_namesIt_andDecryptsToTheSamePlaintext() throws Exception {
    String first = createRootKey();
    String second = createRootKey();
    try (DataKey original = service.generateDataKey(first, CONTEXT)) {
      WrappedKey rewrapped = service.reEncrypt(original.wrapped(), CONTEXT, second);

      assertEquals(second, rewrapped.rootKeyId());
      try (DataKey decrypted = service.decrypt(rewrapped, CONTEXT)) {
        assertArrayEquals(original.copyPlaintext(InsecureKeyAccess.get()),
            decrypted.copyPlaintext(InsecureKeyAccess.get()));
      }
      for (EncryptionContext other : otherContexts()) {
        assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY, () -> service.decrypt(rewrapped, other).close(),
            "re-encrypted key under context " + other);
      }
    }
  }

  @Test
  void reEncrypt_underAnotherContext_failsWithInvalidWrappedKey() throws Exception {
    String first = createRootKey();
    String second = createRootKey();
    try (DataKey original = service.generateDataKey(first, CONTEXT)) {
      assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY,
          () -> service.reEncrypt(original.wrapped(), EncryptionContext.empty(), second), "empty context");
    }
  }

  @Test
  void reEncrypt_fromADisabledRootKey_failsWithKeyDisabled() throws Exception {
    String first = createRootKey();
    String second = createRootKey();
    try (DataKey original = service.generateDataKey(first, CONTEXT)) {
      disableRootKey(first);

      assertFailsWith(ErrorCode.KEY_DISABLED, () -> service.reEncrypt(original.wrapped(), CONTEXT, second),
          "source disabled");
    }
  }

  @Test
  void reEncrypt_toADisabledRootKey_failsWithKeyDisabled() throws Exception {
    String first = createRootKey();
    String second = createRootKey();
    try (DataKey original = service.generateDataKey(first, CONTEXT)) {
      disableRootKey(second);

      assertFailsWith(ErrorCode.KEY_DISABLED, () -> service.reEncrypt(original.wrapped(), CONTEXT, second),
          "target disabled");
    }
  }

  @Test
  void reEncrypt_toAnUnknownRootKey_failsWithKeyNotFound() throws Exception {
    String first = createRootKey();
    try (DataKey original = service.generateDataKey(first, CONTEXT)) {
      assertFailsWith(ErrorCode.KEY_NOT_FOUND,
          () -> service.reEncrypt(original.wrapped(), CONTEXT, unknownRootKeyId()), "unknown target");
    }
  }

  @Test
  void concurrentGenerateAndDecrypt_from8Threads_allSucceed() throws Exception {
    String root = createRootKey();
    int threads = 8;
    int operations = concurrentOperationsPerThread();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        EncryptionContext context = EncryptionContext.of("thread", Integer.toString(t));
        Callable<Integer> worker = () -> {
          start.await();
          int done = 0;
          for (int i = 0; i < operations; i += 2) {
            try (DataKey key = service.generateDataKey(root, context);
                 DataKey decrypted = service.decrypt(key.wrapped(), context)) {
              if (!Arrays.equals(key.copyPlaintext(InsecureKeyAccess.get()),
                  decrypted.copyPlaintext(InsecureKeyAccess.get()))) {
                throw new AssertionError("decrypt returned another key");
              }
            }
            done += 2;
          }
          return done;
        };
        results.add(pool.submit(worker));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> result : results) {
        total += result.get(10, TimeUnit.MINUTES); // a guard against a deadlock, not a speed requirement
      }
      assertEquals(threads * ((operations + 1) / 2) * 2, total);
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- helpers ----

  /** Contexts that differ from {@link #CONTEXT}: a value changed, an entry added, an entry removed, empty. */
  protected static List<EncryptionContext> otherContexts() {
    Map<String, String> changed = new LinkedHashMap<>(CONTEXT.asMap());
    changed.put("object", "obj-7f3b");
    Map<String, String> added = new LinkedHashMap<>(CONTEXT.asMap());
    added.put("extra", "");
    Map<String, String> removed = new LinkedHashMap<>(CONTEXT.asMap());
    removed.remove("tenant");
    return List.of(EncryptionContext.of(changed), EncryptionContext.of(added), EncryptionContext.of(removed),
        EncryptionContext.empty());
  }

  protected static void assertFailsWith(ErrorCode expected, Executable call, String what) {
    EnvelopeException e = assertThrows(EnvelopeException.class, call, what);
    assertEquals(expected, e.code(), what + ": " + e.getMessage());
  }

  static boolean containsSubsequence(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
