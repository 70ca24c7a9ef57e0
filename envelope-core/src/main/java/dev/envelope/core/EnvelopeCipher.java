package dev.envelope.core;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingKey;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.util.SecretBytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SeekableByteChannel;
import java.security.GeneralSecurityException;

/**
 * The envelope cipher: streaming encryption of content under a {@link DataKey}, with the canonical encoding
 * of an {@link EncryptionContext} as associated data. This is the raw stream the file service stores; the
 * self-contained file format with its header is {@link Envelope}.
 *
 * <h2>Security guarantees</h2>
 * Tink's AES-256-GCM-HKDF streaming AEAD (see {@code docs/FORMAT.md}): a per-stream key derived by HKDF from
 * the data key and a random salt, a random nonce prefix, segments authenticated one by one with their
 * index and a last-segment flag. Decryption releases a segment only after it authenticated; tampering,
 * truncation, extension, reordering or the wrong context make a read throw {@link InvalidCiphertextException}
 * (never a clean end of stream). Memory use does not depend on the stream's length.
 *
 * <h2>Restrictions</h2>
 * A stream is trustworthy only once it has reached its end (read returned -1, or close of the encrypting
 * stream returned) without an exception; the authentic segments before a bad one will have been released.
 * Streams are not thread-safe.
 */
public final class EnvelopeCipher {
  /**
   * The default ciphertext segment size, 64 KiB, chosen by measurement ({@code bin/bench}, see
   * {@code docs/FORMAT.md}, "Segment size"): bulk throughput is flat from 64 KiB to 4 MiB, a range read
   * decrypts whole segments so smaller is cheaper there, and a segment's plaintext (65,520 bytes) fits the
   * usual 64 KiB I/O buffer, so reads and writes of that size skip the stream's own buffer entirely.
   */
  public static final int DEFAULT_SEGMENT_SIZE = 64 * 1024;
  /** The smallest segment size a stream may declare. */
  public static final int MIN_SEGMENT_SIZE = 4 * 1024;
  /** The largest segment size a stream may declare (memory per stream is about two segments). */
  public static final int MAX_SEGMENT_SIZE = 8 * 1024 * 1024;

  /** Bytes of Tink's stream header: length byte, 32-byte salt, 7-byte nonce prefix. */
  static final int STREAM_HEADER_BYTES = 1 + 32 + 7;
  static final int TAG_BYTES = 16;

  private static final EnvelopeCipher DEFAULT = new EnvelopeCipher(DEFAULT_SEGMENT_SIZE);

  private final int segmentSize;

  private EnvelopeCipher(int segmentSize) {
    this.segmentSize = segmentSize;
  }

  /** The cipher with the {@linkplain #DEFAULT_SEGMENT_SIZE default segment size}. */
  public static EnvelopeCipher create() {
    return DEFAULT;
  }

  /**
   * A cipher writing segments of {@code segmentSize} bytes of ciphertext. Decryption needs the same size,
   * which is why {@link Envelope} records it in every file header.
   */
  public static EnvelopeCipher withSegmentSize(int segmentSize) {
    if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
      throw new IllegalArgumentException("segment size must be between " + MIN_SEGMENT_SIZE + " and "
          + MAX_SEGMENT_SIZE + " bytes, not " + segmentSize);
    }
    return segmentSize == DEFAULT_SEGMENT_SIZE ? DEFAULT : new EnvelopeCipher(segmentSize);
  }

  public int segmentSize() {
    return segmentSize;
  }

  /**
   * Returns a stream that encrypts what is written to it into {@code ciphertext}. Closing it writes the last
   * segment and closes {@code ciphertext}; if the plaintext's source fails, call
   * {@link EncryptingStream#abort()} instead, so that the prefix does not become a valid ciphertext. The data
   * key may be closed as soon as this returns.
   */
  public EncryptingStream newEncryptingStream(DataKey key, EncryptionContext context, OutputStream ciphertext)
      throws IOException {
    try {
      return new EncryptingStream(primitive(key), context.canonicalBytes(), ciphertext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java runtime cannot create AES-GCM-HKDF streams", e);
    }
  }

  /**
   * Returns a stream of the authenticated plaintext of {@code ciphertext}. Reads throw
   * {@link InvalidCiphertextException} on any authentication failure, and pass on the {@link IOException}s
   * of {@code ciphertext} itself unchanged. The data key may be closed as soon as this returns.
   */
  public InputStream newDecryptingStream(DataKey key, EncryptionContext context, InputStream ciphertext)
      throws IOException {
    try {
      return new SegmentDecryptingStream(primitive(key), context.canonicalBytes(), ciphertext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java runtime cannot create AES-GCM-HKDF streams", e);
    }
  }

  /**
   * Returns a channel over the plaintext of {@code ciphertext} that decrypts only the segments a read
   * touches: the basis of range reads. Authentication failures throw {@link InvalidCiphertextException}.
   */
  public SeekableByteChannel newSeekableDecryptingChannel(
      DataKey key, EncryptionContext context, SeekableByteChannel ciphertext) throws IOException {
    AuthenticatedChannel.SourceChannel source = new AuthenticatedChannel.SourceChannel(ciphertext);
    try {
      return new AuthenticatedChannel(
          primitive(key).newSeekableDecryptingChannel(source, context.canonicalBytes()), source);
    } catch (GeneralSecurityException e) {
      throw new InvalidCiphertextException(SegmentDecryptingStream.MESSAGE, e);
    } catch (IOException e) {
      if (source.failure != null) {
        throw source.failure;
      }
      throw new InvalidCiphertextException(SegmentDecryptingStream.MESSAGE, e);
    }
  }

  /** The exact ciphertext length of a stream of {@code plaintextSize} bytes. */
  public long ciphertextSize(long plaintextSize) {
    if (plaintextSize < 0) {
      throw new IllegalArgumentException("negative size");
    }
    long firstPlaintext = segmentSize - TAG_BYTES - STREAM_HEADER_BYTES;
    long otherPlaintext = segmentSize - TAG_BYTES;
    long segments = plaintextSize <= firstPlaintext
        ? 1 : 1 + (plaintextSize - firstPlaintext + otherPlaintext - 1) / otherPlaintext;
    return STREAM_HEADER_BYTES + plaintextSize + segments * TAG_BYTES;
  }

  private AesGcmHkdfStreaming primitive(DataKey key) {
    try {
      AesGcmHkdfStreamingParameters parameters = AesGcmHkdfStreamingParameters.builder()
          .setKeySizeBytes(DataKey.SIZE_BYTES)
          .setDerivedAesGcmKeySizeBytes(32)
          .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
          .setCiphertextSegmentSizeBytes(segmentSize)
          .build();
      // create() returns the concrete class; the segment API it adds is what our streams drive.
      return (AesGcmHkdfStreaming) AesGcmHkdfStreaming.create(AesGcmHkdfStreamingKey.create(
          parameters, SecretBytes.copyFrom(key.plaintext(), InsecureSecretKeyAccess.get())));
    } catch (GeneralSecurityException e) {
      // Only reachable if the JVM lacks AES-GCM or HMAC-SHA256: a broken runtime, not bad input.
      throw new IllegalStateException("this Java runtime cannot create AES-GCM-HKDF streams", e);
    }
  }
}
