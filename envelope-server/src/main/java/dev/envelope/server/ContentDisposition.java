package dev.envelope.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code Content-Disposition} both ways: the file name a client sends (RFC 6266, with RFC 8187/5987
 * {@code filename*} preferred over {@code filename}), and the {@code attachment} header of a download, which
 * must carry any name, in any script, without letting it break out of the header.
 *
 * <p>Parsing returns the name as sent; whether it is an acceptable name is {@code FileNames}' decision.
 */
final class ContentDisposition {
  /** RFC 8187 attr-char: what {@code filename*} may carry unencoded. */
  private static final String ATTR_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~";
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private ContentDisposition() {}

  /**
   * The file name in a {@code Content-Disposition} value, or null if it has none.
   *
   * @throws IllegalArgumentException if the header is malformed (an unterminated quote, text after a quoted
   *     string, a parameter given twice, bad percent-encoding, a charset other than UTF-8 or ISO-8859-1, bytes
   *     that are not valid in it)
   */
  static String fileName(String header) {
    if (header == null) {
      return null;
    }
    Map<String, String> parameters = parameters(header);
    String extended = parameters.get("filename*");
    return extended != null ? decodeExtended(extended.strip()) : rawUtf8(parameters.get("filename"));
  }

  /**
   * A plain {@code filename} as browsers and curl send it: raw UTF-8 bytes, which the HTTP parser hands over as
   * ISO-8859-1 characters ({@code résumé} arrives as {@code rÃ©sumÃ©}). When those bytes are well-formed UTF-8
   * with at least one non-ASCII character, the name is their UTF-8 reading; otherwise (plain ASCII, or Latin-1
   * bytes that are not UTF-8, as RFC 9110's ISO-8859-1 default reads them) it stays as it came. A sequence of
   * Latin-1 characters that happens to be valid UTF-8 (such as {@code Ã©}) is vanishingly rare in a real name;
   * a client that means it exactly sends {@code filename*}.
   */
  static String rawUtf8(String name) {
    if (name == null) {
      return null;
    }
    boolean nonAscii = false;
    byte[] bytes = new byte[name.length()];
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c > 0xFF) {
        return name; // already decoded beyond Latin-1: not raw bytes
      }
      nonAscii |= c > 0x7F;
      bytes[i] = (byte) c;
    }
    if (!nonAscii) {
      return name;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return name;
    }
  }

  /**
   * The file name of a {@code multipart/form-data} part, or null if it has none. Browsers and curl write it as
   * the HTML standard says: a quoted {@code filename} whose backslashes are plain characters (Windows paths keep
   * them: {@code C:\Users\me\report.pdf}), with {@code "}, CR and LF sent as {@code %22}, {@code %0D} and
   * {@code %0A}, which are decoded here (control characters are then {@code FileNames}' to refuse).
   * {@code filename*}, which RFC 7578 leaves out but some clients send, wins when present.
   *
   * @throws IllegalArgumentException as {@link #fileName}
   */
  static String formFileName(String header) {
    if (header == null) {
      return null;
    }
    Map<String, String> parameters = formParameters(header);
    String extended = parameters.get("filename*");
    if (extended != null) {
      return decodeExtended(extended.strip());
    }
    String name = parameters.get("filename");
    return name == null ? null : name.replace("%22", "\"").replace("%0D", "\r").replace("%0A", "\n");
  }

  /** The parameters of a header value ({@code type; key=value; key="quoted"}), keys in lower case. */
  static Map<String, String> parameters(String header) {
    return parameters(header, true);
  }

  /** The parameters of a multipart part's {@code Content-Disposition}, backslashes as they are (HTML standard). */
  static Map<String, String> formParameters(String header) {
    return parameters(header, false);
  }

  /**
   * As {@link #parameters(String)}; {@code quotedPairs} says whether a backslash in a quoted string escapes the
   * next character (RFC 9110) or is itself (the HTML standard's multipart form data).
   */
  private static Map<String, String> parameters(String header, boolean quotedPairs) {
    Map<String, String> parameters = new HashMap<>();
    int at = header.indexOf(';');
    while (at >= 0 && at < header.length()) {
      int equals = header.indexOf('=', at + 1);
      if (equals < 0) {
        break;
      }
      String key = header.substring(at + 1, equals).strip().toLowerCase(Locale.ROOT);
      StringBuilder value = new StringBuilder();
      int end = readValue(header, equals + 1, value, quotedPairs);
      if (parameters.putIfAbsent(key, value.toString()) != null) {
        // Parsers disagree on which of two counts (the first, the last): neither does.
        throw new IllegalArgumentException("Content-Disposition gives '" + key + "' twice");
      }
      at = header.indexOf(';', end);
    }
    return parameters;
  }

  /** Reads a token or quoted-string from {@code from}; returns where it ended. */
  private static int readValue(String header, int from, StringBuilder out, boolean quotedPairs) {
    int i = from;
    while (i < header.length() && (header.charAt(i) == ' ' || header.charAt(i) == '\t')) {
      i++;
    }
    if (i < header.length() && header.charAt(i) == '"') {
      for (i++; i < header.length(); i++) {
        char c = header.charAt(i);
        if (quotedPairs && c == '\\' && i + 1 < header.length()) {
          out.append(header.charAt(++i));
        } else if (c == '"') {
          int end = i + 1;
          while (end < header.length() && (header.charAt(end) == ' ' || header.charAt(end) == '\t')) {
            end++;
          }
          if (end < header.length() && header.charAt(end) != ';') {
            throw new IllegalArgumentException("Content-Disposition has text after a quoted string (a quote in a"
                + " form's file name is sent as %22)");
          }
          return end;
        } else {
          out.append(c);
        }
      }
      throw new IllegalArgumentException("Content-Disposition has an unterminated quoted string");
    }
    int end = header.indexOf(';', i);
    end = end < 0 ? header.length() : end;
    out.append(header, i, end);
    int trim = out.length();
    while (trim > 0 && Character.isWhitespace(out.charAt(trim - 1))) {
      trim--;
    }
    out.setLength(trim);
    return end;
  }

  /** Decodes {@code charset'language'percent-encoded} (RFC 8187). */
  private static String decodeExtended(String value) {
    int first = value.indexOf('\'');
    int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
    if (second < 0) {
      throw new IllegalArgumentException("Content-Disposition filename* is not charset'lang'value");
    }
    String charsetName = value.substring(0, first).toUpperCase(Locale.ROOT);
    Charset charset = switch (charsetName) {
      case "UTF-8" -> StandardCharsets.UTF_8;
      case "ISO-8859-1" -> StandardCharsets.ISO_8859_1;
      default -> throw new IllegalArgumentException("Content-Disposition filename* must be UTF-8 or ISO-8859-1");
    };
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String encoded = value.substring(second + 1);
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%') {
        if (i + 2 >= encoded.length()) {
          throw new IllegalArgumentException("Content-Disposition filename* has a bad percent-encoding");
        }
        int hi = Character.digit(encoded.charAt(i + 1), 16);
        int lo = Character.digit(encoded.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("Content-Disposition filename* has a bad percent-encoding");
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        throw new IllegalArgumentException("Content-Disposition filename* must be percent-encoded");
      }
    }
    try {
      return charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("Content-Disposition filename* is not valid " + charset.name());
    }
  }

  /**
   * {@code attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded}. The fallback keeps
   * printable ASCII except {@code " \ %} and replaces everything else with {@code _}, so old clients get a
   * usable name and no client can be tricked by quotes, CR/LF or encodings; RFC 6266 clients use
   * {@code filename*}, which round-trips every name exactly.
   */
  static String attachment(String name) {
    StringBuilder fallback = new StringBuilder(name.length());
    name.codePoints().forEach(c -> fallback.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%'
        ? (char) c : '_'));
    StringBuilder encoded = new StringBuilder(name.length() * 3);
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c < 0x80 && ATTR_CHARS.indexOf(c) >= 0) {
        encoded.append((char) c);
      } else {
        encoded.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
      }
    }
    return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
  }
}
