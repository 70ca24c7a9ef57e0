package dev.envelope.core;

import static dev.envelope.core.ParallelStreams.AAD;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingKey;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.subtle.StreamSegmentDecrypter;
import com.google.crypto.tink.subtle.StreamSegmentEncrypter;
import com.google.crypto.tink.util.SecretBytes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parallel engines derive the key and nonces themselves ({@link StreamKey}); these tests hold their bytes to
 * Tink 1.24's own encrypter and decrypter: for the salt and nonce prefix Tink chose, the parallel encrypter
 * writes exactly Tink's ciphertext, whatever the write sizes and the in-flight bound, and each side decrypts the
 * other's.
 */
class ParallelStreamsTinkIdentityTest {
  private static final byte[] KEY = ParallelStreams.rawKey(7);
  /** Write sizes: 0 is the single-byte write(int), then odd sizes, around a segment, and whole segments. */
  private static final int[] WRITES_OF_A_4K_STREAM = {0, 1, 7, 1000, 4040, 4041, 4079, 4080, 4081, 3 * 4080 + 5,
      1 << 20};

  static Stream<Arguments> lengths() {
    List<Arguments> out = new ArrayList<>();
    for (int segment : new int[] {4096, 8192, 65536}) {
      for (int length : boundaries(segment)) {
        out.add(Arguments.of(segment, length));
      }
    }
    out.add(Arguments.of(65536, 3 * (1 << 20) + 12345)); // a few MiB
    out.add(Arguments.of(4096, (1 << 20) + 77));         // hundreds of small segments
    out.add(Arguments.of(1 << 20, 5 * (1 << 20) + 3));   // large segments
    return out.stream();
  }

  /** 0, 1, around one segment, and exactly 2, 3 and 6 segments, each -1, exact and +1. */
  static TreeSet<Integer> boundaries(int segment) {
    int first = segment - 16 - 40;
    int other = segment - 16;
    TreeSet<Integer> lengths = new TreeSet<>(List.of(0, 1, other));
    for (int segments : new int[] {1, 2, 3, 6}) {
      int full = first + (segments - 1) * other;
      lengths.addAll(List.of(full - 1, full, full + 1));
    }
    return lengths;
  }

