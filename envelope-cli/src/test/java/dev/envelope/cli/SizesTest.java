package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SizesTest {
  @Test
  void bytesBecomeBinaryUnitsWithOneDecimal() {
    assertEquals("0 B", Sizes.human(0));
    assertEquals("1023 B", Sizes.human(1023));
    assertEquals("1.0 KiB", Sizes.human(1024));
    assertEquals("1.5 MiB", Sizes.human(3 << 19));
    assertEquals("8.0 EiB", Sizes.human(Long.MAX_VALUE));
  }
}
