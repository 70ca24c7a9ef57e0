package dev.envelope.core;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingKey;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.util.SecretBytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * Makes the engines of one stream, sequential (Tink's segment encrypter and decrypter) or parallel
 * ({@link StreamKey} on the {@link CipherWorkers}), from a copy of the data key that {@link #forget()} zeroes
 * once the stream has chosen. Each engine keeps only what it needs: Tink's primitive, or the derived key.
 */
final class StreamEngines {
  private final byte[] dataKey;
  private final byte[] associatedData;
  private final int segmentSize;

  StreamEngines(byte[] dataKey, byte[] associatedData, int segmentSize) {
    this.dataKey = dataKey.clone();
    this.associatedData = associatedData.clone();
    this.segmentSize = segmentSize;
  }

  int segmentSize() {
    return segmentSize;
  }

  EncryptingStream.Engine sequentialEncrypter(OutputStream out) throws IOException {
    try {
      return new SegmentEncryptingStream(tink(dataKey, segmentSize), associatedData, out);
    } catch (GeneralSecurityException e) {
      throw brokenRuntime(e);
    }
  }

  EncryptingStream.Engine parallelEncrypter(OutputStream out, CipherWorkers.Lease lease) throws IOException {
    StreamKey key;
    try {
      key = StreamKey.forNewStream(dataKey, associatedData);
    } catch (GeneralSecurityException e) {
      throw brokenRuntime(e);
    }
    return new ParallelEncryptingStream(key, segmentSize, out, CipherWorkers.shared(),
        CipherWorkers.inFlight(segmentSize), lease);
  }

  InputStream sequentialDecrypter(InputStream in) {
    try {
      return new SegmentDecryptingStream(tink(dataKey, segmentSize), associatedData, in);
    } catch (GeneralSecurityException e) {
      throw brokenRuntime(e);
    }
  }

  InputStream parallelDecrypter(InputStream in, CipherWorkers.Lease lease) {
    return new ParallelDecryptingStream(dataKey, associatedData, segmentSize, in, CipherWorkers.shared(),
        CipherWorkers.inFlight(segmentSize), lease);
  }

  /** Zeroes this copy of the data key; engines made before keep working. */
  void forget() {
    Arrays.fill(dataKey, (byte) 0);
  }

  /** Whether {@link #forget()} has zeroed the copy. For tests. */
  boolean forgotten() {
    for (byte b : dataKey) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** Tink's primitive for a raw data key, with Envelope's parameters (docs/FORMAT.md, section 4). */
  static AesGcmHkdfStreaming tink(byte[] dataKey, int segmentSize) {
    try {
      AesGcmHkdfStreamingParameters parameters = AesGcmHkdfStreamingParameters.builder()
          .setKeySizeBytes(DataKey.SIZE_BYTES)
          .setDerivedAesGcmKeySizeBytes(32)
          .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
          .setCiphertextSegmentSizeBytes(segmentSize)
          .build();
      // create() returns the concrete class; the segment API it adds is what our streams drive.
      return (AesGcmHkdfStreaming) AesGcmHkdfStreaming.create(AesGcmHkdfStreamingKey.create(
          parameters, SecretBytes.copyFrom(dataKey, InsecureSecretKeyAccess.get())));
    } catch (GeneralSecurityException e) {
      throw brokenRuntime(e);
    }
  }

  /** Only reachable if the JVM lacks AES-GCM or HMAC-SHA256: a broken runtime, not bad input. */
  static IllegalStateException brokenRuntime(GeneralSecurityException e) {
    return new IllegalStateException("this Java runtime cannot create AES-GCM-HKDF streams", e);
  }
}
