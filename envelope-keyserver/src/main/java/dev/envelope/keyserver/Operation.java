package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import java.io.IOException;

/** One KMS operation: a request body in, a response body out, errors as {@link KmsException}s. */
@FunctionalInterface
interface Operation {
  ObjectNode apply(Call call) throws EnvelopeException, IOException;
}
