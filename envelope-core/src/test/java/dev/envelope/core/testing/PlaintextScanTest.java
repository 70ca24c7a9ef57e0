package dev.envelope.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The no-plaintext-on-disk tests are only as good as their scan: it must find every form of a leak. */
class PlaintextScanTest {
  private static final Map<String, UnaryOperator<byte[]>> ENCODINGS = Map.of(
      "raw", b -> b,
      "hex", b -> ascii(HexFormat.of().formatHex(b)),
      "HEX", b -> ascii(HexFormat.of().formatHex(b).toUpperCase(Locale.ROOT)),
      "base64", b -> Base64.getEncoder().encode(b),
      "base64url", b -> Base64.getUrlEncoder().encode(b),
      "base64 without padding", b -> Base64.getEncoder().withoutPadding().encode(b));

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 37, 95, 96, 1000})
  void aLeakOfAFewHundredBytesFromAnyOffset_isFoundInEveryEncoding_acrossChunkBoundaries(int offset)
      throws Exception {
    byte[] content = PlaintextScan.repeatedMarker(4000);
    byte[] leak = Arrays.copyOfRange(content, offset, offset + 200);
    for (Map.Entry<String, UnaryOperator<byte[]>> encoding : ENCODINGS.entrySet()) {
      Path file = Files.write(dir.resolve("leak"), concat(noise(2000 + offset, offset),
          encoding.getValue().apply(leak), noise(3000, offset + 1)));
      // Reading a byte at a time, or a few, puts the leak across chunk boundaries everywhere.
      for (int chunk : new int[] {1, 5, 64, 4096, 1 << 20}) {
        PlaintextScan.Result result = PlaintextScan.create().chunk(chunk).plaintext("content", content)
            .scan(List.of(dir));

        assertFalse(result.of("content").isEmpty(),
            encoding.getKey() + " at offset " + offset + " was not found reading " + chunk + " bytes at a time");
        assertEquals(file, result.of("content").get(0).file());
      }
    }
  }

  @Test
  void aShortFileLeakedWhole_isFoundInEveryEncoding() throws Exception {
    byte[] content = noise(33, 7);
    for (Map.Entry<String, UnaryOperator<byte[]>> encoding : ENCODINGS.entrySet()) {
      Files.write(dir.resolve("leak"), concat(noise(1000, 1), encoding.getValue().apply(content), noise(1000, 2)));
      assertFalse(PlaintextScan.create().plaintext("short", content).scan(List.of(dir)).of("short").isEmpty(),
          encoding.getKey());
    }
  }

  @Test
  void noise_holdsNoHit_andEveryByteUnderEachRootIsCounted() throws Exception {
    byte[] content = PlaintextScan.repeatedMarker(1000);
    Path a = Files.createDirectories(dir.resolve("a/deeper"));
    Files.write(a.resolve("one"), noise(3_000_000, 3)); // three chunks of 1 MiB
    Files.write(a.resolve("two"), noise(10, 4));
    Path b = Files.write(dir.resolve("b"), noise(12345, 5));
    Path missing = dir.resolve("missing");

    PlaintextScan.Result result = PlaintextScan.create().plaintext("content", content)
        .verbatim("name", ascii("report-2026.pdf")).scan(List.of(dir.resolve("a"), b, missing));

    assertEquals(List.of(), result.hits());
    assertEquals(List.of(3_000_010L, 12345L, 0L), List.copyOf(result.bytesUnder().values()));
  }

  @Test
  void aVerbatimNeedle_isFoundAsItIs_andOnlySo() throws Exception {
    byte[] name = ascii("name-5f3a9c1e7b2d4068");
    Files.write(dir.resolve("db"), concat(noise(100, 1), name, noise(100, 2), ascii(HexFormat.of().formatHex(name))));

    for (int chunk : new int[] {1, 7, 1 << 20}) {
      PlaintextScan.Result result = PlaintextScan.create().chunk(chunk).verbatim("name", name).scan(List.of(dir));

      assertEquals(1, result.of("name").size(), result.hits().toString());
      assertEquals(100, result.of("name").get(0).offset(), "reading " + chunk + " bytes at a time");
    }
  }

  @Test
  void needlesTooShortToBeTellingAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> PlaintextScan.create().plaintext("x", new byte[15]));
    assertThrows(IllegalArgumentException.class, () -> PlaintextScan.create().verbatim("x", new byte[7]));
  }

  @Test
  void repeatedMarker_isOneRandomMarkerOverAndOver() {
    byte[] a = PlaintextScan.repeatedMarker(1000);
    byte[] b = PlaintextScan.repeatedMarker(1000);
    assertFalse(Arrays.equals(a, b), "a fresh marker each time");
    for (int i = PlaintextScan.MARKER; i < a.length; i++) {
      assertEquals(a[i - PlaintextScan.MARKER], a[i]);
    }
    assertTrue(new String(a, StandardCharsets.ISO_8859_1).chars().distinct().count() > 50, "random bytes");
  }

  private static byte[] noise(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
