package dev.envelope.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.service.BlobExistsException;
import dev.envelope.service.BlobWriter;
import dev.envelope.service.NoSuchBlobException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * S3 taken away and given back, an endpoint that accepts connections and never answers, bad credentials, a
 * missing bucket: every call fails with a one-line {@link IOException} in bounded time, and the same store
 * object works again once S3 does. The timeout is a hang guard, not a performance claim.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class S3BlobStoreFailureTest {
  private static final int PART = (int) S3BlobStoreConfig.MIN_PART_SIZE;
  @TempDir static Path dir;
  static S3ProxyFixture s3;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3ProxyFixture.start(dir.resolve("s3"));
  }

  @AfterAll
  static void stopS3() {
    s3.close();
  }

  @Test
  void stoppedS3_failsEveryCallWithAnIoException_thenTheSameStoreRecovers() throws IOException {
    s3.createBucket("outage");
    try (S3BlobStore store = S3BlobStore.create(s3.storeConfig("outage").prefix("p/").build())) {
      put(store, "before", new byte[] {1, 2, 3});
      BlobWriter small = store.create("small");
      small.write(new byte[] {9});
      BlobWriter large = store.create("large");
      large.write(S3BlobStoreTest.random(PART + 1, 1)); // its first part is on its way
      try {
        s3.stop();
        assertUnavailable(() -> store.size("before"));
        assertUnavailable(() -> store.read("before", 0, 10).close());
        assertUnavailable(() -> store.read("before", 0, 0).close());
        assertUnavailable(() -> store.delete("before"));
        assertUnavailable(() -> store.list(null, 10));
        assertUnavailable(store::checkReady);
        assertUnavailable(small::commit);
        assertUnavailable(() -> {
          large.write(new byte[PART]);
          large.commit();
        });
        large.close(); // the abort cannot reach S3: logged, never thrown
      } finally {
        s3.restart();
      }
      store.checkReady();
      assertArrayEquals(new byte[] {1, 2, 3}, read(store, "before"));
      put(store, "after", new byte[] {4});
      assertArrayEquals(new byte[] {4}, read(store, "after"));
      assertEquals(List.of("after", "before"), store.list(null, 10).stream().map(b -> b.key()).toList());
      // The multipart upload that could not be aborted would be left for the bucket's lifecycle rule; S3Proxy's
      // filesystem backend does not keep unfinished uploads across a restart, so there is nothing to see here.
    }
  }

  @Test
  void readStream_failsWhenS3StopsMidRead() throws IOException {
    s3.createBucket("midread");
    try (S3BlobStore store = S3BlobStore.create(s3.storeConfig("midread").build())) {
      put(store, "big", S3BlobStoreTest.random(4 * PART, 2));
      InputStream in = store.read("big", 0, Long.MAX_VALUE);
      in.readNBytes(10);
      try {
        s3.stop();
        // Whatever the socket buffers held may still arrive, but never a clean end of a short blob.
        IOException e = assertThrows(IOException.class, () -> in.readAllBytes());
        assertTrue(e.getMessage().startsWith("S3 read of blob big failed"), e.getMessage());
        in.close();
      } finally {
        s3.restart();
      }
      assertEquals(4L * PART, store.size("big"));
    }
  }

  @Test
  void slowReader_isNotCutByTheRequestTimeout() throws Exception {
    s3.createBucket("slow");
    S3BlobStoreConfig config = s3.storeConfig("slow").requestTimeout(Duration.ofMillis(300)).build();
    try (S3BlobStore store = S3BlobStore.create(config)) {
      byte[] data = S3BlobStoreTest.random(4 * PART, 3);
      put(store, "slow", data);
      try (InputStream in = store.read("slow", 0, Long.MAX_VALUE)) {
        byte[] head = in.readNBytes(1000);
        Thread.sleep(2_000); // past the call timeout (3 x 300 ms) of the GET that opened the stream
        byte[] rest = in.readAllBytes();
        assertEquals(data.length, head.length + rest.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, data.length), rest);
      }
    }
  }

  @Test
  void endpointThatNeverAnswers_timesOut() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept()); // and never answer
          }
        } catch (IOException e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      S3BlobStoreConfig config = s3.storeConfig("silent")
          .endpoint(URI.create("http://127.0.0.1:" + silent.getLocalPort()))
          .requestTimeout(Duration.ofMillis(500)).readTimeout(Duration.ofMillis(500))
          .transferTimeout(Duration.ofMillis(500)).build();
      try (S3BlobStore store = S3BlobStore.create(config)) {
        IOException e = assertUnavailable(() -> store.size("a"));
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertUnavailable(() -> put(store, "b", new byte[] {1}));
      }
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void wrongSecret_failsWithS3sErrorCode_andNeverShowsTheSecret() throws IOException {
    s3.createBucket("auth");
    String secret = "wrong-secret-" + System.nanoTime();
    S3BlobStoreConfig config = s3.storeConfig("auth")
        .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), secret)))
        .build();
    assertFalse(config.toString().contains(secret));
    try (S3BlobStore store = S3BlobStore.create(config)) {
      IOException e = assertThrows(IOException.class, store::checkReady);
      assertTrue(e.getMessage().contains("403"), e.getMessage());
      e = assertThrows(IOException.class, () -> put(store, "x", new byte[] {1}));
      assertTrue(e.getMessage().contains("SignatureDoesNotMatch") && !e.getMessage().contains(secret),
          e.getMessage());
      assertFalse(e.getMessage().contains(s3.secretKey()));
    }
  }

  @Test
  void missingBucket_isNotReady() {
    try (S3BlobStore store = S3BlobStore.create(s3.storeConfig("no-such-bucket").build())) {
      IOException e = assertThrows(S3BlobStore.BucketRefused.class, store::checkReady);
      assertEquals("S3 bucket no-such-bucket does not exist", e.getMessage());
    }
  }

  /** Asserts an {@link IOException} that is neither "missing" nor "exists" and says it comes from S3. */
  private static IOException assertUnavailable(Executable call) {
    IOException e = assertThrows(IOException.class, call);
    assertFalse(e instanceof NoSuchBlobException || e instanceof BlobExistsException, e.toString());
    assertTrue(e.getMessage().startsWith("S3 "), e.getMessage());
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\tat "), e.getMessage());
    return e;
  }

  private static void put(S3BlobStore store, String key, byte[] data) throws IOException {
    try (BlobWriter writer = store.create(key)) {
      writer.write(data);
      writer.commit();
    }
  }

  private static byte[] read(S3BlobStore store, String key) throws IOException {
    try (InputStream in = store.read(key, 0, Long.MAX_VALUE)) {
      return in.readAllBytes();
    }
  }
}
