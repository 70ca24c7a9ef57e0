package dev.envelope.core;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.subtle.StreamSegmentDecrypter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Tink's segment decrypter driven by a stream with fewer copies than Tink's own stream: when the caller's
 * buffer can take a whole segment, the segment is decrypted straight into it.
 *
 * <p>Security: a segment's plaintext is handed out only after Tink authenticated it; a segment counts as the
 * last one only when the source ends right after it (one byte of read-ahead tells), so a truncated stream
 * fails on the last-segment flag. A failure poisons the stream: every later read throws the same exception,
 * and the caller's buffer region given to a failed decryption is zeroed. I/O errors of the source pass
 * through unchanged; everything else is an {@link InvalidCiphertextException}.
 */
final class SegmentDecryptingStream extends InputStream {
  static final String MESSAGE = "ciphertext failed authentication: it was modified, truncated or extended,"
      + " or it is being decrypted with the wrong key or encryption context";

  private final InputStream in;
  private final AesGcmHkdfStreaming aead;
  private final byte[] associatedData;
  private final StreamSegmentDecrypter decrypter;
  /** Holds one ciphertext segment plus one byte of read-ahead. */
  private final ByteBuffer ciphertext;
  private final ByteBuffer plaintext;
  private int segmentNumber;
  private boolean headerRead;
  private boolean lastSegmentDone;
  private IOException failure;

  SegmentDecryptingStream(AesGcmHkdfStreaming aead, byte[] associatedData, InputStream in)
      throws GeneralSecurityException {
    this.in = in;
    this.aead = aead;
    this.associatedData = associatedData;
    this.decrypter = aead.newStreamSegmentDecrypter();
    this.ciphertext = ByteBuffer.allocate(aead.getCiphertextSegmentSize() + 1);
    this.plaintext = ByteBuffer.allocate(aead.getPlaintextSegmentSize());
    plaintext.limit(0);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n == -1 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (failure != null) {
      throw failure;
    }
    if (len == 0) {
      return 0;
    }
    if (plaintext.hasRemaining()) {
      return take(b, off, len);
    }
    if (lastSegmentDone) {
      return -1;
    }
    try {
      if (!headerRead) {
        readHeader();
      }
      boolean last = loadSegment();
      int expected = ciphertext.remaining() - EnvelopeCipher.TAG_BYTES;
      if (expected > 0 && len >= expected) {
        ByteBuffer direct = ByteBuffer.wrap(b, off, len);
        try {
          decrypt(direct, last);
        } catch (IOException e) {
          Arrays.fill(b, off, off + len, (byte) 0);
          throw e;
        }
        return direct.position() - off;
      }
      plaintext.clear();
      decrypt(plaintext, last);
      plaintext.flip();
      if (!plaintext.hasRemaining()) {
        return lastSegmentDone ? -1 : read(b, off, len);
      }
      return take(b, off, len);
    } catch (IOException e) {
      failure = e;
      plaintext.clear().limit(0);
      throw e;
    }
  }

  @Override
  public int available() {
    return failure == null ? plaintext.remaining() : 0;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private int take(byte[] b, int off, int len) {
    int n = Math.min(len, plaintext.remaining());
    plaintext.get(b, off, n);
    return n;
  }

  private void readHeader() throws IOException {
    byte[] header = in.readNBytes(aead.getHeaderLength());
    if (header.length < aead.getHeaderLength()) {
      throw new InvalidCiphertextException(MESSAGE + " (it ends inside the stream header)");
    }
    try {
      decrypter.init(ByteBuffer.wrap(header), associatedData);
    } catch (GeneralSecurityException e) {
      throw new InvalidCiphertextException(MESSAGE, e);
    }
    headerRead = true;
    // The first segment is shorter by the header; the read-ahead byte is the "+ 1".
    ciphertext.clear().limit(aead.getCiphertextSegmentSize() - aead.getCiphertextOffset() + 1);
  }

  /**
   * Fills {@link #ciphertext} with the next segment and returns whether it is the last one; on return the
   * buffer holds exactly the segment (the read-ahead byte, if any, is kept back for the next one).
   */
  private boolean loadSegment() throws IOException {
    while (ciphertext.hasRemaining()) {
      int n = in.read(ciphertext.array(), ciphertext.position(), ciphertext.remaining());
      if (n == -1) {
        break;
      }
      ciphertext.position(ciphertext.position() + n);
    }
    boolean last = ciphertext.hasRemaining();
    ciphertext.flip();
    if (!last) {
      ciphertext.limit(ciphertext.limit() - 1);
    }
    return last;
  }

  private void decrypt(ByteBuffer into, boolean last) throws IOException {
    int segmentEnd = ciphertext.limit();
    try {
      decrypter.decryptSegment(ciphertext, segmentNumber, last, into);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new InvalidCiphertextException(MESSAGE, e);
    }
    segmentNumber++;
    if (last) {
      lastSegmentDone = true;
      return;
    }
    // Move the read-ahead byte to the front; the next segments are full size.
    byte readAhead = ciphertext.array()[segmentEnd];
    ciphertext.clear();
    ciphertext.put(readAhead);
  }
}
