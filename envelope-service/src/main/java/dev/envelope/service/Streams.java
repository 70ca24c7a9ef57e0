package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** The copy loop of uploads and downloads, which must tell the source's failures from the sink's. */
final class Streams {
  static final int BUFFER = 64 * 1024;

  private Streams() {}

  /**
   * A failure of the source side of a copy (the client's body), as opposed to the sink. Any exception of the
   * source is one: a servlet body reports a client too slow or a body cut short as a runtime exception, and it
   * is still the client's body that failed, not the server.
   */
  static final class SourceException extends IOException {
    SourceException(Exception cause) {
      super(cause.getMessage(), cause);
    }
  }

  /**
   * Copies all of {@code in} to {@code out}; read failures come out as {@link SourceException}. More than
   * {@code max} bytes is {@link ErrorCode#TOO_LARGE}, detected before the excess is written.
   */
  static long copy(InputStream in, OutputStream out, long max) throws IOException, EnvelopeException {
    byte[] buffer = new byte[BUFFER];
    long total = 0;
    while (true) {
      int n;
      try {
        n = in.read(buffer);
      } catch (IOException | RuntimeException e) {
        throw new SourceException(e);
      }
      if (n < 0) {
        return total;
      }
      total += n;
      if (total > max) {
        throw new EnvelopeException(ErrorCode.TOO_LARGE, "the upload is larger than the limit of " + max + " bytes");
      }
      out.write(buffer, 0, n);
    }
  }

  /** {@code out}, except that closing flushes instead of closing. */
  static OutputStream nonClosing(OutputStream out) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }
}
