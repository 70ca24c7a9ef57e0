package dev.envelope.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Every test of {@link EnvelopeCipherTamperTest} again on the streams that choose their engine by length (what
 * {@link EnvelopeCipher} returns where the parallel engine can help, here with 4 KiB segments): a damaged stream
 * of five segments goes to the parallel engine, a short one or one cut or failing within its first two segments
 * to the sequential one after the bytes read to decide are replayed.
 */
class ChosenEngineTamperTest extends EnvelopeCipherTamperTest {
  @Override
  byte[] encrypt(EnvelopeCipher cipher, DataKey key, EncryptionContext context, byte[] plaintext) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream encrypting = new EncryptingStream(engines(cipher, key, context), out)) {
      ParallelStreams.write(encrypting, plaintext, 999);
    }
    return out.toByteArray();
  }

  @Override
  InputStream open(EnvelopeCipher cipher, DataKey key, EncryptionContext context, InputStream ciphertext) {
    return new DecryptingStream(engines(cipher, key, context), ciphertext);
  }

  private static StreamEngines engines(EnvelopeCipher cipher, DataKey key, EncryptionContext context) {
    return new StreamEngines(key.plaintext(), context.canonicalBytes(), cipher.segmentSize());
  }
}
