package dev.envelope.http.sigv4;

import static dev.envelope.http.sigv4.SigV4Exception.Reason.MALFORMED_AUTHORIZATION;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.MALFORMED_PRESIGNED;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.UNSUPPORTED;

import dev.envelope.http.sigv4.CanonicalRequest.Param;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a request claims about its signature, parsed but not yet checked: from an {@code Authorization} header or
 * from presigned query parameters.
 *
 * @param expires how long a presigned URL is valid, or null for a header
 */
record SignatureClaim(String accessKeyId, String date, String region, String service, String terminator,
    List<String> signedHeaders, String signature, String amzDate, Instant signedAt, Duration expires) {
  static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
  static final long MAX_EXPIRES_SECONDS = 604_800;
  private static final Pattern HEX_SIGNATURE = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,10}");
  static final List<String> PRESIGN_PARAMS = List.of("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
      "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature");

  boolean presigned() {
    return expires != null;
  }

  /**
   * An {@code Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...} header, dated by
   * {@code X-Amz-Date} (or, when {@code dateHeader}, by {@code Date}).
   */
  static SignatureClaim fromHeader(String header, Optional<String> amzDate, Optional<String> date,
      boolean dateHeader) throws SigV4Exception {
    if (header.startsWith("AWS4-ECDSA-P256-SHA256 ")) {
      throw new SigV4Exception(UNSUPPORTED, "Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported");
    }
    if (!header.startsWith(Signing.ALGORITHM + " ")) {
      throw malformed("Authorization header must use " + Signing.ALGORITHM);
    }
    Map<String, String> parts = new HashMap<>();
    for (String part : header.substring(Signing.ALGORITHM.length() + 1).split(",")) {
      String trimmed = part.strip();
      int eq = trimmed.indexOf('=');
      if (eq <= 0 || parts.put(trimmed.substring(0, eq), trimmed.substring(eq + 1)) != null) {
        throw malformed("Authorization header is malformed");
      }
    }
    String credential = parts.get("Credential");
    String signedHeaders = parts.get("SignedHeaders");
    String signature = parts.get("Signature");
    if (credential == null || signedHeaders == null || signature == null || parts.size() != 3) {
      throw malformed("Authorization header requires Credential, SignedHeaders and Signature, and only them");
    }
    String[] scope = scope(credential, MALFORMED_AUTHORIZATION);
    List<String> headers = signedHeaders(signedHeaders, MALFORMED_AUTHORIZATION);
    if (!HEX_SIGNATURE.matcher(signature).matches()) {
      throw malformed("Signature must be 64 lower-case hex digits");
    }
    String dated;
    Instant signedAt;
    if (amzDate.isPresent() || !dateHeader || date.isEmpty()) {
      dated = amzDate.orElseThrow(() -> malformed("X-Amz-Date header is missing"));
      signedAt = amzDate(dated, MALFORMED_AUTHORIZATION);
    } else {
      signedAt = httpDate(date.get());
      dated = AMZ_DATE.format(signedAt.atOffset(ZoneOffset.UTC));
    }
    return new SignatureClaim(scope[0], scope[1], scope[2], scope[3], scope[4], headers, signature, dated, signedAt,
        null);
  }

  /** The presigned URL's parameters: each once, {@code X-Amz-Expires} from 1 to 604800 seconds. */
  static SignatureClaim fromQuery(List<Param> params) throws SigV4Exception {
    Map<String, String> found = new HashMap<>();
    for (Param p : params) {
      if (PRESIGN_PARAMS.contains(p.name()) && found.put(p.name(), p.value()) != null) {
        throw presigned("Query-string authentication parameters must not be repeated: " + p.name());
      }
    }
    if (found.size() != PRESIGN_PARAMS.size()) {
      throw presigned("Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, "
          + "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
    }
    String algorithm = found.get("X-Amz-Algorithm");
    if (algorithm.equals("AWS4-ECDSA-P256-SHA256")) {
      throw new SigV4Exception(UNSUPPORTED, "Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported");
    }
    if (!algorithm.equals(Signing.ALGORITHM)) {
      throw presigned("X-Amz-Algorithm only supports \"" + Signing.ALGORITHM + "\"");
    }
    String[] scope = scope(found.get("X-Amz-Credential"), MALFORMED_PRESIGNED);
    List<String> headers = signedHeaders(found.get("X-Amz-SignedHeaders"), MALFORMED_PRESIGNED);
    String signature = found.get("X-Amz-Signature");
    if (!HEX_SIGNATURE.matcher(signature).matches()) {
      throw presigned("X-Amz-Signature must be 64 lower-case hex digits");
    }
    String amzDate = found.get("X-Amz-Date");
    Instant signedAt = amzDate(amzDate, MALFORMED_PRESIGNED);
    String expires = found.get("X-Amz-Expires");
    if (!SECONDS.matcher(expires).matches() || Long.parseLong(expires) < 1
        || Long.parseLong(expires) > MAX_EXPIRES_SECONDS) {
      throw presigned("X-Amz-Expires must be a number of seconds from 1 to " + MAX_EXPIRES_SECONDS);
    }
    return new SignatureClaim(scope[0], scope[1], scope[2], scope[3], scope[4], headers, signature, amzDate,
        signedAt, Duration.ofSeconds(Long.parseLong(expires)));
  }

  private static String[] scope(String credential, SigV4Exception.Reason reason) throws SigV4Exception {
    String[] scope = credential.split("/", -1);
    if (scope.length != 5 || scope[0].isEmpty() || !scope[1].matches("[0-9]{8}")) {
      throw new SigV4Exception(reason, "Credential must be ACCESS_KEY_ID/yyyyMMdd/REGION/SERVICE/aws4_request");
    }
    return scope;
  }

  private static List<String> signedHeaders(String signedHeaders, SigV4Exception.Reason reason)
      throws SigV4Exception {
    List<String> headers = List.of(signedHeaders.split(";", -1));
    for (String name : headers) {
      if (!HEADER_NAME.matcher(name).matches()) {
        throw new SigV4Exception(reason, "SignedHeaders must be lower-case header names separated by ';'");
      }
    }
    return headers;
  }

  private static Instant amzDate(String value, SigV4Exception.Reason reason) throws SigV4Exception {
    try {
      return LocalDateTime.parse(value, AMZ_DATE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new SigV4Exception(reason, "X-Amz-Date must be in the form yyyyMMdd'T'HHmmss'Z'");
    }
  }

  /** A {@code Date} header: the ISO 8601 basic form SigV4 uses, or an RFC 1123 HTTP date. */
  private static Instant httpDate(String value) throws SigV4Exception {
    try {
      return LocalDateTime.parse(value, AMZ_DATE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException notIso) {
      try {
        return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      } catch (DateTimeParseException e) {
        throw malformed("Date must be an HTTP date or in the form yyyyMMdd'T'HHmmss'Z'");
      }
    }
  }

  private static SigV4Exception malformed(String message) {
    return new SigV4Exception(MALFORMED_AUTHORIZATION, message);
  }

  private static SigV4Exception presigned(String message) {
    return new SigV4Exception(MALFORMED_PRESIGNED, message);
  }

  @Override
  public String toString() {
    return "SignatureClaim[" + accessKeyId + ", " + amzDate + (presigned() ? ", presigned" : "") + "]";
  }
}
