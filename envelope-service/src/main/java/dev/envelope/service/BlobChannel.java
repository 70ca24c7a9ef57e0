package dev.envelope.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A read-only {@link SeekableByteChannel} over a blob, for the cipher's seekable decryption. It serves a run of
 * sequential reads from one ranged stream of the store (one request to S3, not one per segment), opened at the
 * first read and reopened only when the reader jumps.
 */
final class BlobChannel implements SeekableByteChannel {
  private final BlobStore blobs;
  private final String key;
  private final long size;
  private final long start;
  private final long end;
  private long position;
  private InputStream stream;
  private long streamPosition = -1;
  private boolean open = true;

  /**
   * @param start where the reader's main run begins: reads before it (the stream header) fetch only what they
   *     ask for
   * @param end where the reader will stop (exclusive): the main run is requested up to there only
   */
  BlobChannel(BlobStore blobs, String key, long size, long start, long end) {
    this.blobs = blobs;
    this.key = key;
    this.size = size;
    this.start = start;
    this.end = Math.min(end, size);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    if (position >= size) {
      return -1;
    }
    if (stream == null || streamPosition != position) {
      closeStream();
      long until = position < start ? Math.min(position + dst.remaining(), size)
          : position < end ? end : size;
      stream = blobs.read(key, position, until - position);
      streamPosition = position;
    }
    int want = (int) Math.min(dst.remaining(), size - position);
    int n = dst.hasArray()
        ? stream.read(dst.array(), dst.arrayOffset() + dst.position(), want)
        : readInto(dst, want);
    if (n < 0) {
      throw new IOException("blob " + key + " ended at " + position + " of " + size + " bytes");
    }
    if (dst.hasArray()) {
      dst.position(dst.position() + n);
    }
    position += n;
    streamPosition += n;
    return n;
  }

  private int readInto(ByteBuffer dst, int want) throws IOException {
    byte[] buffer = new byte[Math.min(want, Streams.BUFFER)];
    int n = stream.read(buffer);
    if (n > 0) {
      dst.put(buffer, 0, n);
    }
    return n;
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position");
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return size;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() throws IOException {
    open = false;
    closeStream();
  }

  private void closeStream() throws IOException {
    if (stream != null) {
      InputStream s = stream;
      stream = null;
      s.close();
    }
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!open) {
      throw new ClosedChannelException();
    }
  }
}
