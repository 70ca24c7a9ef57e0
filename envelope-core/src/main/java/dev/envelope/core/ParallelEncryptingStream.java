package dev.envelope.core;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.crypto.Cipher;

/**
 * The parallel encrypting engine of {@link EncryptingStream}: the caller's bytes are copied into segment
 * buffers; a full segment goes to the shared {@link CipherWorkers} as soon as a byte after it shows it is not
 * the last one (or is encrypted on the caller's thread when the pool is {@linkplain CipherWorkers#backedUp backed
 * up}); finished segments are written to the sink in order by the caller's own thread (in
 * {@code write}, {@code flush} and {@code close}), never by a worker. At most {@code inFlight} segments are
 * queued or unwritten, so memory is {@code inFlight} times two segments whatever the stream's length, and a
 * {@code write} waits only when all of them are taken.
 *
 * <p>The contract is the sequential engine's ({@link SegmentEncryptingStream}): {@code close} writes the last
 * segment; {@link #abort} drops queued work and never writes it; after a failure (the sink threw, or a segment
 * could not be encrypted) writes throw, queued work is dropped and {@code close} only closes the sink. A sink
 * failure always surfaces from the call that wrote, which is a {@code write}, {@code flush} or {@code close}.
 * The bytes are those of Tink's encrypter for the same salt and nonce prefix ({@link StreamKey}).
 */
final class ParallelEncryptingStream extends EncryptingStream.Engine {
  private final OutputStream out;
  private final StreamKey key;
  private final Executor workers;
  private final int plaintextSegmentSize;
  private final int ciphertextSegmentSize;
  /** Segment {@code i} uses {@code ring[i % ring.length]}; buffers are made on first use. */
  private final Segment[] ring;
  private final Object lock = new Object();
  /** Segments handed to the workers; also the index of the segment being filled. */
  private long queued;
  /** Segments written to the sink. */
  private long written;
  private Segment filling;
  /** For the segments this stream's thread encrypts itself when the pool is backed up. */
  private Cipher ownCipher;
  private volatile boolean cancelled;
  private boolean closed;
  private boolean failed;
  /** This stream's share of the budget for parallel buffers, given back on close; null if outside the budget. */
  private final CipherWorkers.Lease lease;

  ParallelEncryptingStream(StreamKey key, int segmentSize, OutputStream out, Executor workers, int inFlight)
      throws IOException {
    this(key, segmentSize, out, workers, inFlight, null);
  }

