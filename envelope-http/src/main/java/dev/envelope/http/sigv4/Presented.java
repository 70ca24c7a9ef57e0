package dev.envelope.http.sigv4;

import java.util.OptionalLong;

/**
 * A request's signature claim as {@link SigV4Verifier#precheck} accepted it from the headers (and query) alone:
 * a known access key, this region and service, a date in bounds and, where the signature does not cover the
 * body itself ({@link ServiceRules#payloadHashHeader()}, and presigned URLs), a signature already checked.
 * Holds the request's signing key, for the chunk signatures of its body; {@link #toString()} shows neither it nor
 * the signature.
 *
 * @param <P> the principal of the access key
 */
public final class Presented<P> {
  final SignatureClaim claim;
  final P principal;
  final Signing signing;
  /** The canonical request up to the payload hash. */
  final String canonicalWithoutPayloadHash;
  /** The payload hash the signature covers, or null when it is the body's own hash (computed in verify). */
  final String payloadHash;
  /** What the body must prove, for services that stream it; null otherwise. */
  final PayloadRules payload;

  Presented(SignatureClaim claim, P principal, Signing signing, String canonicalWithoutPayloadHash,
      String payloadHash, PayloadRules payload) {
    this.claim = claim;
    this.principal = principal;
    this.signing = signing;
    this.canonicalWithoutPayloadHash = canonicalWithoutPayloadHash;
    this.payloadHash = payloadHash;
    this.payload = payload;
  }

  /** The access key id that signed (or claims to have signed) the request: public, fit for logs. */
  public String accessKeyId() {
    return claim.accessKeyId();
  }

  /** The headers the signature covers, names in lower case. */
  public java.util.List<String> signedHeaders() {
    return claim.signedHeaders();
  }

  /** Whether the request was authenticated by presigned query parameters rather than a header. */
  public boolean presigned() {
    return claim.presigned();
  }

  /** Whether the signature was checked from the headers alone, so that {@link #principal()} may be used. */
  public boolean signatureChecked() {
    return payloadHash != null;
  }

  /**
   * The principal of the access key that signed the request. The body's integrity is still to be proved by
   * reading {@link SigV4Verifier#body} to its end.
   *
   * @throws IllegalStateException if the signature covers the body and is not checked yet: use {@link
   *     SigV4Verifier#verify}
   */
  public P principal() {
    if (!signatureChecked()) {
      throw new IllegalStateException("the signature covers the body: SigV4Verifier.verify gives the principal");
    }
    return principal;
  }

  /** The payload's length as the client declared it ({@code x-amz-decoded-content-length}), for aws-chunked. */
  public OptionalLong decodedContentLength() {
    return payload == null ? OptionalLong.empty() : payload.decodedLength();
  }

  @Override
  public String toString() {
    return "Presented[" + claim.accessKeyId() + (claim.presigned() ? ", presigned" : "") + "]";
  }
}
