package dev.envelope.keyserver;

import dev.envelope.api.EnvelopeException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies AWS Signature Version 4 ({@code Authorization: AWS4-HMAC-SHA256 ...}) as the AWS documentation
 * specifies it: canonical request over exactly the headers the client listed in {@code SignedHeaders}, the
 * body hashed here (a client's {@code x-amz-content-sha256} is never trusted), string to sign, HMAC-SHA256 key
 * derivation and a constant-time comparison. Clients sign different header sets (the Java SDK eight, the AWS
 * CLI four); any set is accepted as long as it covers {@code host} and {@code x-amz-target}, which say where
 * the request goes and what it does.
 *
 * <p>Errors, in the order they are checked: no {@code Authorization} header: {@code
 * MissingAuthenticationTokenException}; one that does not parse, or lacks a required part:
 * {@code IncompleteSignatureException}; an access key id the server does not know:
 * {@code UnrecognizedClientException}; a wrong scope, a date more than 5 minutes off, or a wrong signature:
 * {@code InvalidSignatureException}.
 */
final class SigV4Verifier {
  static final Duration MAX_SKEW = Duration.ofMinutes(5);
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final String SERVICE = "kms";
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
  private static final Pattern HEX_SIGNATURE = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern SPACES = Pattern.compile(" +");

  /** Where the verifier finds access keys; the store is re-read when it changes. */
  interface AccessKeys {
    Optional<AccessKey> find(String id) throws IOException, EnvelopeException;
  }

  private final String region;
  private final AccessKeys accessKeys;
  private final Clock clock;

  SigV4Verifier(String region, AccessKeys accessKeys, Clock clock) {
    this.region = region;
    this.accessKeys = accessKeys;
    this.clock = clock;
  }

  /** The access key that signed {@code request}, or a {@link KmsException} saying why there is none. */
  AccessKey verify(SignedRequest request) throws IOException, EnvelopeException {
    return verify(precheck(request.headers()), request);
  }

  /**
   * What can be checked before the body is read, from the headers alone: an {@code Authorization} header that
   * parses and covers {@code host} and {@code x-amz-target}, an access key the server knows, a credential scope
   * of this region and service, and a date within {@link #MAX_SKEW}. A client that fails any of these is
   * refused before the server waits for a byte of its body.
   *
   * @param headers names in lower case, as in {@link SignedRequest#headers()}
   */
  Presented precheck(Map<String, List<String>> headers) throws IOException, EnvelopeException {
    String authorization = SignedRequest.header(headers, "authorization")
        .orElseThrow(() -> KmsError.MISSING_AUTHENTICATION_TOKEN.exception(
            "Missing Authentication Token: requests must be signed with AWS Signature Version 4"));
    Authorization auth = Authorization.parse(authorization);
    String amzDate = SignedRequest.header(headers, "x-amz-date")
        .orElseThrow(() -> incomplete("X-Amz-Date header is missing"));
    Instant signedAt;
    try {
      signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw incomplete("X-Amz-Date must be in the form yyyyMMdd'T'HHmmss'Z'");
    }
    for (String required : List.of("host", "x-amz-target")) {
      if (!auth.signedHeaders().contains(required)) {
        throw incomplete("SignedHeaders must include " + required);
      }
    }
    for (String name : auth.signedHeaders()) {
      if (SignedRequest.header(headers, name).isEmpty()) {
        throw incomplete("Signed header " + name + " is not in the request");
      }
    }
    AccessKey key = accessKeys.find(auth.accessKeyId()).orElseThrow(() -> KmsError.UNRECOGNIZED_CLIENT
        .exception("The security token included in the request is invalid."));
    if (!auth.date().equals(amzDate.substring(0, 8)) || !auth.region().equals(region)
        || !auth.service().equals(SERVICE) || !auth.terminator().equals("aws4_request")) {
      throw invalid("Credential should be scoped to " + amzDate.substring(0, 8) + "/" + region + "/" + SERVICE
          + "/aws4_request");
    }
    Instant now = clock.instant();
    if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
      throw invalid("Signature expired: " + amzDate + " is more than 5 minutes away from the server's time "
          + AMZ_DATE.format(now.atOffset(ZoneOffset.UTC)));
    }
    return new Presented(auth, key, amzDate);
  }

  /** Checks the signature of {@code request} (its body included) against what {@link #precheck} found. */
  AccessKey verify(Presented presented, SignedRequest request) {
    Authorization auth = presented.auth();
    String scope = auth.date() + "/" + auth.region() + "/" + auth.service() + "/" + auth.terminator();
    String stringToSign = ALGORITHM + "\n" + presented.amzDate() + "\n" + scope + "\n"
        + hex(sha256(canonicalRequest(request, auth.signedHeaders()).getBytes(StandardCharsets.UTF_8)));
    byte[] expected = HexFormat.of().formatHex(hmac(signingKey(presented.key().secret(), auth), stringToSign))
        .getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, auth.signature().getBytes(StandardCharsets.US_ASCII))) {
      throw invalid("The request signature we calculated does not match the signature you provided. Check"
          + " your AWS Secret Access Key and signing method.");
    }
    return presented.key();
  }

  /** The headers' claim: a parsed {@code Authorization}, its known access key, and the signing date. */
  record Presented(Authorization auth, AccessKey key, String amzDate) {}

  /** The canonical request of SigV4: method, URI, query, signed headers and the hash of the body. */
  static String canonicalRequest(SignedRequest request, List<String> signedHeaders) {
    StringBuilder out = new StringBuilder();
    out.append(request.method()).append('\n');
    String path = request.rawPath().isEmpty() ? "/" : request.rawPath();
    out.append(encode(path, false)).append('\n'); // services other than S3 encode the sent path once more
    out.append(canonicalQuery(request.rawQuery())).append('\n');
    for (String name : signedHeaders) {
      List<String> values = new ArrayList<>();
      for (String value : request.headers().get(name)) {
        values.add(SPACES.matcher(value.strip()).replaceAll(" "));
      }
      out.append(name).append(':').append(String.join(",", values)).append('\n');
    }
    out.append('\n').append(String.join(";", signedHeaders)).append('\n');
    out.append(hex(sha256(request.body())));
    return out.toString();
  }

  private static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    List<String[]> params = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.add(new String[] {encode(decode(name), true), encode(decode(value), true)});
    }
    params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    List<String> joined = new ArrayList<>();
    params.forEach(p -> joined.add(p[0] + "=" + p[1]));
    return String.join("&", joined);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      // No client signs what it cannot have encoded: a bad signature, not a failure of the server.
      throw invalid("The query string is not validly percent-encoded");
    }
  }

  /** RFC 3986 percent-encoding of everything but unreserved characters (and {@code /} in paths). */
  static String encode(String s, boolean encodeSlash) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "-_.~".indexOf(c) >= 0
          || c == '/' && !encodeSlash) {
        out.append(c);
      } else {
        out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
      }
    }
    return out.toString();
  }

  private static byte[] signingKey(String secret, Authorization auth) {
    byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), auth.date());
    key = hmac(key, auth.region());
    key = hmac(key, auth.service());
    return hmac(key, auth.terminator());
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static KmsException incomplete(String message) {
    return KmsError.INCOMPLETE_SIGNATURE.exception(message);
  }

  private static KmsException invalid(String message) {
    return KmsError.INVALID_SIGNATURE.exception(message);
  }

  /** The parts of an {@code Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...}. */
  record Authorization(String accessKeyId, String date, String region, String service, String terminator,
      List<String> signedHeaders, String signature) {
    static Authorization parse(String header) {
      if (!header.startsWith(ALGORITHM + " ")) {
        throw incomplete("Authorization header must use " + ALGORITHM);
      }
      Map<String, String> parts = new HashMap<>();
      for (String part : header.substring(ALGORITHM.length() + 1).split(",")) {
        String trimmed = part.strip();
        int eq = trimmed.indexOf('=');
        if (eq <= 0 || parts.put(trimmed.substring(0, eq), trimmed.substring(eq + 1)) != null) {
          throw incomplete("Authorization header is malformed");
        }
      }
      String credential = parts.get("Credential");
      String signedHeaders = parts.get("SignedHeaders");
      String signature = parts.get("Signature");
      if (credential == null || signedHeaders == null || signature == null || parts.size() != 3) {
        throw incomplete("Authorization header requires Credential, SignedHeaders and Signature, and only them");
      }
      String[] scope = credential.split("/", -1);
      if (scope.length != 5 || scope[0].isEmpty() || !scope[1].matches("[0-9]{8}")) {
        throw incomplete("Credential must be ACCESS_KEY_ID/yyyyMMdd/REGION/SERVICE/aws4_request");
      }
      List<String> headers = List.of(signedHeaders.split(";", -1));
      for (String name : headers) {
        if (!HEADER_NAME.matcher(name).matches()) {
          throw incomplete("SignedHeaders must be lower-case header names separated by ';'");
        }
      }
      if (!HEX_SIGNATURE.matcher(signature).matches()) {
        throw incomplete("Signature must be 64 lower-case hex digits");
      }
      return new Authorization(scope[0], scope[1], scope[2], scope[3], scope[4], headers, signature);
    }
  }
}