  ParallelEncryptingStream(StreamKey key, int segmentSize, OutputStream out, Executor workers, int inFlight,
      CipherWorkers.Lease lease) throws IOException {
    if (inFlight < 1) {
      throw new IllegalArgumentException("inFlight must be positive");
    }
    this.out = out;
    this.key = key;
    this.workers = workers;
    this.ciphertextSegmentSize = segmentSize;
    this.plaintextSegmentSize = segmentSize - StreamKey.TAG_BYTES;
    this.ring = new Segment[inFlight];
    this.lease = lease;
    try {
      out.write(key.header());
    } catch (IOException | RuntimeException e) {
      releaseBuffers();
      throw e;
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (closed || failed) {
      throw new IOException(failed ? "the encrypting stream failed earlier; its ciphertext is unfinished"
          : "the encrypting stream is closed");
    }
    Objects.checkFromIndexSize(off, len, b.length);
    try {
      while (len > 0) {
        if (filling == null) {
          filling = nextSegment();
        }
        int room = capacity(queued) - filling.length;
        if (room == 0) {
          queue(false); // full, and at least one byte follows: not the last segment
          continue;
        }
        int n = Math.min(room, len);
        System.arraycopy(b, off, filling.plaintext, filling.length, n);
        filling.length += n;
        off += n;
        len -= n;
      }
      writeFinished(false);
    } catch (IOException | RuntimeException e) {
      fail();
      throw e;
    }
  }

  /** Writes every segment handed to the workers so far (waiting for them), then flushes the sink. */
  @Override
  public void flush() throws IOException {
    if (!closed && !failed) {
      try {
        writeFinished(true);
      } catch (IOException | RuntimeException e) {
        fail();
        throw e;
      }
    }
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!failed) {
        failed = true; // a failure while finishing must not be retried as a different last segment
        if (filling == null) {
          filling = nextSegment(); // nothing was written: one empty last segment
        }
        queue(true);
        writeFinished(true);
        failed = false;
      }
    } catch (IOException | RuntimeException e) {
      cancelled = true;
      releaseBuffers();
      try {
        out.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    cancelled = failed;
    releaseBuffers();
    out.close();
  }

  /**
   * Drops the ring (a worker still on a dropped segment keeps only that one, for the bounded time of its task)
   * and gives the lease back.
   */
  private void releaseBuffers() {
    java.util.Arrays.fill(ring, null);
    filling = null;
    if (lease != null) {
      lease.release();
    }
  }

  @Override
  void abort() throws IOException {
    fail();
    close();
  }

  private void fail() {
    failed = true;
    cancelled = true;
  }

  private int capacity(long index) {
    return index == 0 ? plaintextSegmentSize - StreamKey.HEADER_BYTES : plaintextSegmentSize;
  }

  /** The buffers for segment {@link #queued}, once the segment that last used them is in the sink. */
  private Segment nextSegment() throws IOException {
    while (written <= queued - ring.length) {
      writeNext(true);
    }
    int i = (int) (queued % ring.length);
    if (ring[i] == null) {
      ring[i] = new Segment(plaintextSegmentSize, ciphertextSegmentSize);
    }
    Segment s = ring[i];
    s.length = 0;
    return s;
  }

  private void queue(boolean last) {
    Segment s = filling;
    filling = null;
    s.index = queued++;
    s.last = last;
    s.failure = null;
    synchronized (lock) {
      s.done = false;
    }
    if (CipherWorkers.backedUp(workers)) {
      encrypt(s, true);
    } else {
      workers.execute(() -> encrypt(s, false));
    }
  }

  /**
   * On a worker, or {@code here} on the stream's thread: never blocks except for the stream's lock, which no one
   * holds across I/O or waiting.
   */
  private void encrypt(Segment s, boolean here) {
    try {
      if (!cancelled) {
        Cipher cipher = here ? ownCipher() : CipherWorkers.cipher();
        s.ciphertextLength = key.encrypt(cipher, s.index, s.last, s.plaintext, 0, s.length, s.ciphertext, 0);
      }
    } catch (Throwable t) {
      s.failure = t;
    } finally {
      synchronized (lock) {
        s.done = true;
        lock.notifyAll();
      }
    }
  }

  private Cipher ownCipher() throws GeneralSecurityException {
    if (ownCipher == null) {
      ownCipher = CipherWorkers.newCipher();
    }
    return ownCipher;
  }

  /** Writes finished segments in order: all queued ones if {@code all}, else only those already done. */
  private void writeFinished(boolean all) throws IOException {
    while (written < queued && writeNext(all)) {
      // next
    }
  }

  private boolean writeNext(boolean wait) throws IOException {
    Segment s = ring[(int) (written % ring.length)];
    boolean interrupted = false;
    synchronized (lock) {
      while (!s.done) {
        if (!wait) {
          return false;
        }
        try {
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true; // the task finishes in bounded time: wait for it, keep the interrupt
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (s.failure != null) {
      throw new IOException("encryption failed", s.failure);
    }
    out.write(s.ciphertext, 0, s.ciphertextLength);
    written++;
    return true;
  }

  /** One segment's buffers and state. Fields other than {@code done} are handed over through the executor. */
  private static final class Segment {
    final byte[] plaintext;
    final byte[] ciphertext;
    int length;
    int ciphertextLength;
    long index;
    boolean last;
    Throwable failure;
    boolean done = true; // guarded by the stream's lock

    Segment(int plaintextSize, int ciphertextSize) {
      plaintext = new byte[plaintextSize];
      ciphertext = new byte[ciphertextSize];
    }
  }
}
