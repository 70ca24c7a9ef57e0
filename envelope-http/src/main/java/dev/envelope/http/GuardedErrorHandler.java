package dev.envelope.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a request line or headers too long, a bad {@code Content-Length}, both
 * {@code Transfer-Encoding} and {@code Content-Length}, anything Jetty refuses before the application sees it)
 * in the server's error format rather than Jetty's HTML page. Never a stack trace or Jetty's message, which may
 * quote the request.
 */
final class GuardedErrorHandler extends ErrorHandler {
  private final ErrorFormat errors;

  GuardedErrorHandler(ErrorFormat errors) {
    this.errors = errors;
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
      Callback callback) {
    ErrorFormat.Body body = errors.render(request, refusal(code));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, body.mediaType());
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    body.headers().forEach(response.getHeaders()::put);
    response.write(true, ByteBuffer.wrap(body.bytes()), callback);
  }

  static Refusal refusal(int status) {
    return switch (status) {
      case 413 -> Refusal.of(413, Refusal.Reason.TOO_LARGE, "the request is too large");
      case 414, 431 -> Refusal.of(status, Refusal.Reason.TOO_LARGE, "the request line or headers are too long");
      case 408 -> Refusal.of(408, Refusal.Reason.MALFORMED, "the request was not received in time");
      default -> Refusal.of(status, Refusal.Reason.MALFORMED,
          status >= 500 ? "an internal error occurred" : "the request is malformed");
    };
  }
}
