package dev.envelope.keyserver;

import dev.envelope.api.EnvelopeException;
import dev.envelope.http.sigv4.Credential;
import dev.envelope.http.sigv4.Presented;
import dev.envelope.http.sigv4.ServiceRules;
import dev.envelope.http.sigv4.SigV4Exception;
import dev.envelope.http.sigv4.SigV4Verifier;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SigV4 of the KMS API: the shared {@link SigV4Verifier} with {@link ServiceRules#KMS}, its refusals answered as
 * the KMS error types AWS KMS answers with: no {@code Authorization} header: {@code
 * MissingAuthenticationTokenException}; one that does not parse, or lacks a required part: {@code
 * IncompleteSignatureException}; an unknown access key id: {@code UnrecognizedClientException}; a wrong scope, a
 * date more than 5 minutes off, or a wrong signature: {@code InvalidSignatureException}.
 */
final class KmsSignatures {
  /** Where the verifier finds access keys; the store is re-read when it changes. */
  interface AccessKeys {
    Optional<AccessKey> find(String id) throws IOException, EnvelopeException;
  }

  private final SigV4Verifier<AccessKey> verifier;

  KmsSignatures(String region, AccessKeys keys, Clock clock) {
    this.verifier = new SigV4Verifier<>(region, ServiceRules.KMS,
        id -> keys.find(id).map(key -> Credential.of(key.secret(), key)), clock);
  }

  /** What the request line and headers prove before the body is read ({@link SigV4Verifier#precheck}). */
  Presented<AccessKey> precheck(String method, String rawPath, String rawQuery, Map<String, List<String>> headers)
      throws IOException, EnvelopeException {
    try {
      return verifier.precheck(method, rawPath, rawQuery, headers);
    } catch (SigV4Exception e) {
      throw toKms(e);
    }
  }

  /** The access key that signed the request, its body included, or a {@link KmsException} saying why not. */
  AccessKey verify(Presented<AccessKey> presented, byte[] body) {
    try {
      return verifier.verify(presented, body);
    } catch (SigV4Exception e) {
      throw toKms(e);
    }
  }

  private static KmsException toKms(SigV4Exception e) {
    KmsError error = switch (e.reason()) {
      case MISSING_AUTHENTICATION -> KmsError.MISSING_AUTHENTICATION_TOKEN;
      case MALFORMED_AUTHORIZATION, MALFORMED_PRESIGNED, AMBIGUOUS_AUTHENTICATION, UNSUPPORTED ->
          KmsError.INCOMPLETE_SIGNATURE;
      case UNKNOWN_ACCESS_KEY -> KmsError.UNRECOGNIZED_CLIENT;
      case WRONG_SCOPE, SIGNATURE_MISMATCH, REQUEST_TIME_TOO_SKEWED, PRESIGN_EXPIRED -> KmsError.INVALID_SIGNATURE;
      // Payload checks of streamed bodies: the KMS rules hash the whole body instead, so none is reached.
      case CONTENT_SHA256_MISMATCH, BAD_DIGEST, BAD_CHECKSUM, INCOMPLETE_BODY, MALFORMED_CHUNK, INVALID_ARGUMENT ->
          KmsError.VALIDATION;
    };
    return error.exception(e.getMessage());
  }
}
