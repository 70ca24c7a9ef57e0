package dev.envelope.http;

import java.util.Map;
import org.eclipse.jetty.server.Request;

/**
 * How a server words a {@link Refusal}: the file server as an RFC 9457 problem, the key server as an AWS
 * {@code {"__type": ...}} body (and an audit line). Called once per refusal, on the request's thread.
 */
@FunctionalInterface
public interface ErrorFormat {
  /** The body of the answer to {@code request}. */
  Body render(Request request, Refusal refusal);

  /** A media type, the bytes of an error body, and headers to send with it. */
  record Body(String mediaType, byte[] bytes, Map<String, String> headers) {
    public Body(String mediaType, byte[] bytes) {
      this(mediaType, bytes, Map.of());
    }
  }
}
