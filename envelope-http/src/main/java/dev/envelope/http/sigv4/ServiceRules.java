package dev.envelope.http.sigv4;

import java.util.List;

/**
 * What differs between the AWS services a {@link SigV4Verifier} speaks for.
 *
 * @param service the service name of the credential scope ({@code kms}, {@code s3})
 * @param singleEncodedPath the canonical URI is the path decoded and encoded once (S3); otherwise the path as
 *     sent is encoded once more (every other service)
 * @param requiredSignedHeaders headers every header-authenticated request must sign
 * @param payloadHashHeader the payload's hash is the signed {@code x-amz-content-sha256} header (required), so
 *     the signature is checked from the headers alone and the body streams through {@link SigV4Verifier#body};
 *     otherwise the whole body is hashed by {@link SigV4Verifier#verify} and that header is never trusted
 * @param presignedUrls query-string authentication ({@code X-Amz-Signature} and friends) and a {@code Date}
 *     header in place of {@code X-Amz-Date} are accepted
 */
public record ServiceRules(String service, boolean singleEncodedPath, List<String> requiredSignedHeaders,
    boolean payloadHashHeader, boolean presignedUrls) {
  /** The AWS KMS JSON API of the key server: its rules before this package existed, unchanged. */
  public static final ServiceRules KMS = new ServiceRules("kms", false, List.of("host", "x-amz-target"), false,
      false);
  /** The S3 API. */
  public static final ServiceRules S3 = new ServiceRules("s3", true, List.of("host", "x-amz-content-sha256"), true,
      true);

  public ServiceRules {
    requiredSignedHeaders = List.copyOf(requiredSignedHeaders);
  }
}
