package dev.envelope.awskms;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How {@link AwsKmsKeyService#create} reaches AWS KMS (or a server that speaks its API, such as Envelope's key
 * server), and how long it may try.
 *
 * <h2>Time bounds</h2>
 * Every call is bounded three ways: {@code connectTimeout} per TCP connect, {@code attemptTimeout} per HTTP
 * attempt (connect, send, wait, read), and {@code callTimeout} for the whole call including every retry and
 * back-off. Within that, throttling ({@code ThrottlingException}), 5xx answers, I/O errors (refused or reset
 * connections) and attempt timeouts are retried up to {@code maxAttempts} attempts in all, with the SDK's
 * standard retry strategy configured explicitly here: exponential back-off with <em>full jitter</em>
 * (a random delay between 0 and {@code min(maxBackoff, base * 2^attempt)}), with {@code baseDelay} as the base
 * for transient errors and the larger {@code throttlingBaseDelay} for throttling. The strategy's retry token
 * bucket (its circuit breaker) stays on, so a client whose calls keep failing stops retrying early instead of
 * multiplying the load on a struggling service. When the attempts or the time run out, the key service throws
 * {@code KEYRING_UNAVAILABLE}.
 *
 * @param endpoint the endpoint URL, or empty for AWS's own endpoint of the region
 * @param region the AWS region, or empty for the SDK's default region chain ({@code AWS_REGION},
 *     {@code aws.region}, the profile, instance metadata)
 * @param credentials the credentials provider, or empty for the SDK's default chain; {@link #toString()} names
 *     its class only
 * @param maxAttempts attempts per call, first one included (1 means no retry)
 * @param callTimeout the bound on one call, all attempts and back-offs included
 * @param attemptTimeout the bound on one HTTP attempt
 * @param connectTimeout the bound on one TCP (and TLS) connect
 * @param baseDelay the back-off base for transient errors
 * @param throttlingBaseDelay the back-off base after throttling
 * @param maxBackoff the largest single back-off
 */
public record AwsKmsConfig(Optional<URI> endpoint, Optional<String> region,
    Optional<AwsCredentialsProvider> credentials, int maxAttempts, Duration callTimeout, Duration attemptTimeout,
    Duration connectTimeout, Duration baseDelay, Duration throttlingBaseDelay, Duration maxBackoff) {
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_BASE_DELAY = Duration.ofMillis(100);
  public static final Duration DEFAULT_THROTTLING_BASE_DELAY = Duration.ofMillis(500);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);
  private static final int MAX_ATTEMPTS_LIMIT = 20;
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  /** Validates every field; the messages say which one is wrong and why. */
  public AwsKmsConfig {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(credentials, "credentials");
    endpoint.ifPresent(AwsKmsConfig::checkEndpoint);
    region.ifPresent(AwsKmsConfig::checkRegion);
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
      throw new IllegalArgumentException("maxAttempts must be 1 to " + MAX_ATTEMPTS_LIMIT + ": " + maxAttempts);
    }
    positive("callTimeout", callTimeout);
    positive("attemptTimeout", attemptTimeout);
    positive("connectTimeout", connectTimeout);
    positive("baseDelay", baseDelay);
    positive("throttlingBaseDelay", throttlingBaseDelay);
    positive("maxBackoff", maxBackoff);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.endpoint = endpoint.orElse(null);
    b.region = region.orElse(null);
    b.credentials = credentials.orElse(null);
    b.maxAttempts = maxAttempts;
    b.callTimeout = callTimeout;
    b.attemptTimeout = attemptTimeout;
    b.connectTimeout = connectTimeout;
    b.baseDelay = baseDelay;
    b.throttlingBaseDelay = throttlingBaseDelay;
    b.maxBackoff = maxBackoff;
    return b;
  }

  /** What the endpoint is called in messages: the URL, or "region R" for AWS's own endpoint. */
  String describeEndpoint(String resolvedRegion) {
    return endpoint.map(URI::toString).orElse("the AWS endpoint of region " + resolvedRegion);
  }

  @Override
  public String toString() {
    return "AwsKmsConfig[endpoint=" + endpoint.map(URI::toString).orElse("(AWS)")
        + ", region=" + region.orElse("(default chain)")
        + ", credentials=" + credentials.map(c -> c.getClass().getSimpleName()).orElse("(default chain)")
        + ", maxAttempts=" + maxAttempts + ", callTimeout=" + callTimeout + ", attemptTimeout=" + attemptTimeout
        + ", connectTimeout=" + connectTimeout + "]";
  }

  private static void checkEndpoint(URI uri) {
    String scheme = uri.getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || uri.getHost() == null) {
      throw new IllegalArgumentException("endpoint must be an http or https URL with a host: " + uri);
    }
    if (uri.getUserInfo() != null) {
      throw new IllegalArgumentException("endpoint must not hold user information");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("endpoint must not have a query or fragment: " + uri);
    }
  }

  private static void checkRegion(String region) {
    if (!region.matches("[a-z]{2}(-[a-z0-9]+){1,4}")) {
      throw new IllegalArgumentException("region must look like an AWS region (us-east-1): "
          + (region.length() > 40 ? region.substring(0, 40) + "..." : region));
    }
  }

  private static void positive(String name, Duration d) {
    if (d == null) {
      throw new IllegalArgumentException(name + " must be given");
    }
    if (d.isNegative() || d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(name + " must be more than 0 and at most " + MAX_TIMEOUT + ": " + d);
    }
  }

  /** A mutable builder; every field has a default except the optional endpoint, region and credentials. */
  public static final class Builder {
    private URI endpoint;
    private String region;
    private AwsCredentialsProvider credentials;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration baseDelay = DEFAULT_BASE_DELAY;
    private Duration throttlingBaseDelay = DEFAULT_THROTTLING_BASE_DELAY;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;

    private Builder() {}

    /** An endpoint override (Envelope's key server, a VPC endpoint); null for AWS's own. */
    public Builder endpoint(URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /** The region; null for the SDK's default region chain. */
    public Builder region(String region) {
      this.region = region;
      return this;
    }

    /** The credentials; null for the SDK's default credentials chain. */
    public Builder credentials(AwsCredentialsProvider credentials) {
      this.credentials = credentials;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = callTimeout;
      return this;
    }

    public Builder attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = attemptTimeout;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder baseDelay(Duration baseDelay) {
      this.baseDelay = baseDelay;
      return this;
    }

    public Builder throttlingBaseDelay(Duration throttlingBaseDelay) {
      this.throttlingBaseDelay = throttlingBaseDelay;
      return this;
    }

    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** @throws IllegalArgumentException if a field is out of range; the message names it */
    public AwsKmsConfig build() {
      return new AwsKmsConfig(Optional.ofNullable(endpoint), Optional.ofNullable(region),
          Optional.ofNullable(credentials), maxAttempts, callTimeout, attemptTimeout, connectTimeout, baseDelay,
          throttlingBaseDelay, maxBackoff);
    }
  }
}
