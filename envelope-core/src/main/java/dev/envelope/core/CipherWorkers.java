package dev.envelope.core;

import java.security.GeneralSecurityException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;

/**
 * The threads that encrypt and decrypt segments for the parallel streams: one pool per JVM, made on first use,
 * shared by every stream, with one daemon thread per available processor ({@code envelope-cipher-1}, ...), each
 * with its own AES-GCM {@link Cipher}.
 *
 * <p>Why it cannot wedge: a task is one segment's AES-GCM over buffers its stream owns; it never waits for a
 * stream, a lock held across I/O, or another task, so every queued task finishes in bounded time whatever the
 * streams do (a stream that is abandoned, stalled on its sink, or failed). Ordering, sink writes and source reads
 * happen on each stream's own thread. Fairness: the queue is first in, first out, and each stream has at most
 * {@link #inFlight} segments in it, so one busy stream delays another by at most that many segments. When every
 * thread already has a task waiting ({@link #backedUp}), a stream does its next segment itself: on a machine busy
 * with many streams the streams then run about as the sequential ones do, without paying for hand-offs. Idle
 * threads end after {@value #IDLE_SECONDS} seconds and come back on demand.
 */
final class CipherWorkers {
  /**
   * The system property that chooses the path: {@code off} (the default: always the sequential streams),
   * {@code auto} (the rule of {@link EnvelopeCipher}; what the {@code envelope} command's own encrypt and decrypt
   * set) or {@code always} (the parallel streams for every stream).
   */
  static final String PROPERTY = EnvelopeCipher.PARALLEL_PROPERTY;
  /** Segments smaller than this are not worth a hand-off: see docs/FORMAT.md, "Parallel streams". */
  static final int MIN_SEGMENT_SIZE = 64 * 1024;
  /** The ciphertext a stream may have in flight, beyond its minimum of two segments. */
  static final int IN_FLIGHT_BYTES = 512 * 1024;
  private static final int IDLE_SECONDS = 30;
  private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
  private static final ThreadLocal<Cipher> CIPHER = new ThreadLocal<>();
  private static volatile ThreadPoolExecutor pool;

  /** How a stream is to be encrypted or decrypted. */
  enum Path {
    SEQUENTIAL, PARALLEL, CHOOSE_BY_LENGTH
  }

  private CipherWorkers() {}

  /**
   * The path for a stream of {@code segmentSize}: with the system property {@value #PROPERTY} at {@code auto},
   * {@link Path#CHOOSE_BY_LENGTH} where the parallel streams can help (at least two processors and segments of at
   * least {@value #MIN_SEGMENT_SIZE} bytes); sequential by default.
   */
  static Path path(int segmentSize) {
    String setting = System.getProperty(PROPERTY, "off");
    return switch (setting) {
      case "auto" -> threads() >= 2 && segmentSize >= MIN_SEGMENT_SIZE ? Path.CHOOSE_BY_LENGTH : Path.SEQUENTIAL;
      case "always" -> Path.PARALLEL;
      default -> Path.SEQUENTIAL;
    };
  }

  /** Threads of the shared pool: the processors available to this JVM. */
  static int threads() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Segments one stream may have read ahead or handed to the pool: twice the threads, at most
   * {@value #IN_FLIGHT_BYTES} bytes of them, and never fewer than two.
   */
  static int inFlight(int segmentSize) {
    return Math.max(2, Math.min(2 * threads(), IN_FLIGHT_BYTES / segmentSize));
  }

  /** The shared pool, made on first use. */
  static Executor shared() {
    ThreadPoolExecutor p = pool;
    if (p == null) {
      synchronized (CipherWorkers.class) {
        p = pool;
        if (p == null) {
          int n = threads();
          p = new ThreadPoolExecutor(n, n, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread t = new Thread(task, "envelope-cipher-" + THREAD_NUMBER.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
          p.allowCoreThreadTimeOut(true);
          pool = p;
        }
      }
    }
    return p;
  }

  /**
   * Whether {@code workers} (the shared pool) already has a task waiting for each of its threads: a stream then
   * does its next segment on its own thread instead of queueing it, so a busy machine pays no hand-off (and
   * every stream still makes progress on its own thread).
   */
  static boolean backedUp(Executor workers) {
    return workers instanceof ThreadPoolExecutor p && p.getQueue().size() >= p.getMaximumPoolSize();
  }

  /** A new AES-GCM cipher, for a stream's own thread. */
  static Cipher newCipher() throws GeneralSecurityException {
    return Cipher.getInstance("AES/GCM/NoPadding");
  }

  /** This thread's AES-GCM cipher (worker threads only: it keeps the state of the last key it used). */
  static Cipher cipher() throws GeneralSecurityException {
    Cipher c = CIPHER.get();
    if (c == null) {
      c = newCipher();
      CIPHER.set(c);
    }
    return c;
  }
}
