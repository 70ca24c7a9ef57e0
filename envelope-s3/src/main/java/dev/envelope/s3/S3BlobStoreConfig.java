package dev.envelope.s3;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Where and how an {@link S3BlobStore} stores blobs. Build it with {@link #builder(String)}; every value is
 * checked when the record is made, so a config that exists is a valid one.
 *
 * <h2>Timeouts</h2>
 * Every S3 call is bounded; the SDK's standard retry mode (3 attempts, exponential backoff with full jitter)
 * retries throttling, 5xx and I/O errors inside those bounds.
 * <ul>
 *   <li>{@code connectTimeout} (default 3 s): a TCP connect to an S3 endpoint in the same region takes
 *       milliseconds; 3 s covers a congested path and still fails fast when the endpoint is gone.
 *   <li>{@code readTimeout} (default 30 s): the longest silence on an open socket, in either direction. It
 *       is the bound on a stalled ranged read, whose body is streamed to the caller after the call returned.
 *   <li>{@code requestTimeout} (default 10 s): one attempt of a small request (HEAD, LIST, DELETE, the
 *       multipart create/complete/abort and the headers of a GET). The whole call, retries included, gets
 *       three times as much. Complete on a multi-GiB object can take S3 several seconds, hence not 2 s.
 *   <li>{@code transferTimeout} (default 2 min): one attempt of a request that carries a part or a small
 *       object ({@code PutObject}, {@code UploadPart}); the whole call gets three times as much. 8 MiB in
 *       2 min needs only 70 KB/s; raise it with very large part sizes on slow links.
 * </ul>
 *
 * <h2>Upload time and the orphan grace</h2>
 * S3 dates a multipart object by the start of its upload, so a blob whose upload took an hour looks an hour old
 * the moment it is committed, before the file service has written its row. {@code maxUploadTime} (default 12 h,
 * 1 s to 7 days) bounds that: a writer older than it refuses to commit (the upload fails and leaves nothing), and
 * the store asks the orphan sweeper for twice as much grace ({@link S3BlobStore#minimumOrphanGrace()}), so a
 * committed blob always has at least {@code maxUploadTime} to get its row.
 *
 * @param bucket the bucket; it must exist (the store never creates buckets)
 * @param prefix put in front of every blob key, e.g. {@code envelope/}; empty for none. No leading
 *     {@code /}, printable ASCII only, at most 512 characters
 * @param endpoint the endpoint of an S3-compatible store, or {@code null} for AWS's regional endpoint
 * @param region the region, or {@code null} for the SDK's default region chain ({@code AWS_REGION}, the
 *     profile, instance metadata); {@link S3BlobStore#create} fails clearly if that finds none
 * @param pathStyle whether to address the bucket in the path ({@code http://host/bucket/key}) rather than in
 *     the host name; most S3-compatible stores need it
 * @param partSize bytes per multipart part, and the size up to which a blob goes in one {@code PutObject}:
 *     5 MiB (S3's minimum) to 5 GiB (S3's maximum), default 8 MiB
 * @param parallelism parts uploaded at once per writer, 1 to 64, default 4. A writer holds at most
 *     {@code (parallelism + 1) * partSize} bytes
 * @param credentials where credentials come from, or {@code null} for the SDK's default provider chain
 * @param connectTimeout see above
 * @param readTimeout see above
 * @param requestTimeout see above
 * @param transferTimeout see above
 * @param maxUploadTime see above
 */
public record S3BlobStoreConfig(String bucket, String prefix, URI endpoint, String region, boolean pathStyle,
    long partSize, int parallelism, AwsCredentialsProvider credentials, Duration connectTimeout,
    Duration readTimeout, Duration requestTimeout, Duration transferTimeout, Duration maxUploadTime) {

  public static final long MIN_PART_SIZE = 5L << 20;
  public static final long MAX_PART_SIZE = 5L << 30;
  public static final long DEFAULT_PART_SIZE = 8L << 20;
  public static final int DEFAULT_PARALLELISM = 4;
  public static final int MAX_PARALLELISM = 64;
  public static final int MAX_PREFIX_LENGTH = 512;
  public static final Duration DEFAULT_MAX_UPLOAD_TIME = Duration.ofHours(12);
  public static final Duration MAX_MAX_UPLOAD_TIME = Duration.ofDays(7);

  // The general-purpose bucket rules: 3-63 of a-z 0-9 . -, letter or digit at both ends.
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern PRINTABLE_ASCII = Pattern.compile("[\\x20-\\x7e]*");

  public S3BlobStoreConfig {
    checkBucket(bucket);
    prefix = prefix == null ? "" : prefix;
    checkPrefix(prefix);
    if (endpoint != null) {
      checkEndpoint(endpoint);
    }
    if (region != null && !region.matches("[a-z0-9-]{1,50}")) {
      throw new IllegalArgumentException("region must look like us-east-1");
    }
    if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
      throw new IllegalArgumentException("partSize must be from 5 MiB to 5 GiB (S3's limits), was " + partSize);
    }
    if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
      throw new IllegalArgumentException("parallelism must be from 1 to " + MAX_PARALLELISM);
    }
    checkTimeout("connectTimeout", connectTimeout);
    checkTimeout("readTimeout", readTimeout);
    checkTimeout("requestTimeout", requestTimeout);
    checkTimeout("transferTimeout", transferTimeout);
    Objects.requireNonNull(maxUploadTime, "maxUploadTime");
    if (maxUploadTime.compareTo(Duration.ofSeconds(1)) < 0 || maxUploadTime.compareTo(MAX_MAX_UPLOAD_TIME) > 0) {
      throw new IllegalArgumentException("maxUploadTime must be from 1 second to 7 days");
    }
  }

  /** A builder for {@code bucket} with every other value at its default. */
  public static Builder builder(String bucket) {
    return new Builder(bucket);
  }

  /** Names the credentials provider's type only: never an access key or a secret. */
  @Override
  public String toString() {
    return "S3BlobStoreConfig[bucket=" + bucket + ", prefix=" + prefix + ", endpoint=" + endpoint + ", region="
        + region + ", pathStyle=" + pathStyle + ", partSize=" + partSize + ", parallelism=" + parallelism
        + ", credentials=" + (credentials == null ? "default chain" : credentials.getClass().getSimpleName())
        + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout + ", requestTimeout="
        + requestTimeout + ", transferTimeout=" + transferTimeout + ", maxUploadTime=" + maxUploadTime + "]";
  }

  private static void checkBucket(String bucket) {
    Objects.requireNonNull(bucket, "bucket");
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || bucket.contains(".-")
        || bucket.contains("-.") || IPV4.matcher(bucket).matches() || bucket.startsWith("xn--")
        || bucket.startsWith("sthree-") || bucket.endsWith("-s3alias") || bucket.endsWith("--ol-s3")) {
      throw new IllegalArgumentException("bucket must be a valid S3 bucket name: 3 to 63 of a-z, 0-9, '.' and "
          + "'-', starting and ending with a letter or digit, not an IP address");
    }
  }

  private static void checkPrefix(String prefix) {
    if (prefix.length() > MAX_PREFIX_LENGTH) {
      throw new IllegalArgumentException("prefix must be at most " + MAX_PREFIX_LENGTH + " characters");
    }
    if (!PRINTABLE_ASCII.matcher(prefix).matches()) {
      throw new IllegalArgumentException("prefix must be printable ASCII");
    }
    if (prefix.startsWith("/")) {
      throw new IllegalArgumentException("prefix must not start with '/'");
    }
  }

  private static void checkEndpoint(URI endpoint) {
    String scheme = endpoint.getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || endpoint.getHost() == null
        || endpoint.getRawUserInfo() != null || endpoint.getRawQuery() != null
        || endpoint.getRawFragment() != null) {
      // The URI is not echoed: it may carry user info.
      throw new IllegalArgumentException("endpoint must be an http(s) URI with a host and no user info, query "
          + "or fragment");
    }
  }

  private static void checkTimeout(String name, Duration timeout) {
    Objects.requireNonNull(timeout, name);
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(name + " must be positive and at most an hour");
    }
  }

  /** Builds an {@link S3BlobStoreConfig}; {@link #build()} checks the values. */
  public static final class Builder {
    private final String bucket;
    private String prefix = "";
    private URI endpoint;
    private String region;
    private boolean pathStyle;
    private long partSize = DEFAULT_PART_SIZE;
    private int parallelism = DEFAULT_PARALLELISM;
    private AwsCredentialsProvider credentials;
    private Duration connectTimeout = Duration.ofSeconds(3);
    private Duration readTimeout = Duration.ofSeconds(30);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration transferTimeout = Duration.ofMinutes(2);
    private Duration maxUploadTime = DEFAULT_MAX_UPLOAD_TIME;

    private Builder(String bucket) {
      this.bucket = bucket;
    }

    public Builder prefix(String prefix) {
      this.prefix = prefix;
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

    public Builder pathStyle(boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    public Builder partSize(long partSize) {
      this.partSize = partSize;
      return this;
    }

    public Builder parallelism(int parallelism) {
      this.parallelism = parallelism;
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

    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = readTimeout;
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public Builder transferTimeout(Duration transferTimeout) {
      this.transferTimeout = transferTimeout;
      return this;
    }

    public Builder maxUploadTime(Duration maxUploadTime) {
      this.maxUploadTime = maxUploadTime;
      return this;
    }

    public S3BlobStoreConfig build() {
      return new S3BlobStoreConfig(bucket, prefix, endpoint, region, pathStyle, partSize, parallelism,
          credentials, connectTimeout, readTimeout, requestTimeout, transferTimeout, maxUploadTime);
    }
  }
}
