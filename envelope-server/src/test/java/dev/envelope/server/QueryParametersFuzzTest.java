package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Fuzz tests of the query string ({@link QueryParameters}; docs/FUZZING.md). */
class QueryParametersFuzzTest {
  /**
   * {@link QueryParameters#first} of {@code name} and {@code cursor} in a query string as sent (the input as
   * ISO-8859-1, as a request line's bytes reach the server). Documented refusal: {@link EnvelopeException} with
   * {@link ErrorCode#INVALID_ARGUMENT}. A value that reads, sent percent-encoded, reads back the same.
   */
  @FuzzTest
  void first(byte[] input) throws EnvelopeException {
    String query = new String(input, StandardCharsets.ISO_8859_1);
    for (String name : new String[] {"name", "cursor"}) {
      String value;
      try {
        value = QueryParameters.first(query, name);
      } catch (EnvelopeException e) {
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        continue;
      }
      if (value != null) {
        assertEquals(value, QueryParameters.first(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8),
            name));
      }
    }
  }
}
