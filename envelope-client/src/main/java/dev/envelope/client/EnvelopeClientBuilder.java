package dev.envelope.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/** Builds an {@link EnvelopeClient}. Only the server is required; a token is needed by every {@code /v1} call. */
public final class EnvelopeClientBuilder {
  // RFC 6750 b64token, which covers Envelope's tokens (env1.<id>.<secret>); anything else cannot be a header.
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

  private final URI server;
  private String token;
  private Duration connectTimeout = Duration.ofSeconds(10);
  private Duration requestTimeout = Duration.ofSeconds(60);

  EnvelopeClientBuilder(URI server) {
    Objects.requireNonNull(server, "server");
    String scheme = server.getScheme() == null ? "" : server.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || server.getHost() == null
        || server.getRawUserInfo() != null || server.getRawQuery() != null || server.getRawFragment() != null) {
      throw new IllegalArgumentException("the server must be an http:// or https:// URL with a host and no"
          + " user, query or fragment, like http://127.0.0.1:8080; got " + server);
    }
    String text = server.toString();
    this.server = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
  }

  /**
   * The bearer token every {@code /v1} call sends. Surrounding white space (a token file's newline) is dropped.
   *
   * @throws IllegalArgumentException if it cannot be a bearer token (the message does not repeat it)
   */
  public EnvelopeClientBuilder token(String token) {
    String trimmed = Objects.requireNonNull(token, "token").strip();
    if (!TOKEN.matcher(trimmed).matches()) {
      throw new IllegalArgumentException(trimmed.isEmpty() ? "the token is empty"
          : "the token holds characters no bearer token has (is it the right text?)");
    }
    this.token = trimmed;
    return this;
  }

  /** How long to wait for a connection (default 10 s). */
  public EnvelopeClientBuilder connectTimeout(Duration timeout) {
    this.connectTimeout = positive(timeout);
    return this;
  }

  /**
   * How long to wait for the answer's headers (default 60 s). Uploads are exempt, since the server answers
   * only after the whole body; a download's body streams for as long as it takes once its headers arrived.
   */
  public EnvelopeClientBuilder requestTimeout(Duration timeout) {
    this.requestTimeout = positive(timeout);
    return this;
  }

  public EnvelopeClient build() {
    // HTTP/1.1: the server speaks it on cleartext, and an h2c upgrade attempt would only cost a round trip.
    HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    return new EnvelopeClient(new Transport(http, server, token, requestTimeout));
  }

  private static Duration positive(Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a timeout must be positive");
    }
    return timeout;
  }
}
