package dev.envelope.server;

/**
 * The settings of the HTTP server itself: where it listens and the bounds it puts on clients, each with its
 * config-file key, flag, environment variable, default and meaning in one place, so that the flags, the help and
 * {@link ServerSettings} cannot drift apart. The settings of the node around it (its stores, its key service,
 * the orphan sweeper) belong to whoever assembles the node.
 */
public enum HttpSetting implements SettingKey {
  HOST("host", "ENVELOPE_HOST", ServerSettings.DEFAULT_HOST, "address to listen on"),
  PORT("port", "ENVELOPE_PORT", "8080", "port to listen on, 0 for any free port"),
  METRICS_PORT("metrics-port", "ENVELOPE_METRICS_PORT", "off",
      "port of a second listener, on 127.0.0.1 only, that serves GET /metrics without a token (0 for any free"
          + " port, off for none); on the API's port only an operator token may read /metrics"),
  S3_PORT("s3-port", "ENVELOPE_S3_PORT", "off",
      "port of the S3 API, on the API's host (0 for any free port, off for none): any S3 client, with credentials from"
          + " envelope s3 credentials create"),
  S3_DOMAIN("s3-domain", "ENVELOPE_S3_DOMAIN", "off",
      "the domain of virtual-hosted-style S3 requests (BUCKET.DOMAIN); off serves path-style requests only"),
  S3_UPLOAD_EXPIRY("s3-upload-expiry", "ENVELOPE_S3_UPLOAD_EXPIRY", "7d",
      "how long an S3 multipart upload may stay incomplete before the sweeper aborts it (and deletes its parts)"),
  S3_REGION("s3-region", "ENVELOPE_S3_REGION", "us-east-1",
      "the region S3 clients sign for (their region setting must be this)"),
  PUBLIC_URL("public-url", "ENVELOPE_PUBLIC_URL", "off",
      "the URL clients reach this server at (https://files.example.com), the base of share links' URLs; off takes"
          + " each request's scheme and Host header"),
  IDLE_TIMEOUT("idle-timeout", "ENVELOPE_IDLE_TIMEOUT", "30s",
      "how long a connection may stall before it is closed"),
  HEADER_TIMEOUT("header-timeout", "ENVELOPE_HEADER_TIMEOUT", "10s",
      "how long a request's line and headers may take from their first byte; a slower client is closed"),
  MAX_CONNECTIONS("max-connections", "ENVELOPE_MAX_CONNECTIONS", "1024",
      "open connections in all; beyond it new ones wait to be accepted"),
  MAX_CONNECTIONS_PER_ADDRESS("max-connections-per-address", "ENVELOPE_MAX_CONNECTIONS_PER_ADDRESS", "64",
      "open connections from one client address; more are closed at once (behind a proxy, its address counts)"),
  MAX_THREADS("max-threads", "ENVELOPE_MAX_THREADS", "256",
      "request threads; on Java 21+ requests run on virtual threads and this bounds only the server's own"),
  MIN_DATA_RATE("min-data-rate", "ENVELOPE_MIN_DATA_RATE", "1K",
      "bytes per second a client must move while the server waits for it (an upload's body, a download's"
          + " reader), once min-data-rate-grace of waiting is over; a slower one is cut (0: no minimum)"),
  MIN_DATA_RATE_GRACE("min-data-rate-grace", "ENVELOPE_MIN_DATA_RATE_GRACE", "10s",
      "how long the server waits for a client before min-data-rate applies"),
  MAX_HEADER_SIZE("max-header-size", "ENVELOPE_MAX_HEADER_SIZE", "16K",
      "largest request line plus headers, in bytes; a larger one is answered 431"),
  DRAIN_LIMIT("drain-limit", "ENVELOPE_DRAIN_LIMIT", "1M",
      "how much of a refused upload's body is taken in (without a thread) so that the client reads the answer;"
          + " a body declared larger is not waited for"),
  DRAIN_TIME("drain-time", "ENVELOPE_DRAIN_TIME", "5s", "how long a refused upload's body is taken in at most"),
  AUTH_FAILURES("auth-failures-per-minute", "ENVELOPE_AUTH_FAILURES_PER_MINUTE", "30",
      "failed authentications one client address may make per minute; beyond it the address gets 429"
          + " (with Retry-After) until its budget refills"),
  MAX_JSON_SIZE("max-json-size", "ENVELOPE_MAX_JSON_SIZE", "16K", "largest JSON request body (the token API)"),
  MAX_JSON_DEPTH("max-json-depth", "ENVELOPE_MAX_JSON_DEPTH", "16", "deepest nesting of a JSON request body"),
  MAX_FORM_PARTS("max-form-parts", "ENVELOPE_MAX_FORM_PARTS", "16",
      "most parts of a multipart/form-data upload (each part's headers are bounded by max-header-size)");

  private final Definition definition;

  HttpSetting(String key, String variable, String defaultValue, String description) {
    this.definition = new Definition(key, variable, defaultValue, description);
  }

  @Override
  public Definition definition() {
    return definition;
  }
}
