package dev.envelope.core;

import static dev.envelope.core.CipherFixtures.CONTEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JVM's budget for the parallel streams' buffers ({@link CipherWorkers#lease}): a stream goes parallel only
 * when the budget can spare its ring, the many others stay sequential (and still read and write the same bytes),
 * and every way a stream ends gives its share back.
 */
class ParallelBudgetTest {
  private static final EnvelopeCipher CIPHER = EnvelopeCipher.create();
  private static final int SEGMENT = EnvelopeCipher.DEFAULT_SEGMENT_SIZE;
  private static final long RING = CipherWorkers.ringBytes(SEGMENT);
  /** Long enough to go parallel: more than two segments. */
  private static final byte[] PLAINTEXT = CipherFixtures.randomBytes(5 * SEGMENT + 3, 9);

  private final DataKey key = CipherFixtures.dataKey(91);
  private byte[] ciphertext;

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue(CipherWorkers.threads() >= 2, "one processor: every stream is sequential");
    System.setProperty(CipherWorkers.PROPERTY, "auto");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (EncryptingStream encrypting = CIPHER.newEncryptingStream(key, CONTEXT, out)) {
      encrypting.write(PLAINTEXT);
    }
    ciphertext = out.toByteArray();
    awaitNothingLeased();
  }

  @AfterEach
  void cleanUp() {
    key.close();
    System.clearProperty(CipherWorkers.PROPERTY);
    System.clearProperty(CipherWorkers.BUDGET_PROPERTY);
  }

  @Test
  void theDefaultBudget_isASixteenthOfTheHeap() {
    assertEquals(Runtime.getRuntime().maxMemory() / 16, CipherWorkers.budgetBytes());
    System.setProperty(CipherWorkers.BUDGET_PROPERTY, "12345");
    assertEquals(12345, CipherWorkers.budgetBytes());
    System.setProperty(CipherWorkers.BUDGET_PROPERTY, "not a number");
    assertEquals(Runtime.getRuntime().maxMemory() / 16, CipherWorkers.budgetBytes(), "unreadable: the default");
    System.setProperty(CipherWorkers.BUDGET_PROPERTY, "-5");
    assertEquals(0, CipherWorkers.budgetBytes());
  }

  @Test
  void aBudgetOfZero_keepsEveryStreamSequential_withTheSameBytes() throws IOException {
    System.setProperty(CipherWorkers.BUDGET_PROPERTY, "0");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncryptingStream encrypting = encryptingInto(out);
    encrypting.close();
    assertFalse(encrypting.isParallel());
    assertEquals(ciphertext.length, out.size());

    DecryptingStream decrypting = decrypting();
    assertArrayEquals(PLAINTEXT, decrypting.readAllBytes());
    assertFalse(decrypting.isParallel());
    assertEquals(0, CipherWorkers.leased());
  }

  @Test
  void manyConcurrentStreams_onlyAsManyAsTheBudgetHolds_goParallel() throws IOException {
    System.setProperty(CipherWorkers.BUDGET_PROPERTY, Long.toString(3 * RING));
    List<EncryptingStream> encrypting = new ArrayList<>();
    List<ByteArrayOutputStream> outs = new ArrayList<>();
    List<DecryptingStream> decrypting = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      outs.add(out);
      encrypting.add(encryptingInto(out)); // open: each holds its engine
      DecryptingStream in = decrypting();
      assertEquals(PLAINTEXT[0], (byte) in.read()); // started, open
      decrypting.add(in);
      assertTrue(CipherWorkers.leased() <= 3 * RING, "never beyond the budget: " + CipherWorkers.leased());
    }
    assertEquals(3, encrypting.stream().filter(EncryptingStream::isParallel).count()
        + decrypting.stream().filter(DecryptingStream::isParallel).count());
    assertEquals(3 * RING, CipherWorkers.leased());

    for (int i = 0; i < 20; i++) {
      encrypting.get(i).close();
      assertEquals(ciphertext.length, outs.get(i).size());
      byte[] rest = decrypting.get(i).readAllBytes();
      assertEquals(PLAINTEXT.length - 1, rest.length);
      assertArrayEquals(java.util.Arrays.copyOfRange(PLAINTEXT, 1, PLAINTEXT.length), rest);
      decrypting.get(i).close();
    }
    assertEquals(0, CipherWorkers.leased(), "every share given back");
  }

  @Test
  void aShareIsGivenBack_whenTheStreamEnds_whateverTheWay() throws IOException {
    // Encrypting: closed, aborted, or failed on its sink and then closed.
    EncryptingStream closed = encryptingInto(new ByteArrayOutputStream());
    assertTrue(closed.isParallel());
    assertEquals(RING, CipherWorkers.leased());
    closed.close();
    assertEquals(0, CipherWorkers.leased(), "closed");

    EncryptingStream aborted = encryptingInto(new ByteArrayOutputStream());
    aborted.abort();
    assertEquals(0, CipherWorkers.leased(), "aborted");

    java.io.OutputStream broken = new java.io.OutputStream() {
      private int written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        written += len;
        if (written > 2 * SEGMENT) {
          throw new IOException("disk full");
        }
      }
    };
    EncryptingStream failed = CIPHER.newEncryptingStream(key, CONTEXT, broken);
    assertThrows(IOException.class, () -> {
      for (int i = 0; i < 20; i++) {
        failed.write(PLAINTEXT);
        failed.flush();
      }
    });
    failed.close(); // after a failure, close only closes the sink
    assertEquals(0, CipherWorkers.leased(), "failed, then closed");

    // Decrypting: read to its end (and not closed), closed halfway, or tampered with.
    DecryptingStream toTheEnd = decrypting();
    assertArrayEquals(PLAINTEXT, toTheEnd.readAllBytes());
    assertTrue(toTheEnd.isParallel());
    assertEquals(0, CipherWorkers.leased(), "read to the end");
    assertEquals(-1, toTheEnd.read(), "and still at its end");

    DecryptingStream halfway = decrypting();
    halfway.readNBytes(SEGMENT);
    assertEquals(RING, CipherWorkers.leased());
    halfway.close();
    assertEquals(0, CipherWorkers.leased(), "closed halfway");

    byte[] tampered = ciphertext.clone();
    tampered[tampered.length - 100] ^= 1;
    InputStream bad = CIPHER.newDecryptingStream(key, CONTEXT, new ByteArrayInputStream(tampered));
    assertThrows(InvalidCiphertextException.class, bad::readAllBytes);
    assertEquals(0, CipherWorkers.leased(), "failed on a bad tag");
  }

  @Test
  void aStreamNeverClosed_givesItsShareBack_onceUnreachable() throws IOException {
    abandonOne();
    assertEquals(RING, CipherWorkers.leased());
    awaitNothingLeased();
  }

  private void abandonOne() throws IOException {
    EncryptingStream abandoned = encryptingInto(new ByteArrayOutputStream());
    assertTrue(abandoned.isParallel());
  }

  private EncryptingStream encryptingInto(ByteArrayOutputStream out) throws IOException {
    EncryptingStream encrypting = CIPHER.newEncryptingStream(key, CONTEXT, out);
    encrypting.write(PLAINTEXT);
    return encrypting;
  }

  private DecryptingStream decrypting() throws IOException {
    return (DecryptingStream) CIPHER.newDecryptingStream(key, CONTEXT, new ByteArrayInputStream(ciphertext));
  }

  /** Streams other tests left unclosed give their shares back once collected. */
  private static void awaitNothingLeased() {
    for (int i = 0; i < 200 && CipherWorkers.leased() != 0; i++) {
      System.gc();
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    assertEquals(0, CipherWorkers.leased(), "a lease outlived its stream");
  }
}
