package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class DataKeyTest {
  private static final WrappedKey WRAPPED = WrappedKey.of("root-1", 3, new byte[] {1, 2, 3});

  @Test
  void close_zeroesThePlaintext() {
    byte[] material = keyMaterial();
    DataKey key = DataKey.of(material, WRAPPED);
    assertArrayEquals(material, key.copyPlaintext(InsecureKeyAccess.get()));
    byte[] live = key.plaintext();

    key.close();

    assertArrayEquals(new byte[DataKey.SIZE_BYTES], live);
    assertTrue(key.isClosed());
  }

  @Test
  void plaintext_afterClose_throws() {
    DataKey key = DataKey.of(keyMaterial(), WRAPPED);
    key.close();

    assertThrows(IllegalStateException.class, key::plaintext);
    assertThrows(IllegalStateException.class, () -> key.copyPlaintext(InsecureKeyAccess.get()));
  }

  @Test
  void close_isIdempotent() {
    DataKey key = DataKey.of(keyMaterial(), WRAPPED);
    key.close();
    key.close();

    assertTrue(key.isClosed());
    assertThrows(IllegalStateException.class, key::plaintext);
  }

  @Test
  void anOpenKey_isNotClosed() {
    try (DataKey key = DataKey.of(keyMaterial(), WRAPPED)) {
      assertFalse(key.isClosed());
      assertEquals(WRAPPED, key.wrapped());
    }
  }

  @Test
  void copyPlaintext_returnsACopy() {
    byte[] material = keyMaterial();
    try (DataKey key = DataKey.of(material, WRAPPED)) {
      byte[] copy = key.copyPlaintext(InsecureKeyAccess.get());
      Arrays.fill(copy, (byte) 0);

      assertArrayEquals(material, key.copyPlaintext(InsecureKeyAccess.get()));
      assertNotSame(key.plaintext(), key.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void copyPlaintext_withoutTheAccessToken_isRefused() {
    try (DataKey key = DataKey.of(keyMaterial(), WRAPPED)) {
      assertThrows(NullPointerException.class, () -> key.copyPlaintext(null));
    }
  }

  @Test
  void toString_doesNotRevealTheKey() {
    byte[] material = keyMaterial();
    try (DataKey key = DataKey.of(material, WRAPPED)) {
      String text = key.toString();

      assertFalse(containsIgnoreCase(text, HexFormat.of().formatHex(material)), text);
      assertFalse(text.contains(Base64.getEncoder().encodeToString(material)), text);
      assertFalse(text.contains(Base64.getEncoder().withoutPadding().encodeToString(material)), text);
      assertFalse(text.contains(Base64.getUrlEncoder().withoutPadding().encodeToString(material)), text);
      assertFalse(text.contains(Arrays.toString(material)), text);
      // not even a piece of it: no 4 consecutive key bytes in hex
      for (int i = 0; i + 4 <= material.length; i++) {
        String piece = HexFormat.of().formatHex(material, i, i + 4);
        assertFalse(containsIgnoreCase(text, piece), text);
      }
      assertTrue(text.contains("root-1"), text);
    }
  }

  @Test
  void toString_afterClose_stillNamesOnlyTheRootKey() {
    DataKey key = DataKey.of(keyMaterial(), WRAPPED);
    key.close();

    assertTrue(key.toString().contains("root-1"));
    assertTrue(key.toString().contains("closed"));
  }

  @Test
  void of_rejectsKeysThatAreNot32Bytes() {
    for (int length : new int[] {0, 1, 16, 24, 31, 33, 64}) {
      assertThrows(IllegalArgumentException.class, () -> DataKey.of(new byte[length], WRAPPED),
          length + " bytes");
    }
  }

  @Test
  void of_rejectsNulls() {
    assertThrows(NullPointerException.class, () -> DataKey.of(null, WRAPPED));
    assertThrows(NullPointerException.class, () -> DataKey.of(keyMaterial(), null));
  }

  @Test
  void of_copiesItsInput() {
    byte[] material = keyMaterial();
    byte[] original = material.clone();
    try (DataKey key = DataKey.of(material, WRAPPED)) {
      Arrays.fill(material, (byte) 0x55);

      assertArrayEquals(original, key.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void closingTheKey_doesNotTouchTheCallersArray() {
    byte[] material = keyMaterial();
    byte[] original = material.clone();
    DataKey key = DataKey.of(material, WRAPPED);

    key.close();

    assertArrayEquals(original, material);
  }

  /** 32 distinct, non-zero bytes (so zeroing is visible and every byte is recognisable). */
  private static byte[] keyMaterial() {
    byte[] key = new byte[DataKey.SIZE_BYTES];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (0xA0 + i * 3);
    }
    return key;
  }

  private static boolean containsIgnoreCase(String text, String piece) {
    return text.toLowerCase(Locale.ROOT).contains(piece.toLowerCase(Locale.ROOT));
  }
}
