package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of {@link BlobStore}: every implementation (a directory, S3, ...) extends this class and
 * passes all of it. Each test gets a new, empty store from {@link #newStore()}.
 */
public abstract class BlobStoreContract {
  private BlobStore store;

  /** A new, empty store; the contract closes it after the test. */
  protected abstract BlobStore newStore() throws Exception;

  /** The store of the running test. */
  protected BlobStore store() {
    return store;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    store.close();
  }

  @Test
  void emptyBlob_roundTrips() throws IOException {
    put("empty", new byte[0]);
    assertEquals(0, store.size("empty"));
    assertArrayEquals(new byte[0], read("empty", 0, 10));
  }

  @Test
  void oneByteBlob_roundTrips() throws IOException {
    put("one", new byte[] {42});
    assertEquals(1, store.size("one"));
    assertArrayEquals(new byte[] {42}, read("one", 0, 1));
  }

  @Test
  void largeBlob_writtenInOddChunks_roundTrips() throws IOException {
    byte[] data = random(8 * 1024 * 1024 + 13, 1);
    int[] chunks = {1, 7, 8191, 65_537, 1_000_003, 3};
    try (BlobWriter writer = store.create("large")) {
      int at = 0;
      for (int i = 0; at < data.length; i++) {
        int n = Math.min(chunks[i % chunks.length], data.length - at);
        writer.write(data, at, n);
        at += n;
      }
      writer.commit();
    }
    assertEquals(data.length, store.size("large"));
    assertArrayEquals(data, read("large", 0, data.length));
  }

  @Test
  void blobWrittenByteByByte_roundTrips() throws IOException {
    byte[] data = random(70_000, 2);
    try (BlobWriter writer = store.create("bytes")) {
      for (byte b : data) {
        writer.write(b);
      }
      writer.commit();
    }
    assertArrayEquals(data, read("bytes", 0, data.length));
  }

  @Test
  void rangeReads_returnExactlyTheSlice() throws IOException {
    byte[] data = random(100_000, 3);
    put("ranges", data);
    assertArrayEquals(slice(data, 0, 1), read("ranges", 0, 1));
    assertArrayEquals(slice(data, 0, 4096), read("ranges", 0, 4096));
    assertArrayEquals(slice(data, 40_000, 12_345), read("ranges", 40_000, 12_345));
    assertArrayEquals(slice(data, 99_999, 1), read("ranges", 99_999, 1));
    assertArrayEquals(data, read("ranges", 0, data.length));
  }

  @Test
  void rangeRunningPastTheEnd_stopsAtTheEnd() throws IOException {
    byte[] data = random(10_000, 4);
    put("tail", data);
    assertArrayEquals(slice(data, 9_000, 1_000), read("tail", 9_000, 5_000));
    assertArrayEquals(slice(data, 9_999, 1), read("tail", 9_999, Long.MAX_VALUE));
    assertArrayEquals(data, read("tail", 0, Long.MAX_VALUE));
  }

  @Test
  void rangeStartingAtOrPastTheEnd_isEmpty() throws IOException {
    put("short", random(100, 5));
    assertArrayEquals(new byte[0], read("short", 100, 10));
    assertArrayEquals(new byte[0], read("short", 1_000_000, 10));
    assertArrayEquals(new byte[0], read("short", 10, 0));
  }

  @Test
  void negativeOffsetOrLength_isRefused() throws IOException {
    put("neg", random(100, 6));
    assertThrows(IllegalArgumentException.class, () -> store.read("neg", -1, 10));
    assertThrows(IllegalArgumentException.class, () -> store.read("neg", 0, -1));
  }

  @Test
  void missingBlob_isNoSuchBlob() {
    assertThrows(NoSuchBlobException.class, () -> store.read("missing", 0, 10).close());
    assertThrows(NoSuchBlobException.class, () -> store.size("missing"));
  }

  @Test
  void blob_isInvisibleUntilCommitted_andVisibleAfter() throws IOException {
    byte[] data = random(50_000, 7);
    try (BlobWriter writer = store.create("pending")) {
      writer.write(data);
      writer.flush();
      assertThrows(NoSuchBlobException.class, () -> store.size("pending"));
      assertThrows(NoSuchBlobException.class, () -> store.read("pending", 0, 1).close());
      assertTrue(store.list(null, 10).isEmpty());
      writer.commit();
    }
    assertArrayEquals(data, read("pending", 0, data.length));
    assertEquals(List.of("pending"), keys(store.list(null, 10)));
  }

  @Test
  void abortedWriter_leavesNothing() throws IOException {
    try (BlobWriter writer = store.create("aborted")) {
      writer.write(random(10_000, 8));
      writer.abort();
      writer.abort(); // idempotent
    }
    assertThrows(NoSuchBlobException.class, () -> store.size("aborted"));
    assertTrue(store.list(null, 10).isEmpty());
  }

  @Test
  void writerClosedWithoutCommit_leavesNothing() throws IOException {
    BlobWriter writer = store.create("unclosed");
    writer.write(random(10_000, 9));
    writer.close();
    assertThrows(NoSuchBlobException.class, () -> store.size("unclosed"));
    assertTrue(store.list(null, 10).isEmpty());
  }

  @Test
  void abortAndCloseAfterCommit_keepTheBlob() throws IOException {
    BlobWriter writer = store.create("kept");
    writer.write(new byte[] {1, 2, 3});
    writer.commit();
    writer.abort();
    writer.close();
    assertArrayEquals(new byte[] {1, 2, 3}, read("kept", 0, 3));
  }

  @Test
  void abortedKey_canBeWrittenAgain() throws IOException {
    try (BlobWriter writer = store.create("again")) {
      writer.write(1);
    }
    put("again", new byte[] {2});
    assertArrayEquals(new byte[] {2}, read("again", 0, 1));
  }

  @Test
  void existingBlob_isNeverOverwritten() throws IOException {
    put("taken", new byte[] {1});
    assertThrows(BlobExistsException.class, () -> {
      try (BlobWriter writer = store.create("taken")) {
        writer.write(new byte[] {2, 2});
        writer.commit();
      }
    });
    assertArrayEquals(new byte[] {1}, read("taken", 0, 10));
  }

  @Test
  void ofTwoWritersOfOneKey_onlyTheFirstToCommitWins() throws IOException {
    BlobWriter first = store.create("race");
    BlobWriter second = store.create("race");
    first.write(new byte[] {1});
    second.write(new byte[] {2, 2});
    first.commit();
    assertThrows(BlobExistsException.class, second::commit);
    second.close();
    assertArrayEquals(new byte[] {1}, read("race", 0, 10));
  }

  static Stream<String> invalidKeys() {
    return Stream.of("../x", "A", "", "a/b", "a\\b", ".hidden", "-a", "_a", "a.b", "a b", "a\u0000b", "\u00e9",
        "a".repeat(129));
  }

  @ParameterizedTest
  @MethodSource("invalidKeys")
  void invalidKeys_areRefusedBeforeAnyIo(String key) {
    assertThrows(IllegalArgumentException.class, () -> store.create(key));
    assertThrows(IllegalArgumentException.class, () -> store.read(key, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> store.size(key));
    assertThrows(IllegalArgumentException.class, () -> store.delete(key));
    assertThrows(IllegalArgumentException.class, () -> store.list(key, 10));
  }

  @Test
  void nullKey_isRefused() {
    assertThrows(RuntimeException.class, () -> store.create(null));
    assertThrows(RuntimeException.class, () -> store.size(null));
  }

  @Test
  void keysOfOneAndOfTheMaximumLength_areAccepted() throws IOException {
    String longest = "z" + "9".repeat(127);
    put("a", new byte[] {1});
    put(longest, new byte[] {2});
    assertArrayEquals(new byte[] {1}, read("a", 0, 1));
    assertArrayEquals(new byte[] {2}, read(longest, 0, 1));
    assertEquals(List.of("a", longest), keys(store.list(null, 10)));
  }

  @Test
  void delete_returnsWhetherThereWasABlob() throws IOException {
    put("doomed", new byte[] {1});
    assertTrue(store.delete("doomed"));
    assertThrows(NoSuchBlobException.class, () -> store.size("doomed"));
    assertFalse(store.delete("doomed"));
    assertFalse(store.delete("never"));
  }

  @Test
  void list_ofAnEmptyStore_isEmpty() throws IOException {
    assertEquals(List.of(), store.list(null, 100));
  }

  @Test
  void list_returnsCommittedBlobsInKeyOrder_withSizeAndTime() throws IOException {
    List<String> keys = new ArrayList<>(List.of("b", "a0", "a", "ab", "abc", "a-", "a_b", "z9", "0", "9zz", "zz"));
    Instant before = Instant.now().minus(Duration.ofSeconds(2));
    for (String key : keys) {
      put(key, new byte[key.length()]);
    }
    Instant after = Instant.now().plus(Duration.ofSeconds(2));
    keys.sort(null);
    List<BlobInfo> listed = store.list(null, 100);
    assertEquals(keys, keys(listed));
    for (BlobInfo blob : listed) {
      assertEquals(blob.key().length(), blob.size(), blob.key());
      assertTrue(blob.lastModified().isAfter(before) && blob.lastModified().isBefore(after), blob.toString());
    }
  }

  @Test
  void list_pagesWithoutGapsOrDuplicates() throws IOException {
    List<String> keys = new ArrayList<>();
    Random random = new Random(10);
    for (int i = 0; i < 60; i++) {
      String key = Integer.toString(random.nextInt(1 << 20), 36) + (i % 3 == 0 ? "" : "-" + i);
      if (!keys.contains(key)) {
        keys.add(key);
        put(key, new byte[] {(byte) i});
      }
    }
    keys.sort(null);
    for (int limit : new int[] {1, 7, keys.size(), 1000}) {
      List<String> seen = new ArrayList<>();
      String after = null;
      while (true) {
        List<BlobInfo> page = store.list(after, limit);
        assertTrue(page.size() <= limit);
        seen.addAll(keys(page));
        if (page.size() < limit) {
          break;
        }
        after = page.get(page.size() - 1).key();
      }
      assertEquals(keys, seen, "limit " + limit);
    }
  }

  @Test
  void list_startsAfterAKeyThatNeedNotExist() throws IOException {
    for (String key : List.of("a1", "b1", "c1")) {
      put(key, new byte[0]);
    }
    assertEquals(List.of("b1", "c1"), keys(store.list("a2", 10)));
    assertEquals(List.of("c1"), keys(store.list("b1", 10)));
    assertEquals(List.of(), keys(store.list("c1", 10)));
  }

  @Test
  void concurrentWritersOfDifferentKeys_allLand() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) {
            byte[] data = random(1 + thread * 10_000 + i * 777, thread * 100 + i);
            put("t" + thread + "-" + i, data);
            assertArrayEquals(data, read("t" + thread + "-" + i, 0, data.length));
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
    assertEquals(80, store.list(null, 1000).size());
  }

  @Test
  void healthyStore_isReady() throws IOException {
    store.checkReady();
  }

  // --- helpers

  protected void put(String key, byte[] data) throws IOException {
    try (BlobWriter writer = store.create(key)) {
      writer.write(data);
      writer.commit();
    }
  }

  protected byte[] read(String key, long offset, long length) throws IOException {
    try (InputStream in = store.read(key, offset, length)) {
      return in.readAllBytes();
    }
  }

  protected static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static byte[] slice(byte[] data, int offset, int length) {
    return Arrays.copyOfRange(data, offset, offset + length);
  }

  private static List<String> keys(List<BlobInfo> blobs) {
    return blobs.stream().map(BlobInfo::key).toList();
  }
}
