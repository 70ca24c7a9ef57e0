package dev.envelope.s3;

import dev.envelope.service.BlobExistsException;
import dev.envelope.service.BlobInfo;
import dev.envelope.service.BlobStore;
import dev.envelope.service.BlobWriter;
import dev.envelope.service.NoSuchBlobException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link BlobStore} in an S3 bucket (or any S3-compatible store), every blob at {@code prefix + key}.
 *
 * <h2>Writing</h2>
 * A writer buffers up to {@code partSize} bytes in memory. A blob that fits goes up in one {@code PutObject}
 * at commit, with its length and a CRC32C checksum that S3 verifies. A larger one becomes a multipart upload:
 * each full part is handed to an uploader thread and the writer goes on filling the next one; with
 * {@code parallelism} parts in flight the writer blocks until one finishes, so a writer never holds more than
 * {@code (parallelism + 1) * partSize} bytes. Every part carries its CRC32C too. Any failure (a part, the
 * source, {@link BlobWriter#abort()}, {@link BlobWriter#close()} without commit) aborts the multipart upload.
 *
 * <p>Blobs are never overwritten: {@code PutObject} and {@code CompleteMultipartUpload} carry
 * {@code If-None-Match: *}, which AWS S3 (since 2024) and S3Proxy 4.1 honour atomically; an existing key
 * answers 412 and the writer fails with {@link BlobExistsException}. A store that ignores the header would
 * silently replace the object; keys are 128-bit random ids chosen by the file service, so even there two
 * writers of one key do not happen in practice.
 *
 * <h2>Reading, listing, deleting</h2>
 * {@link #read} is one ranged {@code GetObject} streamed to the caller (nothing is buffered beyond the
 * SDK's socket buffers); closing the stream early aborts the connection instead of draining the rest.
 * {@link #size} is a {@code HeadObject}; a HEAD 404 cannot tell a missing key from a missing bucket, so both
 * read as {@link NoSuchBlobException} ({@link #checkReady()} tells them apart). {@link #delete} is a
 * {@code HeadObject} then a {@code DeleteObject}: S3's delete answers the same for a missing key, and a
 * delete racing another delete may both answer {@code true}. {@link #list} is {@code ListObjectsV2} under the
 * prefix with {@code StartAfter}, skipping every object whose name after the prefix is not a valid blob key
 * (other tools' objects, "directories").
 *
 * <h2>Orphaned multipart uploads</h2>
 * A node that dies mid-upload leaves an unfinished multipart upload: invisible to reads and listings, but
 * billed storage. Give the bucket a lifecycle rule that aborts them, for instance:
 * <pre>{@code
 * {"Rules": [{"ID": "abort-incomplete-uploads", "Status": "Enabled", "Filter": {"Prefix": "envelope/"},
 *             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]}
 * }</pre>
 * ({@code aws s3api put-bucket-lifecycle-configuration --bucket B --lifecycle-configuration file://rule.json}).
 *
 * <h2>Failures</h2>
 * Every call is bounded by the timeouts of {@link S3BlobStoreConfig} and retried by the SDK's standard retry
 * mode. Every SDK failure becomes an {@link IOException} whose message names the operation and S3's error
 * code or the client-side reason, with no cause attached. Nothing is cached between calls, so the store works
 * again as soon as S3 does. Thread-safe; a writer is used by one thread at a time.
 */
public final class S3BlobStore implements BlobStore {
  private static final Pattern KEY = Pattern.compile(KEY_PATTERN);
  private static final int LIST_PAGE = 1000;
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final S3Client s3;
  private final boolean ownsClient;
  private final String bucket;
  private final String prefix;
  private final long partSize;
  private final int parallelism;
  private final Duration maxUploadTime;
  private final AwsRequestOverrideConfiguration control;
  private final AwsRequestOverrideConfiguration transfer;
  private final ExecutorService uploads;
  private volatile IntConsumer partHook = part -> {};
  private volatile boolean closed;

  private S3BlobStore(S3Client s3, boolean ownsClient, S3BlobStoreConfig config) {
    this.s3 = s3;
    this.ownsClient = ownsClient;
    this.bucket = config.bucket();
    this.prefix = config.prefix();
    this.partSize = config.partSize();
    this.parallelism = config.parallelism();
    this.maxUploadTime = config.maxUploadTime();
    this.control = timeouts(config.requestTimeout());
    this.transfer = timeouts(config.transferTimeout());
    // Unbounded threads, bounded work: each writer has at most `parallelism` parts queued or running.
    this.uploads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        task -> {
          Thread thread = new Thread(task, "envelope-s3-upload-" + THREADS.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  /**
   * Opens a store with its own S3 client (Apache HTTP client, standard retries, the config's timeouts).
   * Makes no call to S3; use {@link #checkReady()} for that.
   *
   * @throws IllegalArgumentException if no region is configured and the SDK's default chain finds none
   */
  public static S3BlobStore create(S3BlobStoreConfig config) {
    return new S3BlobStore(newClient(config), true, config);
  }

  /**
   * A store over an S3 client the caller built and keeps: {@link #close()} leaves it open. The config's
   * bucket, prefix, part size, parallelism and request timeouts apply; its endpoint, region, path style,
   * credentials and connection timeouts are the client's business and are ignored.
   */
  public static S3BlobStore withClient(S3Client client, S3BlobStoreConfig config) {
    return new S3BlobStore(Objects.requireNonNull(client, "client"), false, config);
  }

  /** The connection pool's size: above a node's request threads, whatever they do. */
  static final int MAX_CONNECTIONS = 512;

  private static S3Client newClient(S3BlobStoreConfig config) {
    ApacheHttpClient.Builder http = ApacheHttpClient.builder()
        .connectionTimeout(config.connectTimeout())
        .socketTimeout(config.readTimeout())
        .connectionAcquisitionTimeout(config.requestTimeout())
        // Each download holds a connection for as long as it streams, and a node serves up to 128 requests at
        // once (its request threads), uploads with up to `parallelism` parts in flight each: the pool must not
        // be what makes the 51st slow download fail. Connections are made on demand, so a large cap costs
        // nothing idle.
        .maxConnections(Math.max(MAX_CONNECTIONS, 4 * config.parallelism()));
    S3ClientBuilder builder = S3Client.builder()
        .httpClientBuilder(http)
        .region(region(config))
        .forcePathStyle(config.pathStyle())
        .credentialsProvider(config.credentials() != null ? config.credentials()
            : DefaultCredentialsProvider.builder().build())
        .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD));
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    return builder.build();
  }

  private static Region region(S3BlobStoreConfig config) {
    if (config.region() != null) {
      return Region.of(config.region());
    }
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkException e) {
      throw new IllegalArgumentException("no AWS region: set one in the S3 configuration, or AWS_REGION, or a "
          + "region in the AWS profile");
    }
  }

  private static AwsRequestOverrideConfiguration timeouts(Duration attempt) {
    // Three attempts of the standard retry mode plus their backoff fit in three attempt timeouts.
    return AwsRequestOverrideConfiguration.builder()
        .apiCallAttemptTimeout(attempt)
        .apiCallTimeout(attempt.multipliedBy(3))
        .build();
  }

  @Override
  public BlobWriter create(String key) throws IOException {
    String objectKey = objectKey(key);
    ensureOpen();
    return new S3BlobWriter(this, key, objectKey, partSize, parallelism, maxUploadTime);
  }

  /**
   * Twice the config's {@code maxUploadTime}: S3 dates a multipart object by the start of its upload, a writer
   * refuses to commit after {@code maxUploadTime}, and so a committed blob has at least as long again to get its
   * row before the sweeper may see it as an orphan.
   */
  @Override
  public Duration minimumOrphanGrace() {
    return maxUploadTime.multipliedBy(2);
  }

  @Override
  public InputStream read(String key, long offset, long length) throws IOException {
    String objectKey = objectKey(key);
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("offset and length must not be negative");
    }
    ensureOpen();
    if (length == 0) {
      size(key); // a missing blob is still missing
      return InputStream.nullInputStream();
    }
    // An open-ended range when offset + length passes Long.MAX_VALUE.
    String range = "bytes=" + offset + "-" + (length > Long.MAX_VALUE - offset ? "" : offset + length - 1);
    ResponseInputStream<GetObjectResponse> in;
    try {
      in = s3.getObject(b -> b.bucket(bucket).key(objectKey).range(range).overrideConfiguration(control));
    } catch (SdkException e) {
      if (e instanceof NoSuchKeyException || S3Failures.status(e) == 404) {
        throw new NoSuchBlobException(key);
      }
      if (S3Failures.status(e) == 416) {
        return InputStream.nullInputStream(); // the object exists and ends at or before offset
      }
      throw S3Failures.io("read of blob " + key, e);
    }
    return new S3RangeStream(in, key, offset, length);
  }

  @Override
  public long size(String key) throws IOException {
    String objectKey = objectKey(key);
    ensureOpen();
    try {
      return s3.headObject(b -> b.bucket(bucket).key(objectKey).overrideConfiguration(control)).contentLength();
    } catch (SdkException e) {
      if (e instanceof NoSuchKeyException || S3Failures.status(e) == 404) {
        throw new NoSuchBlobException(key);
      }
      throw S3Failures.io("size of blob " + key, e);
    }
  }

  @Override
  public boolean delete(String key) throws IOException {
    String objectKey = objectKey(key);
    ensureOpen();
    try {
      size(key);
    } catch (NoSuchBlobException e) {
      return false;
    }
    try {
      s3.deleteObject(b -> b.bucket(bucket).key(objectKey).overrideConfiguration(control));
      return true;
    } catch (SdkException e) {
      throw S3Failures.io("delete of blob " + key, e);
    }
  }

  @Override
  public List<BlobInfo> list(String afterKey, int limit) throws IOException {
    if (afterKey != null) {
      checkKey(afterKey);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    ensureOpen();
    List<BlobInfo> page = new ArrayList<>();
    // The delimiter folds anything below a '/' into one CommonPrefix entry: never a blob, never walked.
    ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
        .delimiter("/").maxKeys(Math.min(LIST_PAGE, limit)).overrideConfiguration(control);
    if (afterKey != null) {
      request.startAfter(prefix + afterKey);
    }
    try {
      while (true) {
        ListObjectsV2Response response = s3.listObjectsV2(request.build());
        for (S3Object object : response.contents()) {
          // S3 lists in UTF-8 byte order; valid keys are ASCII, so that is String order.
          String key = object.key().startsWith(prefix) ? object.key().substring(prefix.length()) : "";
          if (KEY.matcher(key).matches()) {
            page.add(new BlobInfo(key, object.size(), object.lastModified()));
            if (page.size() == limit) {
              return page;
            }
          }
        }
        if (!Boolean.TRUE.equals(response.isTruncated()) || response.nextContinuationToken() == null) {
          return page;
        }
        request.continuationToken(response.nextContinuationToken());
      }
    } catch (SdkException e) {
      throw S3Failures.io("listing of blobs", e);
    }
  }

  /**
   * A {@code HeadBucket}: the endpoint answers, the credentials are good and the bucket is there. A missing bucket
   * or refused credentials are a {@link BucketRefused}: a mistake of the settings, which no retry cures.
   */
  @Override
  public void checkReady() throws IOException {
    ensureOpen();
    try {
      s3.headBucket(b -> b.bucket(bucket).overrideConfiguration(control));
    } catch (SdkException e) {
      int status = S3Failures.status(e);
      if (status == 404) {
        throw new BucketRefused("S3 bucket " + bucket + " does not exist");
      }
      if (status == 403) {
        throw new BucketRefused("S3 refused access to bucket " + bucket + " (403): check the credentials (s3-profile)"
            + " and the bucket's policy");
      }
      throw S3Failures.io("check of bucket " + bucket, e);
    }
  }

  /** The bucket is missing or its owner refuses these credentials: what {@link #checkReady} says of a setup mistake. */
  public static final class BucketRefused extends IOException {
    private static final long serialVersionUID = 1L;

    BucketRefused(String message) {
      super(message);
    }
  }

  /**
   * Refuses new calls, waits briefly for part uploads in flight, and closes the S3 client if the store made
   * it. Writers still open fail.
   */
  @Override
  public void close() {
    closed = true;
    uploads.shutdown();
    try {
      if (!uploads.awaitTermination(5, TimeUnit.SECONDS)) {
        uploads.shutdownNow();
      }
    } catch (InterruptedException e) {
      uploads.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (ownsClient) {
      s3.close();
    }
  }

  @Override
  public String toString() {
    return "S3BlobStore[bucket=" + bucket + ", prefix=" + prefix + "]";
  }

  // --- for the writer

  ExecutorService uploads() {
    return uploads;
  }

  /** Test seam: called with the part number on the uploader thread just before each part upload. */
  void onPartUpload(IntConsumer hook) {
    partHook = hook;
  }

  void putObject(String key, String objectKey, PartBuffer data) throws IOException {
    ensureOpen();
    try {
      s3.putObject(b -> b.bucket(bucket).key(objectKey).ifNoneMatch("*").contentLength(data.size())
              .checksumAlgorithm(ChecksumAlgorithm.CRC32_C).checksumCRC32C(data.crc32c())
              .overrideConfiguration(transfer),
          RequestBody.fromContentProvider(data::newStream, data.size(), "application/octet-stream"));
    } catch (SdkException e) {
      throw conditionalWriteFailure(key, "upload of blob " + key, e);
    }
  }

  String startMultipart(String key, String objectKey) throws IOException {
    ensureOpen();
    try {
      return s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)
          .contentType("application/octet-stream").checksumAlgorithm(ChecksumAlgorithm.CRC32_C)
          .overrideConfiguration(control)).uploadId();
    } catch (SdkException e) {
      throw S3Failures.io("start of the multipart upload of blob " + key, e);
    }
  }

  CompletedPart uploadPart(String key, String objectKey, String uploadId, int part, PartBuffer data)
      throws IOException {
    partHook.accept(part);
    String crc = data.crc32c();
    try {
      String etag = s3.uploadPart(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId).partNumber(part)
              .contentLength(data.size()).checksumAlgorithm(ChecksumAlgorithm.CRC32_C).checksumCRC32C(crc)
              .overrideConfiguration(transfer),
          RequestBody.fromContentProvider(data::newStream, data.size(), "application/octet-stream")).eTag();
      return CompletedPart.builder().partNumber(part).eTag(etag).checksumCRC32C(crc).build();
    } catch (SdkException e) {
      throw S3Failures.io("upload of part " + part + " of blob " + key, e);
    }
  }

  void completeMultipart(String key, String objectKey, String uploadId, List<CompletedPart> parts)
      throws IOException {
    ensureOpen();
    try {
      s3.completeMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId).ifNoneMatch("*")
          .multipartUpload(m -> m.parts(parts)).overrideConfiguration(control));
    } catch (SdkException e) {
      throw conditionalWriteFailure(key, "completion of the multipart upload of blob " + key, e);
    }
  }

  /** Aborts a multipart upload; throws if S3 could not be told (the bucket's lifecycle rule is the backstop). */
  void abortMultipart(String key, String objectKey, String uploadId) throws IOException {
    try {
      s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
          .overrideConfiguration(control));
    } catch (SdkException e) {
      if (S3Failures.status(e) == 404) {
        return; // NoSuchUpload: already gone
      }
      throw S3Failures.io("abort of the multipart upload of blob " + key, e);
    }
  }

  private static IOException conditionalWriteFailure(String key, String what, SdkException e) {
    if (S3Failures.status(e) == 412) {
      return new BlobExistsException(key);
    }
    if (S3Failures.status(e) == 409) {
      // ConditionalRequestConflict: another write of the key was in progress; the caller may retry.
      return new IOException("S3 " + what + " failed: a concurrent write of the same key (HTTP 409)");
    }
    return S3Failures.io(what, e);
  }

  private String objectKey(String key) {
    checkKey(key);
    return prefix + key;
  }

  private static void checkKey(String key) {
    if (key == null || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("a blob key is 1 to 128 of a-z, 0-9, '_' and '-', starting with a "
          + "letter or digit");
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the S3 blob store is closed");
    }
  }
}
