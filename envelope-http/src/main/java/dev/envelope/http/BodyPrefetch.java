package dev.envelope.http;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.eclipse.jetty.server.Request;

/**
 * Request bodies taken in before the application sees the request, without a thread: for a listener whose
 * requests are small and whose authentication needs the whole body (SigV4 signs the body's hash), so that a client
 * who can pass the checks made from headers alone (an access key id is not a secret) still cannot hold a thread
 * by sending its body slowly. The minimum data rate applies while it is taken in.
 *
 * @param maxBytes bodies declared larger are not taken in (the application refuses them at once); a chunked body
 *     is taken in up to one byte more than this, which is what the application needs to refuse it
 * @param worthWaitingFor whether a request passes the checks its headers allow; one that does not is handed to
 *     the application at once, which refuses it without reading
 * @param abandoned told when a body taken in is cut short or too slow: it never reaches the application, so this
 *     is where it is counted (a failed authentication) and put on record
 */
public record BodyPrefetch(int maxBytes, Predicate<Request> worthWaitingFor, Consumer<Request> abandoned) {
  public BodyPrefetch {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be at least 1");
    }
    Objects.requireNonNull(worthWaitingFor, "worthWaitingFor");
    Objects.requireNonNull(abandoned, "abandoned");
  }
}
