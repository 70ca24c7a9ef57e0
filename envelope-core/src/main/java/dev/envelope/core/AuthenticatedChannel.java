package dev.envelope.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A read-only plaintext channel whose authentication failures are {@link InvalidCiphertextException}s. Not
 * thread-safe, like every channel Tink returns.
 */
final class AuthenticatedChannel implements SeekableByteChannel {
  private final SeekableByteChannel tinkChannel;
  private final SourceChannel source;

  AuthenticatedChannel(SeekableByteChannel tinkChannel, SourceChannel source) {
    this.tinkChannel = tinkChannel;
    this.source = source;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (dst.isReadOnly()) {
      throw new java.nio.ReadOnlyBufferException(); // the caller's mistake, not a bad ciphertext
    }
    source.failure = null;
    try {
      return tinkChannel.read(dst);
    } catch (IOException | RuntimeException e) {
      // Tink reports bad tags as IOException too: tell the source's own failures apart.
      if (source.failure != null) {
        throw source.failure;
      }
      throw new InvalidCiphertextException(SegmentDecryptingStream.MESSAGE, e);
    }
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    return tinkChannel.position();
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position: " + newPosition);
    }
    tinkChannel.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    source.failure = null;
    try {
      return tinkChannel.size();
    } catch (IOException e) {
      if (source.failure != null) {
        throw source.failure;
      }
      throw new InvalidCiphertextException(SegmentDecryptingStream.MESSAGE, e);
    }
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return tinkChannel.isOpen();
  }

  @Override
  public void close() throws IOException {
    tinkChannel.close();
  }

  /** The ciphertext channel, remembering its last IOException so it is not mistaken for a bad ciphertext. */
  static final class SourceChannel implements SeekableByteChannel {
    private final SeekableByteChannel in;
    IOException failure;

    SourceChannel(SeekableByteChannel in) {
      this.in = in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      try {
        return in.read(dst);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int write(ByteBuffer src) {
      throw new NonWritableChannelException();
    }

    @Override
    public long position() throws IOException {
      return in.position();
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
      in.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      try {
        return in.size();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
