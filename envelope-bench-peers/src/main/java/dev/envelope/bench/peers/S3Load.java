package dev.envelope.bench.peers;

import dev.envelope.bench.Sizes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.util.VersionInfo;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 API's clients against one {@link ServerProcess} started with {@link ServerProcess#startWithS3}: the AWS SDK
 * for Java v2's {@code S3Client} (Apache HTTP client, path-style, the server's S3 URL as endpoint, us-east-1) with
 * its default checksum behaviour and signing, and no retries (a failure is counted, not hidden). It runs in the
 * bench's JVM, so its CPU is this JVM's. Big objects stream from a file up ({@code RequestBody.fromFile}) and into
 * a discarding buffer down, as curl does for /v1; 4 KiB {@code PutObject}s run through {@link LeanUploads}' loop.
 * What the SDK put on the wire (its payload mode and checksum headers) is read off its requests, for the report.
 */
final class S3Load implements AutoCloseable {
  static final String BUCKET = "bench";

  private final ServerProcess server;
  private final S3Client s3;
  private final Wire wire = new Wire();
  private final AtomicLong keys = new AtomicLong();

  /** The client, and the bucket the benchmark uses (made here). */
  S3Load(ServerProcess server) {
    this.server = server;
    ServerProcess.S3Key key = server.s3Key();
    this.s3 = S3Client.builder().endpointOverride(URI.create(server.s3Url())).region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.id(), key.secret())))
        .httpClientBuilder(ApacheHttpClient.builder().maxConnections(2 * HttpBench.CLIENTS))
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()).addExecutionInterceptor(wire))
        .build();
    s3.createBucket(b -> b.bucket(BUCKET));
  }

  /** The client, described for the report. */
  static String client() {
    return "AWS SDK for Java " + VersionInfo.SDK_VERSION + " S3Client (Apache HTTP client, path-style, default"
        + " checksum settings, no retries)";
  }

  /** What the SDK sent: the payload mode of its PutObject and the checksum headers of both ways. */
  String wire() {
    return wire.toString();
  }

  /** Puts {@code file} ({@code size} bytes) as object {@code key}, streamed from the file; timed as one transfer. */
  HttpLoad.Transfer put(String key, Path file, long size) throws Exception {
    return timed(key, () -> s3.putObject(PutObjectRequest.builder().bucket(BUCKET).key(key).contentLength(size)
        .build(), RequestBody.fromFile(file)));
  }

  /** Gets object {@code key} into a discarding buffer and checks its length; timed as one transfer. */
  HttpLoad.Transfer get(String key, long size) throws Exception {
    long[] got = new long[1];
    HttpLoad.Transfer t = timed(key, () -> {
      try (InputStream in = s3.getObject(GetObjectRequest.builder().bucket(BUCKET).key(key).build())) {
        byte[] buffer = new byte[64 * Sizes.KIB];
        for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
          got[0] += n;
        }
      }
    });
    if (got[0] != size) {
      throw new IOException("GetObject " + key + ": " + got[0] + " of " + size + " bytes");
    }
    return t;
  }

  /** Gets object {@code key} (untimed) and checks its length and SHA-256. */
  void verify(String key, long size, byte[] sha256) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    long length = 0;
    try (InputStream in = s3.getObject(GetObjectRequest.builder().bucket(BUCKET).key(key).build())) {
      byte[] buffer = new byte[256 * Sizes.KIB];
      for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
        length += n;
      }
    }
    byte[] got = digest.digest();
    if (length != size || !MessageDigest.isEqual(got, sha256)) {
      throw new IOException("GetObject " + key + ": " + length + " bytes, SHA-256 " + HexFormat.of().formatHex(got)
          + ", expected " + size + " bytes with " + HexFormat.of().formatHex(sha256));
    }
  }

  void delete(String key) {
    s3.deleteObject(b -> b.bucket(BUCKET).key(key));
  }

  /** 4 KiB (or {@code bytes}) {@code PutObject}s from {@code clients} threads sharing this client's connections. */
  LeanUploads.Result smallPuts(int clients, int bytes, double warmupSeconds, double seconds) throws Exception {
    LeanUploads.Result r = LeanUploads.run(c -> new Putter(bytes), server::cpuSeconds, clients, warmupSeconds,
        seconds);
    server.checkAlive();
    return r;
  }

  /** Gets each object (untimed) and compares it with what was put. */
  void verify(List<LeanUploads.LastFile> objects) throws IOException {
    for (LeanUploads.LastFile o : objects) {
      byte[] got = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(o.id())).asByteArray();
      if (!Arrays.equals(got, o.content())) {
        throw new IOException("object " + o.id() + " did not come back as put: " + got.length + " bytes");
      }
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  /** An SDK call, timed: seconds, this JVM's CPU (the client), the server's, the machine's busy cores. */
  private HttpLoad.Transfer timed(String key, Call call) throws Exception {
    double clientCpu = HttpLoad.ownCpuSeconds();
    double serverCpu = server.cpuSeconds();
    MachineCpu machine = MachineCpu.now();
    long start = System.nanoTime();
    call.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    double machineCores = MachineCpu.now().coresSince(machine);
    double clientUsed = HttpLoad.ownCpuSeconds() - clientCpu;
    double serverUsed = server.cpuSeconds() - serverCpu;
    server.checkAlive();
    return new HttpLoad.Transfer(seconds, clientUsed, serverUsed, machineCores, key);
  }

  private interface Call {
    void run() throws Exception;
  }

  /** One thread's {@code PutObject}s, each a fresh key: an S3 error is a refusal, a client error a broken call. */
  private final class Putter implements LeanUploads.Client {
    private final byte[] content;

    Putter(int bytes) {
      content = new byte[bytes];
    }

    @Override
    public void next(SplittableRandom random) {
      random.nextBytes(content);
    }

    @Override
    public LeanUploads.LastFile send() throws IOException, LeanUploads.Refused {
      String key = "small/" + keys.incrementAndGet();
      try {
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(content));
      } catch (S3Exception e) {
        throw new LeanUploads.Refused("HTTP " + e.statusCode() + ": " + e.awsErrorDetails().errorCode());
      } catch (SdkClientException e) {
        throw new IOException(e.getMessage(), e);
      }
      return new LeanUploads.LastFile(key, content.clone());
    }

    @Override
    public void close() {
      // the connections are the shared client's
    }
  }

  /** Keeps the payload and checksum headers of the last PutObject and GetObject, as sent and as answered. */
  private static final class Wire implements ExecutionInterceptor {
    private volatile String put = "none sent";
    private volatile String get = "none sent";

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
      SdkHttpRequest r = context.httpRequest();
      if (context.request() instanceof PutObjectRequest) {
        put = headers(r, "x-amz-content-sha256", "content-encoding", "x-amz-trailer", "x-amz-sdk-checksum-algorithm");
      } else if (context.request() instanceof GetObjectRequest) {
        get = headers(r, "x-amz-checksum-mode");
      }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
      if (context.request() instanceof GetObjectRequest) {
        List<String> sums = context.httpResponse().headers().keySet().stream()
            .filter(h -> h.toLowerCase(Locale.ROOT).startsWith("x-amz-checksum-")).sorted().toList();
        get += sums.isEmpty() ? ", answered with no x-amz-checksum-* header (nothing to validate)"
            : ", answered with " + String.join(", ", sums) + " (validated)";
      }
    }

    private static String headers(SdkHttpRequest r, String... names) {
      StringBuilder b = new StringBuilder();
      for (String name : names) {
        r.firstMatchingHeader(name).ifPresent(v -> b.append(b.length() == 0 ? "" : ", ").append(name).append(": ")
            .append(v));
      }
      return b.length() == 0 ? "no " + String.join(", ", names) + " header" : b.toString();
    }

    @Override
    public String toString() {
      return "PutObject sent " + put + "; GetObject sent " + get;
    }
  }
}
