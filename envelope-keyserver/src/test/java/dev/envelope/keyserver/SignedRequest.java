package dev.envelope.keyserver;

import dev.envelope.http.sigv4.SigV4Verifier;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Signature Version 4 covers of an HTTP request, as it came off the wire: the tests' view of one request.
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
    return SigV4Verifier.header(headers, lowerCaseName);
  }

  /** Both steps of {@code signatures}, the way the key server takes them. */
  AccessKey verifiedBy(KmsSignatures signatures) throws java.io.IOException, dev.envelope.api.EnvelopeException {
    return signatures.verify(signatures.precheck(method, rawPath, rawQuery, headers), body);
  }
}
