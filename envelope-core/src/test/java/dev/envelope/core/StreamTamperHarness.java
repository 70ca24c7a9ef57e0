package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.opentest4j.AssertionFailedError;

/**
 * Damages a segmented ciphertext stream in every way that matters (bit flips, truncation, extension, dropped,
 * duplicated and swapped segments) and checks how a decryptor answers. Reusable for anything that decrypts a
 * segmented stream: give it the plaintext, its ciphertext, the segment layout and a {@link Decryptor}.
 *
 * <p>For every damaged ciphertext it checks the invariant of authenticated release:
 * <ul>
 *   <li>reading to the end fails with the rejection exception ({@link InvalidCiphertextException} unless
 *       {@linkplain #withRejection told otherwise}), never with a clean end of stream or another exception;</li>
 *   <li>every byte released before the failure equals the plaintext at that position;</li>
 *   <li>no byte of a damaged segment is released: the number of released bytes is at most the plaintext held by
 *       the segments strictly before the first ciphertext segment that differs from the original (in content,
 *       or in being the last one);</li>
 *   <li>the failure is sticky: a later read throws again instead of returning end of stream.</li>
 * </ul>
 * The reader reads in chunks of {@value #READ_CHUNK} bytes and records everything it is given; {@link
 * #dynamicTests()} runs everything again reading 1 byte at a time, 7, and one less than, exactly and one more
 * than a segment's plaintext ({@link #readSizes()}), because the bugs of a stream live at its boundaries (Okio's
 * {@code ONE_BYTE_AT_A_TIME}).
 *
 * <p>Layout: {@code prefixBytes} of anything (a file header; 0 for a raw stream) followed by segments of
 * {@code segmentSize} ciphertext bytes, the last one possibly shorter. The first segment starts with a
 * {@code streamHeaderBytes} stream header; every segment ends with a {@code tagBytes} tag. Damage to the
 * prefix counts as damage to the first segment.
 */
public class StreamTamperHarness {
  /** The reader asks for this many bytes per read, unless {@linkplain #withReadSize told otherwise}. */
  public static final int READ_CHUNK = 1000;
  /** Bytes whose every bit {@link #standardBitFlipPositions()} flips, from the start of the ciphertext. */
  public static final int LEADING_BYTES_TO_FLIP = 64;

  /** Opens a plaintext stream over a ciphertext stream. */
  @FunctionalInterface
  public interface Decryptor {
    InputStream open(InputStream ciphertext) throws Exception;
  }

  /** One damaged ciphertext, with a name that says what was done to it. */
  public record Tamper(String name, byte[] ciphertext) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** What a reader got: the bytes released, the failure (null on a clean end), the stream (null if open failed). */
  public record Reading(byte[] released, Throwable failure, InputStream stream) {}

  private final byte[] plaintext;
  private final byte[] ciphertext;
  private final int prefixBytes;
  private final int segmentSize;
  private final int streamHeaderBytes;
  private final int tagBytes;
  private final Decryptor decryptor;
  private final Predicate<Throwable> isRejection;
  private final String rejectionName;
  private final int readSize;

  public StreamTamperHarness(byte[] plaintext, byte[] ciphertext, int prefixBytes, int segmentSize,
      int streamHeaderBytes, int tagBytes, Decryptor decryptor) {
    this(plaintext, ciphertext, prefixBytes, segmentSize, streamHeaderBytes, tagBytes, decryptor,
        t -> t instanceof InvalidCiphertextException, InvalidCiphertextException.class.getSimpleName(), READ_CHUNK);
  }

  private StreamTamperHarness(byte[] plaintext, byte[] ciphertext, int prefixBytes, int segmentSize,
      int streamHeaderBytes, int tagBytes, Decryptor decryptor, Predicate<Throwable> isRejection,
      String rejectionName, int readSize) {
    if (readSize < 1) {
      throw new IllegalArgumentException("readSize must be at least 1");
    }
    if (prefixBytes < 0 || segmentSize <= streamHeaderBytes + tagBytes || streamHeaderBytes < 0 || tagBytes < 0) {
      throw new IllegalArgumentException("impossible segment layout");
    }
    this.plaintext = plaintext.clone();
    this.ciphertext = ciphertext.clone();
    this.prefixBytes = prefixBytes;
    this.segmentSize = segmentSize;
    this.streamHeaderBytes = streamHeaderBytes;
    this.tagBytes = tagBytes;
    this.decryptor = Objects.requireNonNull(decryptor);
    this.isRejection = isRejection;
    this.rejectionName = rejectionName;
    this.readSize = readSize;
  }

