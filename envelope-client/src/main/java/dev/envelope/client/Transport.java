package dev.envelope.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The HTTP plumbing under {@link EnvelopeClient}: builds authenticated requests, sends them, and turns every
 * non-expected answer and every transport failure into an {@link EnvelopeClientException}. The only place that
 * holds the token.
 */
final class Transport {
  /** Error answers are short JSON; a larger body is cut there (never buffered whole). */
  static final int MAX_ERROR_BODY = 64 * 1024;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

  private final HttpClient http;
  private final URI server;
  private final String authorization;
  private final Duration requestTimeout;

  Transport(HttpClient http, URI server, String token, Duration requestTimeout) {
    this.http = http;
    this.server = server;
    this.authorization = token == null ? null : "Bearer " + token;
    this.requestTimeout = requestTimeout;
  }

  URI server() {
    return server;
  }

  /**
   * A request to {@code pathAndQuery} (already encoded) with the token. {@code timed}: whether the answer's
   * headers must arrive within the request timeout; not for uploads, whose answer comes after the whole body.
   */
  HttpRequest.Builder request(String pathAndQuery, boolean timed) throws EnvelopeClientException {
    if (authorization == null) {
      throw new EnvelopeClientException(ErrorCode.UNAUTHENTICATED, 0, "no token: this call needs one");
    }
    return anonymous(pathAndQuery, timed).header("Authorization", authorization);
  }

  /** A request without a token ({@code /healthz}, {@code /readyz}). */
  HttpRequest.Builder anonymous(String pathAndQuery) {
    return anonymous(pathAndQuery, true);
  }

  private HttpRequest.Builder anonymous(String pathAndQuery, boolean timed) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(server + pathAndQuery));
    return timed ? builder.timeout(requestTimeout) : builder;
  }

  <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler) throws EnvelopeClientException {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw Problems.fromTransport(server, e, requestTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EnvelopeClientException(ErrorCode.IO, 0, "interrupted while talking to " + server, e);
    }
  }

  /** Sends {@code request}, expects {@code status} and a JSON body, and returns that body. */
  JsonNode json(HttpRequest request, int status) throws EnvelopeClientException {
    HttpResponse<InputStream> response = send(request, BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      check(response, status);
      return Json.parse(body.readAllBytes());
    } catch (IOException e) {
      throw Problems.fromTransport(server, e, requestTimeout);
    }
  }

  /** Sends {@code request} and expects {@code status}; the body, if any, is read and dropped. */
  void discard(HttpRequest request, int status) throws EnvelopeClientException {
    HttpResponse<InputStream> response = send(request, BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      check(response, status);
      body.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw Problems.fromTransport(server, e, requestTimeout);
    }
  }

  /** Throws the server's problem unless the answer has {@code status}; reads at most {@link #MAX_ERROR_BODY}. */
  static void check(HttpResponse<InputStream> response, int status) throws EnvelopeClientException, IOException {
    if (response.statusCode() != status) {
      byte[] body = response.body().readNBytes(MAX_ERROR_BODY);
      throw Problems.fromAnswer(response.statusCode(), response.headers().firstValue("Content-Type"), body);
    }
  }

  /** {@code text} for a query parameter: UTF-8, percent-encoded, spaces as {@code %20}. */
  static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code tenant} for a path segment: a well-formed tenant name, else refused here. */
  static String tenant(String tenant) throws EnvelopeClientException {
    if (tenant == null || !tenant.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
      throw new EnvelopeClientException(ErrorCode.INVALID_ARGUMENT, 0,
          "not a tenant name: " + (tenant == null ? "null" : "'" + tenant + "'"));
    }
    return tenant;
  }

  /**
   * {@code id} for a path segment. Ids are letters, digits, '-' and '_': anything else ("..", "a/b") is refused
   * here, so that no argument can make the request go to another route.
   */
  static String id(String id, String what) throws EnvelopeClientException {
    if (id == null || !ID.matcher(id).matches()) {
      throw new EnvelopeClientException(ErrorCode.INVALID_ARGUMENT, 0,
          "not a " + what + " id: " + (id == null ? "null" : "'" + id + "'"));
    }
    return id;
  }
}
