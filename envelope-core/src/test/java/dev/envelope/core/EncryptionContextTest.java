package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EncryptionContextTest {
  /** U+FF21 FULLWIDTH LATIN CAPITAL LETTER A: UTF-8 EF BC A1, UTF-16 FF21. */
  private static final String FULLWIDTH_A = "\uFF21";
  /** U+1F600 GRINNING FACE: UTF-8 F0 9F 98 80, UTF-16 D83D DE00 (sorts before U+FF21 in UTF-16 only). */
  private static final String EMOJI = "\uD83D\uDE00";

  @Test
  void canonicalBytes_doNotDependOnInsertionOrder() {
    Map<String, String> forward = new LinkedHashMap<>();
    forward.put("tenant", "t1");
    forward.put("file", "f9");
    forward.put(EMOJI, "e");
    forward.put(FULLWIDTH_A, "a");
    Map<String, String> backward = new LinkedHashMap<>();
    backward.put(FULLWIDTH_A, "a");
    backward.put(EMOJI, "e");
    backward.put("file", "f9");
    backward.put("tenant", "t1");

    assertArrayEquals(EncryptionContext.of(forward).canonicalBytes(),
        EncryptionContext.of(backward).canonicalBytes());
    assertArrayEquals(EncryptionContext.of("tenant", "t1", "file", "f9").canonicalBytes(),
        EncryptionContext.of("file", "f9", "tenant", "t1").canonicalBytes());
  }

  @Test
  void canonicalBytes_matchTheDocumentedLayout_sortedByUnsignedUtf8() {
    EncryptionContext context = EncryptionContext.of(
        "b", "2", FULLWIDTH_A, "x", EMOJI, "", "a", "1");

    byte[] expected = bytes(
        0x01, 0x00, 0x04,                                   // version 1, 4 entries
        0x00, 0x01, 'a', 0x00, 0x01, '1',                   // "a" = "1"
        0x00, 0x01, 'b', 0x00, 0x01, '2',                   // "b" = "2"
        0x00, 0x03, 0xEF, 0xBC, 0xA1, 0x00, 0x01, 'x',      // U+FF21 = "x"
        0x00, 0x04, 0xF0, 0x9F, 0x98, 0x80, 0x00, 0x00);    // U+1F600 = "" (after U+FF21 in UTF-8 order)

    assertArrayEquals(expected, context.canonicalBytes());
  }

  @Test
  void canonicalBytes_ofTheEmptyContext_areVersionAndZeroCount() {
    assertArrayEquals(bytes(0x01, 0x00, 0x00), EncryptionContext.empty().canonicalBytes());
    assertArrayEquals(bytes(0x01, 0x00, 0x00), EncryptionContext.of(Map.of()).canonicalBytes());
  }

  @Test
  void asMap_iteratesInCanonicalOrder_notUtf16Order() {
    EncryptionContext context = EncryptionContext.of(EMOJI, "e", FULLWIDTH_A, "a", "z", "last-ascii");

    assertEquals(List.of("z", FULLWIDTH_A, EMOJI), List.copyOf(context.asMap().keySet()));
  }

  @Test
  void fromCanonicalBytes_roundTrips() {
    EncryptionContext[] contexts = {
        EncryptionContext.empty(),
        EncryptionContext.of("k", ""),
        EncryptionContext.of("tenant", "t1", "file", "f9", FULLWIDTH_A, "a", EMOJI, "\u00e9t\u00e9"),
        EncryptionContext.of(Map.of("k".repeat(EncryptionContext.MAX_KEY_BYTES),
            "v".repeat(EncryptionContext.MAX_VALUE_BYTES))),
        EncryptionContext.of(entries(EncryptionContext.MAX_ENTRIES)),
    };
    for (EncryptionContext context : contexts) {
      EncryptionContext parsed = EncryptionContext.fromCanonicalBytes(context.canonicalBytes());

      assertEquals(context, parsed);
      assertEquals(context.asMap(), parsed.asMap());
      assertArrayEquals(context.canonicalBytes(), parsed.canonicalBytes());
    }
  }

  @Test
  void fromCanonicalBytes_rejectsUnsortedKeys() {
    byte[] unsorted = bytes(0x01, 0x00, 0x02,
        0x00, 0x01, 'b', 0x00, 0x00,
        0x00, 0x01, 'a', 0x00, 0x00);

    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(unsorted));
  }

  @Test
  void fromCanonicalBytes_rejectsKeysInUtf16Order() {
    byte[] utf16Order = bytes(0x01, 0x00, 0x02,
        0x00, 0x04, 0xF0, 0x9F, 0x98, 0x80, 0x00, 0x00,  // U+1F600 first: right for UTF-16, wrong for UTF-8
        0x00, 0x03, 0xEF, 0xBC, 0xA1, 0x00, 0x00);

    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(utf16Order));
  }

  @Test
  void fromCanonicalBytes_rejectsDuplicateKeys() {
    byte[] duplicate = bytes(0x01, 0x00, 0x02,
        0x00, 0x01, 'a', 0x00, 0x01, '1',
        0x00, 0x01, 'a', 0x00, 0x01, '2');

    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(duplicate));
  }

  @Test
  void fromCanonicalBytes_rejectsTrailingBytes() {
    byte[] valid = EncryptionContext.of("a", "1").canonicalBytes();
    byte[] trailing = Arrays.copyOf(valid, valid.length + 1);

    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(trailing));
    byte[] emptyWithTrailing = bytes(0x01, 0x00, 0x00, 0x00);
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(emptyWithTrailing));
  }

  @Test
  void fromCanonicalBytes_rejectsEveryTruncation() {
    byte[] valid = EncryptionContext.of("tenant", "t1", "file", "f9", EMOJI, "").canonicalBytes();

    for (int length = 0; length < valid.length; length++) {
      byte[] truncated = Arrays.copyOf(valid, length);
      assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(truncated),
          "prefix of " + length + " bytes");
    }
  }

  @Test
  void fromCanonicalBytes_rejectsAnUnknownVersion() {
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(bytes(0x00, 0x00, 0x00)));
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(bytes(0x02, 0x00, 0x00)));
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(bytes(0xFF, 0x00, 0x00)));
  }

  @Test
  void fromCanonicalBytes_rejectsMalformedUtf8() {
    int[][] malformed = {
        {0xC3, 0x28},             // bad continuation byte
        {0x80},                   // lone continuation byte
        {0xC0, 0xAF},             // overlong encoding of '/'
        {0xED, 0xA0, 0x80},       // an encoded surrogate (U+D800)
        {0xF4, 0x90, 0x80, 0x80}, // above U+10FFFF
        {0xE2, 0x82},             // sequence cut short
    };
    for (int[] bad : malformed) {
      byte[] asKey = entry(bytes(bad), bytes('v'));
      byte[] asValue = entry(bytes('k'), bytes(bad));

      assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(asKey),
          "key " + Arrays.toString(bad));
      assertThrows(IllegalArgumentException.class, () -> EncryptionContext.fromCanonicalBytes(asValue),
          "value " + Arrays.toString(bad));
    }
  }

  @Test
  void fromCanonicalBytes_rejectsAnEmptyKey() {
    assertThrows(IllegalArgumentException.class,
        () -> EncryptionContext.fromCanonicalBytes(entry(new byte[0], bytes('v'))));
  }

  @Test
  void fromCanonicalBytes_acceptsAHandWrittenEncoding() {
    EncryptionContext parsed = EncryptionContext.fromCanonicalBytes(entry(bytes('k'), bytes('v')));

    assertEquals(Map.of("k", "v"), parsed.asMap());
  }

  @Test
  void of_rejectsAnEmptyKey() {
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("", "v"));
  }

  @Test
  void of_acceptsKeysUpTo256Utf8Bytes_andRejectsLonger() {
    EncryptionContext.of("k".repeat(256), "v");
    EncryptionContext.of("\u00e9".repeat(128), "v"); // 128 chars, 256 bytes

    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("k".repeat(257), "v"));
    // 129 chars but 258 bytes: the limit counts UTF-8 bytes, not chars
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("\u00e9".repeat(129), "v"));
  }

  @Test
  void of_acceptsValuesUpTo4096Utf8Bytes_andRejectsLonger() {
    EncryptionContext.of("k", "v".repeat(4096));
    EncryptionContext.of("k", "\u20ac".repeat(1365)); // 4095 bytes

    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("k", "v".repeat(4097)));
    // 1366 chars but 4098 bytes
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("k", "\u20ac".repeat(1366)));
  }

  @Test
  void of_acceptsUpTo64Entries_andRejectsMore() {
    assertEquals(64, EncryptionContext.of(entries(64)).asMap().size());

    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of(entries(65)));
  }

  @Test
  void of_rejectsLoneSurrogates() {
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("\uD83D", "v"));
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("\uDE00x", "v"));
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("k", "\uD83D"));
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("k", "a\uDE00b"));
  }

  @Test
  void of_rejectsNulls() {
    Map<String, String> nullKey = new HashMap<>();
    nullKey.put(null, "v");
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("k", null);

    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of(nullKey));
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of(nullValue));
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("k", null));
    assertThrows(NullPointerException.class, () -> EncryptionContext.of((Map<String, String>) null));
  }

  @Test
  void of_rejectsAnOddNumberOfArguments_andRepeatedKeys() {
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("k"));
    assertThrows(IllegalArgumentException.class, () -> EncryptionContext.of("k", "1", "k", "2"));
  }

  @Test
  void emptyValues_areAllowed() {
    EncryptionContext context = EncryptionContext.of("k", "");

    assertEquals("", context.asMap().get("k"));
    assertArrayEquals(bytes(0x01, 0x00, 0x01, 0x00, 0x01, 'k', 0x00, 0x00), context.canonicalBytes());
  }

  @Test
  void equalContexts_haveEqualHashCodes() {
    EncryptionContext a = EncryptionContext.of("tenant", "t1", "file", "f9");
    EncryptionContext b = EncryptionContext.of(Map.of("file", "f9", "tenant", "t1"));

    assertEquals(a, b);
    assertEquals(b, a);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(EncryptionContext.empty(), EncryptionContext.of(Map.of()));
  }

  @Test
  void contextsWithDifferentEntries_areNotEqual() {
    EncryptionContext base = EncryptionContext.of("tenant", "t1", "file", "f9");

    assertNotEquals(base, EncryptionContext.of("tenant", "t1", "file", "f8"));
    assertNotEquals(base, EncryptionContext.of("tenant", "t1", "file", "f9", "x", ""));
    assertNotEquals(base, EncryptionContext.of("tenant", "t1"));
    assertNotEquals(base, EncryptionContext.empty());
    assertNotEquals(EncryptionContext.of("ab", "c"), EncryptionContext.of("a", "bc"));
    assertNotEquals(base, null);
    assertNotEquals(base, (Object) base.asMap());
  }

  @Test
  void canonicalBytes_returnsACopy() {
    EncryptionContext context = EncryptionContext.of("a", "1");
    byte[] bytes = context.canonicalBytes();
    bytes[bytes.length - 1] = '2';

    assertEquals("1", EncryptionContext.fromCanonicalBytes(context.canonicalBytes()).asMap().get("a"));
  }

  @Test
  void asMap_isUnmodifiable_andIndependentOfTheCallersMap() {
    Map<String, String> source = new HashMap<>(Map.of("a", "1"));
    EncryptionContext context = EncryptionContext.of(source);
    source.put("b", "2");

    assertEquals(Map.of("a", "1"), context.asMap());
    assertThrows(UnsupportedOperationException.class, () -> context.asMap().put("c", "3"));
  }

  @Test
  void toString_showsTheEntries() {
    assertTrue(EncryptionContext.of("tenant", "t1").toString().contains("tenant=t1"));
  }

  private static Map<String, String> entries(int count) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < count; i++) {
      map.put("key-" + i, "value-" + i);
    }
    return map;
  }

  /** One-entry encoding with raw key and value bytes. */
  private static byte[] entry(byte[] key, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x01);
    out.write(0x00);
    out.write(0x01);
    out.write(key.length >> 8);
    out.write(key.length);
    out.writeBytes(key);
    out.write(value.length >> 8);
    out.write(value.length);
    out.writeBytes(value);
    return out.toByteArray();
  }

  static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
