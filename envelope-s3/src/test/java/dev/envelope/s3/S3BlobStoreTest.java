package dev.envelope.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.service.BlobExistsException;
import dev.envelope.service.BlobInfo;
import dev.envelope.service.BlobWriter;
import dev.envelope.service.NoSuchBlobException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * What the contract does not cover: multipart uploads and their memory bound, aborts on every kind of
 * failure, ranges across part boundaries, foreign objects under the prefix. All against S3Proxy; the
 * timeout is a hang guard, not a performance claim.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class S3BlobStoreTest {
  private static final int PART = (int) S3BlobStoreConfig.MIN_PART_SIZE;
  private static final String PREFIX = "envelope/";
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  @TempDir static Path dir;
  static S3ProxyFixture s3;
  private String bucket;
  private S3BlobStore store;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3ProxyFixture.start(dir.resolve("s3"));
  }

  @AfterAll
  static void stopS3() {
    s3.close();
  }

  @BeforeEach
  void newBucket() {
    bucket = "blobs-" + BUCKETS.incrementAndGet();
    s3.createBucket(bucket);
    store = open(2);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private S3BlobStore open(int parallelism) {
    return S3BlobStore.create(s3.storeConfig(bucket).prefix(PREFIX).partSize(PART).parallelism(parallelism)
        .build());
  }

  @Test
  void blobOfExactlyOnePart_isOnePutObject_andOneByteMore_isTwoParts() throws IOException {
    AtomicInteger parts = new AtomicInteger();
    store.onPartUpload(part -> parts.incrementAndGet());
    byte[] one = random(PART, 1);
    put("one-part", one);
    assertEquals(0, parts.get());
    byte[] two = random(PART + 1, 2);
    put("two-parts", two);
    assertEquals(2, parts.get());
    assertArrayEquals(one, read("one-part", 0, Long.MAX_VALUE));
    assertArrayEquals(two, read("two-parts", 0, Long.MAX_VALUE));
    assertTrue(pendingUploads().isEmpty());
  }

  @Test
  void multipartWriter_holdsAtMostParallelismPartsInFlight_andBlocksTheWriter() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    Semaphore entered = new Semaphore(0);
    CountDownLatch gate = new CountDownLatch(1);
    store.onPartUpload(part -> {
      peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      entered.release();
      try {
        gate.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      } finally {
        inFlight.decrementAndGet();
      }
    });
    byte[] data = random(6 * PART + 7, 3);
    AtomicLong accepted = new AtomicLong();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread writerThread = new Thread(() -> {
      try (BlobWriter writer = store.create("bounded")) {
        for (int at = 0; at < data.length; at += 65_536) {
          int n = Math.min(65_536, data.length - at);
          writer.write(data, at, n);
          accepted.addAndGet(n);
        }
        writer.commit();
      } catch (Throwable e) {
        failed.set(e);
      }
    });
    writerThread.start();
    assertTrue(entered.tryAcquire(2, 60, TimeUnit.SECONDS), "two parts should start");
    awaitBlockedOnTheBound(writerThread);
    // Two parts in flight and a third full in the writer's buffer; the next write waits for a slot.
    assertEquals(3L * PART, accepted.get());
    assertEquals(0, entered.availablePermits(), "no third part may start");
    gate.countDown();
    writerThread.join(60_000);
    assertEquals(null, failed.get());
    assertEquals(2, peak.get());
    assertArrayEquals(data, read("bounded", 0, Long.MAX_VALUE));
    assertTrue(pendingUploads().isEmpty());
  }

  @Test
  void failingPart_abortsTheMultipartUpload_andLeavesNothing() throws IOException {
    store.onPartUpload(part -> {
      if (part == 2) {
        throw new IllegalStateException("injected");
      }
    });
    BlobWriter writer = store.create("doomed");
    IOException e = assertThrows(IOException.class, () -> {
      writer.write(random(3 * PART, 4));
      writer.commit();
    });
    assertTrue(e.getMessage().startsWith("S3 upload of blob doomed failed"), e.getMessage());
    writer.close();
    assertThrows(IOException.class, () -> writer.write(1));
    assertNothingUnder("doomed");
  }

  @Test
  void uploadAbortedBehindTheWritersBack_failsTheCommit_withS3sError() throws IOException {
    try (BlobWriter writer = store.create("vanished")) {
      writer.write(random(PART + 1, 5)); // the first part is shipped
      for (MultipartUpload upload : pendingUploads()) {
        s3.client().abortMultipartUpload(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
      }
      writer.write(random(PART, 6));
      IOException e = assertThrows(IOException.class, writer::commit);
      assertTrue(e.getMessage().contains("NoSuchUpload"), e.getMessage());
    }
    assertNothingUnder("vanished");
  }

  @Test
  void sourceFailingMidUpload_leavesNoObjectAndNoPendingUpload() throws IOException {
    InputStream source = new InputStream() {
      private final Random random = new Random(7);
      private long left = 2L * PART + 12_345;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left == 0) {
          throw new IOException("the client went away");
        }
        int n = (int) Math.min(len, left);
        byte[] chunk = new byte[n];
        random.nextBytes(chunk);
        System.arraycopy(chunk, 0, b, off, n);
        left -= n;
        return n;
      }
    };
    IOException e = assertThrows(IOException.class, () -> {
      try (BlobWriter writer = store.create("interrupted")) {
        source.transferTo(writer);
        writer.commit();
      }
    });
    assertEquals("the client went away", e.getMessage());
    assertNothingUnder("interrupted");
  }

  @Test
  void abortWithAPartStillUploading_interruptsIt_andAbortsTheUpload() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    store.onPartUpload(part -> {
      started.countDown();
      try {
        never.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException("interrupted");
      }
    });
    BlobWriter writer = store.create("cancelled");
    writer.write(random(PART + 1, 8));
    assertTrue(started.await(60, TimeUnit.SECONDS));
    writer.abort(); // returns only after the part ended: the hook's await is interrupted
    assertNothingUnder("cancelled");
    assertThrows(IOException.class, writer::commit);
  }

  @Test
  void existingKey_failsAMultipartCommit_andKeepsTheOldBlob() throws IOException {
    put("taken", new byte[] {1, 2, 3});
    BlobWriter writer = store.create("taken");
    writer.write(random(2 * PART + 1, 9));
    assertThrows(BlobExistsException.class, writer::commit);
    writer.close();
    assertArrayEquals(new byte[] {1, 2, 3}, read("taken", 0, 100));
    assertTrue(pendingUploads().isEmpty());
  }

  @Test
  void rangeReads_acrossPartBoundaries_matchTheSlices() throws IOException {
    byte[] data = random(2 * PART + PART / 2, 10);
    put("parts", data);
    long[][] ranges = {
        {PART - 1, 2}, {PART - 1000, 2000}, {PART, 1}, {2L * PART - 1, 1}, {2L * PART - 5, 10},
        {0, 2L * PART + 1}, {PART / 2, 2L * PART}, {data.length - 1, 1}, {data.length - 10, 1000}};
    for (long[] range : ranges) {
      assertArrayEquals(slice(data, range[0], range[1]), read("parts", range[0], range[1]),
          Arrays.toString(range));
    }
    Random random = new Random(11);
    for (int i = 0; i < 20; i++) {
      long offset = random.nextInt(data.length);
      long length = 1 + random.nextInt(PART + PART / 2);
      assertArrayEquals(slice(data, offset, length), read("parts", offset, length), offset + "+" + length);
    }
    assertArrayEquals(new byte[0], read("parts", data.length, 1));
  }

  @Test
  void streamClosedEarly_doesNotReadTheRest_andTheStoreGoesOn() throws IOException {
    byte[] data = random(2 * PART + 1, 12);
    put("big", data);
    for (int i = 0; i < 60; i++) { // more than the connection pool holds, should aborts leak connections
      try (InputStream in = store.read("big", i, Long.MAX_VALUE)) {
        assertEquals(data[i] & 0xff, in.read());
      }
    }
    assertArrayEquals(slice(data, 5, 5), read("big", 5, 5));
  }

  @Test
  void emptyBlob_readsEmptyAtAnyOffset() throws IOException {
    put("empty", new byte[0]);
    assertArrayEquals(new byte[0], read("empty", 0, Long.MAX_VALUE));
    assertArrayEquals(new byte[0], read("empty", 1, 1));
    assertEquals(0, store.size("empty"));
    assertEquals(List.of(0L), store.list(null, 10).stream().map(BlobInfo::size).toList());
  }

  @Test
  void list_ignoresObjectsThatAreNotBlobsOfThisStore() throws IOException {
    // (No "envelope" object: S3Proxy's filesystem backend cannot hold a file and a directory of one name.)
    for (String foreign : List.of("outside", "envelopea", "envelope/UPPER", "envelope/sub/inside", "envelope/a.b", "envelope/-dash", "envelope/" + "x".repeat(129), "other/x")) {
      s3.client().putObject(b -> b.bucket(bucket).key(foreign), RequestBody.fromBytes(new byte[] {1}));
    }
    put("b", new byte[2]);
    put("a", new byte[1]);
    put("dir", new byte[3]);
    assertEquals(List.of("a", "b", "dir"), keys(store.list(null, 100)));
    assertEquals(List.of("a"), keys(store.list(null, 1)));
    assertEquals(List.of("b", "dir"), keys(store.list("a", 100)));
    assertEquals(List.of("dir"), keys(store.list("b", 1)));
    assertThrows(NoSuchBlobException.class, () -> store.size("outside"));
  }

  @Test
  void keysMapUnderThePrefix() throws IOException {
    put("k1", new byte[] {7});
    assertArrayEquals(new byte[] {7},
        s3.client().getObjectAsBytes(b -> b.bucket(bucket).key(PREFIX + "k1")).asByteArray());
  }

  @Test
  void delete_removesTheObject_andReportsWhetherItExisted() throws IOException {
    put("gone", new byte[] {1});
    assertTrue(store.delete("gone"));
    assertFalse(store.delete("gone"));
    assertTrue(s3.client().listObjectsV2(b -> b.bucket(bucket)).contents().isEmpty());
  }

  @Test
  void writerMisuse_isRefused() throws IOException {
    BlobWriter writer = store.create("misuse");
    assertThrows(IndexOutOfBoundsException.class, () -> writer.write(new byte[4], 3, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> writer.write(new byte[4], -1, 1));
    writer.write(1);
    writer.commit();
    assertThrows(IOException.class, () -> writer.write(2));
    assertThrows(IOException.class, writer::commit);
    assertArrayEquals(new byte[] {1}, read("misuse", 0, 10));
  }

  @Test
  void closedStore_refusesCalls() throws IOException {
    store.close();
    assertThrows(IOException.class, () -> store.size("a"));
    assertThrows(IOException.class, () -> store.create("a"));
    assertThrows(IOException.class, store::checkReady);
  }

  @Test
  void storeOverTheCallersClient_leavesItOpen() throws IOException {
    S3BlobStore shared = S3BlobStore.withClient(s3.client(),
        S3BlobStoreConfig.builder(bucket).prefix(PREFIX).build());
    put(shared, "shared", new byte[] {4});
    shared.close();
    assertEquals(1, s3.client().listObjectsV2(b -> b.bucket(bucket)).contents().size());
    assertArrayEquals(new byte[] {4}, read("shared", 0, 1));
  }

  // --- helpers

  private void assertNothingUnder(String key) throws IOException {
    assertThrows(NoSuchBlobException.class, () -> store.size(key));
    assertTrue(store.list(null, 10).stream().noneMatch(b -> b.key().equals(key)));
    assertTrue(pendingUploads().isEmpty(), "pending multipart uploads: " + pendingUploads());
  }

  private List<MultipartUpload> pendingUploads() {
    return s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads();
  }

  private static void awaitBlockedOnTheBound(Thread thread) throws InterruptedException {
    for (int i = 0; i < 6000; i++) {
      if (thread.getState() == Thread.State.WAITING
          && Arrays.stream(thread.getStackTrace()).anyMatch(f -> f.getClassName().contains("Semaphore"))) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the writer never blocked on the in-flight bound; it is at "
        + Arrays.toString(thread.getStackTrace()));
  }

  private void put(String key, byte[] data) throws IOException {
    put(store, key, data);
  }

  private static void put(S3BlobStore store, String key, byte[] data) throws IOException {
    try (BlobWriter writer = store.create(key)) {
      writer.write(data);
      writer.commit();
    }
  }

  private byte[] read(String key, long offset, long length) throws IOException {
    try (InputStream in = store.read(key, offset, length)) {
      return in.readAllBytes();
    }
  }

  private static byte[] slice(byte[] data, long offset, long length) {
    return Arrays.copyOfRange(data, (int) offset, (int) Math.min(data.length, offset + length));
  }

  private static List<String> keys(List<BlobInfo> blobs) {
    List<String> keys = new ArrayList<>();
    blobs.forEach(b -> keys.add(b.key()));
    return keys;
  }

  static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }
}
