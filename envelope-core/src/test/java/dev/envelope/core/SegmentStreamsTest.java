package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingKey;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.util.SecretBytes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Our segment streams drive Tink's segment API themselves (to save copies); these tests pin them to Tink's
 * own streams byte for byte, in both directions, so the format is Tink's whatever the write and read sizes.
 */
class SegmentStreamsTest {
  private static final int SEGMENT = 4096;
  private static final int FIRST = SEGMENT - 16 - 40;
  private static final int OTHER = SEGMENT - 16;

  @ParameterizedTest
  @ValueSource(ints = {0, 1, FIRST - 1, FIRST, FIRST + 1, FIRST + OTHER - 1, FIRST + OTHER, FIRST + OTHER + 1,
      FIRST + 5 * OTHER, 100_000})
  void tinksOwnStreamDecryptsWhatWeEncrypt(int size) throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(size, size);
    for (int chunk : new int[] {1, 7, FIRST, FIRST + 1, OTHER, OTHER + 1, 3 * OTHER + 5, 1 << 20}) {
      byte[] ciphertext = encryptWithUs(plaintext, chunk);
      try (InputStream in = tink().newDecryptingStream(new ByteArrayInputStream(ciphertext), CipherFixtures.CONTEXT.canonicalBytes())) {
        assertArrayEquals(plaintext, in.readAllBytes(), "size " + size + ", write chunk " + chunk);
      }
      assertEquals(EnvelopeCipher.withSegmentSize(SEGMENT).ciphertextSize(size), ciphertext.length);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, FIRST - 1, FIRST, FIRST + 1, FIRST + OTHER - 1, FIRST + OTHER, FIRST + OTHER + 1,
      FIRST + 5 * OTHER, 100_000})
  void weDecryptWhatTinksOwnStreamEncrypts(int size) throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(size, size);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream encrypting = tink().newEncryptingStream(out, CipherFixtures.CONTEXT.canonicalBytes())) {
      encrypting.write(plaintext);
    }
    for (int chunk : new int[] {1, 13, FIRST, OTHER - 1, OTHER, OTHER + 1, 1 << 20}) {
      assertArrayEquals(plaintext, readInChunks(out.toByteArray(), chunk), "size " + size + ", read chunk " + chunk);
    }
  }

  @Test
  void aFailedDirectDecryptionLeavesNoPlaintextInTheCallersBuffer() throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(3 * OTHER, 5);
    byte[] ciphertext = encryptWithUs(plaintext, 1 << 20);
    ciphertext[40 + FIRST + 16 + 100] ^= 1; // inside the second segment
    try (InputStream in = cipher().newDecryptingStream(CipherFixtures.dataKey(1), CipherFixtures.CONTEXT,
        new ByteArrayInputStream(ciphertext))) {
      byte[] buffer = new byte[1 << 20];
      assertEquals(FIRST, in.read(buffer, 0, buffer.length));
      Arrays.fill(buffer, (byte) 0x55);
      assertThrows(InvalidCiphertextException.class, () -> in.read(buffer, 0, buffer.length));
      for (byte b : buffer) {
        if (b != 0 && b != 0x55) {
          throw new AssertionError("the caller's buffer holds bytes of the rejected segment");
        }
      }
    }
  }

  @Test
  void afterTheSinkFailsTheStreamRefusesWritesAndNeverFinishesTheCiphertext() throws Exception {
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    OutputStream failingSink = new OutputStream() {
      @Override
      public void write(int b) throws java.io.IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws java.io.IOException {
        if (written.size() > 2 * SEGMENT) {
          throw new java.io.IOException("disk full");
        }
        written.write(b, off, len);
      }
    };
    EncryptingStream encrypting = cipher().newEncryptingStream(CipherFixtures.dataKey(1), CipherFixtures.CONTEXT, failingSink);
    byte[] plaintext = CipherFixtures.randomBytes(10 * OTHER, 9);
    assertThrows(java.io.IOException.class, () -> encrypting.write(plaintext));
    assertThrows(java.io.IOException.class, () -> encrypting.write(plaintext, 0, 10));
    int before = written.size();
    encrypting.close();
    assertEquals(before, written.size(), "close after a failure must not write a last segment");
    assertThrows(InvalidCiphertextException.class, () -> CipherFixtures.decrypt(cipher(), CipherFixtures.dataKey(1),
        CipherFixtures.CONTEXT, written.toByteArray()));
  }

  @Test
  void abortLeavesAnUnfinishedCiphertext() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncryptingStream encrypting = cipher().newEncryptingStream(CipherFixtures.dataKey(1), CipherFixtures.CONTEXT, out);
    encrypting.write(CipherFixtures.randomBytes(3 * OTHER + 7, 2));
    encrypting.abort();
    encrypting.close();
    assertThrows(InvalidCiphertextException.class, () -> CipherFixtures.decrypt(cipher(), CipherFixtures.dataKey(1),
        CipherFixtures.CONTEXT, out.toByteArray()));
  }

  private static byte[] encryptWithUs(byte[] plaintext, int chunk) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream encrypting = cipher().newEncryptingStream(CipherFixtures.dataKey(1), CipherFixtures.CONTEXT, out)) {
      for (int off = 0; off < plaintext.length; off += chunk) {
        encrypting.write(plaintext, off, Math.min(chunk, plaintext.length - off));
      }
    }
    return out.toByteArray();
  }

  private static byte[] readInChunks(byte[] ciphertext, int chunk) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = cipher().newDecryptingStream(CipherFixtures.dataKey(1), CipherFixtures.CONTEXT,
        new ByteArrayInputStream(ciphertext))) {
      byte[] buffer = new byte[chunk];
      for (int n; (n = in.read(buffer, 0, chunk)) != -1; ) {
        out.write(buffer, 0, n);
      }
    }
    return out.toByteArray();
  }

  private static EnvelopeCipher cipher() {
    return EnvelopeCipher.withSegmentSize(SEGMENT);
  }

  private static StreamingAead tink() throws Exception {
    AesGcmHkdfStreamingParameters parameters = AesGcmHkdfStreamingParameters.builder()
        .setKeySizeBytes(32).setDerivedAesGcmKeySizeBytes(32)
        .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
        .setCiphertextSegmentSizeBytes(SEGMENT).build();
    byte[] key = CipherFixtures.dataKey(1).copyPlaintext(InsecureKeyAccess.get());
    return AesGcmHkdfStreaming.create(AesGcmHkdfStreamingKey.create(parameters,
        SecretBytes.copyFrom(key, InsecureSecretKeyAccess.get())));
  }
}
