package dev.envelope.keyring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.Envelope;
import dev.envelope.core.FileHeader;
import dev.envelope.core.InvalidCiphertextException;
import dev.envelope.core.ManagedKeyService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tamper harness run on the Envelope file format with the real local keyring: every way of damaging a
 * file must end in the documented error, release no plaintext of a bad segment, and leave no output file.
 */
class EnvelopeFileTamperTest {
  private static final int SEGMENT = 4096;
  private static final int FIRST_PLAINTEXT = SEGMENT - 16 - 40;
  private static final int OTHER_PLAINTEXT = SEGMENT - 16;
  /** Errors a damaged header may legitimately produce (see docs/FORMAT.md, section 2). */
  private static final Set<ErrorCode> HEADER_ERRORS = EnumSet.of(ErrorCode.UNSUPPORTED_FORMAT,
      ErrorCode.INVALID_CIPHERTEXT, ErrorCode.KEY_NOT_FOUND, ErrorCode.INVALID_WRAPPED_KEY);

  @TempDir
  Path dir;

  private final String master = Keyrings.newMasterKeyBase64();
  private final EncryptionContext context = EncryptionContext.of("tenant", "t1", "file", "f1");
  private ManagedKeyService keyring;
  private Envelope envelope;
  private String keyId;
  private byte[] plaintext;
  private byte[] file;
  private int headerLength;

  @BeforeEach
  void encryptAFileOfFiveSegments() throws Exception {
    keyring = Keyrings.open(dir.resolve("home"), master);
    keyId = Keyrings.createKey(keyring, "files");
    envelope = Envelope.create(keyring).withSegmentSize(SEGMENT);
    plaintext = new byte[FIRST_PLAINTEXT + 3 * OTHER_PLAINTEXT + 1000];
    new Random(7).nextBytes(plaintext);
    file = encrypt(plaintext, context);
    headerLength = 9 + java.nio.ByteBuffer.wrap(file, 5, 4).getInt();
  }

  @Test
  void roundTripsThroughStreamsAndFiles() throws Exception {
    assertArrayEquals(plaintext, decrypt(file, context).released);
    Path in = Files.write(dir.resolve("plain"), plaintext);
    envelope.encryptFile(in, dir.resolve("enc"), "files", context);
    FileHeader header = envelope.decryptFile(dir.resolve("enc"), dir.resolve("dec"), null);
    assertArrayEquals(plaintext, Files.readAllBytes(dir.resolve("dec")));
    assertEquals(context, header.context());
    assertEquals(keyId, header.wrappedKey().rootKeyId());
  }

