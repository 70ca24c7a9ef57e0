package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.crypto.tink.subtle.StreamSegmentDecrypter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the parallel engines fail: in stream order, without releasing a byte they must not, without ever writing a
 * last segment after an abort or a sink failure. {@link HeldTasks} makes segments finish in the worst order.
 */
class ParallelStreamsFailureTest {
  private static final int SEGMENT = 4096;
  private static final int FIRST = SEGMENT - 16 - 40;
  private static final int OTHER = SEGMENT - 16;
  private static final byte[] KEY = ParallelStreams.rawKey(31);
  private static final byte SENTINEL = 0x55;

  @ParameterizedTest(name = "segment {0} damaged")
  @ValueSource(ints = {0, 1, 4, 5, 6, 7, 9})
  void noByteOfABadSegment_norOfAnyAfterIt_isReleased_evenWhenTheyFinishFirst(int damaged) throws Exception {
    int segments = 10;
    byte[] plaintext = CipherFixtures.randomBytes(FIRST + (segments - 1) * OTHER - 100, damaged);
    byte[] ciphertext = ParallelStreams.encrypt(ParallelStreams.newKey(KEY), SEGMENT, plaintext, 5000, 4);
    ciphertext[damaged * SEGMENT + (damaged == 0 ? 40 : 0) + 100] ^= 0x01;
    HeldTasks held = new HeldTasks();
    int inFlight = 4;
    InputStream in = ParallelStreams.decrypter(KEY, SEGMENT, new ByteArrayInputStream(ciphertext), inFlight, held);
    ByteArrayOutputStream released = new ByteArrayOutputStream();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    byte[] lastBuffer = new byte[1 << 20];
    Thread reader = new Thread(() -> {
      try {
        while (true) {
          Arrays.fill(lastBuffer, SENTINEL);
          int n = in.read(lastBuffer, 0, lastBuffer.length);
          if (n == -1) {
            return;
          }
          released.write(lastBuffer, 0, n);
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    reader.start();
    // The reader reads four segments ahead, then waits for the first; they finish newest first, so segments
    // after the damaged one authenticate before it is found bad.
    for (int batch = 0; batch * inFlight <= damaged; batch++) {
      held.awaitArrivals(Math.min(inFlight, segments - batch * inFlight));
      held.runNewestFirst();
    }
    reader.join();

    assertInstanceOf(InvalidCiphertextException.class, failure.get());
    long authentic = damaged == 0 ? 0 : FIRST + (long) (damaged - 1) * OTHER;
    assertEquals(authentic, released.size(), "exactly the segments before the damaged one");
    assertArrayEquals(Arrays.copyOf(plaintext, released.size()), released.toByteArray());
    for (byte b : lastBuffer) {
      if (b != SENTINEL) {
        fail("the read that failed wrote into the caller's buffer");
      }
    }
    assertThrows(InvalidCiphertextException.class, () -> in.read(new byte[10]));
  }

  @Test
  void truncationAtEverySegmentBoundary_andNextToIt_fails() throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(FIRST + 11 * OTHER - 5, 2);
    byte[] ciphertext = ParallelStreams.encrypt(ParallelStreams.newKey(KEY), SEGMENT, plaintext, 4096, 3);
    assertEquals(12, (ciphertext.length + SEGMENT - 1) / SEGMENT);
    for (int boundary = 40; boundary < ciphertext.length; boundary = boundary == 40 ? SEGMENT : boundary + SEGMENT) {
      for (int cut : new int[] {boundary - 1, boundary, boundary + 1}) {
        for (int inFlight : new int[] {1, 2, 8}) {
          byte[] truncated = Arrays.copyOf(ciphertext, cut);
          ByteArrayOutputStream released = new ByteArrayOutputStream();
          InputStream in = ParallelStreams.decrypter(KEY, SEGMENT, new ByteArrayInputStream(truncated), inFlight);
          assertThrows(InvalidCiphertextException.class, () -> released.write(in.readAllBytes()),
              "cut at " + cut + ", " + inFlight + " in flight");
          int segmentsIntact = cut / SEGMENT; // whole segments left before the cut
          long bound = segmentsIntact == 0 ? 0 : FIRST + (long) (segmentsIntact - 1) * OTHER;
          assertTrue(released.size() <= bound, "cut at " + cut);
        }
      }
    }
  }

  @ParameterizedTest(name = "abort after {0} segments")
  @ValueSource(ints = {0, 1, 2, 3, 7})
  void abortAfterNSegments_leavesNoLastSegment_andTheCiphertextFailsAtTheEnd(int n) throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes((n == 0 ? 0 : FIRST + (n - 1) * OTHER) + 123, n);
    for (boolean chosenByLength : new boolean[] {false, true}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      OutputStream encrypting = chosenByLength
          ? new EncryptingStream(new StreamEngines(KEY, ParallelStreams.AAD, SEGMENT), out)
          : ParallelStreams.encrypter(ParallelStreams.newKey(KEY), SEGMENT, out, 3);
      ParallelStreams.write(encrypting, plaintext, 1000);
      if (encrypting instanceof EncryptingStream e) {
        e.abort();
      } else {
        ((ParallelEncryptingStream) encrypting).abort();
      }
      encrypting.close();
      assertThrows(IOException.class, () -> encrypting.write(1));
      byte[] ciphertext = out.toByteArray();

      assertNoLastSegment(ciphertext);
      assertFailsAtTheEnd(plaintext, ciphertext);
    }
  }

  @Test
  void abort_dropsQueuedSegments_andNothingReachesTheSinkAfterIt() throws Exception {
    HeldTasks held = new HeldTasks();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ParallelEncryptingStream encrypting = ParallelStreams.encrypter(ParallelStreams.newKey(KEY), SEGMENT, out, 8, held);
    encrypting.write(CipherFixtures.randomBytes(FIRST + 4 * OTHER + 1, 5));
    assertEquals(5, held.waiting(), "five segments queued, none encrypted");
    encrypting.abort();
    held.runFromNowOn();
    encrypting.close();

    assertEquals(40, out.size(), "only the stream header");
  }

  @Test
  void writesReturnOnceQueued_andSegmentsFinishingInAnyOrderReachTheSinkInOrder() throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(FIRST + 5 * OTHER + 10, 6);
    byte[] tinks = tinkCiphertext(plaintext);
    StreamKey key = StreamKey.of(KEY, ParallelStreams.salt(tinks), ParallelStreams.noncePrefix(tinks),
        ParallelStreams.AAD);
    HeldTasks held = new HeldTasks();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ParallelEncryptingStream encrypting = ParallelStreams.encrypter(key, SEGMENT, out, 8, held);

    encrypting.write(plaintext);
    assertEquals(40, out.size(), "the write returned with nothing but the header written");
    assertEquals(6, held.waiting());
    held.runFromNowOn(); // newest first
    encrypting.flush();
    assertEquals(40 + 6 * SEGMENT - 40, out.size());
    encrypting.close();

    assertArrayEquals(tinks, out.toByteArray());
  }

  @ParameterizedTest(name = "the sink fails on write {0}")
  @ValueSource(ints = {1, 2, 3, 5, 8, 9})
  void aSinkFailure_surfaces_andTheStreamNeverWritesALastSegmentAfterIt(int failingWrite) throws Exception {
    byte[] plaintext = CipherFixtures.randomBytes(FIRST + 7 * OTHER - 300, failingWrite); // 8 segments: 9 writes
    for (boolean chosenByLength : new boolean[] {false, true}) {
      FailingSink sink = new FailingSink(failingWrite);
      OutputStream encrypting = null;
      IOException surfaced = null;
      try {
        encrypting = chosenByLength
            ? new EncryptingStream(new StreamEngines(KEY, ParallelStreams.AAD, SEGMENT), sink)
            : ParallelStreams.encrypter(ParallelStreams.newKey(KEY), SEGMENT, sink, 3);
        ParallelStreams.write(encrypting, plaintext, 1500);
        encrypting.close();
      } catch (IOException e) {
        surfaced = e;
      }

      assertNotNull(surfaced, "the failure must surface from a write or from close");
      assertTrue(surfaced.getMessage().contains("disk full") || surfaced.getCause() != null
          && surfaced.getCause().getMessage().contains("disk full"), surfaced.toString());
      if (encrypting != null) {
        OutputStream failed = encrypting;
        int before = sink.written.size();
        assertThrows(IOException.class, () -> failed.write(new byte[100]));
        failed.close();
        assertEquals(before, sink.written.size(), "nothing written after the failure");
        assertTrue(sink.closed, "close still closes the sink");
      }
      assertNoLastSegment(sink.written.toByteArray());
      assertFailsAtTheEnd(plaintext, sink.written.toByteArray());
    }
  }

  /** Every whole segment after the header authenticates as a middle segment, none as the last. */
  private static void assertNoLastSegment(byte[] ciphertext) throws GeneralSecurityException {
    if (ciphertext.length < 40) {
      return;
    }
    StreamSegmentDecrypter tink = StreamEngines.tink(KEY, SEGMENT).newStreamSegmentDecrypter();
    tink.init(ByteBuffer.wrap(ciphertext, 0, 40), ParallelStreams.AAD);
    assertTrue(ciphertext.length == 40 || ciphertext.length % SEGMENT == 0,
        "the sink holds the header and whole segments only");
    for (int j = 0, start = 40; start < ciphertext.length; j++, start = j * SEGMENT) {
      int end = (j + 1) * SEGMENT;
      int index = j;
      ByteBuffer segment = ByteBuffer.wrap(ciphertext, start, end - start);
      tink.decryptSegment(segment.duplicate(), j, false, ByteBuffer.allocate(SEGMENT));
      assertThrows(GeneralSecurityException.class,
          () -> tink.decryptSegment(segment.duplicate(), index, true, ByteBuffer.allocate(SEGMENT)));
    }
  }

  /** Both engines release only a prefix of the plaintext, then throw InvalidCiphertextException. */
  private static void assertFailsAtTheEnd(byte[] plaintext, byte[] ciphertext) throws Exception {
    InputStream[] readers = {
        ParallelStreams.decrypter(KEY, SEGMENT, new ByteArrayInputStream(ciphertext), 2),
        new SegmentDecryptingStream(StreamEngines.tink(KEY, SEGMENT), ParallelStreams.AAD,
            new ByteArrayInputStream(ciphertext))};
    for (InputStream in : readers) {
      ByteArrayOutputStream released = new ByteArrayOutputStream();
      byte[] buffer = new byte[1000];
      assertThrows(InvalidCiphertextException.class, () -> {
        for (int n; (n = in.read(buffer)) != -1; ) {
          released.write(buffer, 0, n);
        }
      });
      assertTrue(released.size() < plaintext.length);
      assertArrayEquals(Arrays.copyOf(plaintext, released.size()), released.toByteArray());
    }
  }

  private static byte[] tinkCiphertext(byte[] plaintext) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream encrypting = StreamEngines.tink(KEY, SEGMENT).newEncryptingStream(out, ParallelStreams.AAD)) {
      encrypting.write(plaintext);
    }
    return out.toByteArray();
  }

  /** Keeps what it is given; its {@code failingWrite}-th write call throws instead. */
  private static final class FailingSink extends OutputStream {
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final int failingWrite;
    private int writes;
    boolean closed;

    FailingSink(int failingWrite) {
      this.failingWrite = failingWrite;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (++writes == failingWrite) {
        throw new IOException("disk full");
      }
      written.write(b, off, len);
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
