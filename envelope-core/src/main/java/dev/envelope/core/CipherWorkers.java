package dev.envelope.core;

import java.lang.ref.Cleaner;
import java.security.GeneralSecurityException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>Why it cannot exhaust memory: the parallel streams' buffers (about four times a sequential stream's) come
 * out of one budget per JVM, {@link #budgetBytes()}. A stream that would start the parallel engine takes a
 * {@link Lease} for its ring of buffers first; when the budget is spent it runs on the sequential engine instead,
 * so a server with many concurrent (or deliberately slow) transfers holds at most the budget in parallel buffers
 * beside what the sequential streams would hold anyway. A lease ends when its stream closes, ends or fails, and
 * at the latest when the stream becomes unreachable (a {@link Cleaner}), so a stream a caller forgets to close
 * cannot keep the budget.
 */
final class CipherWorkers {
  /**
   * The system property that chooses the path: {@code auto} (the default: the rule of {@link EnvelopeCipher},
   * within the budget), {@code off} (always the sequential streams) or {@code always} (the parallel streams for
   * every stream, outside the budget: for tests and benchmarks).
   */
  static final String PROPERTY = EnvelopeCipher.PARALLEL_PROPERTY;
  /** The system property that sets {@link #budgetBytes()}, in bytes. */
  static final String BUDGET_PROPERTY = EnvelopeCipher.PARALLEL_BUDGET_PROPERTY;
  /** Segments smaller than this are not worth a hand-off: see docs/FORMAT.md, "Parallel streams". */
  static final int MIN_SEGMENT_SIZE = 64 * 1024;
  /** The ciphertext a stream may have in flight, beyond its minimum of two segments. */
  static final int IN_FLIGHT_BYTES = 512 * 1024;
  private static final int IDLE_SECONDS = 30;
  private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
  private static final ThreadLocal<Cipher> CIPHER = new ThreadLocal<>();
  private static volatile ThreadPoolExecutor pool;
  private static final AtomicLong LEASED = new AtomicLong();
  private static final Cleaner CLEANER = Cleaner.create(task -> {
    Thread t = new Thread(task, "envelope-cipher-cleaner");
    t.setDaemon(true);
    return t;
  });

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
    String setting = System.getProperty(PROPERTY, "auto");
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

  /**
   * The bytes of buffers that all parallel streams of this JVM may hold at once: the system property
   * {@value #BUDGET_PROPERTY} when set (0 keeps every stream sequential), else a sixteenth of the maximum heap,
   * which is 6 MiB (a dozen parallel streams of 64 KiB segments) on a 96 MiB heap and 32 MiB on a 512 MiB one.
   */
  static long budgetBytes() {
    String setting = System.getProperty(BUDGET_PROPERTY);
    if (setting != null) {
      try {
        return Math.max(0, Long.parseLong(setting.strip()));
      } catch (NumberFormatException e) {
        // an unreadable setting falls back to the default
      }
    }
    return Runtime.getRuntime().maxMemory() / 16;
  }

  /** The bytes of buffers a parallel stream of {@code segmentSize} holds: its ring of plaintext and ciphertext. */
  static long ringBytes(int segmentSize) {
    return (long) inFlight(segmentSize) * 2 * (segmentSize + 1);
  }

  /** Bytes leased now, by every stream of this JVM. For tests. */
  static long leased() {
    return LEASED.get();
  }

  /**
   * A lease of {@link #ringBytes} for {@code stream} out of the budget, or null when the budget cannot spare
   * it (the stream then stays sequential). The path forced to {@code always} takes no lease.
   */
  static Lease lease(Object stream, int segmentSize) {
    long bytes = ringBytes(segmentSize);
    long budget = budgetBytes();
    while (true) {
      long used = LEASED.get();
      if (used + bytes > budget) {
        return null;
      }
      if (LEASED.compareAndSet(used, used + bytes)) {
        return new Lease(stream, bytes);
      }
    }
  }

  /**
   * A stream's share of the budget. {@link #release()} gives it back, once; so does the stream becoming
   * unreachable without it.
   */
  static final class Lease {
    private final Cleaner.Cleanable cleanable;

    private Lease(Object stream, long bytes) {
      AtomicBoolean released = new AtomicBoolean();
      // The action must not reach the stream, or the stream would never become unreachable.
      this.cleanable = CLEANER.register(stream, () -> {
        if (released.compareAndSet(false, true)) {
          LEASED.addAndGet(-bytes);
        }
      });
    }

    void release() {
      cleanable.clean();
    }
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
