package dev.envelope.core;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.crypto.Cipher;

/**
 * The parallel decrypting engine: the caller's thread reads up to {@code inFlight} segments ahead from the
 * source and hands each to the shared {@link CipherWorkers} (or decrypts it itself when the pool is
 * {@linkplain CipherWorkers#backedUp backed up}); plaintext is handed out strictly in segment order,
 * each segment only after its tag verified.
 *
 * <p>Security, as {@link SegmentDecryptingStream}: a segment counts as the last one only when the source ends
 * right after it (one byte of read-ahead tells), so truncation, extension and reordering fail on the index or the
 * flag. The first failure in stream order poisons the stream: every later read throws the same exception, and no
 * byte of the failed segment or of any segment after it (even one that authenticated on a worker) is released.
 * An {@link IOException} of the source passes through unchanged, once the segments read before it have been
 * handed out; everything else is an {@link InvalidCiphertextException} with {@link SegmentDecryptingStream#MESSAGE}.
 * The data key copy is zeroed as soon as the stream header has been read.
 */
final class ParallelDecryptingStream extends InputStream {
  private final InputStream in;
  private final byte[] dataKey;
  private final byte[] associatedData;
  private final int segmentSize;
  private final Executor workers;
  /** Segment {@code i} uses {@code ring[i % ring.length]}; buffers are made on first use. */
  private final Segment[] ring;
  private final Object lock = new Object();
  private StreamKey key;
  /** Segments read from the source and handed to the workers. */
  private long read;
  /** The segment being handed out, or the next one to hand out. */
  private long next;
  private Segment current;
  /** The first byte of the next segment, read to learn that the previous one is not the last; -1 if none. */
  private int readAhead = -1;
  private boolean lastRead;
  /** The source failed while reading segment {@link #read}: thrown once everything before it is handed out. */
  private IOException sourceFailure;
  private IOException failure;
  /** For the segments this stream's thread decrypts itself when the pool is backed up. */
  private Cipher ownCipher;
  private volatile boolean cancelled;
  /** This stream's share of the budget for parallel buffers, given back at its end; null if outside the budget. */
  private final CipherWorkers.Lease lease;

  ParallelDecryptingStream(byte[] dataKey, byte[] associatedData, int segmentSize, InputStream in,
      Executor workers, int inFlight) {
    this(dataKey, associatedData, segmentSize, in, workers, inFlight, null);
  }

  ParallelDecryptingStream(byte[] dataKey, byte[] associatedData, int segmentSize, InputStream in,
      Executor workers, int inFlight, CipherWorkers.Lease lease) {
    if (inFlight < 1) {
      throw new IllegalArgumentException("inFlight must be positive");
    }
    this.in = in;
    this.dataKey = dataKey.clone();
    this.associatedData = associatedData.clone();
    this.segmentSize = segmentSize;
    this.workers = workers;
    this.ring = new Segment[inFlight];
    this.lease = lease;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n == -1 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (failure != null) {
      throw failure;
    }
    if (len == 0) {
      return 0;
    }
    try {
      while (true) {
        if (current != null) {
          int n = Math.min(len, current.plaintextLength - current.position);
          if (n > 0) {
            System.arraycopy(current.plaintext, current.position, b, off, n);
            current.position += n;
            return n;
          }
          if (current.last) {
            releaseBuffers(); // the end: only the last segment, already handed out, is kept
            return -1;
          }
          current = null;
          next++;
        }
        current = nextSegment();
      }
    } catch (IOException e) {
      fail(e);
      throw e;
    } catch (RuntimeException e) {
      fail(new IOException("the decrypting stream failed", e));
      throw e;
    }
  }

