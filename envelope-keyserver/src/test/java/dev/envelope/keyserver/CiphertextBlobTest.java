package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.envelope.core.WrappedKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The CiphertextBlob layout v1 of docs/FORMAT.md, byte for byte, and its parser's refusals. */
class CiphertextBlobTest {
  /** The example of docs/FORMAT.md: key "k1" (UTF-8 6b31), version 2, wrapped key bytes 0a0b0c. */
  static final String KNOWN = "01" + "0002" + "6b31" + "00000002" + "0a0b0c";

  @Test
  void theLayoutIsVersionIdLengthIdVersionAndWrappedKey() {
    WrappedKey wrapped = WrappedKey.of("k1", 2, new byte[] {10, 11, 12});
    assertEquals(KNOWN, HexFormat.of().formatHex(CiphertextBlob.encode(wrapped)));
    assertEquals(wrapped, CiphertextBlob.decode(HexFormat.of().parseHex(KNOWN)));
  }

  @Test
  void aRealKeyIdRoundTrips() {
    WrappedKey wrapped = WrappedKey.of("5b4c7a4e-0d2f-4c8c-9d3b-6a2d1f0e9c11", 7, new byte[61]);
    assertEquals(wrapped, CiphertextBlob.decode(CiphertextBlob.encode(wrapped)));
    assertEquals(1 + 2 + 36 + 4 + 61, CiphertextBlob.encode(wrapped).length);
  }

  /** Cuts into the wrapped key itself parse, and are the key service's to refuse (KmsErrorsTest). */
  @Test
  void everyTruncationBeforeTheFirstWrappedKeyByteIsAnInvalidCiphertext() {
    byte[] known = HexFormat.of().parseHex(KNOWN);
    for (int length = 0; length <= 1 + 2 + 2 + 4; length++) {
      byte[] cut = Arrays.copyOf(known, length);
      assertEquals(KmsError.INVALID_CIPHERTEXT, assertThrows(KmsException.class, () -> CiphertextBlob.decode(cut))
          .error(), "length " + length);
    }
  }

  @Test
  void anUnknownVersionOrABadKeyIdIsAnInvalidCiphertext() {
    for (String bad : new String[] {"02" + KNOWN.substring(2), "01" + "0002" + "ff31" + "00000002" + "0a",
        "01" + "0000" + "00000002" + "0a", "01" + "0002" + "0a31" + "00000002" + "0a",
        "01" + "0002" + "6b31" + "80000000" + "0a"}) {
      assertEquals(KmsError.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
          () -> CiphertextBlob.decode(HexFormat.of().parseHex(bad))).error(), bad);
    }
  }

  @Test
  void theWrappedKeyIsEverythingAfterTheHeader() {
    byte[] blob = HexFormat.of().parseHex(KNOWN);
    assertArrayEquals(new byte[] {10, 11, 12}, CiphertextBlob.decode(blob).ciphertext());
  }
}
