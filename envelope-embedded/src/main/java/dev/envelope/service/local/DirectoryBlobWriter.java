package dev.envelope.service.local;

import dev.envelope.service.BlobWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes one blob of a {@link DirectoryBlobStore} into its temporary file. Small writes are gathered in a
 * buffer; writes at least as large as the buffer (the cipher's segments) go straight to the channel.
 */
final class DirectoryBlobWriter extends BlobWriter {
  private static final int BUFFER = 16 * 1024;

  private enum State { OPEN, COMMITTED, ABORTED }

  private final DirectoryBlobStore store;
  private final String key;
  private final Path file;
  private final FileChannel channel;
  private final byte[] buffer = new byte[BUFFER];
  private int buffered;
  private State state = State.OPEN;

  DirectoryBlobWriter(DirectoryBlobStore store, String key, Path file, FileChannel channel) {
    this.store = store;
    this.key = key;
    this.file = file;
    this.channel = channel;
  }

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    if (buffered == buffer.length) {
      flushBuffer();
    }
    buffer[buffered++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    if (len >= buffer.length) {
      flushBuffer();
      writeFully(ByteBuffer.wrap(b, off, len));
    } else {
      if (len > buffer.length - buffered) {
        flushBuffer();
      }
      System.arraycopy(b, off, buffer, buffered, len);
      buffered += len;
    }
  }

  @Override
  public void flush() throws IOException {
    ensureOpen();
    flushBuffer();
  }

  @Override
  public void commit() throws IOException {
    if (state == State.COMMITTED) {
      return;
    }
    ensureOpen();
    try {
      flushBuffer();
      channel.force(true);
      channel.close();
      store.publish(key, file);
      state = State.COMMITTED;
    } finally {
      if (state != State.COMMITTED) {
        abort();
      }
    }
  }

  @Override
  public void abort() {
    if (state != State.OPEN) {
      return;
    }
    state = State.ABORTED;
    try {
      channel.close();
    } catch (IOException e) {
      // the file is deleted next anyway
    }
    store.forget(file);
  }

  private void flushBuffer() throws IOException {
    if (buffered > 0) {
      writeFully(ByteBuffer.wrap(buffer, 0, buffered));
      buffered = 0;
    }
  }

  private void writeFully(ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }

  private void ensureOpen() throws IOException {
    if (state != State.OPEN) {
      throw new IOException("the writer of blob " + key + " is " + state.name().toLowerCase(Locale.ROOT));
    }
  }
}
