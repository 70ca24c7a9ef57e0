package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many streams on the one shared pool: all round-trip, memory stays bounded, and streams that are abandoned
 * halfway (never closed, their queued segments never collected) cannot hold a worker: the pool keeps serving.
 */
class ParallelStreamsConcurrencyTest {
  private static final int STREAMS = 64;
  private static final int SEGMENT = EnvelopeCipher.DEFAULT_SEGMENT_SIZE;
  private static final EnvelopeCipher CIPHER = EnvelopeCipher.create();

  @Test
  void sixtyFourStreamsAtOnce_onTheSharedPool_allRoundTrip() throws Exception {
    roundTripAtOnce(STREAMS, 4 << 20);
  }

  @Test
  void abandonedStreams_holdNoWorker_andTheSharedPoolKeepsServing() throws Exception {
    List<Object> abandoned = new ArrayList<>();
    byte[] rawKey = ParallelStreams.rawKey(9);
    byte[] longCiphertext = ParallelStreams.encrypt(ParallelStreams.newKey(rawKey), SEGMENT,
        CipherFixtures.randomBytes(40 * SEGMENT, 9), 1 << 20, 4);
    for (int i = 0; i < 100; i++) {
      // Encrypting streams with segments queued and unwritten, decrypting streams with segments read ahead.
      OutputStream encrypting = ParallelStreams.encrypter(ParallelStreams.newKey(rawKey), SEGMENT,
          OutputStream.nullOutputStream(), 8);
      encrypting.write(new byte[6 * SEGMENT]);
      InputStream decrypting = ParallelStreams.decrypter(rawKey, SEGMENT, new ByteArrayInputStream(longCiphertext), 8);
      assertTrue(decrypting.read() != -1);
      abandoned.add(encrypting);
      abandoned.add(decrypting);
    }

    roundTripAtOnce(16, 1 << 20);
    assertTrue(cipherThreads() <= CipherWorkers.threads(), "the pool never grows past one thread per processor");
    abandoned.clear();
  }

