package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RangeTest {
  private static final int SIZE = 50_000;
  private static TestServer t;
  private static byte[] content;
  private static String id;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
    content = RoundTripTest.random(SIZE, 7);
    id = RoundTripTest.upload(t, "r.bin", content).get("id").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  private static HttpResponse<byte[]> get(String range) throws Exception {
    return t.sendBytes(t.request("/v1/files/" + id, t.reader).header("Range", range).build());
  }

  private static void assertSlice(HttpResponse<byte[]> r, long first, long last) {
    assertEquals(206, r.statusCode());
    assertEquals("bytes " + first + "-" + last + "/" + SIZE, r.headers().firstValue("Content-Range").orElseThrow());
    assertArrayEquals(Arrays.copyOfRange(content, (int) first, (int) last + 1), r.body());
  }

  @Test
  void randomRangesAnswerTheMatchingSlice() throws Exception {
    Random random = new Random(3);
    for (int i = 0; i < 40; i++) {
      int first = random.nextInt(SIZE);
      int last = first + random.nextInt(SIZE - first);
      assertSlice(get("bytes=" + first + "-" + last), first, last);
    }
  }

  @ParameterizedTest
  @CsvSource({
      "bytes=0-0, 0, 0",
      "bytes=49999-49999, 49999, 49999",
      "bytes=0-49999, 0, 49999",
      "bytes=0-999999, 0, 49999",
      "bytes=49000-, 49000, 49999",
      "bytes=-1, 49999, 49999",
      "bytes=-100, 49900, 49999",
      "bytes=-999999, 0, 49999",
      // across the first and second segment boundaries (4040 and 8120 plaintext bytes)
      "bytes=4039-4040, 4039, 4040",
      "bytes=4000-8200, 4000, 8200",
      "bytes=8119-8120, 8119, 8120",
      "bytes=4040-8119, 4040, 8119"})
  void edgeRangesAnswerTheMatchingSlice(String range, long first, long last) throws Exception {
    assertSlice(get(range), first, last);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=50000-", "bytes=50000-50001", "bytes=-0", "bytes=99999-"})
  void rangesOutsideTheFileAre416WithTheSize(String range) throws Exception {
    HttpResponse<byte[]> r = get(range);

    assertEquals(416, r.statusCode());
    assertEquals("bytes */" + SIZE, r.headers().firstValue("Content-Range").orElseThrow());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=abc", "items=0-5", "bytes=5-2", "bytes=", "bytes=1-2-3", "bytes=--5",
      "bytes=0-99999999999999999999"})
  void malformedRangesAreIgnored(String range) throws Exception {
    HttpResponse<byte[]> r = get(range);

    assertEquals(200, r.statusCode());
    assertArrayEquals(content, r.body());
  }

  @Test
  void severalRangesAnswerTheWholeFile() throws Exception {
    HttpResponse<byte[]> r = get("bytes=0-1,100-200");

    assertEquals(200, r.statusCode());
    assertArrayEquals(content, r.body());
  }

  @Test
  void aHeaderOfThousandsOfRanges_isAnsweredNotOverflowed() throws Exception {
    // One pattern with a repeated group recursed once per range: 1,000 of them overflowed the stack (a 500).
    // (Up to the 16 KiB header limit: about 3,000 short ranges.)
    for (int count : new int[] {1_000, 3_000}) {
      HttpResponse<byte[]> same = get("bytes=" + String.join(",", java.util.Collections.nCopies(count, "0-0")));
      assertSlice(same, 0, 0); // identical ranges coalesce into one
      HttpResponse<byte[]> bad = get("bytes=" + String.join(",", java.util.Collections.nCopies(count, "0-0")) + ",x");
      assertEquals(200, bad.statusCode(), "an invalid Range is ignored");
      assertArrayEquals(content, bad.body());
    }
    HttpResponse<byte[]> many = get("bytes=" + java.util.stream.IntStream.range(0, 1_200)
        .mapToObj(i -> (i * 4) + "-" + (i * 4 + 1)).collect(java.util.stream.Collectors.joining(",")));
    assertEquals(200, many.statusCode(), "several ranges: the whole file");
    assertArrayEquals(content, many.body());
  }

  @Test
  void ifRangeWithAnotherEtagAnswersTheWholeFile() throws Exception {
    HttpResponse<byte[]> stale = t.sendBytes(t.request("/v1/files/" + id, t.reader).header("Range", "bytes=0-9")
        .header("If-Range", "\"something-else\"").build());
    HttpResponse<byte[]> current = t.sendBytes(t.request("/v1/files/" + id, t.reader).header("Range", "bytes=0-9")
        .header("If-Range", "\"" + id + "\"").build());

    assertEquals(200, stale.statusCode());
    assertSlice(current, 0, 9);
  }

  @Test
  void anEmptyFileHasNoSatisfiableRange() throws Exception {
    String empty = RoundTripTest.upload(t, "empty", new byte[0]).get("id").asText();

    HttpResponse<byte[]> r = t.sendBytes(t.request("/v1/files/" + empty, t.reader).header("Range", "bytes=0-").build());

    assertEquals(416, r.statusCode());
    assertEquals("bytes */0", r.headers().firstValue("Content-Range").orElseThrow());
  }
}
