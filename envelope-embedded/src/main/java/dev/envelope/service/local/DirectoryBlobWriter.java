package dev.envelope.service.local;

import dev.envelope.core.internal.PrivateFiles;
import dev.envelope.service.BlobWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes one blob of a {@link DirectoryBlobStore}. Small writes are gathered in a buffer; writes at least as
 * large as the buffer (the cipher's segments) go straight to the channel. The temporary file is made only when
 * the bytes outgrow the buffer: a blob that fits it (a small upload) is stored in one step at commit
 * ({@link DirectoryBlobStore#publishSmall}), with no temporary file at all.
 */
final class DirectoryBlobWriter extends BlobWriter {
  private static final int BUFFER = 16 * 1024;

  private enum State { OPEN, COMMITTED, ABORTED }

  private final DirectoryBlobStore store;
  private final String key;
  /** The temporary file and its channel, once the blob outgrew the buffer; null before. */
  private Path file;
  private FileChannel channel;
  private final byte[] buffer = new byte[BUFFER];
  private int buffered;
  private State state = State.OPEN;

  DirectoryBlobWriter(DirectoryBlobStore store, String key) {
    this.store = store;
    this.key = key;
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
    if (channel != null) {
      flushBuffer(); // a blob still within the buffer stays in memory until commit: nothing is durable before
    }
  }

  @Override
  public void commit() throws IOException {
    if (state == State.COMMITTED) {
      return;
    }
    ensureOpen();
    try {
      if (channel == null) {
        store.publishSmall(key, buffer, buffered);
      } else {
        flushBuffer();
        channel.force(true);
        channel.close();
        store.publish(key, file);
      }
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
    if (channel == null) {
      return; // nothing was written to disk
    }
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
    if (channel == null) {
      Path temporary = store.newTemporaryFile();
      try {
        channel = PrivateFiles.openForWriting(temporary, StandardOpenOption.CREATE_NEW);
      } catch (IOException | RuntimeException e) {
        store.forget(temporary);
        throw e;
      }
      file = temporary;
    }
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
