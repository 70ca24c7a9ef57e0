package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.http.HttpLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The settings of the HTTP server ({@link HttpSetting}): where it listens, and the bounds on connections,
 * threads, headers, time, data rate, failed authentications and request bodies. Read from {@link SettingSources},
 * which the command that assembles a node shares with its own settings; every bad value is one {@link
 * ErrorCode#INVALID_ARGUMENT} line naming where it came from and which setting it is.
 */
public final class ServerSettings {
  static final String DEFAULT_HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 8080;

  private final String host;
  private final int port;
  private final int metricsPort;
  private final java.net.URI publicUrl;
  private final int s3Port;
  private final String s3Domain;
  private final String s3Region;
  private final Duration s3UploadExpiry;
  private final HttpLimits httpLimits;
  private final BodyLimits bodyLimits;

  private ServerSettings(SettingSources sources) throws EnvelopeException {
    this.host = sources.value(HttpSetting.HOST);
    this.port = (int) sources.parse(HttpSetting.PORT, "a port number from 0 to 65535",
        text -> SettingSources.within(Long.parseLong(text), 0, 65535));
    this.metricsPort = (int) sources.parse(HttpSetting.METRICS_PORT, "a port number from 0 to 65535, or off",
        text -> text.equalsIgnoreCase("off") ? Long.valueOf(-1) : SettingSources.within(Long.parseLong(text), 0, 65535));
    this.publicUrl = publicUrl(sources);
    this.s3Port = (int) sources.parse(HttpSetting.S3_PORT, "a port number from 0 to 65535, or off",
        text -> text.equalsIgnoreCase("off") ? Long.valueOf(-1) : SettingSources.within(Long.parseLong(text), 0, 65535));
    String domain = sources.value(HttpSetting.S3_DOMAIN).strip().toLowerCase(java.util.Locale.ROOT);
    if (!domain.equals("off") && !domain.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, sources.where(HttpSetting.S3_DOMAIN)
          + ": the S3 domain must be a DNS name such as s3.example.com, or off");
    }
    this.s3Domain = domain.equals("off") ? null : domain;
    this.s3Region = sources.value(HttpSetting.S3_REGION).strip();
    if (!s3Region.matches("[a-z0-9-]{1,64}")) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, sources.where(HttpSetting.S3_REGION)
          + ": the S3 region must be a region name such as us-east-1");
    }
    this.s3UploadExpiry = Duration.ofMillis(sources.parse(HttpSetting.S3_UPLOAD_EXPIRY,
        "a positive duration such as 12h or 7d", text -> SettingSources.millis(text, false)));
    this.httpLimits = httpLimits(sources);
    this.bodyLimits = new BodyLimits((int) sources.parse(HttpSetting.MAX_JSON_SIZE,
        "a size from 1K to 1M (K or M suffix)", text -> SettingSources.within(SettingSources.sizeOf(text), 1024,
            1 << 20)),
        (int) sources.parse(HttpSetting.MAX_JSON_DEPTH, "a whole number from 2 to 1000",
            text -> SettingSources.within(Long.parseLong(text), 2, 1000)),
        (int) sources.parse(HttpSetting.MAX_FORM_PARTS, "a whole number from 1 to 1000",
            text -> SettingSources.within(Long.parseLong(text), 1, 1000)));
    if (host.isBlank()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, sources.where(HttpSetting.HOST)
          + ": the host is empty");
    }
  }

  /** The HTTP settings from {@code sources}. */
  public static ServerSettings from(SettingSources sources) throws EnvelopeException {
    return new ServerSettings(sources);
  }

  /**
   * The HTTP settings from flags, the environment and a named config file ({@code configFlag} or {@code
   * ENVELOPE_CONFIG}; null and unset for none), for an application that embeds the server and has no settings
   * of its own. The config file may hold only {@link HttpSetting} keys.
   */
  public static ServerSettings resolve(Map<HttpSetting, String> flags, String configFlag, Map<String, String> env)
      throws EnvelopeException {
    return from(SettingSources.load(flags, configFlag, env, List.of(HttpSetting.values()), null));
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The port of the loopback listener for {@code GET /metrics} without a token; -1 when it is off (the default). */
  public int metricsPort() {
    return metricsPort;
  }

  /** The S3 API's port; -1 when it is off (the default). */
  public int s3Port() {
    return s3Port;
  }

  /** The domain of virtual-hosted-style S3 requests; null for path-style only (the default). */
  public String s3Domain() {
    return s3Domain;
  }

  /** How long an S3 multipart upload may stay incomplete. */
  public Duration s3UploadExpiry() {
    return s3UploadExpiry;
  }

  /** The region S3 clients sign for. */
  public String s3Region() {
    return s3Region;
  }

  /** The base of share links' URLs; null (public-url = off) to take each request's scheme and Host. */
  public java.net.URI publicUrl() {
    return publicUrl;
  }

  private static java.net.URI publicUrl(SettingSources sources) throws EnvelopeException {
    String text = sources.value(HttpSetting.PUBLIC_URL).strip();
    if (text.equalsIgnoreCase("off")) {
      return null;
    }
    try {
      java.net.URI url = new java.net.URI(text.replaceAll("/+$", ""));
      if (("http".equals(url.getScheme()) || "https".equals(url.getScheme())) && url.getHost() != null
          && url.getRawQuery() == null && url.getRawFragment() == null && url.getRawUserInfo() == null) {
        return url;
      }
    } catch (java.net.URISyntaxException e) {
      // said below
    }
    throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, sources.where(HttpSetting.PUBLIC_URL)
        + ": the public URL must be an http or https URL with a host and no query, such as https://files.example.com,"
        + " or off");
  }

  /** The bounds on connections, threads, headers, time, data rate and failed authentications. */
  public HttpLimits httpLimits() {
    return httpLimits;
  }

  /** The bounds on the request bodies the API parses: JSON and multipart forms. */
  public BodyLimits bodyLimits() {
    return bodyLimits;
  }

  private static HttpLimits httpLimits(SettingSources sources) throws EnvelopeException {
    String positiveDuration = "a positive duration such as 30s or 5m";
    return new HttpLimits(
        (int) sources.parse(HttpSetting.MAX_CONNECTIONS, "a whole number from 1 to 1000000",
            text -> SettingSources.within(Long.parseLong(text), 1, 1_000_000)),
        (int) sources.parse(HttpSetting.MAX_CONNECTIONS_PER_ADDRESS, "a whole number from 1 to 1000000",
            text -> SettingSources.within(Long.parseLong(text), 1, 1_000_000)),
        (int) sources.parse(HttpSetting.MAX_THREADS, "a whole number from 8 to 10000",
            text -> SettingSources.within(Long.parseLong(text), 8, 10_000)),
        Duration.ofMillis(sources.parse(HttpSetting.IDLE_TIMEOUT, positiveDuration,
            text -> SettingSources.millis(text, false))),
        Duration.ofMillis(sources.parse(HttpSetting.HEADER_TIMEOUT, positiveDuration,
            text -> SettingSources.millis(text, false))),
        sources.parse(HttpSetting.MIN_DATA_RATE, "bytes per second such as 0, 512 or 4K",
            text -> SettingSources.within(SettingSources.sizeOf(text), 0, 1L << 30)),
        Duration.ofMillis(sources.parse(HttpSetting.MIN_DATA_RATE_GRACE, "a duration such as 0s, 10s or 1m",
            text -> SettingSources.millis(text, true))),
        (int) sources.parse(HttpSetting.MAX_HEADER_SIZE, "a size from 1K to 1M (K or M suffix)",
            text -> SettingSources.within(SettingSources.sizeOf(text), 1024, 1 << 20)),
        sources.parse(HttpSetting.DRAIN_LIMIT, "a size from 0 to 1G (K, M or G suffix)",
            text -> SettingSources.within(SettingSources.sizeOf(text), 0, 1L << 30)),
        Duration.ofMillis(sources.parse(HttpSetting.DRAIN_TIME, positiveDuration,
            text -> SettingSources.millis(text, false))),
        (int) sources.parse(HttpSetting.AUTH_FAILURES, "a whole number from 1 to 1000000",
            text -> SettingSources.within(Long.parseLong(text), 1, 1_000_000)));
  }
}
