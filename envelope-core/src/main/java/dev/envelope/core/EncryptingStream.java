package dev.envelope.core;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * The stream {@link EnvelopeCipher#newEncryptingStream} returns.
 *
 * <p>{@link #close()} finishes the ciphertext: it writes the last segment, whose flag tells a reader that
 * nothing was cut off. So close it only when all the plaintext has been written. When the plaintext's source
 * fails halfway, call {@link #abort()} instead (try-with-resources alone would close it and turn the prefix
 * into a complete, valid ciphertext of a truncated file). After any failure of the stream itself (the sink
 * failed), it refuses further writes and {@code close()} no longer finishes the ciphertext either.
 *
 * <p>How: one of two engines writes the bytes, both exactly those of Tink's {@code newEncryptingStream}:
 * Tink's segment encrypter on the caller's thread ({@link SegmentEncryptingStream}), or segments encrypted on
 * the shared {@link CipherWorkers} and written in order by the caller's thread ({@link ParallelEncryptingStream}).
 * Which one is {@link EnvelopeCipher}'s rule: where the parallel engine can help, this stream holds the first two
 * segments' worth of plaintext and starts the parallel engine only when a third segment begins; a stream that
 * ends before that is encrypted by Tink's encrypter when it is closed, and so is a stream that begins its third
 * segment while the JVM's budget for parallel buffers is spent. Until an engine starts, nothing (not
 * even the stream header) is written to the sink.
 */
public final class EncryptingStream extends OutputStream {
  /** What encrypts: an output stream that can also end without writing the last segment. */
  abstract static class Engine extends OutputStream {
    /** Ends the stream without the last segment (the ciphertext stays unfinished) and closes the sink. */
    abstract void abort() throws IOException;
  }

  private final OutputStream out;
  private final StreamEngines engines;
  private final int holdLimit;
  private Engine engine;
  /** The plaintext held until the path is chosen. */
  private byte[] held;
  private int heldLength;
  private boolean closed;
  private boolean failed;

  /** A stream on an engine already chosen. */
  EncryptingStream(Engine engine) {
    this.engine = engine;
    this.out = null;
    this.engines = null;
    this.holdLimit = 0;
  }

  /**
   * A stream that holds up to two segments of plaintext, then starts the parallel engine of {@code engines} if
   * more comes, or the sequential one when closed before.
   */
  EncryptingStream(StreamEngines engines, OutputStream out) {
    this.engines = engines;
    this.out = out;
    int segmentSize = engines.segmentSize();
    this.holdLimit = 2 * (segmentSize - StreamKey.TAG_BYTES) - StreamKey.HEADER_BYTES;
    this.held = new byte[Math.min(holdLimit, 8192)];
  }

  /** Whether the parallel engine writes this stream (false while none is chosen). For tests. */
  boolean isParallel() {
    return engine instanceof ParallelEncryptingStream;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (engine != null) {
      engine.write(b, off, len);
      return;
    }
    if (closed || failed) {
      throw new IOException(failed ? "the encrypting stream failed earlier; its ciphertext is unfinished"
          : "the encrypting stream is closed");
    }
    Objects.checkFromIndexSize(off, len, b.length);
    int hold = Math.min(len, holdLimit - heldLength);
    if (heldLength + hold > held.length) {
      held = Arrays.copyOf(held, Math.min(holdLimit, Math.max(heldLength + hold, 2 * held.length)));
    }
    System.arraycopy(b, off, held, heldLength, hold);
    heldLength += hold;
    if (hold < len) {
      start(true); // a third segment begins
      engine.write(b, off + hold, len - hold);
    }
  }

  /** Flushes the sink; the parallel engine first writes every segment it has been given. */
  @Override
  public void flush() throws IOException {
    if (engine != null) {
      engine.flush();
    } else {
      out.flush();
    }
  }

  /**
   * Finishes the ciphertext: encrypts what is buffered as the last segment (possibly empty), then closes the
   * sink. After a failure, or {@link #abort()}, it only closes the sink.
   */
  @Override
  public void close() throws IOException {
    if (engine == null) {
      if (closed) {
        return;
      }
      if (failed) {
        closed = true;
        engines.forget();
        out.close();
        return;
      }
      try {
        start(false);
      } catch (IOException | RuntimeException e) {
        closed = true;
        try {
          if (engine != null) {
            engine.close(); // it failed: this only closes the sink
          } else {
            out.close();
          }
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
    engine.close();
  }

  /**
   * Ends the stream without finishing the ciphertext: what was written so far (possibly nothing) can never
   * decrypt cleanly (a reader fails at the end with {@link InvalidCiphertextException}). Closes the sink.
   * Idempotent.
   */
  public void abort() throws IOException {
    if (engine != null) {
      engine.abort();
      return;
    }
    failed = true;
    close();
  }

  private void start(boolean parallel) throws IOException {
    CipherWorkers.Lease lease = parallel ? CipherWorkers.lease(this, engines.segmentSize()) : null;
    try {
      engine = lease != null ? engines.parallelEncrypter(out, lease) : engines.sequentialEncrypter(out);
    } catch (IOException | RuntimeException e) {
      failed = true;
      if (lease != null) {
        lease.release();
      }
      throw e;
    } finally {
      engines.forget();
    }
    byte[] plaintext = held;
    held = null;
    engine.write(plaintext, 0, heldLength); // on failure the engine refuses everything but close and abort
  }
}
