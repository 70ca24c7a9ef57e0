package dev.envelope.core;

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

/** {@link EnvelopeCipherPropertiesTest}'s properties for the parallel engines, with any in-flight bound. */
class ParallelStreamsPropertiesTest {

  @Property(tries = 100)
  void roundTrip_returnsThePlaintext_whateverTheChunkingAndTheBound(
      @ForAll @IntRange(min = 0, max = 200_000) int size,
      @ForAll("segmentSizes") int segmentSize,
      @ForAll @IntRange(min = 1, max = 9) int inFlight,
      @ForAll("chunkSizes") List<Integer> writeChunks,
      @ForAll("chunkSizes") List<Integer> readChunks,
      @ForAll long seed) throws IOException {
    byte[] plaintext = CipherFixtures.randomBytes(size, seed);
    byte[] rawKey = ParallelStreams.rawKey(seed);
    ByteArrayOutputStream ciphertext = new ByteArrayOutputStream();
    try (OutputStream out = ParallelStreams.encrypter(ParallelStreams.newKey(rawKey), segmentSize, ciphertext,
        inFlight)) {
      int position = 0;
      for (int i = 0; position < size; i++) {
        int n = Math.min(writeChunks.get(i % writeChunks.size()), size - position);
        out.write(plaintext, position, n);
        position += n;
      }
    }

    ByteArrayOutputStream decrypted = new ByteArrayOutputStream();
    try (InputStream in = ParallelStreams.decrypter(rawKey, segmentSize,
        new ByteArrayInputStream(ciphertext.toByteArray()), inFlight)) {
      byte[] buffer = new byte[70_000];
      for (int i = 0; ; i++) {
        int n = in.read(buffer, 0, readChunks.get(i % readChunks.size()));
        if (n == -1) {
          break;
        }
        decrypted.write(buffer, 0, n);
      }
    }

    assertArrayEquals(plaintext, decrypted.toByteArray());
  }

  @Property(tries = 200)
  void anySingleBitFlip_makesDecryptionFail(
      @ForAll @IntRange(min = 0, max = 30_000) int size,
      @ForAll("segmentSizes") int segmentSize,
      @ForAll @IntRange(min = 1, max = 5) int inFlight,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int bitChoice,
      @ForAll long seed) throws IOException {
    byte[] plaintext = CipherFixtures.randomBytes(size, seed);
    byte[] rawKey = ParallelStreams.rawKey(seed);
    byte[] ciphertext = ParallelStreams.encrypt(ParallelStreams.newKey(rawKey), segmentSize, plaintext, 4096, inFlight);
    StreamTamperHarness harness = new StreamTamperHarness(plaintext, ciphertext, 0, segmentSize,
        EnvelopeCipher.STREAM_HEADER_BYTES, EnvelopeCipher.TAG_BYTES,
        in -> ParallelStreams.decrypter(rawKey, segmentSize, in, inFlight));
    int bit = (int) (Integer.toUnsignedLong(bitChoice) % (8L * ciphertext.length));
    ciphertext[bit / 8] ^= (byte) (1 << (bit % 8));

    harness.assertRejected(new StreamTamperHarness.Tamper("flip bit " + bit, ciphertext));
  }

  @Provide
  Arbitrary<Integer> segmentSizes() {
    return Arbitraries.of(4096, 8192, 65536);
  }

  @Provide
  Arbitrary<List<Integer>> chunkSizes() {
    Arbitrary<Integer> chunk = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(1)),
        Tuple.of(3, Arbitraries.integers().between(2, 100)),
        Tuple.of(3, Arbitraries.integers().between(101, 10_000)),
        Tuple.of(2, Arbitraries.integers().between(10_001, 70_000)));
    return chunk.list().ofMinSize(1).ofMaxSize(8);
  }
}