  /**
   * A harness for the raw {@link EnvelopeCipher} stream: encrypts {@code plaintext} under {@code key} and
   * {@code context} and decrypts with the same. The key must stay open while the harness is used.
   */
  public static StreamTamperHarness forEnvelopeCipher(EnvelopeCipher cipher, DataKey key,
      EncryptionContext context, byte[] plaintext) {
    byte[] ciphertext = CipherFixtures.encrypt(cipher, key, context, plaintext);
    return new StreamTamperHarness(plaintext, ciphertext, 0, cipher.segmentSize(),
        EnvelopeCipher.STREAM_HEADER_BYTES, EnvelopeCipher.TAG_BYTES,
        in -> cipher.newDecryptingStream(key, context, in));
  }

  /** The same harness, accepting as a rejection what {@code isRejection} accepts (e.g. a module's own type). */
  public StreamTamperHarness withRejection(Predicate<Throwable> isRejection, String description) {
    return new StreamTamperHarness(plaintext, ciphertext, prefixBytes, segmentSize, streamHeaderBytes, tagBytes,
        decryptor, isRejection, description, readSize);
  }

  /** The same harness, its reader asking for {@code bytes} per read. */
  public StreamTamperHarness withReadSize(int bytes) {
    return new StreamTamperHarness(plaintext, ciphertext, prefixBytes, segmentSize, streamHeaderBytes, tagBytes,
        decryptor, isRejection, rejectionName, bytes);
  }

  /**
   * The read sizes {@link #dynamicTests()} tries besides {@value #READ_CHUNK}: one byte at a time, 7, and one
   * less than, exactly and one more than the plaintext of a full segment.
   */
  public List<Integer> readSizes() {
    int segmentPlaintext = segmentSize - tagBytes;
    return List.copyOf(new TreeSet<>(List.of(1, 7, segmentPlaintext - 1, segmentPlaintext, segmentPlaintext + 1)));
  }

  public byte[] plaintext() {
    return plaintext.clone();
  }

  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  public Decryptor decryptor() {
    return decryptor;
  }

  // ---- segment layout ----

  /** The number of segments a ciphertext of {@code length} bytes splits into. */
  public int segmentCount(int length) {
    int stream = length - prefixBytes;
    return stream <= 0 ? 0 : (stream + segmentSize - 1) / segmentSize;
  }

  public int segmentCount() {
    return segmentCount(ciphertext.length);
  }

  /** Where segment {@code j} starts in a ciphertext (segment 0 includes the prefix). */
  public int segmentStart(int j) {
    return j == 0 ? 0 : prefixBytes + j * segmentSize;
  }

  /** Where segment {@code j} ends in a ciphertext of {@code length} bytes (exclusive). */
  public int segmentEnd(int j, int length) {
    return (int) Math.min((long) prefixBytes + (long) (j + 1) * segmentSize, length);
  }

  /** Plaintext bytes held by the segments before segment {@code j}. */
  public long plaintextBefore(int j) {
    if (j <= 0) {
      return 0;
    }
    long first = segmentSize - tagBytes - streamHeaderBytes;
    long other = segmentSize - tagBytes;
    return Math.min(plaintext.length, first + (long) (j - 1) * other);
  }

  /**
   * The first segment of {@code tampered} that differs from the original: in its bytes, in being present, or
   * in being the last segment (a segment that moved to the end, or away from it, is damaged).
   */
  public int firstDamagedSegment(byte[] tampered) {
    int originalCount = segmentCount(ciphertext.length);
    int tamperedCount = segmentCount(tampered.length);
    for (int j = 0; ; j++) {
      if (j >= originalCount || j >= tamperedCount) {
        return j;
      }
      if (!Arrays.equals(ciphertext, segmentStart(j), segmentEnd(j, ciphertext.length),
          tampered, segmentStart(j), segmentEnd(j, tampered.length))) {
        return j;
      }
      if ((j == originalCount - 1) != (j == tamperedCount - 1)) {
        return j;
      }
    }
  }

  // ---- the damage ----

