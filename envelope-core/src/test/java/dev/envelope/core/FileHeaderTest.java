package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FileHeaderTest {
  private static final WrappedKey WRAPPED =
      WrappedKey.of("3f6c1f0e-9d2a-4b7e-8a51-0c2d9e7f4b10", 7, CipherFixtures.randomBytes(60, 1));
  private static final EncryptionContext CONTEXT = EncryptionContext.of("tenant", "t1", "file", "f\u00e9", "x", "");
  private static final FileHeader HEADER = new FileHeader("local", WRAPPED, 65536, CONTEXT);

  @Test
  void toBytesThenRead_returnsTheSameHeader() throws Exception {
    FileHeader read = FileHeader.read(new ByteArrayInputStream(HEADER.toBytes()));

    assertEquals("local", read.keyService());
    assertEquals(WRAPPED, read.wrappedKey());
    assertEquals(WRAPPED.rootKeyId(), read.wrappedKey().rootKeyId());
    assertEquals(7, read.wrappedKey().rootKeyVersion());
    assertArrayEquals(WRAPPED.ciphertext(), read.wrappedKey().ciphertext());
    assertEquals(65536, read.segmentSize());
    assertEquals(CONTEXT, read.context());
    assertArrayEquals(HEADER.toBytes(), read.toBytes());
  }

  @Test
  void roundTrip_withExtremeButValidFields() throws Exception {
    WrappedKey wrapped = WrappedKey.of("k".repeat(2048), Integer.MAX_VALUE, new byte[WrappedKey.MAX_CIPHERTEXT_BYTES]);
    FileHeader header = new FileHeader("a-1".repeat(10) + "zz", wrapped, EnvelopeCipher.MAX_SEGMENT_SIZE,
        EncryptionContext.empty());

    FileHeader read = FileHeader.read(new ByteArrayInputStream(header.toBytes()));

    assertEquals(header.keyService(), read.keyService());
    assertEquals(wrapped, read.wrappedKey());
    assertEquals(EnvelopeCipher.MAX_SEGMENT_SIZE, read.segmentSize());
    assertEquals(EncryptionContext.empty(), read.context());
  }

  @Test
  void toBytes_followsTheDocumentedLayout() {
    byte[] bytes = HEADER.toBytes();
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte[] keyId = WRAPPED.rootKeyId().getBytes(StandardCharsets.UTF_8);
    byte[] context = CONTEXT.canonicalBytes();

    assertArrayEquals(new byte[] {(byte) 0x89, 'E', 'N', 'V'}, Arrays.copyOf(bytes, 4));
    b.position(4);
    assertEquals(1, b.get());
    assertEquals(bytes.length - 9, b.getInt());
    assertEquals(5, b.get());
    assertEquals("local", ascii(b, 5));
    assertEquals(keyId.length, b.getShort());
    assertEquals(WRAPPED.rootKeyId(), ascii(b, keyId.length));
    assertEquals(7, b.getInt());
    assertEquals(65536, b.getInt());
    assertEquals(60, b.getShort());
    byte[] wrapped = new byte[60];
    b.get(wrapped);
    assertArrayEquals(WRAPPED.ciphertext(), wrapped);
    byte[] rest = new byte[b.remaining()];
    b.get(rest);
    assertArrayEquals(context, rest);
  }

  @Test
  void read_leavesTheStreamAtTheFirstByteAfterTheHeader() throws Exception {
    byte[] payload = "the stream that follows".getBytes(StandardCharsets.US_ASCII);
    InputStream in = new ByteArrayInputStream(concat(HEADER.toBytes(), payload));

    FileHeader.read(in);

    assertArrayEquals(payload, in.readAllBytes());
  }

  @Test
  void read_doesNotReadAheadOfTheHeader_evenFromAStreamThatWouldGiveMore() throws Exception {
    byte[] header = HEADER.toBytes();
    CountingInputStream in = new CountingInputStream(new ByteArrayInputStream(concat(header, new byte[100_000])));

    FileHeader.read(in);

    assertEquals(header.length, in.count);
  }

  @Test
  void read_ofAnEmptyInput_isUnsupportedFormat() {
    assertCode(ErrorCode.UNSUPPORTED_FORMAT, () -> FileHeader.read(new ByteArrayInputStream(new byte[0])));
  }

  @Test
  void read_ofAShortInput_thatEndsInTheMagicOrBeforeTheVersion_isUnsupportedFormat() {
    byte[] bytes = HEADER.toBytes();
    for (int length = 0; length <= 4; length++) {
      byte[] prefix = Arrays.copyOf(bytes, length);
      assertCode(ErrorCode.UNSUPPORTED_FORMAT, () -> FileHeader.read(new ByteArrayInputStream(prefix)),
          length + " bytes");
    }
  }

  @Test
  void read_withAWrongMagic_isUnsupportedFormat() {
    for (int i = 0; i < 4; i++) {
      byte[] bytes = HEADER.toBytes();
      bytes[i] ^= 0x20;
      assertCode(ErrorCode.UNSUPPORTED_FORMAT, () -> FileHeader.read(new ByteArrayInputStream(bytes)),
          "magic byte " + i);
    }
    byte[] zip = concat(new byte[] {'P', 'K', 3, 4}, Arrays.copyOfRange(HEADER.toBytes(), 4, 40));
    assertCode(ErrorCode.UNSUPPORTED_FORMAT, () -> FileHeader.read(new ByteArrayInputStream(zip)));
  }

  @Test
  void read_withAWrongVersion_isUnsupportedFormat() {
    for (int version : new int[] {0, 2, 0x7F, 0xFF}) {
      byte[] bytes = HEADER.toBytes();
      bytes[4] = (byte) version;
      assertCode(ErrorCode.UNSUPPORTED_FORMAT, () -> FileHeader.read(new ByteArrayInputStream(bytes)),
          "version " + version);
    }
  }

  @Test
  void read_truncatedAnywhereAfterTheVersion_isInvalidCiphertext() {
    byte[] bytes = HEADER.toBytes();
    for (int length = 5; length < bytes.length; length++) {
      byte[] prefix = Arrays.copyOf(bytes, length);
      assertCode(ErrorCode.INVALID_CIPHERTEXT, () -> FileHeader.read(new ByteArrayInputStream(prefix)),
          "prefix of " + length + " bytes");
    }
  }

  @Test
  void read_ofAZeroBodyLength_isInvalidCiphertext() {
    byte[] bytes = concat(new byte[] {(byte) 0x89, 'E', 'N', 'V', 1, 0, 0, 0, 0}, new byte[100]);

    assertCode(ErrorCode.INVALID_CIPHERTEXT, () -> FileHeader.read(new ByteArrayInputStream(bytes)));
  }

  @Test
  void read_ofABodyLengthOver64KiB_isInvalidCiphertext() {
    for (int length : new int[] {64 * 1024 + 1, 1 << 20, Integer.MAX_VALUE, -1}) {
      byte[] bytes = concat(new byte[] {(byte) 0x89, 'E', 'N', 'V', 1}, ByteBuffer.allocate(4).putInt(length).array(),
          new byte[70_000]);
      assertCode(ErrorCode.INVALID_CIPHERTEXT, () -> FileHeader.read(new ByteArrayInputStream(bytes)),
          "body length " + length);
    }
  }

  @Test
  void read_withTrailingBytesInsideTheDeclaredBody_isInvalidCiphertext() {
    for (int extra : new int[] {1, 2, 100}) {
      byte[] bytes = withBodyExtendedBy(HEADER.toBytes(), extra);
      assertCode(ErrorCode.INVALID_CIPHERTEXT, () -> FileHeader.read(new ByteArrayInputStream(bytes)),
          extra + " trailing bytes");
    }
  }

  @Test
  void read_withAMalformedField_isInvalidCiphertext() {
    byte[] context = CONTEXT.canonicalBytes();
    byte[] wrapped = WRAPPED.ciphertext();
    byte[] keyId = "root".getBytes(StandardCharsets.US_ASCII);
    Map<String, byte[]> bad = new HashMap<>();
    bad.put("key service with capitals", header("LOCAL".getBytes(StandardCharsets.US_ASCII), keyId, 1, 65536, wrapped, context));
    bad.put("empty key service", header(new byte[0], keyId, 1, 65536, wrapped, context));
    bad.put("empty root key id", header(ascii("local"), new byte[0], 1, 65536, wrapped, context));
    bad.put("root key id not UTF-8", header(ascii("local"), new byte[] {(byte) 0xC3, 0x28}, 1, 65536, wrapped, context));
    bad.put("negative key version", header(ascii("local"), keyId, -1, 65536, wrapped, context));
    bad.put("segment size too small", header(ascii("local"), keyId, 1, 4095, wrapped, context));
    bad.put("segment size too large", header(ascii("local"), keyId, 1, 8 * 1024 * 1024 + 1, wrapped, context));
    bad.put("empty wrapped key", header(ascii("local"), keyId, 1, 65536, new byte[0], context));
    bad.put("context with unknown version", header(ascii("local"), keyId, 1, 65536, wrapped, new byte[] {2, 0, 0}));
    bad.put("context unsorted", header(ascii("local"), keyId, 1, 65536, wrapped,
        new byte[] {1, 0, 2, 0, 1, 'b', 0, 0, 0, 1, 'a', 0, 0}));
    bad.put("no context", header(ascii("local"), keyId, 1, 65536, wrapped, new byte[0]));
    for (Map.Entry<String, byte[]> e : bad.entrySet()) {
      assertCode(ErrorCode.INVALID_CIPHERTEXT, () -> FileHeader.read(new ByteArrayInputStream(e.getValue())),
          e.getKey());
    }
  }

  @Test
  void aHandBuiltHeader_isReadLikeAWrittenOne() throws Exception {
    byte[] bytes = header(ascii("local"), ascii("root"), 3, 4096, new byte[] {9, 8, 7}, CONTEXT.canonicalBytes());

    FileHeader read = FileHeader.read(new ByteArrayInputStream(bytes));

    assertEquals(WrappedKey.of("root", 3, new byte[] {9, 8, 7}), read.wrappedKey());
    assertEquals(4096, read.segmentSize());
    assertEquals(CONTEXT, read.context());
  }

  @Test
  void theConstructor_rejectsABadKeyServiceName_orSegmentSize() {
    assertThrows(IllegalArgumentException.class, () -> new FileHeader("Local", WRAPPED, 65536, CONTEXT));
    assertThrows(IllegalArgumentException.class, () -> new FileHeader("", WRAPPED, 65536, CONTEXT));
    assertThrows(IllegalArgumentException.class, () -> new FileHeader("x".repeat(33), WRAPPED, 65536, CONTEXT));
    assertThrows(IllegalArgumentException.class, () -> new FileHeader("local", WRAPPED, 1000, CONTEXT));
    assertThrows(NullPointerException.class, () -> new FileHeader("local", null, 65536, CONTEXT));
    assertThrows(NullPointerException.class, () -> new FileHeader("local", WRAPPED, 65536, null));
  }

  @Test
  void toBytes_ofAHeaderOver64KiB_isRejected() {
    Map<String, String> big = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      big.put("key-" + i, "v".repeat(EncryptionContext.MAX_VALUE_BYTES));
    }
    FileHeader header = new FileHeader("local", WRAPPED, 65536, EncryptionContext.of(big));

    assertThrows(IllegalArgumentException.class, header::toBytes);
  }

  // ---- helpers ----

  /** A header with the given raw fields and a correct body length. */
  private static byte[] header(byte[] service, byte[] keyId, int version, int segmentSize, byte[] wrapped,
      byte[] context) {
    ByteBuffer body = ByteBuffer.allocate(1 + service.length + 2 + keyId.length + 4 + 4 + 2 + wrapped.length
        + context.length);
    body.put((byte) service.length).put(service).putShort((short) keyId.length).put(keyId)
        .putInt(version).putInt(segmentSize).putShort((short) wrapped.length).put(wrapped).put(context);
    return concat(new byte[] {(byte) 0x89, 'E', 'N', 'V', 1}, ByteBuffer.allocate(4).putInt(body.capacity()).array(),
        body.array());
  }

  /** {@code header} with {@code extra} zero bytes appended to its body and the body length raised to match. */
  private static byte[] withBodyExtendedBy(byte[] header, int extra) {
    byte[] out = Arrays.copyOf(header, header.length + extra);
    ByteBuffer.wrap(out).putInt(5, ByteBuffer.wrap(header).getInt(5) + extra);
    return out;
  }

  private static void assertCode(ErrorCode expected, Executable read) {
    assertCode(expected, read, "");
  }

  private static void assertCode(ErrorCode expected, Executable read, String what) {
    EnvelopeException e = assertThrows(EnvelopeException.class, read, what);
    assertEquals(expected, e.code(), what + ": " + e.getMessage());
  }

  private static String ascii(ByteBuffer b, int length) {
    byte[] out = new byte[length];
    b.get(out);
    return new String(out, StandardCharsets.UTF_8);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static final class CountingInputStream extends InputStream {
    private final InputStream in;
    long count;

    CountingInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b != -1) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
