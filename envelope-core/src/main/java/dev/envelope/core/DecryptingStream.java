package dev.envelope.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * The stream {@link EnvelopeCipher#newDecryptingStream} returns where the parallel engine can help: its first
 * read reads up to the stream header, two segments and one byte more. If the source has that much, the stream
 * has at least three segments and {@link ParallelDecryptingStream} decrypts it (when the JVM's budget for parallel
 * buffers can spare its ring); if the source ends (or fails) before, or the budget is spent,
 * {@link SegmentDecryptingStream} does, so a short stream pays no hand-off. Either engine reads the
 * bytes read so far again first, then the rest of the source, so it sees exactly the source's bytes, its end
 * and its {@link IOException} (the same object) at the same place.
 */
final class DecryptingStream extends InputStream {
  private final InputStream in;
  private final StreamEngines engines;
  private final int peekLimit;
  private InputStream engine;
  private boolean closed;

  DecryptingStream(StreamEngines engines, InputStream in) {
    this.engines = engines;
    this.in = in;
    this.peekLimit = 2 * engines.segmentSize() + 1;
  }

  /** Whether the parallel engine decrypts this stream (false while none is chosen). For tests. */
  boolean isParallel() {
    return engine instanceof ParallelDecryptingStream;
  }

  @Override
  public int read() throws IOException {
    return engine().read();
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0 && engine == null && !closed) {
      return 0;
    }
    return engine().read(b, off, len);
  }

  @Override
  public int available() throws IOException {
    return engine == null ? 0 : engine.available();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    engines.forget();
    if (engine != null) {
      engine.close();
    } else {
      in.close();
    }
  }

  private InputStream engine() throws IOException {
    if (engine != null) {
      return engine;
    }
    if (closed) {
      throw new IOException("the decrypting stream is closed");
    }
    byte[] peeked = new byte[Math.min(peekLimit, 8192)];
    int n = 0;
    IOException failure = null;
    try {
      while (n < peekLimit) {
        if (n == peeked.length) {
          peeked = Arrays.copyOf(peeked, Math.min(peekLimit, 2 * n));
        }
        int r = in.read(peeked, n, peeked.length - n);
        if (r == -1) {
          break;
        }
        n += r;
      }
    } catch (IOException e) {
      failure = e;
    }
    InputStream replay = new Replay(peeked, n, in, failure);
    CipherWorkers.Lease lease = failure == null && n == peekLimit ? CipherWorkers.lease(this, engines.segmentSize())
        : null;
    try {
      engine = lease != null ? engines.parallelDecrypter(replay, lease) : engines.sequentialDecrypter(replay);
    } catch (RuntimeException e) {
      if (lease != null) {
        lease.release();
      }
      throw e;
    } finally {
      engines.forget();
    }
    return engine;
  }

  /**
   * The bytes already read, then the rest of the source (or, if reading it failed, that same failure). Closing
   * it closes the source; reaching the end does not.
   */
  private static final class Replay extends InputStream {
    /** Dropped once replayed, so a long stream does not keep two segments of it. */
    private byte[] bytes;
    private final int end;
    private final InputStream source;
    private final IOException failure;
    private int position;

    Replay(byte[] bytes, int end, InputStream source, IOException failure) {
      this.bytes = bytes;
      this.end = end;
      this.source = source;
      this.failure = failure;
    }

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
      if (position < end) {
        int n = Math.min(len, end - position);
        System.arraycopy(bytes, position, b, off, n);
        position += n;
        if (position == end) {
          bytes = null;
        }
        return n;
      }
      if (failure != null) {
        throw failure;
      }
      return source.read(b, off, len);
    }

    @Override
    public void close() throws IOException {
      source.close();
    }
  }
}