  /** Every bit of the first {@value #LEADING_BYTES_TO_FLIP} bytes, and in each segment: start, middle, end, tag. */
  public List<Integer> standardBitFlipPositions() {
    TreeSet<Integer> positions = new TreeSet<>();
    for (int i = 0; i < Math.min(LEADING_BYTES_TO_FLIP, ciphertext.length); i++) {
      positions.add(i);
    }
    for (int j = 0; j < segmentCount(); j++) {
      int start = segmentStart(j) + (j == 0 ? prefixBytes + streamHeaderBytes : 0);
      int end = segmentEnd(j, ciphertext.length);
      int tag = end - tagBytes;
      for (int p : new int[] {start, start + 1, (start + tag) / 2, tag - 1, tag, tag + tagBytes / 2, end - 1}) {
        if (p >= segmentStart(j) && p < end) {
          positions.add(p);
        }
      }
    }
    return new ArrayList<>(positions);
  }

  /** The eight ciphertexts with one bit of byte {@code position} flipped. */
  public List<Tamper> bitFlips(int position) {
    List<Tamper> out = new ArrayList<>();
    for (int bit = 0; bit < 8; bit++) {
      byte[] t = ciphertext.clone();
      t[position] ^= (byte) (1 << bit);
      out.add(new Tamper("flip bit " + bit + " of byte " + position + " (" + describe(position) + ")", t));
    }
    return out;
  }

  /** Cut at 0 bytes, at every segment boundary, and at a few points inside the header and every segment. */
  public List<Tamper> truncations() {
    TreeSet<Integer> cuts = new TreeSet<>();
    cuts.add(0);
    cuts.add(1);
    if (prefixBytes > 0) {
      cuts.add(prefixBytes / 2);
      cuts.add(prefixBytes);
    }
    cuts.add(prefixBytes + streamHeaderBytes / 2);
    cuts.add(prefixBytes + streamHeaderBytes - 1);
    cuts.add(prefixBytes + streamHeaderBytes);
    cuts.add(prefixBytes + streamHeaderBytes + 1);
    for (int j = 0; j < segmentCount(); j++) {
      int start = segmentStart(j);
      int end = segmentEnd(j, ciphertext.length);
      cuts.add(start);                       // a segment boundary (0 for the first)
      cuts.add(start + 1);
      cuts.add((start + end) / 2);
      cuts.add(end - tagBytes);              // the tag is missing
      cuts.add(end - 1);                     // the last byte is missing
    }
    List<Tamper> out = new ArrayList<>();
    for (int cut : cuts) {
      if (cut >= 0 && cut < ciphertext.length) {
        String where = cut == 0 ? "nothing left" : "keep " + cut + " bytes, cut in " + describe(cut - 1)
            + (isSegmentBoundary(cut) ? " at a segment boundary" : "");
        out.add(new Tamper("truncate to " + cut + " bytes (" + where + ")", Arrays.copyOf(ciphertext, cut)));
      }
    }
    return out;
  }

  /** One extra byte; a whole extra segment copied from the stream; the last segment repeated. */
  public List<Tamper> extensions() {
    List<Tamper> out = new ArrayList<>();
    out.add(new Tamper("append one zero byte", concat(ciphertext, new byte[1])));
    out.add(new Tamper("append one byte copied from the stream",
        concat(ciphertext, new byte[] {ciphertext[ciphertext.length / 2]})));
    int n = segmentCount();
    int source = n >= 3 ? 1 : 0;
    out.add(new Tamper("append a copy of segment " + source,
        concat(ciphertext, segment(source))));
    if (n >= 2) {
      out.add(new Tamper("append a copy of the last segment", concat(ciphertext, segment(n - 1))));
    }
    return out;
  }

