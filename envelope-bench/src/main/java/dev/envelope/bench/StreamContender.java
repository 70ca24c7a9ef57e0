package dev.envelope.bench;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingKey;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.util.SecretBytes;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeCipher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.function.LongUnaryOperator;

/**
 * A contender that works through an encrypting {@link OutputStream} and a decrypting {@link InputStream}:
 * Envelope's cipher, or Tink's streaming AEAD used directly. Both get the same chunking (writes and reads of
 * {@link #CHUNK} bytes) and the same sink and source, so the difference between them is our layer.
 */
public final class StreamContender implements Contender {
  /** How a contender turns a sink into an encrypting stream and a source into a decrypting one. */
  public interface Streams {
    OutputStream encrypting(OutputStream sink) throws IOException, GeneralSecurityException;

    InputStream decrypting(InputStream source) throws IOException, GeneralSecurityException;
  }

  /** EnvelopeCipher's engine choice ({@code auto}, {@code off}, {@code always}); see its class description. */
  static final String PATH_PROPERTY = "envelope.cipher.parallel";

  private final String name;
  private final Streams streams;
  private final LongUnaryOperator ciphertextSize;

  private StreamContender(String name, Streams streams, LongUnaryOperator ciphertextSize) {
    this.name = name;
    this.streams = streams;
    this.ciphertextSize = ciphertextSize;
  }

  /**
   * Any stream cipher: {@code streams} makes a fresh encrypting or decrypting stream per call, and
   * {@code ciphertextSize} gives the exact ciphertext size for a plaintext size.
   */
  public static StreamContender of(String name, Streams streams, LongUnaryOperator ciphertextSize) {
    return new StreamContender(name, streams, ciphertextSize);
  }

  /** Envelope's cipher, exactly as the file service calls it. */
  static StreamContender envelope(String name, EnvelopeCipher cipher, DataKey key, EncryptionContext context) {
    return new StreamContender(name, new Streams() {
      @Override
      public OutputStream encrypting(OutputStream sink) throws IOException {
        return cipher.newEncryptingStream(key, context, sink);
      }

      @Override
      public InputStream decrypting(InputStream source) throws IOException {
        return cipher.newDecryptingStream(key, context, source);
      }
    }, cipher::ciphertextSize);
  }

  /**
   * Envelope's cipher with its engine forced: {@code path} is a value of the system property
   * {@value #PATH_PROPERTY} ({@code always}: the parallel engine; {@code off}: the sequential one), set only while
   * each stream is made and restored at once, so other rows keep the cipher's own rule.
   */
  static StreamContender envelopePath(String name, EnvelopeCipher cipher, DataKey key, EncryptionContext context,
      String path) {
    return new StreamContender(name, new Streams() {
      @Override
      public OutputStream encrypting(OutputStream sink) throws IOException {
        String before = System.setProperty(PATH_PROPERTY, path);
        try {
          return cipher.newEncryptingStream(key, context, sink);
        } finally {
          restore(before);
        }
      }

      @Override
      public InputStream decrypting(InputStream source) throws IOException {
        String before = System.setProperty(PATH_PROPERTY, path);
        try {
          return cipher.newDecryptingStream(key, context, source);
        } finally {
          restore(before);
        }
      }
    }, cipher::ciphertextSize);
  }

  private static void restore(String before) {
    if (before == null) {
      System.clearProperty(PATH_PROPERTY);
    } else {
      System.setProperty(PATH_PROPERTY, before);
    }
  }

  /**
   * Tink's AES-GCM-HKDF streaming AEAD with EnvelopeCipher's parameters and the context's canonical bytes
   * as associated data. The primitive is made per stream, as EnvelopeCipher does for every data key.
   */
  static StreamContender tinkDirect(String name, byte[] rawKey, int segmentSize, EncryptionContext context)
      throws GeneralSecurityException {
    AesGcmHkdfStreamingParameters parameters = AesGcmHkdfStreamingParameters.builder()
        .setKeySizeBytes(rawKey.length)
        .setDerivedAesGcmKeySizeBytes(32)
        .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
        .setCiphertextSegmentSizeBytes(segmentSize)
        .build();
    byte[] aad = context.canonicalBytes();
    EnvelopeCipher sameFormat = EnvelopeCipher.withSegmentSize(segmentSize); // only for the size formula
    return new StreamContender(name, new Streams() {
      @Override
      public OutputStream encrypting(OutputStream sink) throws IOException, GeneralSecurityException {
        return primitive().newEncryptingStream(sink, aad);
      }

      @Override
      public InputStream decrypting(InputStream source) throws IOException, GeneralSecurityException {
        return primitive().newDecryptingStream(source, aad);
      }

      private StreamingAead primitive() throws GeneralSecurityException {
        return AesGcmHkdfStreaming.create(AesGcmHkdfStreamingKey.create(
            parameters, SecretBytes.copyFrom(rawKey, InsecureSecretKeyAccess.get())));
      }
    }, sameFormat::ciphertextSize);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long ciphertextSize(long plaintextSize) {
    return ciphertextSize.applyAsLong(plaintextSize);
  }

  @Override
  public int encrypt(byte[] plaintext, int length, byte[] ciphertext) throws Exception {
    ByteArraySink sink = new ByteArraySink(ciphertext);
    try (OutputStream out = streams.encrypting(sink)) {
      for (int off = 0; off < length; off += CHUNK) {
        out.write(plaintext, off, Math.min(CHUNK, length - off));
      }
    }
    return sink.size();
  }

  /**
   * Reads in {@link #CHUNK}-byte windows straight into the output array: a separate 64 KiB buffer would add
   * a copy of every byte that the raw JCE baseline does not pay, and the comparison needs the whole output.
   */
  @Override
  public int decrypt(byte[] ciphertext, int length, byte[] plaintext) throws Exception {
    int position = 0;
    try (InputStream in = streams.decrypting(new ByteArraySource(ciphertext, length))) {
      while (true) {
        int want = Math.min(CHUNK, plaintext.length - position);
        if (want == 0) {
          if (in.read() != -1) {
            throw new IOException("more plaintext than the output array holds");
          }
          return position;
        }
        int n = in.read(plaintext, position, want);
        if (n == -1) {
          return position;
        }
        position += n;
      }
    }
  }
}