  @Test
  void whenEveryWorkerHasATaskWaiting_theStreamsOwnThreadDoesItsSegments() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    CountDownLatch release = new CountDownLatch(1);
    try {
      Runnable blocked = () -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
      pool.execute(blocked); // the only thread is busy ...
      pool.execute(blocked); // ... and a task waits for it
      assertTrue(CipherWorkers.backedUp(pool));
      byte[] rawKey = ParallelStreams.rawKey(12);
      byte[] plaintext = CipherFixtures.randomBytes(9 * SEGMENT + 7, 12);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (OutputStream encrypting = ParallelStreams.encrypter(ParallelStreams.newKey(rawKey), SEGMENT, out, 4, pool)) {
        ParallelStreams.write(encrypting, plaintext, 10_000);
      }
      InputStream decrypting = ParallelStreams.decrypter(rawKey, SEGMENT, new ByteArrayInputStream(out.toByteArray()),
          4, pool);

      assertArrayEquals(plaintext, decrypting.readAllBytes());
      assertEquals(1, pool.getQueue().size(), "nothing was queued behind the busy thread");
    } finally {
      release.countDown();
      pool.shutdown();
    }
  }

  @Test
  void theInFlightBound_keepsSixtyFourDefaultStreamsSmall() {
    // Each stream holds at most inFlight segments, each a ciphertext and a plaintext buffer.
    long perStream = (long) CipherWorkers.inFlight(SEGMENT) * (2L * SEGMENT + 1);
    assertTrue(STREAMS * perStream <= 64L << 20, STREAMS * perStream + " bytes for 64 streams");
    for (int segment = EnvelopeCipher.MIN_SEGMENT_SIZE; segment <= EnvelopeCipher.MAX_SEGMENT_SIZE; segment *= 2) {
      int inFlight = CipherWorkers.inFlight(segment);
      assertTrue(inFlight >= 2 && (inFlight == 2 || (long) inFlight * segment <= CipherWorkers.IN_FLIGHT_BYTES),
          segment + "-byte segments: " + inFlight + " in flight");
    }
  }

  /**
   * {@code streams} pairs of threads at once: one encrypts {@code size} seeded bytes into a bounded pipe, the
   * other decrypts from it; every plaintext digest must come back. Half the streams are written, and the other
   * half read, through {@link EnvelopeCipher} (set to {@code auto}: the parallel engine on two or more processors).
   */
  private static void roundTripAtOnce(int streams, int size) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(2 * streams);
    String before = System.setProperty(CipherWorkers.PROPERTY, "auto"); // EnvelopeCipher's rule, not its default
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<byte[]>> sent = new ArrayList<>();
      List<Future<byte[]>> received = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        long seed = i;
        byte[] rawKey = ParallelStreams.rawKey(seed);
        Pipe pipe = new Pipe();
        sent.add(threads.submit(() -> {
          start.await();
          MessageDigest digest = MessageDigest.getInstance("SHA-256");
          byte[] buffer = new byte[1 << 16];
          try (InputStream source = CipherFixtures.randomStream(size, seed);
               OutputStream encrypting = seed % 2 == 0
                   ? CIPHER.newEncryptingStream(CipherFixtures.dataKey(seed), CipherFixtures.CONTEXT, pipe.sink)
                   : ParallelStreams.encrypter(ParallelStreams.newKey(rawKey), SEGMENT, pipe.sink,
                       CipherWorkers.inFlight(SEGMENT))) {
            for (int n; (n = source.read(buffer, 0, 1 + (int) (seed * 997 % buffer.length))) != -1; ) {
              digest.update(buffer, 0, n);
              encrypting.write(buffer, 0, n);
            }
          }
          return digest.digest();
        }));
        received.add(threads.submit(() -> {
          start.await();
          MessageDigest digest = MessageDigest.getInstance("SHA-256");
          byte[] buffer = new byte[1 << 16];
          try (InputStream decrypting = seed % 2 == 1
              ? CIPHER.newDecryptingStream(CipherFixtures.dataKey(seed), CipherFixtures.CONTEXT, pipe.source)
              : ParallelStreams.decrypter(rawKey, SEGMENT, pipe.source, CipherWorkers.inFlight(SEGMENT))) {
            for (int n; (n = decrypting.read(buffer)) != -1; ) {
              digest.update(buffer, 0, n);
            }
          }
          return digest.digest();
        }));
      }
      start.countDown();
      for (int i = 0; i < streams; i++) {
        assertArrayEquals(sent.get(i).get(), received.get(i).get(), "stream " + i);
      }
    } finally {
      threads.shutdownNow();
      if (before == null) {
        System.clearProperty(CipherWorkers.PROPERTY);
      } else {
        System.setProperty(CipherWorkers.PROPERTY, before);
      }
    }
  }

  private static long cipherThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().matches("envelope-cipher-\\d+")).count();
  }

  /** A bounded in-memory pipe between two threads (chunks of what was written; an empty chunk is the end). */
  private static final class Pipe {
    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(8);

    final OutputStream sink = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (len > 0) {
          put(Arrays.copyOfRange(b, off, off + len));
        }
      }

      @Override
      public void close() throws IOException {
        put(new byte[0]);
      }
    };

    final InputStream source = new InputStream() {
      private byte[] chunk = new byte[0];
      private int position;
      private boolean ended;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (position == chunk.length) {
          if (ended) {
            return -1;
          }
          try {
            chunk = chunks.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
          }
          position = 0;
          ended = chunk.length == 0;
        }
        int n = Math.min(len, chunk.length - position);
        System.arraycopy(chunk, position, b, off, n);
        position += n;
        return n;
      }
    };

    private void put(byte[] chunk) throws IOException {
      try {
        chunks.put(chunk);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException();
      }
    }
  }
}
