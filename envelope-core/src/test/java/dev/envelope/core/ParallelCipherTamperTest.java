package dev.envelope.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Every test of {@link EnvelopeCipherTamperTest} again on the parallel engines, from the first segment: the
 * parallel encrypter writes, the parallel decrypter reads with three segments in flight (so five segments
 * wrap around its ring, and segments after a bad one are decrypted before the bad one is found).
 */
class ParallelCipherTamperTest extends EnvelopeCipherTamperTest {
  static final int IN_FLIGHT = 3;

  @Override
  byte[] encrypt(EnvelopeCipher cipher, DataKey key, EncryptionContext context, byte[] plaintext) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StreamKey streamKey;
    try {
      streamKey = StreamKey.forNewStream(key.plaintext(), context.canonicalBytes());
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
    try (OutputStream encrypting = ParallelStreams.encrypter(streamKey, cipher.segmentSize(), out, IN_FLIGHT)) {
      ParallelStreams.write(encrypting, plaintext, 777);
    }
    return out.toByteArray();
  }

  @Override
  InputStream open(EnvelopeCipher cipher, DataKey key, EncryptionContext context, InputStream ciphertext) {
    return new ParallelDecryptingStream(key.plaintext(), context.canonicalBytes(), cipher.segmentSize(), ciphertext,
        CipherWorkers.shared(), IN_FLIGHT);
  }
}
