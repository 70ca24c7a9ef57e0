package dev.envelope.core;

import static dev.envelope.core.CipherFixtures.CONTEXT;
import static dev.envelope.core.CipherFixtures.dataKey;
import static dev.envelope.core.CipherFixtures.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * The raw cipher stream under {@link StreamTamperHarness}, with 4 KiB segments, as {@link EnvelopeCipher} opens it.
 * Subclasses run every test again on another engine ({@link #encrypt}, {@link #open}).
 */
class EnvelopeCipherTamperTest {
  private static final EnvelopeCipher CIPHER = EnvelopeCipher.withSegmentSize(4096);
  private static final int FIRST = 4096 - 16 - 40;
  private static final int OTHER = 4096 - 16;
  /** Five segments, the last one partial. */
  private static final int PARTIAL_LAST = FIRST + 3 * OTHER + 2000;
  /** Five segments, the last one full. */
  private static final int FULL_LAST = FIRST + 4 * OTHER;

  final DataKey key = dataKey(100);

  @AfterEach
  void closeKey() {
    key.close();
  }

  @TestFactory
  Stream<DynamicNode> fiveSegments_lastOnePartial() {
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    assertEquals(5, harness.segmentCount());
    return harness.dynamicTests();
  }

  @TestFactory
  Stream<DynamicNode> fiveSegments_lastOneFull() {
    StreamTamperHarness harness = harness(FULL_LAST);
    assertEquals(5, harness.segmentCount());
    assertEquals(5 * 4096, harness.ciphertext().length);
    return harness.dynamicTests();
  }

  @TestFactory
  Stream<DynamicNode> emptyPlaintext() {
    return harness(0).dynamicTests();
  }

  @Test
  void decryptWithAChangedContextValue_fails() {
    Map<String, String> changed = new LinkedHashMap<>(CONTEXT.asMap());
    changed.put("object", "obj-7f3b");

    assertRejectedUnder("context value changed", EncryptionContext.of(changed));
  }

  @Test
  void decryptWithAnAddedContextEntry_fails() {
    Map<String, String> added = new LinkedHashMap<>(CONTEXT.asMap());
    added.put("extra", "");

    assertRejectedUnder("context entry added", EncryptionContext.of(added));
  }

  @Test
  void decryptWithAnEmptyContext_fails() {
    assertRejectedUnder("empty context", EncryptionContext.empty());
  }

  @Test
  void decryptWithAnotherDataKey_fails() {
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    try (DataKey other = dataKey(101)) {
      harness.assertRejected("another data key",
          in -> open(CIPHER, other, CONTEXT, in), harness.ciphertext(), 0);
    }
  }

  @Test
  void decryptWithAnotherSegmentSize_fails() {
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    EnvelopeCipher other = EnvelopeCipher.withSegmentSize(8192);

    harness.assertRejected("another segment size",
        in -> open(other, key, CONTEXT, in), harness.ciphertext(), 0);
  }

  @Test
  void aSourceIOException_passesThroughAsTheSameException() throws IOException {
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    IOException fire = new IOException("disk on fire");
    byte[] ciphertext = harness.ciphertext();

    for (int failAfter : new int[] {0, 20, 4096, 3 * 4096 + 7, ciphertext.length}) {
      InputStream in = open(CIPHER, key, CONTEXT,
          new StreamTamperHarness.FailingInputStream(ciphertext, failAfter, fire));
      IOException thrown = assertThrows(IOException.class, in::readAllBytes);

      assertSame(fire, thrown, "after " + failAfter + " bytes");
    }
  }

  @Test
  void afterInvalidCiphertext_everyLaterReadThrowsAgain() throws IOException {
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    byte[] truncated = Arrays.copyOf(harness.ciphertext(), 2 * 4096);
    InputStream in = open(CIPHER, key, CONTEXT, new ByteArrayInputStream(truncated));
    byte[] buffer = new byte[StreamTamperHarness.READ_CHUNK];

    assertThrows(InvalidCiphertextException.class, () -> {
      while (in.read(buffer) != -1) {
        // read until it fails
      }
    });
    assertThrows(InvalidCiphertextException.class, () -> in.read(buffer));
    assertThrows(InvalidCiphertextException.class, in::read);
    assertThrows(InvalidCiphertextException.class, () -> in.read(buffer, 0, 1));
    assertThrows(InvalidCiphertextException.class, () -> in.skip(10));
    assertThrows(InvalidCiphertextException.class, in::readAllBytes);
  }

  @Test
  void afterAFailedHeader_laterReadsDoNotParseTheNextBytesAsAHeader() throws IOException {
    // Tink's own stream forgets a bad header and would read the next 40 bytes as a new one.
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    byte[] damaged = harness.ciphertext();
    damaged[0] ^= 0x01; // the header length byte
    InputStream in = open(CIPHER, key, CONTEXT, new ByteArrayInputStream(damaged));

    assertThrows(InvalidCiphertextException.class, () -> in.read(new byte[10]));
    assertThrows(InvalidCiphertextException.class, () -> in.read(new byte[10]));
    assertThrows(InvalidCiphertextException.class, in::readAllBytes);
  }

  @Test
  void theHarness_noticesAStreamThatReleasesADamagedSegment() {
    // A decryptor that ignores the ciphertext and hands out the plaintext must fail the harness.
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    byte[] plaintext = harness.plaintext();
    StreamTamperHarness lax = new StreamTamperHarness(plaintext, harness.ciphertext(), 0, 4096, 40, 16,
        in -> new SequenceInputStream(new ByteArrayInputStream(plaintext), new InputStream() {
          @Override
          public int read() throws IOException {
            throw new InvalidCiphertextException("bad");
          }
        }));
    StreamTamperHarness.Tamper tamper = lax.truncations().get(0);

    assertThrows(AssertionFailedError.class, () -> lax.assertRejected(tamper));
  }

  @Test
  void theHarness_readingOneByteAtATime_catchesABugThatOnlySmallReadsHave() throws Exception {
    // A stream that turns a failure into a clean end when asked for fewer than 8 bytes: reading 1000 bytes at a
    // time never sees it; reading one byte at a time must.
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    StreamTamperHarness.Decryptor buggy = in -> new java.io.FilterInputStream(open(CIPHER, key, CONTEXT, in)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (InvalidCiphertextException e) {
          if (len < 8) {
            return -1;
          }
          throw e;
        }
      }
    };
    StreamTamperHarness wrapped = new StreamTamperHarness(harness.plaintext(), harness.ciphertext(), 0, 4096, 40, 16,
        buggy);
    StreamTamperHarness.Tamper cut = wrapped.truncations().get(wrapped.truncations().size() - 1);

    wrapped.assertRejected(cut); // at the default read size the bug does not show
    assertThrows(AssertionFailedError.class, () -> wrapped.withReadSize(1).assertRejected(cut));
    assertTrue(wrapped.readSizes().contains(1));
  }

  private void assertRejectedUnder(String name, EncryptionContext other) {
    StreamTamperHarness harness = harness(PARTIAL_LAST);
    harness.assertRejected(name, in -> open(CIPHER, key, other, in), harness.ciphertext(), 0);
  }

  private StreamTamperHarness harness(int plaintextSize) {
    byte[] plaintext = randomBytes(plaintextSize, plaintextSize);
    try {
      return new StreamTamperHarness(plaintext, encrypt(CIPHER, key, CONTEXT, plaintext), 0, CIPHER.segmentSize(),
          EnvelopeCipher.STREAM_HEADER_BYTES, EnvelopeCipher.TAG_BYTES, in -> open(CIPHER, key, CONTEXT, in));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The ciphertext of {@code plaintext}, by the engine under test. */
  byte[] encrypt(EnvelopeCipher cipher, DataKey key, EncryptionContext context, byte[] plaintext) throws IOException {
    return CipherFixtures.encrypt(cipher, key, context, plaintext);
  }

  /** A decrypting stream of the engine under test. */
  InputStream open(EnvelopeCipher cipher, DataKey key, EncryptionContext context, InputStream ciphertext)
      throws IOException {
    return cipher.newDecryptingStream(key, context, ciphertext);
  }
}
