package dev.envelope.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Wraps Tink's decrypting stream so that callers can tell the two kinds of failure apart: an
 * {@link IOException} of the underlying ciphertext source passes through unchanged, anything else Tink
 * throws becomes one {@link InvalidCiphertextException} with one message. After a failure every read fails
 * the same way: a bad stream never turns into a clean end of stream.
 */
final class AuthenticatedInputStream extends FilterInputStream {
  static final String MESSAGE = "ciphertext failed authentication: it was modified, truncated or extended,"
      + " or it is being decrypted with the wrong key or encryption context";

  private final SourceStream source;
  private IOException failure;

  AuthenticatedInputStream(InputStream tinkStream, SourceStream source) {
    super(tinkStream);
    this.source = source;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n == -1 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (failure != null) {
      throw failure;
    }
    try {
      return in.read(b, off, len);
    } catch (IOException | RuntimeException e) {
      failure = classify(e, source);
      throw failure;
    }
  }

  @Override
  public long skip(long n) throws IOException {
    // Tink's skip reads and authenticates; route it through read so failures are classified the same way.
    byte[] scratch = new byte[(int) Math.min(Math.max(n, 0), 8192)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
      if (r == -1) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  static IOException classify(Exception e, SourceStream source) {
    if (source.failure != null) {
      return source.failure;
    }
    return new InvalidCiphertextException(MESSAGE, e);
  }

  /** Remembers the first IOException of the real source, so it is not mistaken for a bad ciphertext. */
  static final class SourceStream extends FilterInputStream {
    IOException failure;

    SourceStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }
  }
}
