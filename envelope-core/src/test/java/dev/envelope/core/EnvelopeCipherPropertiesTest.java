package dev.envelope.core;

import static dev.envelope.core.CipherFixtures.CONTEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the cipher stream (jqwik). Named *Test so that Surefire's default includes pick it up.
 */
class EnvelopeCipherPropertiesTest {

  @Property(tries = 150)
  void roundTrip_returnsThePlaintext_whateverTheChunking(
      @ForAll @IntRange(min = 0, max = 200_000) int size,
      @ForAll("segmentSizes") int segmentSize,
      @ForAll("chunkSizes") List<Integer> writeChunks,
      @ForAll("chunkSizes") List<Integer> readChunks,
      @ForAll long seed) throws IOException {
    EnvelopeCipher cipher = EnvelopeCipher.withSegmentSize(segmentSize);
    byte[] plaintext = CipherFixtures.randomBytes(size, seed);
    try (DataKey key = CipherFixtures.dataKey(seed)) {
      ByteArrayOutputStream ciphertext = new ByteArrayOutputStream();
      try (OutputStream out = cipher.newEncryptingStream(key, CONTEXT, ciphertext)) {
        int position = 0;
        for (int i = 0; position < size; i++) {
          int chunk = writeChunks.get(i % writeChunks.size());
          if (chunk == 0) {
            out.write(plaintext[position++]); // the single-byte write(int)
          } else {
            int n = Math.min(chunk, size - position);
            out.write(plaintext, position, n);
            position += n;
          }
        }
      }

      ByteArrayOutputStream decrypted = new ByteArrayOutputStream();
      try (InputStream in = cipher.newDecryptingStream(key, CONTEXT,
          new ByteArrayInputStream(ciphertext.toByteArray()))) {
        byte[] buffer = new byte[70_000];
        for (int i = 0; ; i++) {
          int chunk = readChunks.get(i % readChunks.size());
          if (chunk == 0) {
            int b = in.read(); // the single-byte read()
            if (b == -1) {
              break;
            }
            decrypted.write(b);
          } else {
            int n = in.read(buffer, 0, chunk);
            if (n == -1) {
              break;
            }
            decrypted.write(buffer, 0, n);
          }
        }
      }

      assertArrayEquals(plaintext, decrypted.toByteArray());
    }
  }

  @Property(tries = 200)
  void anySingleBitFlip_makesDecryptionFail(
      @ForAll @IntRange(min = 0, max = 30_000) int size,
      @ForAll("segmentSizes") int segmentSize,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int bitChoice,
      @ForAll long seed) {
    EnvelopeCipher cipher = EnvelopeCipher.withSegmentSize(segmentSize);
    try (DataKey key = CipherFixtures.dataKey(seed)) {
      StreamTamperHarness harness = StreamTamperHarness.forEnvelopeCipher(cipher, key, CONTEXT,
          CipherFixtures.randomBytes(size, seed));
      byte[] ciphertext = harness.ciphertext();
      int bit = (int) (Integer.toUnsignedLong(bitChoice) % (8L * ciphertext.length));
      ciphertext[bit / 8] ^= (byte) (1 << (bit % 8));

      harness.assertRejected(new StreamTamperHarness.Tamper("flip bit " + bit, ciphertext));
    }
  }

  @Provide
  Arbitrary<Integer> segmentSizes() {
    return Arbitraries.of(4096, 8192, 65536);
  }

  /** Chunk sizes to cycle through; 0 stands for a single-byte write(int) or read(). */
  @Provide
  Arbitrary<List<Integer>> chunkSizes() {
    Arbitrary<Integer> chunk = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.just(0)),
        Tuple.of(2, Arbitraries.just(1)),
        Tuple.of(3, Arbitraries.integers().between(2, 100)),
        Tuple.of(3, Arbitraries.integers().between(101, 10_000)),
        Tuple.of(2, Arbitraries.integers().between(10_001, 70_000)));
    return chunk.list().ofMinSize(1).ofMaxSize(8);
  }
}
