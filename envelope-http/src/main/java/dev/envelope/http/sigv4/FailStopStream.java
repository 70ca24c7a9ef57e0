package dev.envelope.http.sigv4;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A stream that stays failed: once a read throws, every later read throws the same exception, so that no caller
 * that catches and reads on can get more of a bad payload, or its end.
 */
abstract class FailStopStream extends InputStream {
  private IOException failed;

  /** As {@link #read(byte[], int, int)}, with {@code len > 0} and valid bounds; called until it throws. */
  abstract int readChecked(byte[] b, int off, int len) throws IOException;

  @Override
  public final int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public final int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (failed != null) {
      throw failed;
    }
    if (len == 0) {
      return 0;
    }
    try {
      return readChecked(b, off, len);
    } catch (IOException e) {
      failed = e;
      throw e;
    }
  }
}