  /** Whether the copy of the data key is still unzeroed (it is zeroed once the header is read). For tests. */
  boolean holdsDataKey() {
    for (byte b : dataKey) {
      if (b != 0) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int available() {
    return failure == null && current != null ? current.plaintextLength - current.position : 0;
  }

  @Override
  public void close() throws IOException {
    if (failure == null) {
      fail(new IOException("the decrypting stream is closed"));
    }
    in.close();
  }

  private void fail(IOException e) {
    failure = e;
    cancelled = true;
    current = null;
    Arrays.fill(dataKey, (byte) 0);
    releaseBuffers();
  }

  /**
   * Drops the ring but {@link #current} (a worker still on a dropped segment keeps only that one, for the bounded
   * time of its task) and gives the lease back.
   */
  private void releaseBuffers() {
    Arrays.fill(ring, null);
    if (lease != null) {
      lease.release();
    }
  }

  /** Reads ahead, then waits for segment {@link #next} and checks it. */
  private Segment nextSegment() throws IOException {
    if (key == null) {
      readHeader();
    }
    while (!lastRead && sourceFailure == null && read - next < ring.length) {
      if (read > next && isDone(ring[(int) (next % ring.length)])) {
        break; // hand this one out first; reading on can wait for the next call
      }
      readSegment();
    }
    if (read == next) {
      // Nothing is left before the source's failure (the last segment is never passed: it ends the stream).
      throw Objects.requireNonNull(sourceFailure, "no segment to hand out");
    }
    Segment head = ring[(int) (next % ring.length)];
    await(head);
    if (head.failure != null) {
      Arrays.fill(head.plaintext, (byte) 0);
      throw new InvalidCiphertextException(SegmentDecryptingStream.MESSAGE, head.failure);
    }
    head.position = 0;
    return head;
  }

  private void readHeader() throws IOException {
    byte[] header = in.readNBytes(StreamKey.HEADER_BYTES);
    if (header.length < StreamKey.HEADER_BYTES) {
      throw new InvalidCiphertextException(SegmentDecryptingStream.MESSAGE + " (it ends inside the stream header)");
    }
    try {
      key = StreamKey.fromHeader(dataKey, header, associatedData);
    } catch (GeneralSecurityException e) {
      throw new InvalidCiphertextException(SegmentDecryptingStream.MESSAGE, e);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /** Reads segment {@link #read} and one byte after it, and hands it to the workers. */
  private void readSegment() {
    int i = (int) (read % ring.length);
    if (ring[i] == null) {
      ring[i] = new Segment(segmentSize);
    }
    Segment s = ring[i];
    int want = (read == 0 ? segmentSize - StreamKey.HEADER_BYTES : segmentSize) + 1;
    int n = 0;
    if (readAhead >= 0) {
      s.ciphertext[n++] = (byte) readAhead;
      readAhead = -1;
    }
    try {
      while (n < want) {
        int r = in.read(s.ciphertext, n, want - n);
        if (r == -1) {
          break;
        }
        n += r;
      }
    } catch (IOException e) {
      sourceFailure = e;
      return;
    }
    boolean last = n < want;
    if (!last) {
      readAhead = s.ciphertext[--n] & 0xff;
    }
    s.index = read++;
    s.last = last;
    s.ciphertextLength = n;
    s.failure = null;
    synchronized (lock) {
      s.done = false;
    }
    lastRead = last;
    if (CipherWorkers.backedUp(workers)) {
      decrypt(s, true);
    } else {
      workers.execute(() -> decrypt(s, false));
    }
  }

  /**
   * On a worker, or {@code here} on the stream's thread: never blocks except for the stream's lock, which no one
   * holds across I/O or waiting.
   */
  private void decrypt(Segment s, boolean here) {
    try {
      if (cancelled) {
        s.failure = new IOException("cancelled");
      } else {
        Cipher cipher = here ? ownCipher() : CipherWorkers.cipher();
        s.plaintextLength = key.decrypt(cipher, s.index, s.last, s.ciphertext, 0, s.ciphertextLength, s.plaintext, 0);
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

  private boolean isDone(Segment s) {
    synchronized (lock) {
      return s.done;
    }
  }

  private void await(Segment s) {
    boolean interrupted = false;
    synchronized (lock) {
      while (!s.done) {
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
  }

  /** One segment's buffers and state. Fields other than {@code done} are handed over through the executor. */
  private static final class Segment {
    final byte[] ciphertext;
    final byte[] plaintext;
    int ciphertextLength;
    int plaintextLength;
    int position;
    long index;
    boolean last;
    Throwable failure;
    boolean done = true; // guarded by the stream's lock

    Segment(int segmentSize) {
      ciphertext = new byte[segmentSize + 1];
      plaintext = new byte[segmentSize - StreamKey.TAG_BYTES];
    }
  }
}
