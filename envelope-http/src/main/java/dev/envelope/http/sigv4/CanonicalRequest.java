package dev.envelope.http.sigv4;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The canonical request of SigV4, up to (not including) the payload hash: method, URI, query, the signed headers
 * and their names. Percent-decoding and -encoding work on bytes, so a path or query that is not UTF-8 still
 * canonicalises as the client's signer did.
 */
final class CanonicalRequest {
  private static final Pattern SPACES = Pattern.compile(" +");
  private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

  private CanonicalRequest() {}

  /** Everything but the payload hash, ending in a newline. */
  static String withoutPayloadHash(String method, String canonicalUri, String canonicalQuery,
      Map<String, List<String>> headers, List<String> signedHeaders) {
    StringBuilder out = new StringBuilder();
    out.append(method).append('\n').append(canonicalUri).append('\n').append(canonicalQuery).append('\n');
    for (String name : signedHeaders) {
      List<String> values = new ArrayList<>();
      for (String value : headers.get(name)) {
        values.add(SPACES.matcher(value.strip()).replaceAll(" "));
      }
      out.append(name).append(':').append(String.join(",", values)).append('\n');
    }
    return out.append('\n').append(String.join(";", signedHeaders)).append('\n').toString();
  }

  /**
   * The canonical URI. S3 signs the path encoded once: the sent path is decoded and re-encoded with its slashes
   * kept, so an escape the client sent is not encoded twice, and a slash sent as {@code %2F} is a slash of the key.
   * Every other service signs the sent path encoded once more.
   */
  static String uri(String rawPath, boolean singleEncoded) throws SigV4Exception {
    String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
    if (!singleEncoded) {
      return encode(path.getBytes(StandardCharsets.UTF_8), false);
    }
    // S3 signs the key, not the wire's spelling of it: the whole path decoded, then encoded once with its slashes
    // kept. The AWS SDK for Java signs "/b/a//k" and then sends "/b/a/%2Fk" (its HTTP client would fold "//"), so a
    // "%2F" on the wire is a slash of the key.
    return encode(decode(path, "path"), false);
  }

  /** One query parameter, decoded. */
  record Param(String name, String value) {}

  /**
   * The parameters of a raw query, decoded. A parameter without {@code =} has the empty value; {@code +} is a
   * plus sign, as the AWS SDKs and the AWS CLI encode a space as {@code %20}.
   */
  static List<Param> params(String rawQuery) throws SigV4Exception {
    List<Param> params = new ArrayList<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      params.add(new Param(decodeString(eq < 0 ? pair : pair.substring(0, eq)),
          decodeString(eq < 0 ? "" : pair.substring(eq + 1))));
    }
    return params;
  }

  /** The canonical query of {@code params} (already decoded): encoded, sorted by name then value. */
  static String query(List<Param> params) {
    List<String[]> encoded = new ArrayList<>();
    for (Param p : params) {
      encoded.add(new String[] {encode(p.name()), encode(p.value())});
    }
    encoded.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    List<String> joined = new ArrayList<>();
    encoded.forEach(p -> joined.add(p[0] + "=" + p[1]));
    return String.join("&", joined);
  }

  private static String encode(String decoded) {
    return encode(decoded.getBytes(StandardCharsets.ISO_8859_1), true);
  }

  /** RFC 3986 percent-encoding of everything but unreserved characters (and {@code /} in paths). */
  private static String encode(byte[] bytes, boolean encodeSlash) {
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      char c = (char) (b & 0xff);
      if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "-_.~".indexOf(c) >= 0
          || c == '/' && !encodeSlash) {
        out.append(c);
      } else {
        out.append('%').append(UPPER_HEX[(b >> 4) & 0xf]).append(UPPER_HEX[b & 0xf]);
      }
    }
    return out.toString();
  }

  /** The bytes of a decoded query part, one char per byte (ISO-8859-1), so no byte is lost to UTF-8 decoding. */
  private static String decodeString(String s) throws SigV4Exception {
    return new String(decode(s, "query string"), StandardCharsets.ISO_8859_1);
  }

  private static byte[] decode(String s, String what) throws SigV4Exception {
    byte[] in = s.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      if (in[i] != '%') {
        out.write(in[i]);
        continue;
      }
      int hi = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
      int lo = hi < 0 ? -1 : Character.digit(in[i + 2], 16);
      if (lo < 0) {
        // No client signs what it cannot have encoded: a bad signature, not a failure of the server.
        throw new SigV4Exception(SigV4Exception.Reason.SIGNATURE_MISMATCH,
            "The " + what + " is not validly percent-encoded");
      }
      out.write(hi << 4 | lo);
      i += 2;
    }
    return out.toByteArray();
  }
}
