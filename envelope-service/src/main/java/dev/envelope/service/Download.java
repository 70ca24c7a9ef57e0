package dev.envelope.service;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.core.InvalidCiphertextException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * An open file, ready to stream its plaintext: made by {@link FileService#download}, which has already checked
 * the owner, unwrapped the data key and checked the blob's length. Close it to zero the data key.
 *
 * <h2>Security guarantees</h2>
 * Bytes reach {@code out} only after the segment that holds them has authenticated. Any authentication failure
 * (a flipped bit, a cut, a swapped blob) throws {@link InvalidCiphertextException} from the write method
 * without writing the bad segment; an HTTP adapter must then abort the response, never end it cleanly.
 * Failures of the blob store throw a plain {@link IOException}; failures of {@code out} (the client went away)
 * come out as {@link SinkException}.
 */
public final class Download implements AutoCloseable {
  private final FileRecord file;
  private final DataKey key;
  private final EncryptionContext context;
  private final EnvelopeCipher cipher;
  private final BlobStore blobs;
  private final long ciphertextSize;

  Download(FileRecord file, DataKey key, EncryptionContext context, EnvelopeCipher cipher, BlobStore blobs,
      long ciphertextSize) {
    this.file = file;
    this.key = key;
    this.context = context;
    this.cipher = cipher;
    this.blobs = blobs;
    this.ciphertextSize = ciphertextSize;
  }

  /** The file's row. */
  public FileRecord file() {
    return file;
  }

  /** Streams the whole plaintext ({@code file().size()} bytes) to {@code out}. */
  public void writeTo(OutputStream out) throws IOException {
    try (InputStream plain = cipher.newDecryptingStream(key, context, blobs.read(file.id(), 0, ciphertextSize))) {
      long copied = copy(plain, out);
      if (copied != file.size()) {
        throw new InvalidCiphertextException("file " + file.id() + " decrypted to " + copied
            + " bytes instead of " + file.size());
      }
    }
  }

  /**
   * Streams {@code length} bytes of plaintext from {@code offset}, decrypting only the segments that hold them.
   *
   * @throws IllegalArgumentException unless {@code 0 <= offset}, {@code 0 < length} and
   *     {@code offset + length <= file().size()}
   */
  public void writeRange(OutputStream out, long offset, long length) throws IOException {
    if (offset < 0 || length <= 0 || offset > file.size() - length) {
      throw new IllegalArgumentException("range outside the file");
    }
    int segment = cipher.segmentSize();
    long start = Math.floorDiv(cipher.ciphertextSize(offset), segment) * segment;
    long end = Math.min(ciphertextSize, ceilDiv(cipher.ciphertextSize(offset + length), segment) * segment);
    try (SeekableByteChannel plain = cipher.newSeekableDecryptingChannel(key, context,
        new BlobChannel(blobs, file.id(), ciphertextSize, start, end))) {
      plain.position(offset);
      ByteBuffer buffer = ByteBuffer.allocate(Streams.BUFFER);
      long left = length;
      while (left > 0) {
        buffer.clear().limit((int) Math.min(buffer.capacity(), left));
        int n = plain.read(buffer);
        if (n < 0) {
          throw new InvalidCiphertextException("file " + file.id() + " ended before its recorded size");
        }
        write(out, buffer.array(), n);
        left -= n;
      }
    }
  }

  /** Zeroes the data key. */
  @Override
  public void close() {
    key.close();
  }

  private static long copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[Streams.BUFFER];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) >= 0) {
      write(out, buffer, n);
      total += n;
    }
    return total;
  }

  private static void write(OutputStream out, byte[] bytes, int n) throws SinkException {
    try {
      out.write(bytes, 0, n);
    } catch (IOException e) {
      throw new SinkException(e);
    }
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** Writing to the destination failed: the client went away. Nothing is wrong with the file. */
  public static final class SinkException extends IOException {
    SinkException(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }
}
