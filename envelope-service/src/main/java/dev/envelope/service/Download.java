package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.core.InvalidCiphertextException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.List;

/**
 * An open file, ready to stream its plaintext: made by {@link FileService#download}, which has already checked
 * the owner, unwrapped the data key and checked the blob's length. Close it to zero the data key.
 *
 * <h2>Security guarantees</h2>
 * Bytes reach {@code out} only after the segment that holds them has authenticated. Any authentication failure
 * (a flipped bit, a cut, a swapped blob) throws {@link InvalidCiphertextException} from the write method
 * without writing the bad segment; an HTTP adapter must then abort the response, never end it cleanly.
 * Failures of the blob store throw a plain {@link IOException}; failures of {@code out} (the client went away)
 * come out as {@link SinkException}; a file deleted after it was opened (its row and then its blob removed by
 * {@link FileService#delete}) comes out as {@link DeletedException}. A blob that vanishes while its row stays
 * is damage, and throws {@link InvalidCiphertextException}.
 */
public final class Download implements AutoCloseable {
  private final FileRecord file;
  private final DataKey key;
  private final EnvelopeCipher cipher;
  private final BlobStore blobs;
  private final List<Piece> pieces;
  private final RowCheck row;

  /** Whether the file's row is still there: asked when its blob is found missing after the download opened. */
  @FunctionalInterface
  interface RowCheck {
    boolean exists() throws EnvelopeException;
  }

  /**
   * One stream of a file's ciphertext: the whole file for formats 1 and 2, one part of an S3 multipart object for
   * format 3.
   *
   * @param blobId the blob that holds it
   * @param offset where its plaintext starts in the file's
   * @param size its plaintext size
   * @param context its associated data
   * @param ciphertextSize its blob's expected length
   */
  record Piece(String blobId, long offset, long size, EncryptionContext context, long ciphertextSize) {}

  Download(FileRecord file, DataKey key, EncryptionContext context, EnvelopeCipher cipher, BlobStore blobs,
      long ciphertextSize, RowCheck row) {
    this(file, key, cipher, blobs, List.of(new Piece(file.id(), 0, file.size(), context, ciphertextSize)), row);
  }

  Download(FileRecord file, DataKey key, EnvelopeCipher cipher, BlobStore blobs, List<Piece> pieces, RowCheck row) {
    this.file = file;
    this.key = key;
    this.cipher = cipher;
    this.blobs = blobs;
    this.pieces = List.copyOf(pieces);
    this.row = row;
  }

  /** The file's row. */
  public FileRecord file() {
    return file;
  }

  /** Streams the whole plaintext ({@code file().size()} bytes) to {@code out}. */
  public void writeTo(OutputStream out) throws IOException {
    long total = 0;
    for (Piece piece : pieces) {
      try (InputStream plain = cipher.newDecryptingStream(key, piece.context(), blobs.read(piece.blobId(), 0,
          piece.ciphertextSize()))) {
        long copied = copy(plain, out);
        if (copied != piece.size()) {
          throw new InvalidCiphertextException("file " + file.id() + " decrypted to " + (total + copied)
              + " bytes instead of " + file.size());
        }
        total += copied;
      } catch (IOException e) {
        throw explained(e);
      }
    }
    if (total != file.size()) {
      throw new InvalidCiphertextException("file " + file.id() + " decrypted to " + total + " bytes instead of "
          + file.size());
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
    long end = offset + length;
    for (Piece piece : pieces) {
      long from = Math.max(offset, piece.offset());
      long to = Math.min(end, piece.offset() + piece.size());
      if (from < to) {
        writeRange(out, piece, from - piece.offset(), to - from);
      }
    }
  }

  private void writeRange(OutputStream out, Piece piece, long offset, long length) throws IOException {
    int segment = cipher.segmentSize();
    long start = Math.floorDiv(cipher.ciphertextSize(offset), segment) * segment;
    long end = Math.min(piece.ciphertextSize(), ceilDiv(cipher.ciphertextSize(offset + length), segment) * segment);
    try (SeekableByteChannel plain = cipher.newSeekableDecryptingChannel(key, piece.context(),
        new BlobChannel(blobs, piece.blobId(), piece.ciphertextSize(), start, end))) {
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
    } catch (IOException e) {
      throw explained(e);
    }
  }

  /**
   * A missing blob, met after the download opened: a delete (row first, then blob) came in between, or the
   * blob was removed behind the service's back. The row tells which.
   */
  private IOException explained(IOException e) {
    if (e instanceof SinkException || e instanceof InvalidCiphertextException || !missingBlob(e)) {
      return e;
    }
    try {
      if (!row.exists()) {
        return new DeletedException(file.id(), e);
      }
    } catch (EnvelopeException lookup) {
      e.addSuppressed(lookup);
      return e; // cannot tell now: a store failure, like the read's own
    }
    return new InvalidCiphertextException("file " + file.id() + " lost its ciphertext while it was read", e);
  }

  private static boolean missingBlob(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof NoSuchBlobException) {
        return true;
      }
    }
    return false;
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

  /** The file was deleted after the download opened: it is gone, and nothing is wrong with the stores. */
  public static final class DeletedException extends IOException {
    DeletedException(String id, IOException cause) {
      super("file " + id + " was deleted while it was being read", cause);
    }
  }

  /** Writing to the destination failed: the client went away. Nothing is wrong with the file. */
  public static final class SinkException extends IOException {
    SinkException(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }
}
