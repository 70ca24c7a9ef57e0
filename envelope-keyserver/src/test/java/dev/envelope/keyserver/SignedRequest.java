package dev.envelope.keyserver;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Signature Version 4 covers of an HTTP request, as it came off the wire.
 *
 * @param method the HTTP method
 * @param rawPath the path exactly as sent (still percent-encoded)
 * @param rawQuery the query string as sent, without {@code ?}, or empty
 * @param headers every header, names in lower case, values in the order received
 * @param body the whole body
 */
record SignedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
    byte[] body) {
  /** The only value of a header, if it was sent once; several values are joined by commas, as SigV4 does. */
  Optional<String> header(String lowerCaseName) {
    return header(headers, lowerCaseName);
  }

  /** As {@link #header(String)}, in a map of headers whose names are in lower case. */
  static Optional<String> header(Map<String, List<String>> headers, String lowerCaseName) {
    List<String> values = headers.get(lowerCaseName);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(String.join(",", values));
  }
}