  /** Every segment dropped, every segment duplicated in place, neighbours swapped, and a far swap. */
  public List<Tamper> reorderings() {
    int n = segmentCount();
    List<Tamper> out = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      if (n > 1 || j > 0) {
        List<byte[]> segments = segments();
        segments.remove(j);
        out.add(new Tamper("drop segment " + j + " of " + n, join(segments)));
      }
      List<byte[]> segments = segments();
      segments.add(j + 1, segments.get(j));
      out.add(new Tamper("duplicate segment " + j + " of " + n, join(segments)));
    }
    for (int j = 0; j + 1 < n; j++) {
      out.add(swap(j, j + 1));
    }
    if (n >= 4) {
      out.add(swap(1, n - 2));
    }
    return out;
  }

  private Tamper swap(int a, int b) {
    List<byte[]> segments = segments();
    byte[] first = segments.get(a);
    segments.set(a, segments.get(b));
    segments.set(b, first);
    return new Tamper("swap segments " + a + " and " + b + " of " + segmentCount(), join(segments));
  }

  // ---- the checks ----

  /** The untouched ciphertext decrypts to the plaintext and ends cleanly (else every other check is moot). */
  public void assertIntact() throws IOException {
    Reading reading = read(decryptor, ciphertext);
    if (reading.failure() != null) {
      throw new AssertionFailedError("the untampered ciphertext does not decrypt", reading.failure());
    }
    assertArrayEquals(plaintext, reading.released(), "the untampered ciphertext decrypts to the plaintext");
    assertEquals(-1, reading.stream().read(new byte[10]), "end of stream stays end of stream");
    assertEquals(-1, reading.stream().read());
  }

  /** Checks the invariant for {@code tamper}, decrypted by the harness's decryptor. */
  public void assertRejected(Tamper tamper) {
    assertFalse(Arrays.equals(ciphertext, tamper.ciphertext()), tamper.name() + ": the tamper changed nothing");
    assertRejected(tamper.name(), decryptor, tamper.ciphertext(),
        plaintextBefore(firstDamagedSegment(tamper.ciphertext())));
  }

  /** Checks every one-bit flip of byte {@code position}. */
  public void assertBitFlipsRejected(int position) {
    for (Tamper tamper : bitFlips(position)) {
      assertRejected(tamper);
    }
  }

  /**
   * Checks the invariant for {@code ciphertext} read by {@code decryptor}, which may release at most
   * {@code maxReleased} (authentic) bytes before it must fail.
   */
  public void assertRejected(String name, Decryptor decryptor, byte[] ciphertext, long maxReleased) {
    Reading reading = read(decryptor, ciphertext);
    byte[] released = reading.released();
    if (reading.failure() == null) {
      fail(name + ": decryption reached a clean end of stream after " + released.length
          + " bytes; expected " + rejectionName);
    }
    if (!isRejection.test(reading.failure())) {
      throw new AssertionFailedError(name + ": expected " + rejectionName + " but got "
          + reading.failure(), reading.failure());
    }
    assertTrue(released.length <= maxReleased, () -> name + ": released " + released.length
        + " bytes, but only the " + maxReleased + " bytes of the segments before the damage are authentic");
    assertArrayEquals(Arrays.copyOf(plaintext, released.length), released,
        () -> name + ": a released byte differs from the plaintext");
    if (reading.stream() != null) {
      assertStaysFailed(name, reading.stream());
    }
  }

  /** A read after a rejection throws the rejection again: a bad stream never turns into a clean end. */
  private void assertStaysFailed(String name, InputStream stream) {
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        int n = attempt == 0 ? stream.read(new byte[readSize]) : stream.read();
        fail(name + ": a read after the failure returned " + n + " instead of throwing");
      } catch (IOException | RuntimeException e) {
        if (!isRejection.test(e)) {
          throw new AssertionFailedError(name + ": a read after the failure threw " + e + ", expected "
              + rejectionName, e);
        }
      }
    }
  }

  /**
   * An {@link IOException} of the ciphertext source, thrown once {@code failAfter} bytes were delivered,
   * reaches the reader as that same exception (not as a rejection), only authentic bytes come out before it,
   * and it is thrown again by later reads.
   */
  public void assertSourceFailurePassesThrough(int failAfter) {
    IOException fire = new IOException("disk on fire");
    Reading reading = read(decryptor, new FailingInputStream(ciphertext, failAfter, fire));
    String name = "source fails after " + failAfter + " bytes";
    assertSame(fire, reading.failure(), () -> name + ": got " + reading.failure());
    byte[] released = reading.released();
    long bound = plaintextBefore(failAfter < prefixBytes ? 0 : (failAfter - prefixBytes) / segmentSize);
    assertTrue(released.length <= bound, () -> name + ": released " + released.length + " bytes, more than the "
        + bound + " bytes of the segments it could read");
    assertArrayEquals(Arrays.copyOf(plaintext, released.length), released, name);
    if (reading.stream() != null) {
      IOException again = null;
      try {
        reading.stream().read(new byte[readSize]);
      } catch (IOException e) {
        again = e;
      }
      assertSame(fire, again, name + ": a later read");
    }
  }

  /** Offsets at which {@link #assertSourceFailurePassesThrough} is worth trying. */
  public List<Integer> standardSourceFailureOffsets() {
    TreeSet<Integer> offsets = new TreeSet<>();
    offsets.add(0);
    offsets.add(1);
    offsets.add(prefixBytes + streamHeaderBytes - 1);
    offsets.add(prefixBytes + streamHeaderBytes);
    offsets.add(prefixBytes + streamHeaderBytes + 1);
    for (int j = 1; j < segmentCount(); j++) {
      offsets.add(segmentStart(j) - 1);
      offsets.add(segmentStart(j));
      offsets.add(segmentStart(j) + 1);
      offsets.add(segmentStart(j) + segmentSize / 2);
    }
    offsets.add(ciphertext.length - 1);
    offsets.add(ciphertext.length);
    offsets.removeIf(o -> o < 0 || o > ciphertext.length);
    return new ArrayList<>(offsets);
  }

  /**
   * All of the above as JUnit dynamic tests, at this harness's read size and then again at each of {@link
   * #readSizes()}: return it from a {@code @TestFactory}.
   */
  public Stream<DynamicNode> dynamicTests() {
    return Stream.concat(atThisReadSize(), Stream.of(dynamicContainer("read sizes", readSizes().stream()
        .map(size -> dynamicContainer("reading " + size + " bytes at a time",
            withReadSize(size).atThisReadSize())))));
  }

  private Stream<DynamicNode> atThisReadSize() {
    return Stream.of(
        dynamicTest("the untampered ciphertext decrypts", this::assertIntact),
        dynamicContainer("bit flips", standardBitFlipPositions().stream().map(p -> dynamicTest(
            "flip each bit of byte " + p + " (" + describe(p) + ")", () -> assertBitFlipsRejected(p)))),
        dynamicContainer("truncations", tests(truncations())),
        dynamicContainer("extensions", tests(extensions())),
        dynamicContainer("reorderings", tests(reorderings())),
        dynamicContainer("source failures", standardSourceFailureOffsets().stream().map(o -> dynamicTest(
            "IOException after " + o + " bytes passes through", () -> assertSourceFailurePassesThrough(o)))));
  }

  private Stream<DynamicNode> tests(List<Tamper> tampers) {
    return tampers.stream().map(t -> dynamicTest(t.name(), () -> assertRejected(t)));
  }

  // ---- reading ----

  /** Opens {@code ciphertext} with {@code decryptor} and reads it to the end or the first failure. */
  public Reading read(Decryptor decryptor, byte[] ciphertext) {
    return read(decryptor, new ByteArrayInputStream(ciphertext));
  }

  public Reading read(Decryptor decryptor, InputStream source) {
    ByteArrayOutputStream released = new ByteArrayOutputStream();
    InputStream stream = null;
    try {
      stream = decryptor.open(source);
      byte[] buffer = new byte[readSize];
      int emptyReads = 0;
      for (int n; (n = stream.read(buffer, 0, readSize)) != -1; ) {
        if (n == 0 && ++emptyReads > 1000) {
          fail("the decrypting stream keeps returning 0 bytes");
        }
        released.write(buffer, 0, n);
      }
      return new Reading(released.toByteArray(), null, stream);
    } catch (AssertionFailedError e) {
      throw e;
    } catch (Exception | Error e) {
      return new Reading(released.toByteArray(), e, stream);
    }
  }

  // ---- helpers ----

  private String describe(int position) {
    if (position < prefixBytes) {
      return "prefix";
    }
    int j = (position - prefixBytes) / segmentSize;
    int offset = position - segmentStart(j) - (j == 0 ? prefixBytes : 0);
    int end = segmentEnd(j, ciphertext.length);
    if (j == 0 && offset < streamHeaderBytes) {
      return "stream header";
    }
    return "segment " + j + (position >= end - tagBytes ? " tag" : " body");
  }

  private boolean isSegmentBoundary(int cut) {
    return cut > prefixBytes && (cut - prefixBytes) % segmentSize == 0;
  }

  private byte[] segment(int j) {
    return Arrays.copyOfRange(ciphertext, segmentStart(j), segmentEnd(j, ciphertext.length));
  }

  private List<byte[]> segments() {
    List<byte[]> out = new ArrayList<>();
    for (int j = 0; j < segmentCount(); j++) {
      out.add(segment(j));
    }
    return out;
  }

  private static byte[] join(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    return join(List.of(a, b));
  }

  /** Delivers {@code data} but throws {@code failure} once {@code failAfter} bytes have been read. */
  public static final class FailingInputStream extends InputStream {
    private final byte[] data;
    private final int failAfter;
    private final IOException failure;
    private int position;

    public FailingInputStream(byte[] data, int failAfter, IOException failure) {
      this.data = data;
      this.failAfter = failAfter;
      this.failure = failure;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position >= failAfter) {
        throw failure;
      }
      if (position >= data.length) {
        return -1;
      }
      int n = Math.min(len, Math.min(failAfter, data.length) - position);
      System.arraycopy(data, position, b, off, n);
      position += n;
      return n;
    }
  }
}
