package dev.envelope.core;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.subtle.StreamSegmentEncrypter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * The sequential encrypting engine of {@link EncryptingStream}: Tink's segment encrypter, driven on the caller's
 * thread.
 *
 * <p>{@link #close()} finishes the ciphertext: it writes the last segment, whose flag tells a reader that
 * nothing was cut off. {@link #abort()} never does. After any failure of the stream itself (the sink failed), it
 * refuses further writes and {@code close()} no longer finishes the ciphertext either.
 *
 * <p>How: Tink's segment encrypter driven by a stream with fewer copies than Tink's own stream: a segment that the
 * caller's write completes is encrypted from the buffered bytes and the caller's array together, so only the
 * bytes that may end the stream are ever copied into the buffer. The bytes
 * written are exactly those of Tink's {@code newEncryptingStream}: the nonces, the segment numbering and the
 * last-segment flag all come from Tink's encrypter. What this class decides is only where segments start and
 * which one is last, and it marks a segment as not last only once it holds at least one byte after it.
 */
final class SegmentEncryptingStream extends EncryptingStream.Engine {
  private final OutputStream out;
  private final StreamSegmentEncrypter encrypter;
  private final int plaintextSegmentSize;
  private final ByteBuffer plaintext;
  private final ByteBuffer ciphertext;
  /** Plaintext bytes the current segment holds: the first is shorter by the stream header. */
  private int segmentCapacity;
  private boolean closed;
  private boolean failed;

  SegmentEncryptingStream(AesGcmHkdfStreaming aead, byte[] associatedData, OutputStream out)
      throws GeneralSecurityException, IOException {
    this.out = out;
    this.encrypter = aead.newStreamSegmentEncrypter(associatedData);
    this.plaintextSegmentSize = aead.getPlaintextSegmentSize();
    this.segmentCapacity = plaintextSegmentSize - aead.getCiphertextOffset();
    this.plaintext = ByteBuffer.allocate(plaintextSegmentSize);
    this.ciphertext = ByteBuffer.allocate(aead.getCiphertextSegmentSize());
    ByteBuffer header = encrypter.getHeader(); // read-only
    byte[] headerBytes = new byte[header.remaining()];
    header.duplicate().get(headerBytes);
    out.write(headerBytes);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (closed || failed) {
      throw new IOException(failed ? "the encrypting stream failed earlier; its ciphertext is unfinished"
          : "the encrypting stream is closed");
    }
    Objects.checkFromIndexSize(off, len, b.length);
    try {
      writeSegments(b, off, len);
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
  }

  private void writeSegments(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int missing = segmentCapacity - plaintext.position();
      if (len <= missing) {
        // This might be the end of the stream, so the segment cannot be encrypted yet: keep the bytes.
        plaintext.put(b, off, len);
        return;
      }
      // The segment completes and at least one byte follows it, so it is not the last one. Encrypt it from
      // the buffered part and the caller's array, without first copying the caller's part.
      ByteBuffer rest = ByteBuffer.wrap(b, off, missing);
      if (plaintext.position() == 0) {
        encrypt(rest, null, false);
      } else {
        encrypt(plaintext.flip(), rest, false);
        plaintext.clear();
      }
      off += missing;
      len -= missing;
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  /**
   * Finishes the ciphertext: encrypts what is buffered as the last segment (possibly empty), then closes the
   * sink. After a failure, or {@link #abort()}, it only closes the sink.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!failed) {
        failed = true; // a failure while finishing must not be retried as a different last segment
        encrypt(plaintext.flip(), null, true);
        failed = false;
      }
    } finally {
      out.close();
    }
  }

  /**
   * Ends the stream without finishing the ciphertext: what was written so far can never decrypt cleanly
   * (a reader fails at the end with {@link InvalidCiphertextException}). Closes the sink. Idempotent.
   */
  @Override
  void abort() throws IOException {
    failed = true;
    close();
  }

  private void encrypt(ByteBuffer first, ByteBuffer second, boolean last) throws IOException {
    ciphertext.clear();
    try {
      if (second == null) {
        encrypter.encryptSegment(first, last, ciphertext);
      } else {
        encrypter.encryptSegment(first, second, last, ciphertext);
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("encryption failed", e);
    }
    out.write(ciphertext.array(), 0, ciphertext.position());
    segmentCapacity = plaintextSegmentSize;
  }
}
