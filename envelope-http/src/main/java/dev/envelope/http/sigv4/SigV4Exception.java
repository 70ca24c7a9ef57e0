package dev.envelope.http.sigv4;

import java.io.IOException;

/**
 * A request refused by {@link SigV4Verifier}, or a payload proved bad while it streamed: the {@link Reason} says
 * which, and the message is safe to send to the client (it names headers and parameters, never a secret, a
 * signing key or a computed signature). It is an {@link IOException} so that the payload stream of {@link
 * SigV4Verifier#body} can throw it from {@code read}; a caller that also handles the lookup's own {@code
 * IOException} catches this one first. Carries no stack trace: it is an answer, not a bug.
 */
public final class SigV4Exception extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Why a request was refused. The key server maps these to its KMS error types; the S3 API is meant to map them
   * as follows (status in brackets):
   *
   * <table>
   *   <caption>Intended mapping</caption>
   *   <tr><th>reason</th><th>S3 error code</th><th>KMS error type</th></tr>
   *   <tr><td>MISSING_AUTHENTICATION</td><td>AccessDenied (403)</td><td>MissingAuthenticationTokenException</td></tr>
   *   <tr><td>MALFORMED_AUTHORIZATION</td><td>AuthorizationHeaderMalformed (400); a missing
   *       x-amz-content-sha256: InvalidRequest (400)</td><td>IncompleteSignatureException</td></tr>
   *   <tr><td>MALFORMED_PRESIGNED</td><td>AuthorizationQueryParametersError (400)</td><td>(not enabled)</td></tr>
   *   <tr><td>AMBIGUOUS_AUTHENTICATION</td><td>InvalidArgument (400), "Only one auth mechanism allowed"</td>
   *       <td>(not enabled)</td></tr>
   *   <tr><td>UNKNOWN_ACCESS_KEY</td><td>InvalidAccessKeyId (403)</td><td>UnrecognizedClientException</td></tr>
   *   <tr><td>WRONG_SCOPE</td><td>AuthorizationHeaderMalformed (400) for a header,
   *       AuthorizationQueryParametersError (400) for a presigned URL</td><td>InvalidSignatureException</td></tr>
   *   <tr><td>SIGNATURE_MISMATCH</td><td>SignatureDoesNotMatch (403)</td><td>InvalidSignatureException</td></tr>
   *   <tr><td>REQUEST_TIME_TOO_SKEWED</td><td>RequestTimeTooSkewed (403)</td><td>InvalidSignatureException</td></tr>
   *   <tr><td>PRESIGN_EXPIRED</td><td>AccessDenied (403), "Request has expired"</td><td>(not enabled)</td></tr>
   *   <tr><td>CONTENT_SHA256_MISMATCH</td><td>XAmzContentSHA256Mismatch (400)</td><td>(not reached)</td></tr>
   *   <tr><td>BAD_DIGEST</td><td>BadDigest (400)</td><td>(not reached)</td></tr>
   *   <tr><td>BAD_CHECKSUM</td><td>BadDigest (400)</td><td>(not reached)</td></tr>
   *   <tr><td>INCOMPLETE_BODY</td><td>IncompleteBody (400)</td><td>(not reached)</td></tr>
   *   <tr><td>MALFORMED_CHUNK</td><td>InvalidArgument (400)</td><td>(not reached)</td></tr>
   *   <tr><td>INVALID_ARGUMENT</td><td>InvalidArgument (400); for Content-MD5: InvalidDigest (400)</td>
   *       <td>(not reached)</td></tr>
   *   <tr><td>UNSUPPORTED</td><td>NotImplemented (501)</td><td>(not reached)</td></tr>
   * </table>
   */
  public enum Reason {
    /** Neither an {@code Authorization} header nor presigned query parameters. */
    MISSING_AUTHENTICATION,
    /** An {@code Authorization} header (or its date) that does not parse, lacks a part or a required header. */
    MALFORMED_AUTHORIZATION,
    /** Presigned query parameters that are missing, repeated or do not parse. */
    MALFORMED_PRESIGNED,
    /** Both an {@code Authorization} header and presigned query parameters. */
    AMBIGUOUS_AUTHENTICATION,
    /** An access key id the lookup does not know. */
    UNKNOWN_ACCESS_KEY,
    /** A credential scope of another day, region or service. */
    WRONG_SCOPE,
    /** A signature (of the request, a chunk or a trailer) that is not the one the secret gives. */
    SIGNATURE_MISMATCH,
    /** A signing date more than the allowed skew away from the server's clock. */
    REQUEST_TIME_TOO_SKEWED,
    /** A presigned URL past its {@code X-Amz-Expires}. */
    PRESIGN_EXPIRED,
    /** A payload whose SHA-256 is not the signed {@code x-amz-content-sha256}. */
    CONTENT_SHA256_MISMATCH,
    /** A payload whose MD5 is not its {@code Content-MD5}. */
    BAD_DIGEST,
    /** A payload whose checksum is not its {@code x-amz-checksum-*} header or trailer. */
    BAD_CHECKSUM,
    /** A payload shorter (or longer) than it said, or cut off before its final chunk. */
    INCOMPLETE_BODY,
    /** An aws-chunked body with broken framing, or a chunk, line or trailer over its bound. */
    MALFORMED_CHUNK,
    /** A payload header with a value that is not valid ({@code x-amz-content-sha256}, a checksum, ...). */
    INVALID_ARGUMENT,
    /** A valid AWS feature this verifier does not implement (SigV4a, for one). */
    UNSUPPORTED
  }

  private final Reason reason;

  SigV4Exception(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
