package dev.envelope.core;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
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
 *
 * <h2>Sequential and parallel streams</h2>
 * The bytes are always Tink's; two engines produce them. The sequential one drives Tink's segment encrypter and
 * decrypter on the caller's thread. The parallel one derives the same per-stream key and nonces with the JCE
 * and encrypts or decrypts segments on a shared pool of daemon threads, one per processor
 * ({@code envelope-cipher-N}), while the caller's thread copies, reads the source ahead and writes the sink in
 * segment order (and does a segment itself when every worker already has one waiting); each stream has at most {@code max(2, min(2 × processors, 512 KiB / segment size))} segments in
 * flight. The rule: a stream uses the parallel engine when the JVM has at least two processors, the segment size
 * is at least 64 KiB, and the stream turns out to hold more than two segments (an encrypting stream holds the
 * first two segments' plaintext until a third begins; a decrypting stream reads the header, two segments and
 * one byte before it starts), and the JVM's budget for parallel buffers can spare its ring (a sixteenth of the
 * maximum heap by default, system property {@value #PARALLEL_BUDGET_PROPERTY}). Anything else, including every
 * stream that fits in two segments and every stream started while the budget is spent, uses the sequential
 * engine, so many concurrent (or deliberately slow) streams cost at most the budget beyond what the sequential
 * engine costs: a hostile review's 180 slow downloads ran a 96 MiB server out of memory before the budget, and
 * do not with it. The system property {@value #PARALLEL_PROPERTY} sets the rule: {@code auto} (the default),
 * {@code off} (always sequential) or {@code always} (always parallel, outside the budget: for tests and
 * benchmarks); see {@code docs/FORMAT.md}, "Parallel streams".
 */
public final class EnvelopeCipher {
  /**
   * The system property that chooses between the sequential and the parallel engine: {@code auto} (the default:
   * the rule in the class description), {@code off} or {@code always}.
   */
  public static final String PARALLEL_PROPERTY = "envelope.cipher.parallel";
  /**
   * The system property that sets, in bytes, how much memory all parallel streams of the JVM may hold in their
   * buffers at once; by default a sixteenth of the maximum heap. {@code 0} keeps every stream sequential.
   */
  public static final String PARALLEL_BUDGET_PROPERTY = "envelope.cipher.parallel.budget";
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
   * key may be closed as soon as this returns. Which engine encrypts is the rule in the class description.
   */
  public EncryptingStream newEncryptingStream(DataKey key, EncryptionContext context, OutputStream ciphertext)
      throws IOException {
    StreamEngines engines = new StreamEngines(key.plaintext(), context.canonicalBytes(), segmentSize);
    CipherWorkers.Path path = CipherWorkers.path(segmentSize);
    if (path == CipherWorkers.Path.CHOOSE_BY_LENGTH) {
      return new EncryptingStream(engines, ciphertext);
    }
    try {
      return new EncryptingStream(path == CipherWorkers.Path.PARALLEL
          ? engines.parallelEncrypter(ciphertext, null) : engines.sequentialEncrypter(ciphertext));
    } finally {
      engines.forget();
    }
  }

  /**
   * Returns a stream of the authenticated plaintext of {@code ciphertext}. Reads throw
   * {@link InvalidCiphertextException} on any authentication failure, and pass on the {@link IOException}s
   * of {@code ciphertext} itself unchanged. The data key may be closed as soon as this returns. Which engine
   * decrypts is the rule in the class description.
   */
  public InputStream newDecryptingStream(DataKey key, EncryptionContext context, InputStream ciphertext)
      throws IOException {
    StreamEngines engines = new StreamEngines(key.plaintext(), context.canonicalBytes(), segmentSize);
    CipherWorkers.Path path = CipherWorkers.path(segmentSize);
    if (path == CipherWorkers.Path.CHOOSE_BY_LENGTH) {
      return new DecryptingStream(engines, ciphertext);
    }
    try {
      return path == CipherWorkers.Path.PARALLEL
          ? engines.parallelDecrypter(ciphertext, null) : engines.sequentialDecrypter(ciphertext);
    } finally {
      engines.forget();
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
    return StreamEngines.tink(key.plaintext(), segmentSize);
  }
}
