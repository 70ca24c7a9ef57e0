package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

/** The parallel engines' key: Tink's header rules, its segment limit, and what it never shows. */
class StreamKeyTest {
  private static final byte[] KEY = ParallelStreams.rawKey(3);

  @Test
  void aHeaderIsRefused_unlessItIs40BytesStartingWith40() throws Exception {
    byte[] header = ParallelStreams.newKey(KEY).header();
    assertEquals(40, header.length);
    assertEquals(40, header[0]);
    StreamKey.fromHeader(KEY, header, ParallelStreams.AAD);

    byte[] wrongLength = header.clone();
    wrongLength[0] = 41;
    assertThrows(GeneralSecurityException.class, () -> StreamKey.fromHeader(KEY, wrongLength, ParallelStreams.AAD));
    assertThrows(GeneralSecurityException.class,
        () -> StreamKey.fromHeader(KEY, java.util.Arrays.copyOf(header, 39), ParallelStreams.AAD));
  }

  @Test
  void segmentIndexes_stopAt2To32_asTinksEncrypterDoes() throws Exception {
    StreamKey key = ParallelStreams.newKey(KEY);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] out = new byte[32];
    key.encrypt(cipher, (1L << 32) - 1, false, new byte[1], 0, 1, out, 0);
    assertThrows(GeneralSecurityException.class, () -> key.encrypt(cipher, 1L << 32, true, new byte[1], 0, 1, out, 0));
    assertThrows(GeneralSecurityException.class, () -> key.encrypt(cipher, -1, true, new byte[1], 0, 1, out, 0));
  }

  @Test
  void toString_showsNoKeyMaterial() throws Exception {
    byte[] salt = new byte[32];
    byte[] derived = StreamKey.hkdfSha256(KEY, salt, ParallelStreams.AAD);
    String shown = StreamKey.of(KEY, salt, new byte[7], ParallelStreams.AAD).toString();

    assertFalse(shown.toLowerCase().contains(HexFormat.of().formatHex(derived, 0, 4)), shown);
    assertFalse(shown.toLowerCase().contains(HexFormat.of().formatHex(KEY, 0, 4)), shown);
    assertEquals("StreamKey[AES-256-GCM, HKDF-SHA256]", shown);
  }

  @Test
  void theDataKeyCopies_areZeroed_onceTheyAreNoLongerNeeded() throws Exception {
    int segment = 65536;
    byte[] plaintext = CipherFixtures.randomBytes(3 * segment, 8);
    StreamEngines engines = new StreamEngines(KEY, ParallelStreams.AAD, segment);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncryptingStream encrypting = new EncryptingStream(engines, out);
    encrypting.write(plaintext, 0, 1000);
    assertFalse(engines.forgotten(), "needed until the stream has chosen");
    encrypting.write(plaintext, 1000, plaintext.length - 1000);
    assertTrue(engines.forgotten());
    encrypting.close();

    ParallelDecryptingStream decrypting = ParallelStreams.decrypter(KEY, segment,
        new ByteArrayInputStream(out.toByteArray()), 2);
    assertTrue(decrypting.holdsDataKey());
    assertEquals(plaintext[0], (byte) decrypting.read());
    assertFalse(decrypting.holdsDataKey(), "zeroed once the header is read");
    assertArrayEquals(java.util.Arrays.copyOfRange(plaintext, 1, plaintext.length), decrypting.readAllBytes());

    StreamEngines closedEarly = new StreamEngines(KEY, ParallelStreams.AAD, segment);
    new DecryptingStream(closedEarly, new ByteArrayInputStream(new byte[0])).close();
    assertTrue(closedEarly.forgotten());
  }
}
