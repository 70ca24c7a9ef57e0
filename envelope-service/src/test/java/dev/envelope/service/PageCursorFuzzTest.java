package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzz tests of the page cursor a client sends back to list the next page ({@link PageCursor}, shared by the
 * SQLite, PostgreSQL and DynamoDB stores; docs/FUZZING.md).
 */
class PageCursorFuzzTest {
  /**
   * {@link PageCursor#decode}: the first line is the tenant, the rest the cursor text as the client sent it.
   * Documented refusal: {@link EnvelopeException} with {@link ErrorCode#INVALID_ARGUMENT}. A cursor that decodes
   * encodes (for the same tenant) to a text that decodes to the same cursor.
   */
  @FuzzTest
  void decode(byte[] input) throws EnvelopeException {
    String text = new String(input, StandardCharsets.UTF_8);
    int newline = text.indexOf('\n');
    String tenant = newline < 0 ? "" : text.substring(0, newline);
    String cursorText = text.substring(newline + 1);
    PageCursor cursor;
    try {
      cursor = PageCursor.decode(tenant, cursorText);
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      return;
    }
    assertEquals(cursor, PageCursor.decode(tenant, cursor.encode(tenant)));
  }

  /**
   * {@link PageCursor#encode} then {@link PageCursor#decode} of a cursor made from the input: 8 bytes of
   * {@code createdAt} millis, then the id's UTF-8 bytes (well-formed, as ids come from the store). Whatever the
   * time and id, the cursor comes back as it was, and another tenant's decode refuses it.
   */
  @FuzzTest
  void roundTrip(byte[] input) throws EnvelopeException {
    if (input.length < 9) {
      return;
    }
    String id;
    try {
      id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(input, 8, input.length - 8))
          .toString();
    } catch (CharacterCodingException e) {
      return;
    }
    PageCursor cursor = new PageCursor(ByteBuffer.wrap(Arrays.copyOf(input, 8)).getLong(), id);
    String text = cursor.encode("t1");
    if (text.length() > 1024) {
      return; // longer than any cursor decode accepts: ids are 26 characters
    }
    assertEquals(cursor, PageCursor.decode("t1", text));
    try {
      PageCursor.decode("t2", text);
      throw new AssertionError("a cursor made for tenant t1 decoded for t2");
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
  }
}
