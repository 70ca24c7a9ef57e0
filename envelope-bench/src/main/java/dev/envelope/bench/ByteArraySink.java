package dev.envelope.bench;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that writes into a preallocated array. Unlike {@code ByteArrayOutputStream} it neither
 * synchronizes nor grows, so the timed loop measures the cipher rather than the sink.
 */
final class ByteArraySink extends OutputStream {
  private final byte[] buffer;
  private int size;

  ByteArraySink(byte[] buffer) {
    this.buffer = buffer;
  }

  @Override
  public void write(int b) throws IOException {
    ensure(1);
    buffer[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensure(len);
    System.arraycopy(b, off, buffer, size, len);
    size += len;
  }

  /** The number of bytes written so far. */
  int size() {
    return size;
  }

  private void ensure(int len) throws IOException {
    if (len > buffer.length - size) {
      // A contender writing more than its declared ciphertext size is a failure, not a reason to grow.
      throw new IOException("sink full: " + buffer.length + " bytes");
    }
  }
}
