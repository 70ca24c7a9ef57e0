package dev.envelope.http.sigv4;

import dev.envelope.api.EnvelopeException;
import java.io.IOException;
import java.util.Optional;

/**
 * Where a {@link SigV4Verifier} finds the secret of an access key id. Called only once a request's signature
 * claim parses, at most once a request; it may be slow (the secret may have to be unwrapped by a key service).
 *
 * @param <P> the principal a credential stands for
 */
@FunctionalInterface
public interface SecretLookup<P> {
  /**
   * The credential of {@code accessKeyId}, new for this call, or empty when the id is unknown (or revoked).
   *
   * @throws IOException or EnvelopeException when the keys cannot be read now: the verifier passes it on, and
   *     the caller answers that the server, not the client, is at fault
   */
  Optional<Credential<P>> find(String accessKeyId) throws IOException, EnvelopeException;
}
