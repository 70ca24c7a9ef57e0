package dev.envelope.http.sigv4;

import static dev.envelope.http.sigv4.SigV4Exception.Reason.AMBIGUOUS_AUTHENTICATION;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.MALFORMED_AUTHORIZATION;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.MISSING_AUTHENTICATION;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.PRESIGN_EXPIRED;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.REQUEST_TIME_TOO_SKEWED;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.SIGNATURE_MISMATCH;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.UNKNOWN_ACCESS_KEY;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.WRONG_SCOPE;

import dev.envelope.api.EnvelopeException;
import dev.envelope.http.sigv4.CanonicalRequest.Param;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies AWS Signature Version 4 as the AWS documentation specifies it, for one region and one service
 * ({@link ServiceRules}): an {@code Authorization: AWS4-HMAC-SHA256 ...} header or (where the rules allow)
 * presigned query parameters, the canonical request over exactly the headers the client signed (any set that
 * covers the rules' required headers), HMAC-SHA256 key derivation and a constant-time comparison.
 *
 * <p>Two steps, so that nobody unauthenticated holds a thread: {@link #precheck} decides from the request line
 * and headers alone, before a byte of the body is read (for S3 and presigned URLs that includes the signature);
 * then {@link #verify} checks the signature over a whole body whose hash it covers (KMS), or {@link #body}
 * decodes and checks a streamed payload (S3).
 *
 * <p>Refusals are {@link SigV4Exception}s, checked in this order: no authentication; a claim that does not
 * parse or does not sign a required header; an unknown access key; a wrong credential scope; a date more than
 * {@link #MAX_SKEW} away (or a presigned URL past its expiry); a wrong signature.
 *
 * <h2>Security guarantees</h2>
 * The secret is looked up once a request parses, used once to derive the request's signing key, and zeroed; no
 * message names a secret, a signing key or a computed signature. The payload stream of {@link #body} throws at
 * the point the payload proves bad, and always before it returns the last byte or the end of a bad payload.
 *
 * @param <P> the principal an access key stands for
 */
public final class SigV4Verifier<P> {
  public static final Duration MAX_SKEW = Duration.ofMinutes(5);
  private static final List<String> QUERY_AUTH = List.of("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature");

  private final String region;
  private final ServiceRules rules;
  private final SecretLookup<P> lookup;
  private final Clock clock;

  public SigV4Verifier(String region, ServiceRules rules, SecretLookup<P> lookup, Clock clock) {
    this.region = Objects.requireNonNull(region, "region");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.lookup = Objects.requireNonNull(lookup, "lookup");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Everything the request line and the headers can prove, before the body is read.
   *
   * @param rawPath the path as sent, still percent-encoded
   * @param rawQuery the query as sent, without {@code ?}; null or empty for none
   * @param headers every header, names in lower case, values in the order received
   * @throws SigV4Exception the request is refused
   * @throws IOException or EnvelopeException from the lookup: the server cannot check credentials now
   */
  public Presented<P> precheck(String method, String rawPath, String rawQuery, Map<String, List<String>> headers)
      throws IOException, EnvelopeException {
    Optional<String> authorization = header(headers, "authorization");
    List<Param> params = null;
    SignatureClaim claim = null;
    if (rules.presignedUrls()) {
      params = CanonicalRequest.params(rawQuery);
      if (params.stream().anyMatch(p -> QUERY_AUTH.contains(p.name()))) {
        if (authorization.isPresent()) {
          throw new SigV4Exception(AMBIGUOUS_AUTHENTICATION, "Only one auth mechanism allowed; only the "
              + "X-Amz-Algorithm query parameter or the Authorization header should be specified");
        }
        claim = SignatureClaim.fromQuery(params);
      }
    }
    if (claim == null) {
      claim = SignatureClaim.fromHeader(authorization.orElseThrow(() -> new SigV4Exception(MISSING_AUTHENTICATION,
          "Missing Authentication Token: requests must be signed with AWS Signature Version 4")),
          header(headers, "x-amz-date"), header(headers, "date"), rules.presignedUrls());
    }
    String payloadHash = payloadHash(claim, params, headers);
    PayloadRules payload = rules.payloadHashHeader() ? PayloadRules.of(payloadHash, claim.presigned(), headers)
        : null;
    checkSignedHeaders(claim, headers);
    Credential<P> credential = lookup.find(claim.accessKeyId()).orElseThrow(() -> new SigV4Exception(
        UNKNOWN_ACCESS_KEY, "The security token included in the request is invalid."));
    checkScopeAndTime(claim);
    Signing signing = Signing.derive(credential, claim.amzDate(), claim.date(), region, rules.service());
    List<Param> signedParams = new ArrayList<>(params != null ? params : CanonicalRequest.params(rawQuery));
    if (claim.presigned()) {
      signedParams.removeIf(p -> p.name().equals("X-Amz-Signature"));
    }
    String canonical = CanonicalRequest.withoutPayloadHash(method, CanonicalRequest.uri(rawPath,
        rules.singleEncodedPath()), CanonicalRequest.query(signedParams), headers, claim.signedHeaders());
    Presented<P> presented = new Presented<>(claim, credential.principal(), signing, canonical, payloadHash,
        payload);
    if (payloadHash != null) {
      checkSignature(presented, payloadHash);
    }
    return presented;
  }

  /**
   * Checks the signature over the whole {@code body} against what {@link #precheck} found, for services whose
   * signature covers the body's hash ({@link ServiceRules#payloadHashHeader()} false, e.g. KMS).
   *
   * @return the principal of the access key that signed the request
   */
  public P verify(Presented<P> presented, byte[] body) throws SigV4Exception {
    if (presented.payloadHash != null) {
      throw new IllegalStateException("this request's payload streams: read it through SigV4Verifier.body");
    }
    checkSignature(presented, Signing.sha256Hex(body));
    return presented.principal;
  }

  /**
   * The decoded payload of a request whose signature {@link #precheck} checked (S3), read from the body as sent:
   * aws-chunked framing removed, each chunk's and the trailer's signature checked, and the signed SHA-256, {@code
   * Content-MD5}, {@code x-amz-checksum-*} (header or trailer) and {@code x-amz-decoded-content-length} checked
   * against what was read. The stream throws a {@link SigV4Exception} where the payload proves bad, always before
   * it returns the payload's last byte or its end; a caller that stores the payload commits only after reading
   * the end. Bounds: {@link AwsChunkedStream#MAX_CHUNK}.
   */
  public InputStream body(Presented<P> presented, InputStream raw) throws SigV4Exception {
    if (presented.payload == null) {
      throw new IllegalStateException("this request's signature covers its body: use SigV4Verifier.verify");
    }
    return PayloadCheckStream.of(presented, raw);
  }

  private String payloadHash(SignatureClaim claim, List<Param> params, Map<String, List<String>> headers)
      throws SigV4Exception {
    if (!rules.payloadHashHeader()) {
      return null;
    }
    if (claim.presigned()) {
      return params.stream().filter(p -> p.name().equals("X-Amz-Content-Sha256")).map(Param::value).findFirst()
          .orElse(PayloadRules.UNSIGNED);
    }
    return header(headers, "x-amz-content-sha256").orElseThrow(() -> new SigV4Exception(MALFORMED_AUTHORIZATION,
        "Missing required header for this request: x-amz-content-sha256"));
  }

  private void checkSignedHeaders(SignatureClaim claim, Map<String, List<String>> headers) throws SigV4Exception {
    SigV4Exception.Reason reason = claim.presigned() ? SigV4Exception.Reason.MALFORMED_PRESIGNED
        : MALFORMED_AUTHORIZATION;
    for (String required : claim.presigned() ? List.of("host") : rules.requiredSignedHeaders()) {
      if (!claim.signedHeaders().contains(required)) {
        throw new SigV4Exception(reason, "SignedHeaders must include " + required);
      }
    }
    for (String name : claim.signedHeaders()) {
      if (header(headers, name).isEmpty()) {
        throw new SigV4Exception(reason, "Signed header " + name + " is not in the request");
      }
    }
  }

  private void checkScopeAndTime(SignatureClaim claim) throws SigV4Exception {
    String day = claim.amzDate().substring(0, 8);
    if (!claim.date().equals(day) || !claim.region().equals(region) || !claim.service().equals(rules.service())
        || !claim.terminator().equals("aws4_request")) {
      throw new SigV4Exception(WRONG_SCOPE, "Credential should be scoped to " + day + "/" + region + "/"
          + rules.service() + "/aws4_request");
    }
    Instant now = clock.instant();
    String serverTime = SignatureClaim.AMZ_DATE.format(now.atOffset(ZoneOffset.UTC));
    if (!claim.presigned() && Duration.between(claim.signedAt(), now).abs().compareTo(MAX_SKEW) > 0) {
      throw new SigV4Exception(REQUEST_TIME_TOO_SKEWED, "Signature expired: " + claim.amzDate()
          + " is more than 5 minutes away from the server's time " + serverTime);
    }
    if (claim.presigned() && claim.signedAt().isAfter(now.plus(MAX_SKEW))) {
      throw new SigV4Exception(REQUEST_TIME_TOO_SKEWED, "Request is not valid yet: X-Amz-Date " + claim.amzDate()
          + " is more than 5 minutes after the server's time " + serverTime);
    }
    if (claim.presigned() && claim.signedAt().plus(claim.expires()).isBefore(now)) {
      throw new SigV4Exception(PRESIGN_EXPIRED, "Request has expired");
    }
  }

  private static void checkSignature(Presented<?> presented, String payloadHash) throws SigV4Exception {
    String expected = presented.signing.signRequest(presented.canonicalWithoutPayloadHash + payloadHash);
    if (!Signing.matches(expected, presented.claim.signature())) {
      throw new SigV4Exception(SIGNATURE_MISMATCH, "The request signature we calculated does not match the "
          + "signature you provided. Check your AWS Secret Access Key and signing method.");
    }
  }

  /** The value of a header (several joined by commas, as SigV4 does), in a map whose names are in lower case. */
  public static Optional<String> header(Map<String, List<String>> headers, String lowerCaseName) {
    List<String> values = headers.get(lowerCaseName);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(String.join(",", values));
  }
}
