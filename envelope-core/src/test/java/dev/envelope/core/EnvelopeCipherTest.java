package dev.envelope.core;

import static dev.envelope.core.CipherFixtures.CONTEXT;
import static dev.envelope.core.CipherFixtures.dataKey;
import static dev.envelope.core.CipherFixtures.decrypt;
import static dev.envelope.core.CipherFixtures.encrypt;
import static dev.envelope.core.CipherFixtures.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EnvelopeCipherTest {
  private static final int SEGMENT = 4096;
  private static final EnvelopeCipher SMALL = EnvelopeCipher.withSegmentSize(SEGMENT);
  /** Plaintext bytes in the first segment: the segment minus the tag and Tink's 40-byte stream header. */
  private static final int FIRST = SEGMENT - 16 - 40;
  /** Plaintext bytes in every later segment. */
  private static final int OTHER = SEGMENT - 16;

  @TempDir Path dir;

  static IntStream boundarySizes() {
    return IntStream.of(0, 1, FIRST - 1, FIRST, FIRST + 1,
        FIRST + OTHER - 1, FIRST + OTHER, FIRST + OTHER + 1);
  }

  @ParameterizedTest(name = "{0} bytes")
  @MethodSource("boundarySizes")
  void roundTrip_atSegmentBoundaries_returnsThePlaintext(int size) throws IOException {
    byte[] plaintext = randomBytes(size, size);
    try (DataKey key = dataKey(1)) {
      byte[] ciphertext = encrypt(SMALL, key, CONTEXT, plaintext);

      assertArrayEquals(plaintext, decrypt(SMALL, key, CONTEXT, ciphertext));
    }
  }

  @ParameterizedTest(name = "{0} bytes")
  @MethodSource("boundarySizes")
  void ciphertextSize_equalsTheActualCiphertextLength(int size) {
    try (DataKey key = dataKey(2)) {
      byte[] ciphertext = encrypt(SMALL, key, CONTEXT, randomBytes(size, size));

      assertEquals(ciphertext.length, SMALL.ciphertextSize(size));
    }
  }

  @ParameterizedTest(name = "{0} bytes")
  @MethodSource("boundarySizes")
  void ciphertextSize_withTheDefaultSegmentSize_equalsTheActualCiphertextLength(int size) throws IOException {
    EnvelopeCipher cipher = EnvelopeCipher.create();
    byte[] plaintext = randomBytes(size, size);
    try (DataKey key = dataKey(2)) {
      byte[] ciphertext = encrypt(cipher, key, CONTEXT, plaintext);

      assertEquals(ciphertext.length, cipher.ciphertextSize(size));
      assertArrayEquals(plaintext, decrypt(cipher, key, CONTEXT, ciphertext));
    }
  }

  @Test
  void ciphertextSize_matchesHandComputedLengths() {
    assertEquals(56, SMALL.ciphertextSize(0));                         // header + one tag
    assertEquals(57, SMALL.ciphertextSize(1));
    assertEquals(4096, SMALL.ciphertextSize(FIRST));                   // exactly one full segment
    assertEquals(4096 + 1 + 16, SMALL.ciphertextSize(FIRST + 1));       // a second segment of one byte
    assertEquals(8192, SMALL.ciphertextSize(FIRST + OTHER));           // two full segments
    assertEquals(8192 + 1 + 16, SMALL.ciphertextSize(FIRST + OTHER + 1));
    int defaultSegment = EnvelopeCipher.DEFAULT_SEGMENT_SIZE;
    assertEquals(defaultSegment, EnvelopeCipher.create().ciphertextSize(defaultSegment - 56));
    // 100 MiB: 256 KiB segments hold 262,088 then 262,128 bytes (401 segments); 64 KiB ones 65,480 then
    // 65,520 (1,601 segments).
    assertEquals(40 + (100L << 20) + 401 * 16, EnvelopeCipher.withSegmentSize(256 * 1024).ciphertextSize(100L << 20));
    assertEquals(40 + (100L << 20) + 1601 * 16, EnvelopeCipher.withSegmentSize(64 * 1024).ciphertextSize(100L << 20));
  }

  @Test
  void ciphertextSize_ofANegativeLength_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> SMALL.ciphertextSize(-1));
  }

  @Test
  void withSegmentSize_rejectsSizesOutsideTheLimits() {
    assertThrows(IllegalArgumentException.class, () -> EnvelopeCipher.withSegmentSize(4095));
    assertThrows(IllegalArgumentException.class, () -> EnvelopeCipher.withSegmentSize(8 * 1024 * 1024 + 1));
    assertThrows(IllegalArgumentException.class, () -> EnvelopeCipher.withSegmentSize(0));
    assertEquals(4096, EnvelopeCipher.withSegmentSize(4096).segmentSize());
    assertEquals(8 << 20, EnvelopeCipher.withSegmentSize(8 << 20).segmentSize());
    assertEquals(EnvelopeCipher.DEFAULT_SEGMENT_SIZE, EnvelopeCipher.create().segmentSize());
  }

  @Test
  void roundTrip_ofAnEmptyAndAOneBytePlaintext_withTheDefaultSegmentSize() throws IOException {
    EnvelopeCipher cipher = EnvelopeCipher.create();
    try (DataKey key = dataKey(3)) {
      assertArrayEquals(new byte[0], decrypt(cipher, key, CONTEXT, encrypt(cipher, key, CONTEXT, new byte[0])));
      assertArrayEquals(new byte[] {42}, decrypt(cipher, key, CONTEXT, encrypt(cipher, key, CONTEXT, new byte[] {42})));
    }
  }

  @Test
  void roundTrip_withTheEmptyContext() throws IOException {
    byte[] plaintext = randomBytes(10_000, 4);
    try (DataKey key = dataKey(4)) {
      byte[] ciphertext = encrypt(SMALL, key, EncryptionContext.empty(), plaintext);

      assertArrayEquals(plaintext, decrypt(SMALL, key, EncryptionContext.empty(), ciphertext));
    }
  }

  @Test
  void roundTrip_of100MiB_withTheDefaultSegmentSize_streamsThroughAFile() throws Exception {
    long size = 100L << 20;
    EnvelopeCipher cipher = EnvelopeCipher.create();
    Path file = dir.resolve("big.ct");
    MessageDigest plaintextDigest = sha256();
    byte[] buffer = new byte[64 * 1024];
    try (DataKey key = dataKey(5)) {
      try (InputStream source = CipherFixtures.randomStream(size, 0x5eed);
           OutputStream encrypting = cipher.newEncryptingStream(key, CONTEXT, Files.newOutputStream(file))) {
        for (int n; (n = source.read(buffer)) != -1; ) {
          plaintextDigest.update(buffer, 0, n);
          encrypting.write(buffer, 0, n);
        }
      }
      assertEquals(cipher.ciphertextSize(size), Files.size(file));

      MessageDigest decryptedDigest = sha256();
      long decrypted = 0;
      try (InputStream decrypting = cipher.newDecryptingStream(key, CONTEXT, Files.newInputStream(file))) {
        for (int n; (n = decrypting.read(buffer)) != -1; ) {
          decryptedDigest.update(buffer, 0, n);
          decrypted += n;
        }
      }

      assertEquals(size, decrypted);
      assertArrayEquals(plaintextDigest.digest(), decryptedDigest.digest());
    }
  }

  @Test
  void encryptingTwice_givesDifferentCiphertexts() {
    byte[] plaintext = randomBytes(5000, 6);
    try (DataKey key = dataKey(6)) {
      byte[] first = encrypt(SMALL, key, CONTEXT, plaintext);
      byte[] second = encrypt(SMALL, key, CONTEXT, plaintext);

      assertEquals(first.length, second.length);
      assertFalse(Arrays.equals(first, second));
      // the random salt and nonce prefix (bytes 1..39 of the stream header) differ
      assertFalse(Arrays.equals(Arrays.copyOfRange(first, 1, 40), Arrays.copyOfRange(second, 1, 40)));
    }
  }

  @Test
  void ciphertext_doesNotContainThePlaintext() {
    byte[] plaintext = new byte[3 * SEGMENT]; // all zeros: any leak would show as a run of zeros
    try (DataKey key = dataKey(7)) {
      byte[] ciphertext = encrypt(SMALL, key, CONTEXT, plaintext);

      assertTrue(longestRunOfZeros(ciphertext) < 8, "run of zeros in the ciphertext");
    }
  }

  @Test
  void theDataKey_mayBeClosedAsSoonAsTheStreamsExist() throws IOException {
    byte[] plaintext = randomBytes(FIRST + OTHER + 7, 8);
    DataKey encryptKey = dataKey(8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OutputStream encrypting = SMALL.newEncryptingStream(encryptKey, CONTEXT, out);
    encryptKey.close();
    encrypting.write(plaintext);
    encrypting.close();

    DataKey decryptKey = dataKey(8);
    InputStream decrypting = SMALL.newDecryptingStream(decryptKey, CONTEXT,
        new ByteArrayInputStream(out.toByteArray()));
    decryptKey.close();

    assertArrayEquals(plaintext, decrypting.readAllBytes());
  }

  @Test
  void aClosedDataKey_cannotStartAStream() {
    DataKey key = dataKey(9);
    key.close();

    assertThrows(IllegalStateException.class,
        () -> SMALL.newEncryptingStream(key, CONTEXT, new ByteArrayOutputStream()));
    assertThrows(IllegalStateException.class,
        () -> SMALL.newDecryptingStream(key, CONTEXT, new ByteArrayInputStream(new byte[100])));
  }

  @Test
  void closingTheEncryptingStream_closesTheCiphertextStream() throws IOException {
    boolean[] closed = {false};
    OutputStream sink = new FilterOutputStream(new ByteArrayOutputStream()) {
      @Override
      public void close() throws IOException {
        closed[0] = true;
        super.close();
      }
    };
    try (DataKey key = dataKey(10)) {
      SMALL.newEncryptingStream(key, CONTEXT, sink).close();
    }

    assertTrue(closed[0]);
  }

  @Test
  void decryptingWithAnotherSegmentSize_fails() throws IOException {
    byte[] plaintext = randomBytes(3 * SEGMENT, 11);
    try (DataKey key = dataKey(11)) {
      byte[] ciphertext = encrypt(SMALL, key, CONTEXT, plaintext);

      assertThrows(InvalidCiphertextException.class,
          () -> decrypt(EnvelopeCipher.withSegmentSize(2 * SEGMENT), key, CONTEXT, ciphertext));
    }
  }

  // ---- seekable decryption ----

  @Test
  void seekableChannel_readsRandomRanges() throws IOException {
    byte[] plaintext = randomBytes(FIRST + 6 * OTHER + 1234, 12);
    try (DataKey key = dataKey(12);
         SeekableByteChannel channel = seekable(SMALL, key, CONTEXT, encrypt(SMALL, key, CONTEXT, plaintext))) {
      assertEquals(plaintext.length, channel.size());
      SplittableRandom random = new SplittableRandom(12);
      for (int i = 0; i < 300; i++) {
        int start = random.nextInt(plaintext.length);
        int length = random.nextInt(Math.min(3 * SEGMENT, plaintext.length - start) + 1);

        assertArrayEquals(Arrays.copyOfRange(plaintext, start, start + length), readRange(channel, start, length),
            "range " + start + "+" + length);
      }
    }
  }

  @Test
  void seekableChannel_readsRangesAcrossSegmentBoundaries() throws IOException {
    byte[] plaintext = randomBytes(FIRST + 4 * OTHER + 100, 13);
    try (DataKey key = dataKey(13);
         SeekableByteChannel channel = seekable(SMALL, key, CONTEXT, encrypt(SMALL, key, CONTEXT, plaintext))) {
      for (int boundary = FIRST; boundary < plaintext.length; boundary += OTHER) {
        for (int[] range : new int[][] {
            {boundary - 1, 2}, {boundary - 1, 1}, {boundary, 1}, {boundary - 100, 200},
            {boundary - OTHER + 1, OTHER}, {boundary - 1, OTHER + 2}, {boundary - FIRST, Math.min(3 * OTHER,
                plaintext.length - boundary + FIRST)}}) {
          int start = Math.max(0, range[0]);
          int length = Math.min(range[1], plaintext.length - start);

          assertArrayEquals(Arrays.copyOfRange(plaintext, start, start + length),
              readRange(channel, start, length), "range " + start + "+" + length);
        }
      }
      assertArrayEquals(plaintext, readRange(channel, 0, plaintext.length));
      assertArrayEquals(Arrays.copyOfRange(plaintext, plaintext.length - 1, plaintext.length),
          readRange(channel, plaintext.length - 1, 1));
    }
  }

  @Test
  void seekableChannel_withTheDefaultSegmentSize_readsRandomRanges() throws IOException {
    EnvelopeCipher cipher = EnvelopeCipher.create();
    byte[] plaintext = randomBytes(5 * EnvelopeCipher.DEFAULT_SEGMENT_SIZE + 777, 14);
    try (DataKey key = dataKey(14);
         SeekableByteChannel channel = seekable(cipher, key, CONTEXT, encrypt(cipher, key, CONTEXT, plaintext))) {
      SplittableRandom random = new SplittableRandom(14);
      for (int i = 0; i < 40; i++) {
        int start = random.nextInt(plaintext.length);
        int length = random.nextInt(Math.min(600_000, plaintext.length - start) + 1);

        assertArrayEquals(Arrays.copyOfRange(plaintext, start, start + length), readRange(channel, start, length),
            "range " + start + "+" + length);
      }
    }
  }

  @Test
  void seekableChannel_atTheEnd_returnsEndOfStream() throws IOException {
    byte[] plaintext = randomBytes(FIRST + OTHER + 10, 15);
    try (DataKey key = dataKey(15);
         SeekableByteChannel channel = seekable(SMALL, key, CONTEXT, encrypt(SMALL, key, CONTEXT, plaintext))) {
      channel.position(plaintext.length);

      assertEquals(-1, channel.read(ByteBuffer.allocate(10)));
    }
  }

  @Test
  void seekableChannel_overAnEmptyPlaintext_isEmpty() throws IOException {
    try (DataKey key = dataKey(16);
         SeekableByteChannel channel = seekable(SMALL, key, CONTEXT, encrypt(SMALL, key, CONTEXT, new byte[0]))) {
      assertEquals(0, channel.size());
      assertEquals(-1, channel.read(ByteBuffer.allocate(10)));
    }
  }

  @Test
  void seekableChannel_readingATamperedSegment_fails_butOtherSegmentsStillRead() throws IOException {
    byte[] plaintext = randomBytes(FIRST + 3 * OTHER + 10, 17);
    try (DataKey key = dataKey(17)) {
      byte[] ciphertext = encrypt(SMALL, key, CONTEXT, plaintext);
      ciphertext[2 * SEGMENT + 100] ^= 0x01; // inside segment 2
      try (SeekableByteChannel channel = seekable(SMALL, key, CONTEXT, ciphertext)) {
        int segment2 = FIRST + OTHER;

        assertThrows(InvalidCiphertextException.class, () -> readRange(channel, segment2 + 5, 10));
        assertArrayEquals(Arrays.copyOfRange(plaintext, 0, 100), readRange(channel, 0, 100));
        assertArrayEquals(Arrays.copyOfRange(plaintext, segment2 + OTHER, segment2 + OTHER + 10),
            readRange(channel, segment2 + OTHER, 10));
      }
    }
  }

  @Test
  void seekableChannel_withTheWrongContext_fails() throws IOException {
    byte[] plaintext = randomBytes(FIRST + OTHER, 18);
    try (DataKey key = dataKey(18)) {
      byte[] ciphertext = encrypt(SMALL, key, CONTEXT, plaintext);

      assertThrows(InvalidCiphertextException.class, () -> {
        try (SeekableByteChannel channel = seekable(SMALL, key, EncryptionContext.of("format", "1"), ciphertext)) {
          readRange(channel, 0, 10);
        }
      });
    }
  }

  @Test
  void seekableChannel_overATruncatedCiphertext_failsAtTheEnd() throws IOException {
    byte[] plaintext = randomBytes(FIRST + 2 * OTHER + 10, 19);
    try (DataKey key = dataKey(19)) {
      byte[] ciphertext = encrypt(SMALL, key, CONTEXT, plaintext);
      byte[] truncated = Arrays.copyOf(ciphertext, 2 * SEGMENT); // the last segment is gone

      assertThrows(InvalidCiphertextException.class, () -> {
        try (SeekableByteChannel channel = seekable(SMALL, key, CONTEXT, truncated)) {
          readRange(channel, 0, (int) channel.size());
        }
      });
    }
  }

  @Test
  void seekableChannel_rejectsANegativePosition_insteadOfBlamingTheCiphertext() throws IOException {
    byte[] plaintext = randomBytes(100, 23);
    try (DataKey key = dataKey(23);
         SeekableByteChannel channel = seekable(SMALL, key, CONTEXT, encrypt(SMALL, key, CONTEXT, plaintext))) {
      assertThrows(IllegalArgumentException.class, () -> channel.position(-1));
      assertArrayEquals(plaintext, readRange(channel, 0, plaintext.length));
    }
  }

  @Test
  void seekableChannel_isReadOnly() throws IOException {
    try (DataKey key = dataKey(20);
         SeekableByteChannel channel = seekable(SMALL, key, CONTEXT, encrypt(SMALL, key, CONTEXT, new byte[10]))) {
      assertThrows(NonWritableChannelException.class,
          () -> channel.write(ByteBuffer.allocate(1)));
      assertThrows(NonWritableChannelException.class, () -> channel.truncate(0));
    }
  }

  private SeekableByteChannel seekable(EnvelopeCipher cipher, DataKey key, EncryptionContext context,
      byte[] ciphertext) throws IOException {
    Path file = Files.createTempFile(dir, "seek", ".ct");
    Files.write(file, ciphertext);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return cipher.newSeekableDecryptingChannel(key, context, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Reads exactly {@code length} bytes at {@code position}, failing on a premature end. */
  static byte[] readRange(SeekableByteChannel channel, long position, int length) throws IOException {
    channel.position(position);
    ByteBuffer buffer = ByteBuffer.allocate(length);
    int emptyReads = 0;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer);
      if (n == -1) {
        fail("end of stream after " + buffer.position() + " of " + length + " bytes at " + position);
      }
      if (n == 0 && ++emptyReads > 100) {
        fail("channel keeps returning 0 bytes at " + (position + buffer.position()));
      }
    }
    assertEquals(position + length, channel.position());
    return buffer.array();
  }

  private static int longestRunOfZeros(byte[] bytes) {
    int longest = 0;
    int run = 0;
    for (byte b : bytes) {
      run = b == 0 ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    return longest;
  }

  private static MessageDigest sha256() throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256");
  }
}
