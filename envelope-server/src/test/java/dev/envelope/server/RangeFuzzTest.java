package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.ByteRange;

/** Fuzz tests of the {@code Range} header of a download ({@link Downloads#requestedRanges}; docs/FUZZING.md). */
class RangeFuzzTest {
  private static final String ETAG = "\"qcso7t4y7tgg6ano3c4ewnb4la\"";

  /**
   * The input as lines: the file size (a decimal number; anything else is 50,000), the {@code Range} header,
   * and, if there is a third line, an {@code If-Range} header. Documented refusal: none; every header yields the
   * whole file (null), 416 (empty), or ranges. Every range returned lies inside the file and makes a valid
   * {@code Content-Range}.
   */
  @FuzzTest
  void ranges(byte[] input) {
    String[] lines = new String(input, StandardCharsets.ISO_8859_1).split("\n", 3);
    long size;
    try {
      size = Long.parseLong(lines[0].strip());
    } catch (NumberFormatException e) {
      size = 50_000;
    }
    if (size < 0 || lines.length < 2) {
      return; // a file has a size; a request without the header never gets here
    }
    List<ByteRange> ranges = Downloads.requestedRanges(List.of(lines[1]), lines.length > 2 ? lines[2] : null,
        ETAG, size);
    if (ranges == null) {
      return;
    }
    for (ByteRange range : ranges) {
      assertTrue(range.first() >= 0 && range.first() <= range.last() && range.last() < size, range.toString());
      assertEquals(range.last() - range.first() + 1, range.getLength(), range.toString());
      assertEquals("bytes " + range.first() + "-" + range.last() + "/" + size, range.toHeaderValue(size));
    }
  }
}
