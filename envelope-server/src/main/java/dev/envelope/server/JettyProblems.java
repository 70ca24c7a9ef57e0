package dev.envelope.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers as problems too: requests Jetty refuses before Javalin sees them (a request line
 * or headers too long, a bad {@code Content-Length}, a malformed request) would otherwise get Jetty's HTML or
 * JSON page. Never a stack trace, whatever Jetty was given.
 */
final class JettyProblems extends ErrorHandler {
  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
      Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body(code)), callback);
  }

  private static byte[] body(int status) {
    Problem problem = Problems.fromStatus(status);
    if (status == 414 || status == 431) {
      problem = new Problem(status, problem.code(), "the request line or headers are too long");
    }
    try {
      return Json.MAPPER.writeValueAsBytes(problem.toJson());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
