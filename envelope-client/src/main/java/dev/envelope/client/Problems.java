package dev.envelope.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns what went wrong into an {@link EnvelopeClientException}: a server's error answer (RFC 9457
 * {@code application/problem+json} with Envelope's {@code code} member), or a failure to talk to the server
 * at all. The server's {@code code} wins; the HTTP status is the fallback for answers that carry none (a proxy's
 * error page, or a code this client is too old to know).
 */
final class Problems {
  /** A detail longer than this is cut: it is shown on one terminal line. */
  static final int MAX_MESSAGE = 500;

  private Problems() {}

  /** The exception for an error answer with {@code status}, media type {@code contentType} and {@code body}. */
  static EnvelopeClientException fromAnswer(int status, Optional<String> contentType, byte[] body) {
    JsonNode problem = isJson(contentType) ? Json.parseQuietly(body) : null;
    ErrorCode code = null;
    String message = null;
    if (problem != null && problem.isObject()) {
      code = byId(text(problem, "code")).orElse(null);
      message = text(problem, "detail");
      if (message == null || message.isBlank()) {
        message = text(problem, "title");
      }
    }
    if (code == null) {
      code = byStatus(status);
    }
    if (message == null || message.isBlank()) {
      message = "the server answered HTTP " + status;
    }
    return new EnvelopeClientException(code, status, shorten(message));
  }

  /** The exception for a request that got no answer from {@code server}. */
  static EnvelopeClientException fromTransport(URI server, IOException e, Duration timeout) {
    if (e instanceof HttpConnectTimeoutException) {
      return unavailable("could not connect to " + server + " within " + seconds(timeout), e);
    }
    if (e instanceof HttpTimeoutException) {
      return unavailable(server + " did not answer within " + seconds(timeout), e);
    }
    if (e instanceof ConnectException || e.getCause() instanceof ConnectException
        || e.getCause() instanceof UnresolvedAddressException) {
      return unavailable("cannot connect to " + server + " (" + reason(e) + ")", e);
    }
    return unavailable("the connection to " + server + " failed: " + reason(e), e);
  }

  static ErrorCode byStatus(int status) {
    switch (status) {
      case 400: return ErrorCode.INVALID_ARGUMENT;
      case 401: return ErrorCode.UNAUTHENTICATED;
      case 403: return ErrorCode.FORBIDDEN;
      case 404: case 410: return ErrorCode.NOT_FOUND;
      case 409: return ErrorCode.ALREADY_EXISTS;
      case 413: return ErrorCode.TOO_LARGE;
      case 416: return ErrorCode.RANGE_NOT_SATISFIABLE;
      case 429: return ErrorCode.THROTTLED;
      case 502: case 503: case 504: return ErrorCode.UNAVAILABLE;
      default: return status >= 400 && status < 500 ? ErrorCode.INVALID_ARGUMENT : ErrorCode.INTERNAL;
    }
  }

  static Optional<ErrorCode> byId(String id) {
    for (ErrorCode code : ErrorCode.values()) {
      if (code.id().equals(id)) {
        return Optional.of(code);
      }
    }
    return Optional.empty();
  }

  private static EnvelopeClientException unavailable(String message, IOException cause) {
    return new EnvelopeClientException(ErrorCode.UNAVAILABLE, 0, message, cause);
  }

  private static boolean isJson(Optional<String> contentType) {
    String type = contentType.orElse("").toLowerCase(Locale.ROOT);
    return type.startsWith("application/problem+json") || type.startsWith("application/json");
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  private static String reason(IOException e) {
    Throwable t = e.getMessage() == null && e.getCause() != null ? e.getCause() : e;
    if (t instanceof ConnectException && t.getMessage() == null) {
      return "connection refused";
    }
    String message = t.getMessage();
    return message == null ? t.getClass().getSimpleName() : message;
  }

  private static String seconds(Duration timeout) {
    return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
  }

  private static String shorten(String message) {
    return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE) + "...";
  }
}