  @ParameterizedTest(name = "{0}-byte segments, {1} bytes")
  @MethodSource("lengths")
  void theParallelEncrypter_writesTinksBytes_forTinksSaltAndNoncePrefix(int segment, int length) throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(length, length);
    int other = segment - 16;
    int[] writes = segment == 4096 ? WRITES_OF_A_4K_STREAM
        : new int[] {0, 13, other - 1, other, other + 1, 5 * other, Integer.MAX_VALUE};
    for (int write : writes) {
      if (write == 0 && length > (1 << 20)) {
        continue; // a byte at a time over MiBs proves nothing the 4 KiB rows do not
      }
      for (int inFlight : new int[] {1, 2, 5}) {
        // A fresh stream of Tink's each time: encrypting under one key and nonce twice is what GCM forbids, and
        // the JCE refuses it on the same Cipher (each worker keeps one).
        byte[] tinks = encryptWithTink(segment, plaintext);
        StreamKey key = StreamKey.of(KEY, ParallelStreams.salt(tinks), ParallelStreams.noncePrefix(tinks), AAD);
        byte[] ours = ParallelStreams.encrypt(key, segment, plaintext, Math.min(write, Math.max(1, length)), inFlight);

        assertArrayEquals(tinks, ours, "writes of " + write + " bytes, " + inFlight + " in flight");
      }
    }
  }

  @ParameterizedTest(name = "{0}-byte segments, {1} bytes")
  @MethodSource("lengths")
  void tinksDecrypter_decryptsWhatTheParallelEncrypterWrites(int segment, int length) throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(length, ~length);
    byte[] ours = ParallelStreams.encrypt(ParallelStreams.newKey(KEY), segment, plaintext, 65536, 4);

    try (InputStream in = tink(segment).newDecryptingStream(new ByteArrayInputStream(ours), AAD)) {
      assertArrayEquals(plaintext, in.readAllBytes());
    }
    assertEquals(EnvelopeCipher.withSegmentSize(segment).ciphertextSize(length), ours.length);
  }

  @ParameterizedTest(name = "{0}-byte segments, {1} bytes")
  @MethodSource("lengths")
  void theParallelDecrypter_decryptsWhatTinksEncrypterWrites(int segment, int length) throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(length, length + 1);
    byte[] tinks = encryptWithTink(segment, plaintext);
    for (int read : new int[] {0, 1, 13, segment - 17, segment - 16, segment - 15, 1 << 20}) {
      if (read <= 1 && length > (1 << 20)) {
        continue;
      }
      for (int inFlight : new int[] {1, 2, 5}) {
        assertArrayEquals(plaintext, ParallelStreams.decrypt(KEY, segment, tinks, read, inFlight),
            "reads of " + read + " bytes, " + inFlight + " in flight");
      }
    }
  }

  @Test
  void tinksSegmentDecrypter_acceptsEverySegment_withItsIndexAndLastFlag() throws Exception {
    int segment = 4096;
    byte[] plaintext = CipherFixtures.randomBytes(3 * 4080 + 99, 3);
    byte[] ours = ParallelStreams.encrypt(ParallelStreams.newKey(KEY), segment, plaintext, 100, 3);
    StreamSegmentDecrypter decrypter = tink(segment).newStreamSegmentDecrypter();
    decrypter.init(ByteBuffer.wrap(ours, 0, 40), AAD);
    ByteArrayOutputStream decrypted = new ByteArrayOutputStream();
    int start = 40;
    for (int j = 0; start < ours.length; j++) {
      int end = Math.min(ours.length, (j + 1) * segment);
      boolean last = end == ours.length;
      ByteBuffer out = ByteBuffer.allocate(segment);
      decrypter.decryptSegment(ByteBuffer.wrap(ours, start, end - start), j, last, out);
      decrypted.write(out.array(), 0, out.position());
      int index = j;
      ByteBuffer same = ByteBuffer.wrap(ours, start, end - start);
      assertThrows(GeneralSecurityException.class,
          () -> decrypter.decryptSegment(same, index, !last, ByteBuffer.allocate(segment)));
      start = end;
    }
    assertArrayEquals(plaintext, decrypted.toByteArray());
  }

  @Test
  void theParallelEncrypter_matchesTinksSegmentEncrypter_segmentBySegment() throws Exception {
    int segment = 4096;
    StreamSegmentEncrypter tinks = tink(segment).newStreamSegmentEncrypter(AAD);
    ByteBuffer header = tinks.getHeader();
    byte[] headerBytes = new byte[header.remaining()];
    header.get(headerBytes);
    StreamKey key = StreamKey.fromHeader(KEY, headerBytes, AAD);
    byte[] plaintext = CipherFixtures.randomBytes(4040 + 2 * 4080 + 1, 4);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(headerBytes);
    int[] starts = {0, 4040, 4040 + 4080, 4040 + 2 * 4080, plaintext.length};
    for (int j = 0; j + 1 < starts.length; j++) {
      ByteBuffer out = ByteBuffer.allocate(segment);
      tinks.encryptSegment(ByteBuffer.wrap(plaintext, starts[j], starts[j + 1] - starts[j]), j == starts.length - 2,
          out);
      expected.write(out.array(), 0, out.position());
    }

    assertArrayEquals(expected.toByteArray(), ParallelStreams.encrypt(key, segment, plaintext, 333, 2));
  }

  @Test
  void theDerivedKey_isHkdfSha256_ofTheDataKeySaltAndAssociatedData_rfc5869TestCase1() throws Exception {
    // RFC 5869, A.1: the first 32 bytes of its 42-byte OKM (one HMAC block is all a 32-byte key needs).
    byte[] ikm = new byte[22];
    Arrays.fill(ikm, (byte) 0x0b);
    byte[] salt = java.util.HexFormat.of().parseHex("000102030405060708090a0b0c");
    byte[] info = java.util.HexFormat.of().parseHex("f0f1f2f3f4f5f6f7f8f9");

    assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf",
        java.util.HexFormat.of().formatHex(StreamKey.hkdfSha256(ikm, salt, info)));
  }

  @Test
  void theParallelDecrypter_readsEveryKnownAnswerFile() throws Exception {
    for (KnownAnswerFiles.Stream stream : KnownAnswerFiles.streams()) {
      for (int inFlight : new int[] {1, 2, 3}) {
        try (InputStream in = ParallelStreams.decrypterFor(stream, inFlight)) {
          assertArrayEquals(stream.plaintext(), ParallelStreams.readAll(in, 1000), stream.name());
        }
      }
    }
  }

  private static byte[] encryptWithTink(int segment, byte[] plaintext) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream encrypting = tink(segment).newEncryptingStream(out, AAD)) {
      encrypting.write(plaintext);
    }
    return out.toByteArray();
  }

  /** Tink's primitive, built here as Tink's documentation says (not through Envelope's own code). */
  private static AesGcmHkdfStreaming tink(int segment) throws GeneralSecurityException {
    AesGcmHkdfStreamingParameters parameters = AesGcmHkdfStreamingParameters.builder()
        .setKeySizeBytes(32).setDerivedAesGcmKeySizeBytes(32)
        .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
        .setCiphertextSegmentSizeBytes(segment).build();
    return (AesGcmHkdfStreaming) AesGcmHkdfStreaming.create(AesGcmHkdfStreamingKey.create(parameters,
        SecretBytes.copyFrom(KEY, InsecureSecretKeyAccess.get())));
  }
}
