package dev.envelope.core;

import static dev.envelope.core.CipherFixtures.CONTEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which engine {@link EnvelopeCipher} picks: the rule in its class description. */
class EnvelopeCipherPathTest {
  private static final EnvelopeCipher CIPHER = EnvelopeCipher.create();
  private static final int SEGMENT = EnvelopeCipher.DEFAULT_SEGMENT_SIZE;
  /** The plaintext of two segments: the most a stream may hold and stay sequential. */
  private static final int TWO_SEGMENTS = 2 * (SEGMENT - 16) - 40;

  private final DataKey key = CipherFixtures.dataKey(77);

  @AfterEach
  void cleanUp() {
    key.close();
    System.clearProperty(CipherWorkers.PROPERTY);
    System.clearProperty(CipherWorkers.BUDGET_PROPERTY);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, TWO_SEGMENTS - 1, TWO_SEGMENTS, TWO_SEGMENTS + 1, 3 * SEGMENT, 20 * SEGMENT + 5})
  void streamsOfAtMostTwoSegments_staySequential_longerOnesGoParallel(int size) throws IOException {
    assumeTrue(CipherWorkers.threads() >= 2, "one processor: every stream is sequential");
    System.setProperty(CipherWorkers.PROPERTY, "auto");
    byte[] plaintext = CipherFixtures.randomBytes(size, size);
    boolean parallel = size > TWO_SEGMENTS;

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncryptingStream encrypting = CIPHER.newEncryptingStream(key, CONTEXT, out);
    encrypting.write(plaintext);
    encrypting.close();
    assertEquals(parallel, encrypting.isParallel());
    assertEquals(CIPHER.ciphertextSize(size), out.size());

    DecryptingStream decrypting = (DecryptingStream) CIPHER.newDecryptingStream(key, CONTEXT,
        new ByteArrayInputStream(out.toByteArray()));
    assertArrayEquals(plaintext, decrypting.readAllBytes());
    assertEquals(parallel, decrypting.isParallel());
  }

  @Test
  void byDefault_aLongStreamGoesParallel() throws IOException {
    assumeTrue(CipherWorkers.threads() >= 2, "one processor: every stream is sequential");
    byte[] plaintext = CipherFixtures.randomBytes(20 * SEGMENT + 5, 5);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncryptingStream encrypting = CIPHER.newEncryptingStream(key, CONTEXT, out);
    encrypting.write(plaintext);
    encrypting.close();
    assertTrue(encrypting.isParallel(), "auto is the default");
    DecryptingStream decrypting = (DecryptingStream) CIPHER.newDecryptingStream(key, CONTEXT,
        new ByteArrayInputStream(out.toByteArray()));
    assertArrayEquals(plaintext, decrypting.readAllBytes());
    assertTrue(decrypting.isParallel());
  }

  @Test
  void smallSegments_alwaysStaySequential() throws IOException {
    EnvelopeCipher small = EnvelopeCipher.withSegmentSize(4096);
    EncryptingStream encrypting = small.newEncryptingStream(key, CONTEXT, new ByteArrayOutputStream());
    encrypting.write(new byte[100_000]);
    encrypting.close();

    assertFalse(encrypting.isParallel());
    assertInstanceOf(SegmentDecryptingStream.class,
        small.newDecryptingStream(key, CONTEXT, new ByteArrayInputStream(new byte[0])));
  }

  @Test
  void theSystemProperty_turnsTheParallelEngineOff_orOnForEveryStream() throws IOException {
    byte[] plaintext = CipherFixtures.randomBytes(5 * SEGMENT, 5);

    System.setProperty(CipherWorkers.PROPERTY, "off");
    EncryptingStream off = CIPHER.newEncryptingStream(key, CONTEXT, new ByteArrayOutputStream());
    off.write(plaintext);
    off.close();
    assertFalse(off.isParallel());
    assertInstanceOf(SegmentDecryptingStream.class,
        CIPHER.newDecryptingStream(key, CONTEXT, new ByteArrayInputStream(new byte[0])));

    System.setProperty(CipherWorkers.PROPERTY, "always");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncryptingStream always = CIPHER.newEncryptingStream(key, CONTEXT, out);
    assertTrue(always.isParallel(), "from the first byte");
    always.write(1);
    always.close();
    InputStream in = CIPHER.newDecryptingStream(key, CONTEXT, new ByteArrayInputStream(out.toByteArray()));
    assertInstanceOf(ParallelDecryptingStream.class, in);
    assertArrayEquals(new byte[] {1}, in.readAllBytes());
  }

  @Test
  void aStreamThatChoosesByLength_writesNothingUntilItHasChosen() throws IOException {
    assumeTrue(CipherWorkers.threads() >= 2);
    System.setProperty(CipherWorkers.PROPERTY, "auto");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncryptingStream encrypting = CIPHER.newEncryptingStream(key, CONTEXT, out);
    encrypting.write(new byte[TWO_SEGMENTS]);
    encrypting.flush();
    assertEquals(0, out.size());

    encrypting.write(0);
    assertTrue(encrypting.isParallel());
    encrypting.flush();
    assertEquals(2 * SEGMENT, out.size(), "the header and the two full segments");
    encrypting.close();
    assertEquals(CIPHER.ciphertextSize(TWO_SEGMENTS + 1), out.size());
  }

  @Test
  void abortBeforeChoosing_writesNothing_andClosesTheSink() throws IOException {
    boolean[] closed = {false};
    ByteArrayOutputStream out = new ByteArrayOutputStream() {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    System.setProperty(CipherWorkers.PROPERTY, "auto");
    EncryptingStream encrypting = new EncryptingStream(new StreamEngines(new byte[32], new byte[0], SEGMENT), out);
    encrypting.write(new byte[1000]);
    encrypting.abort();

    assertEquals(0, out.size());
    assertTrue(closed[0]);
  }
}
