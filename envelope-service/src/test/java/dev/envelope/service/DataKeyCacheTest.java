package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.DataKey;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.MutableClock;
import dev.envelope.core.WrappedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The data-key cache's limits, honoured exactly, and its keys zeroed when they go. */
class DataKeyCacheTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final List<DataKey> made = new ArrayList<>();
  private final Random random = new Random(7);

  private DataKey make() {
    byte[] plain = new byte[32];
    random.nextBytes(plain);
    DataKey key = DataKey.of(plain, WrappedKey.of("root", 1, ("wrapped-" + made.size()).getBytes()));
    made.add(key);
    return key;
  }

  private DataKeyCache cache(String limits) {
    return new DataKeyCache(DataKeyCache.Limits.parse(limits), clock);
  }

  private WrappedKey lease(DataKeyCache cache, String tenant, long size) throws EnvelopeException {
    try (DataKey key = cache.lease(tenant, "root", size, this::make)) {
      return key.wrapped();
    }
  }

  @Test
  void theFileLimit_isExact() throws Exception {
    DataKeyCache cache = cache("1h,3,1G");
    List<WrappedKey> keys = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      keys.add(lease(cache, "acme", 10));
    }
    assertEquals(4, made.size(), "ceil(10 / 3) keys");
    for (int i = 0; i < 10; i++) {
      assertEquals(keys.get(i / 3 * 3), keys.get(i), "upload " + i);
    }
    assertEquals(4, cache.made());
    assertEquals(6, cache.reused());
  }

  @Test
  void theByteLimit_isExact_andABiggerUploadIsNotCovered() throws Exception {
    DataKeyCache cache = cache("1h,1000,100");
    WrappedKey first = lease(cache, "acme", 60);
    assertEquals(first, lease(cache, "acme", 40), "60 + 40 = 100: exactly at the limit");
    WrappedKey next = lease(cache, "acme", 1);
    assertNotEquals(first, next, "one byte more takes a new key");
    assertTrue(cache.covers(100));
    assertFalse(cache.covers(101));
    assertFalse(cache.covers(-1), "an unknown size is never covered");
    assertThrows(IllegalArgumentException.class, () -> cache.lease("acme", "root", 101, this::make));
  }

  @Test
  void theAgeLimit_isExact_andAnExpiredKeyIsZeroed() throws Exception {
    DataKeyCache cache = cache("5m,1000,1G");
    WrappedKey first = lease(cache, "acme", 1);
    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertEquals(first, lease(cache, "acme", 1), "just before the age limit");
    assertTrue(cache.unwrapped(first).isPresent());
    clock.advance(Duration.ofMillis(1));
    assertNotEquals(first, lease(cache, "acme", 1), "at the age limit a new key");
    assertTrue(made.get(0).isClosed(), "the expired key is zeroed");
    assertTrue(cache.unwrapped(first).isEmpty(), "and serves downloads no more");
  }

  @Test
  void tenantsAndRootKeys_neverShareAKey() throws Exception {
    DataKeyCache cache = cache("1h,1000,1G");
    WrappedKey acme = lease(cache, "acme", 1);
    assertNotEquals(acme, lease(cache, "globex", 1));
    try (DataKey other = cache.lease("acme", "another-root", 1, this::make)) {
      assertNotEquals(acme, other.wrapped());
    }
    assertEquals(acme, lease(cache, "acme", 1));
  }

  @Test
  void eachLeaseIsACopy_whoseClosingLeavesTheCachedKeyWhole() throws Exception {
    DataKeyCache cache = cache("1h,1000,1G");
    byte[] plain;
    try (DataKey a = cache.lease("acme", "root", 1, this::make)) {
      plain = a.copyPlaintext(InsecureKeyAccess.get());
    }
    try (DataKey b = cache.lease("acme", "root", 1, this::make)) {
      assertArrayEquals(plain, b.copyPlaintext(InsecureKeyAccess.get()));
    }
    assertFalse(made.get(0).isClosed());
  }

  @Test
  void close_zeroesEveryKey_andLaterLeasesKeepNone() throws Exception {
    DataKeyCache cache = cache("1h,2,1G");
    lease(cache, "acme", 1);
    lease(cache, "acme", 1);
    lease(cache, "acme", 1); // a second key; the first, used up, still serves downloads
    cache.close();
    assertTrue(made.stream().allMatch(DataKey::isClosed));
    assertEquals(0, cache.size());
  }

  @Test
  void aKeyADownloadUnwrapped_servesLaterDownloads_untilTooOld() throws Exception {
    DataKeyCache cache = cache("1m,1000,1G");
    DataKey unwrapped = make();
    cache.remember("acme", unwrapped);
    assertTrue(cache.unwrapped(unwrapped.wrapped()).isPresent());
    unwrapped.close();
    try (DataKey again = cache.unwrapped(unwrapped.wrapped()).orElseThrow()) {
      assertFalse(again.isClosed(), "the cache keeps a copy of its own");
    }
    clock.advance(Duration.ofMinutes(1));
    assertTrue(cache.unwrapped(unwrapped.wrapped()).isEmpty());
  }

  @Test
  void forget_zeroesEveryKeyOfOneTenant_andNoOther() throws Exception {
    DataKeyCache cache = cache("1h,2,1G");
    WrappedKey acme1 = lease(cache, "acme", 1);
    lease(cache, "acme", 1);
    WrappedKey acme2 = lease(cache, "acme", 1); // a second acme key
    WrappedKey globex = lease(cache, "globex", 1);
    assertEquals(2, cache.forget("acme"));
    assertTrue(made.get(0).isClosed() && made.get(1).isClosed());
    assertFalse(made.get(2).isClosed());
    assertTrue(cache.unwrapped(acme1).isEmpty() && cache.unwrapped(acme2).isEmpty());
    assertTrue(cache.unwrapped(globex).isPresent());
    assertNotEquals(acme2, lease(cache, "acme", 1), "a later upload gets a fresh key");
  }

  @Test
  void uploadsThatArriveWhileAKeyIsBeingMade_waitForIt_insteadOfMakingTheirOwn() throws Exception {
    DataKeyCache cache = cache("1h,1000,1G");
    java.util.concurrent.CountDownLatch calling = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    DataKeyCache.KeyMaker slow = () -> {
      calls.incrementAndGet();
      calling.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      synchronized (this) {
        return make();
      }
    };
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
    try {
      List<java.util.concurrent.Future<WrappedKey>> leases = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        leases.add(pool.submit(() -> {
          try (DataKey k = cache.lease("acme", "root", 1, slow)) {
            return k.wrapped();
          }
        }));
      }
      calling.await();
      Thread.sleep(200); // the others arrive while the first key is being made
      release.countDown();
      List<WrappedKey> got = new ArrayList<>();
      for (java.util.concurrent.Future<WrappedKey> lease : leases) {
        got.add(lease.get(10, java.util.concurrent.TimeUnit.SECONDS));
      }
      for (WrappedKey w : got) {
        assertEquals(made.get(0).wrapped(), w);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, calls.get(), "one key service call for 16 uploads");
    assertEquals(1, cache.made());
    assertEquals(15, cache.reused());
  }

  @Test
  void aFailureToMakeTheKey_failsTheUploadsWaitingForIt_andTheNextOneTriesAgain() throws Exception {
    DataKeyCache cache = cache("1h,1000,1G");
    EnvelopeException refused = assertThrows(EnvelopeException.class, () -> cache.lease("acme", "root", 1, () -> {
      throw new EnvelopeException(dev.envelope.api.ErrorCode.KEY_DISABLED, "root key disabled");
    }));
    assertEquals(dev.envelope.api.ErrorCode.KEY_DISABLED, refused.code());
    assertEquals(0, cache.made());
    lease(cache, "acme", 1);
    assertEquals(1, cache.made());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5m", "5m,1000", "5m,1000,1G,1", "0s,1,1", "5m,0,1G", "5m,1000,0", "5x,1,1",
      "25h,1,1", "5m,-1,1G", "5m,1,99999999999T", "m,1,1"})
  void badLimits_areRefused(String text) {
    assertThrows(IllegalArgumentException.class, () -> DataKeyCache.Limits.parse(text));
  }

  @Test
  void limits_parseUnits() {
    DataKeyCache.Limits l = DataKeyCache.Limits.parse(" 5m, 1000 ,1G");
    assertEquals(Duration.ofMinutes(5), l.maxAge());
    assertEquals(1000, l.maxFiles());
    assertEquals(1L << 30, l.maxBytes());
    assertEquals(Duration.ofMillis(1500), DataKeyCache.Limits.parse("1500ms,1,1").maxAge());
    assertEquals(2048, DataKeyCache.Limits.parse("1h,1,2k").maxBytes());
  }
}
