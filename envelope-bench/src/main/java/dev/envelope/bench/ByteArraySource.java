package dev.envelope.bench;

import java.io.InputStream;

/** An unsynchronized input stream over the first {@code length} bytes of an array. */
final class ByteArraySource extends InputStream {
  private final byte[] buffer;
  private final int length;
  private int position;

  ByteArraySource(byte[] buffer, int length) {
    this.buffer = buffer;
    this.length = length;
  }

  @Override
  public int read() {
    return position < length ? buffer[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (position >= length) {
      return -1;
    }
    int n = Math.min(len, length - position);
    System.arraycopy(buffer, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return length - position;
  }
}
