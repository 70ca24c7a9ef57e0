package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The soak's generated content: a slice is what the stream holds at that offset, and seeds differ. */
class SoakContentTest {
  @Test
  void aSliceIsWhatTheStreamHoldsThere_atEveryAlignment() throws IOException {
    SoakContent content = new SoakContent(42, 100_003);
    byte[] whole;
    try (InputStream in = content.stream()) {
      whole = in.readAllBytes();
    }
    assertEquals(100_003, whole.length);
    for (int offset : new int[] {0, 1, 7, 8, 9, 4095, 65_536, 99_990}) {
      for (int length : new int[] {0, 1, 3, 8, 13}) {
        int n = Math.min(length, whole.length - offset);
        assertArrayEquals(Arrays.copyOfRange(whole, offset, offset + n), content.slice(offset, n));
      }
    }
  }

  @Test
  void theStreamReadByteByByte_isTheSame_andEnds() throws IOException {
    SoakContent content = new SoakContent(-7, 1000);
    byte[] bulk = content.stream().readAllBytes();
    InputStream in = content.stream();
    for (byte b : bulk) {
      assertEquals(b & 0xff, in.read());
    }
    assertEquals(-1, in.read());
    assertEquals(0, new SoakContent(1, 0).stream().readAllBytes().length);
  }

  @Test
  void seedsMakeDifferentContent() {
    assertFalse(Arrays.equals(new SoakContent(1, 64).slice(0, 64), new SoakContent(2, 64).slice(0, 64)));
    assertArrayEquals(new SoakContent(3, 5000).sha256(), SoakContent.newSha256().digest(new SoakContent(3, 5000)
        .slice(0, 5000)));
  }
}
