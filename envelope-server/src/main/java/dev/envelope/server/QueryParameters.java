package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Query parameters as this API defines them: percent-encoded UTF-8, always, and strictly. Javalin's
 * {@code ctx.queryParam} decodes with the charset of the request's {@code Content-Type} (so a raw upload of a
 * {@code text/plain; charset=iso-8859-1} file had its {@code name} garbled, and an unknown charset dropped every
 * parameter), and replaces bytes that are not UTF-8 with U+FFFD: a name that was not the one sent.
 */
final class QueryParameters {
  private QueryParameters() {}

  /** The first value of {@code name} in the query string, or null; {@code +} is a space. */
  static String first(Context ctx, String name) throws EnvelopeException {
    return first(ctx.req().getQueryString(), name);
  }

  /** The first value of {@code name} in {@code query} (as sent, without {@code ?}; or null), or null. */
  static String first(String query, String name) throws EnvelopeException {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String key = decode(equals < 0 ? pair : pair.substring(0, equals));
      if (key.equals(name)) {
        return decode(equals < 0 ? "" : pair.substring(equals + 1));
      }
    }
    return null;
  }

  private static String decode(String text) throws EnvelopeException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%') {
        int hi = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
        int lo = hi < 0 ? -1 : Character.digit(text.charAt(i + 2), 16);
        if (lo < 0) {
          throw invalid();
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else if (c == '+') {
        bytes.write(' ');
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        throw invalid();
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw invalid();
    }
  }

  private static EnvelopeException invalid() {
    return new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
        "the query string must be percent-encoded UTF-8");
  }
}