  @Test
  void everyBitFlipInTheHeaderFailsWithADocumentedErrorAndReleasesNothing() throws Exception {
    for (int i = 0; i < headerLength; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = file.clone();
        bad[i] ^= (byte) (1 << bit);
        Outcome outcome = decrypt(bad, null);
        assertTrue(HEADER_ERRORS.contains(outcome.code), "byte " + i + " bit " + bit + ": " + outcome.code);
        assertEquals(0, outcome.released.length, "byte " + i + " bit " + bit + " released plaintext");
      }
    }
  }

  @Test
  void flippedBitsInTheStreamReleaseOnlyTheAuthenticSegmentsBefore() throws Exception {
    Random random = new Random(1);
    for (int trial = 0; trial < 300; trial++) {
      int position = headerLength + random.nextInt(file.length - headerLength);
      byte[] bad = file.clone();
      bad[position] ^= (byte) (1 << random.nextInt(8));
      assertFailsReleasingOnlyBefore(bad, position, ErrorCode.INVALID_CIPHERTEXT);
    }
  }

  @Test
  void truncationAnywhereFails() throws Exception {
    int streamStart = headerLength;
    for (int cut : cutPoints()) {
      byte[] bad = Arrays.copyOf(file, cut);
      Outcome outcome = decrypt(bad, null);
      if (cut < streamStart) {
        assertTrue(HEADER_ERRORS.contains(outcome.code), "cut at " + cut + ": " + outcome.code);
        assertEquals(0, outcome.released.length);
      } else {
        assertFailsReleasingOnlyBefore(bad, cut, ErrorCode.INVALID_CIPHERTEXT);
      }
    }
  }

  @Test
  void appendedBytesFail() throws Exception {
    for (byte[] tail : new byte[][] {{0}, Arrays.copyOfRange(file, headerLength + 40, headerLength + 40 + SEGMENT)}) {
      byte[] bad = Arrays.copyOf(file, file.length + tail.length);
      System.arraycopy(tail, 0, bad, file.length, tail.length);
      assertFailsReleasingOnlyBefore(bad, file.length - 1, ErrorCode.INVALID_CIPHERTEXT);
    }
  }

  @Test
  void droppedDuplicatedAndSwappedSegmentsFail() throws Exception {
    byte[][] segments = segments();
    int n = segments.length;
    assertEquals(5, n);
    assertRejected(join(segments[0], segments[1], segments[3], segments[4]), segmentStart(2));
    assertRejected(join(segments[0], segments[1], segments[2], segments[2], segments[3], segments[4]), segmentStart(3));
    assertRejected(join(segments[0], segments[2], segments[1], segments[3], segments[4]), segmentStart(1));
    assertRejected(join(segments[0], segments[1], segments[2], segments[3]), segmentStart(3));
  }

  @Test
  void theExpectedContextIsCheckedBeforeAnythingElse() throws Exception {
    keyring.disableKey(keyId); // would fail with key-disabled if the key were touched first
    for (EncryptionContext other : new EncryptionContext[] {EncryptionContext.empty(),
        EncryptionContext.of("tenant", "t1"), EncryptionContext.of("tenant", "t2", "file", "f1"),
        EncryptionContext.of("tenant", "t1", "file", "f1", "extra", "x")}) {
      Outcome outcome = decrypt(file, other);
      assertEquals(ErrorCode.CONTEXT_MISMATCH, outcome.code);
      assertEquals(0, outcome.released.length);
    }
  }

  @Test
  void aWrappedKeyTakenFromAnotherFileFails() throws Exception {
    // Same root key and context: the other file's data key unwraps, and the stream refuses it.
    byte[] other = encrypt(plaintext, context);
    byte[] spliced = join(Arrays.copyOf(other, headerLength), Arrays.copyOfRange(file, headerLength, file.length));
    assertFailsReleasingOnlyBefore(spliced, headerLength, ErrorCode.INVALID_CIPHERTEXT);

    // Another context: the wrapped key itself refuses to unwrap under this file's context.
    byte[] foreign = encrypt(plaintext, EncryptionContext.of("tenant", "t1", "file", "f2"));
    int offset = wrappedKeyOffset();
    byte[] moved = file.clone();
    System.arraycopy(foreign, offset, moved, offset, 61);
    Outcome outcome = decrypt(moved, null);
    assertEquals(ErrorCode.INVALID_WRAPPED_KEY, outcome.code);
    assertEquals(0, outcome.released.length);
  }

  @Test
  void aDisabledRootKeyRefusesAndAWrongMasterKeyCannotOpenTheKeyring() throws Exception {
    keyring.disableKey(keyId);
    Outcome outcome = decrypt(file, null);
    assertEquals(ErrorCode.KEY_DISABLED, outcome.code);
    assertEquals(0, outcome.released.length);
    try {
      Keyrings.open(dir.resolve("home"), Keyrings.newMasterKeyBase64());
      fail("a wrong master key opened the keyring");
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    }
  }

  @Test
  void notAnEnvelopeFileAndEmptyInputAreUnsupportedFormat() throws Exception {
    for (byte[] bad : new byte[][] {new byte[0], "hello".getBytes(StandardCharsets.US_ASCII), {(byte) 0x89, 'E', 'N', 'V'}}) {
      assertEquals(ErrorCode.UNSUPPORTED_FORMAT, decrypt(bad, null).code);
    }
    byte[] newer = file.clone();
    newer[4] = 2;
    assertEquals(ErrorCode.UNSUPPORTED_FORMAT, decrypt(newer, null).code);
  }

  @Test
  void aFailedFileDecryptionLeavesNoOutputAndKeepsAnExistingFile() throws Exception {
    byte[] bad = file.clone();
    bad[bad.length - 3] ^= 1;
    Path in = Files.write(dir.resolve("bad.env"), bad);
    Path out = dir.resolve("out");
    try {
      envelope.decryptFile(in, out, null);
      fail("decrypted a tampered file");
    } catch (InvalidCiphertextException expected) {
      // the documented outcome
    }
    assertFalse(Files.exists(out));
    Files.writeString(out, "precious");
    try {
      envelope.decryptFile(in, out, null);
      fail("decrypted a tampered file");
    } catch (InvalidCiphertextException expected) {
      // the documented outcome
    }
    assertEquals("precious", Files.readString(out));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().contains(".envelope-tmp-")).count());
    }
  }

  @Test
  void aFailingPlaintextSourceLeavesACiphertextThatNeverDecryptsCleanly() throws Exception {
    java.io.InputStream failing = new java.io.FilterInputStream(new ByteArrayInputStream(plaintext)) {
      private int served;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (served > 2 * SEGMENT) {
          throw new IOException("connection reset");
        }
        int n = super.read(b, off, Math.min(len, 1000));
        served += Math.max(n, 0);
        return n;
      }
    };
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      envelope.encrypt(failing, out, "files", context);
      fail("encrypt swallowed the source's failure");
    } catch (IOException expected) {
      assertEquals("connection reset", expected.getMessage());
    }
    assertFailsReleasingOnlyBefore(out.toByteArray(), out.size() - 1, ErrorCode.INVALID_CIPHERTEXT);
  }

  // ---- the harness ----

  private void assertRejected(byte[] stream, int firstBadCiphertextOffset) throws Exception {
    byte[] bad = join(Arrays.copyOf(file, headerLength), stream);
    assertFailsReleasingOnlyBefore(bad, headerLength + firstBadCiphertextOffset, ErrorCode.INVALID_CIPHERTEXT);
  }

  /** Fails, with {@code code}, having released only correct plaintext of segments before the damage. */
  private void assertFailsReleasingOnlyBefore(byte[] bad, int damagedFileOffset, ErrorCode code) throws Exception {
    Outcome outcome = decrypt(bad, null);
    assertEquals(code, outcome.code, "damage at " + damagedFileOffset);
    int damagedSegment = segmentOf(damagedFileOffset - headerLength);
    long authentic = damagedSegment == 0 ? 0 : FIRST_PLAINTEXT + (long) (damagedSegment - 1) * OTHER_PLAINTEXT;
    assertTrue(outcome.released.length <= authentic, "released " + outcome.released.length
        + " bytes, but only " + authentic + " precede the damage at " + damagedFileOffset);
    assertArrayEquals(Arrays.copyOf(plaintext, outcome.released.length), outcome.released);
  }

  private static int segmentOf(int streamOffset) {
    return streamOffset < SEGMENT ? 0 : 1 + (streamOffset - SEGMENT) / SEGMENT;
  }

  private static int segmentStart(int index) {
    return index * SEGMENT;
  }

  private byte[][] segments() {
    byte[] stream = Arrays.copyOfRange(file, headerLength, file.length);
    int count = (stream.length + SEGMENT - 1) / SEGMENT;
    byte[][] out = new byte[count][];
    for (int i = 0; i < count; i++) {
      out[i] = Arrays.copyOfRange(stream, i * SEGMENT, Math.min(stream.length, (i + 1) * SEGMENT));
    }
    return out;
  }

  private int[] cutPoints() {
    java.util.List<Integer> cuts = new java.util.ArrayList<>();
    for (int c : new int[] {0, 1, 4, 5, 9, headerLength - 1, headerLength, headerLength + 1, headerLength + 40}) {
      cuts.add(c);
    }
    for (int s = 1; s * SEGMENT < file.length - headerLength; s++) {
      int boundary = headerLength + s * SEGMENT;
      cuts.add(boundary);
      cuts.add(boundary - 1);
      cuts.add(boundary - SEGMENT / 2);
    }
    cuts.add(file.length - 1);
    cuts.add(file.length - 16);
    return cuts.stream().mapToInt(Integer::intValue).toArray();
  }

  private int wrappedKeyOffset() {
    return 9 + 1 + "local".length() + 2 + keyId.getBytes(StandardCharsets.UTF_8).length + 4 + 4 + 2;
  }

  private byte[] encrypt(byte[] data, EncryptionContext ctx) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    envelope.encrypt(new ByteArrayInputStream(data), out, "files", ctx);
    return out.toByteArray();
  }

  private Outcome decrypt(byte[] bytes, EncryptionContext expected) throws IOException {
    ByteArrayOutputStream released = new ByteArrayOutputStream();
    ErrorCode code = null;
    try {
      envelope.decrypt(new ByteArrayInputStream(bytes), new ChunkRecorder(released), expected);
    } catch (EnvelopeException e) {
      code = e.code();
    } catch (InvalidCiphertextException e) {
      code = e.code();
    }
    return new Outcome(code, released.toByteArray());
  }

  private static byte[] join(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static final class Outcome {
    final ErrorCode code;
    final byte[] released;

    Outcome(ErrorCode code, byte[] released) {
      this.code = code;
      this.released = released;
    }
  }

  /** Records what the decryption released, as a client on the other end would see it. */
  private static final class ChunkRecorder extends OutputStream {
    private final ByteArrayOutputStream sink;

    ChunkRecorder(ByteArrayOutputStream sink) {
      this.sink = sink;
    }

    @Override
    public void write(int b) {
      sink.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      sink.write(b, off, len);
    }
  }
}
