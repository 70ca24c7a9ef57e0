package dev.envelope.service.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * A byte range of a file, read with positioned reads: opening it at an offset reads nothing before it, and
 * each {@link #read(byte[], int, int)} is one {@code pread} of up to the caller's buffer.
 */
final class FileRangeInputStream extends InputStream {
  private final FileChannel channel;
  private final long end;
  private final byte[] one = new byte[1];
  private long position;

  /** Takes ownership of {@code channel}. The range is cut at the end of the file. */
  FileRangeInputStream(FileChannel channel, long offset, long length) throws IOException {
    this.channel = channel;
    long size;
    try {
      size = channel.size();
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    this.position = Math.min(offset, size);
    this.end = position + Math.min(length, size - position);
  }

  @Override
  public int read() throws IOException {
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (position >= end) {
      return -1;
    }
    int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
    if (n < 0) {
      return -1;
    }
    position += n;
    return n;
  }

  @Override
  public long skip(long n) {
    long skipped = Math.max(0, Math.min(n, end - position));
    position += skipped;
    return skipped;
  }

  @Override
  public int available() {
    return (int) Math.min(end - position, Integer.MAX_VALUE);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
