package dev.envelope.dynamodb;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Where the DynamoDB table of a {@link DynamoDbMetadataStore} is and how long a call to it may take.
 *
 * <h2>Time bounds (the defaults, and why)</h2>
 * A metadata call that cannot be answered must fail with {@code UNAVAILABLE} quickly enough for an upload to
 * answer 503 instead of hanging, yet ride out a throttled request or one dropped connection:
 * <ul>
 *   <li>{@code connectTimeout} 2 s: a TCP connect inside one region takes milliseconds.
 *   <li>{@code attemptTimeout} 3 s per HTTP attempt (also the socket read timeout): a GetItem or PutItem
 *       takes single-digit milliseconds; a Query page of 1 MB some tens.
 *   <li>{@code maxAttempts} 4: the SDK's standard retry strategy for DynamoDB (exponential backoff with jitter,
 *       throttling and 5xx and I/O errors retried, a client-side circuit breaker that stops retrying while
 *       most calls fail) with one initial attempt and three retries.
 *   <li>{@code callTimeout} 10 s for the whole call, retries and backoff included: the hard bound.
 * </ul>
 *
 * <p>The credentials are never part of {@link #toString()}.
 *
 * @param tableName the table: 3 to 255 of {@code a-z A-Z 0-9 _ - .} (DynamoDB's rule)
 * @param endpoint the DynamoDB endpoint (http or https, with a host), or null for the region's AWS endpoint
 * @param region the AWS region such as {@code eu-west-1}, or null for the SDK's default region chain
 *     ({@code AWS_REGION}, {@code ~/.aws/config}, instance metadata)
 * @param credentials the credentials, or null for the SDK's default provider chain
 * @param connectTimeout the TCP connect bound
 * @param attemptTimeout the bound on one HTTP attempt, and on waiting for one read of the socket
 * @param callTimeout the bound on one call, every retry included
 * @param maxAttempts attempts per call, the first one included (1 = no retry)
 */
public record DynamoDbConfig(String tableName, URI endpoint, String region, AwsCredentialsProvider credentials,
    Duration connectTimeout, Duration attemptTimeout, Duration callTimeout, int maxAttempts) {
  private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");
  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  public DynamoDbConfig {
    if (tableName == null || !TABLE_NAME.matcher(tableName).matches()) {
      throw new IllegalArgumentException(
          "a DynamoDB table name is 3 to 255 of a-z, A-Z, 0-9, '_', '-' and '.'");
    }
    if (endpoint != null && (endpoint.getHost() == null || endpoint.getScheme() == null
        || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
      throw new IllegalArgumentException("the DynamoDB endpoint must be an http or https URL with a host");
    }
    if (region != null && !REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("an AWS region looks like eu-west-1");
    }
    checkPositive(connectTimeout, "connectTimeout");
    checkPositive(attemptTimeout, "attemptTimeout");
    checkPositive(callTimeout, "callTimeout");
    if (maxAttempts < 1 || maxAttempts > 10) {
      throw new IllegalArgumentException("maxAttempts must be 1 to 10");
    }
  }

  /** A builder with the default time bounds; only the table name is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Names the table, the endpoint and the region; never the credentials. */
  @Override
  public String toString() {
    return "DynamoDbConfig[table=" + tableName + ", endpoint=" + (endpoint == null ? "aws" : endpoint)
        + ", region=" + (region == null ? "default" : region) + "]";
  }

  private static void checkPositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException(name + " must be more than 0 and at most 10 minutes");
    }
  }

  /** Builds a {@link DynamoDbConfig}; every setter validates on {@link #build()}. */
  public static final class Builder {
    private String tableName;
    private URI endpoint;
    private String region;
    private AwsCredentialsProvider credentials;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration attemptTimeout = Duration.ofSeconds(3);
    private Duration callTimeout = Duration.ofSeconds(10);
    private int maxAttempts = 4;

    private Builder() {}

    public Builder tableName(String tableName) {
      this.tableName = tableName;
      return this;
    }

    public Builder endpoint(URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder region(String region) {
      this.region = region;
      return this;
    }

    public Builder credentials(AwsCredentialsProvider credentials) {
      this.credentials = credentials;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = attemptTimeout;
      return this;
    }

    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = callTimeout;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** @throws IllegalArgumentException naming the first value that is wrong */
    public DynamoDbConfig build() {
      return new DynamoDbConfig(tableName, endpoint, region, credentials, connectTimeout, attemptTimeout,
          callTimeout, maxAttempts);
    }
  }
}
