package dev.envelope.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 stand-in for tests: S3Proxy 4.1 in this JVM on a free loopback port, storing objects as files under a
 * data directory (its {@code filesystem} backend, one directory per bucket), with AWS Signature V4 checked
 * against a random access key and secret made for this fixture.
 *
 * <p>{@link #stop()} closes the port and {@link #restart()} opens the same port over the same data, so tests
 * can take S3 away and give it back under a running store. Everything runs in-process: there is no child
 * process to leak; a shutdown hook stops the server if the JVM exits with the fixture still running.
 *
 * <pre>{@code
 * try (S3ProxyFixture s3 = S3ProxyFixture.start(dir)) {
 *   s3.createBucket("blobs");
 *   S3BlobStore store = S3BlobStore.create(s3.storeConfig("blobs").prefix("envelope/").build());
 * }
 * }</pre>
 */
public final class S3ProxyFixture implements AutoCloseable {
  private static final String REGION = "us-east-1";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int BIND_ATTEMPTS = 50;

  private final Path dataDir;
  private final String accessKey = "AK" + hex(9).toUpperCase(java.util.Locale.ROOT);
  private final String secretKey = hex(20);
  private final Thread shutdownHook = new Thread(this::stopQuietly, "s3proxy-fixture-shutdown");
  private int port;
  private S3Proxy proxy;
  private S3Client client;
  private boolean closed;

  private S3ProxyFixture(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Starts S3Proxy over {@code dataDir} (created if missing; existing buckets in it are served). */
  public static S3ProxyFixture start(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    S3ProxyFixture fixture = new S3ProxyFixture(dataDir.toAbsolutePath());
    fixture.launch(0);
    Runtime.getRuntime().addShutdownHook(fixture.shutdownHook);
    return fixture;
  }

  /** {@code http://127.0.0.1:<port>}; the port stays the same across {@link #restart()}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** The region clients should sign for: {@code us-east-1}. */
  public String region() {
    return REGION;
  }

  /** The directory the objects live in. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * A config builder for {@code bucket} on this stand-in: endpoint, region, path style, credentials, and
   * short timeouts (connect 1 s, requests 5 s) so that a stopped stand-in fails calls fast.
   */
  public S3BlobStoreConfig.Builder storeConfig(String bucket) {
    return S3BlobStoreConfig.builder(bucket).endpoint(endpoint()).region(REGION).pathStyle(true)
        .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(10)).transferTimeout(Duration.ofSeconds(30));
  }

  /** Creates a bucket. */
  public void createBucket(String bucket) {
    client().createBucket(b -> b.bucket(bucket));
  }

  /** A plain SDK client for this stand-in, for setting up and checking what the code under test did. */
  public synchronized S3Client client() {
    if (client == null) {
      client = S3Client.builder()
          .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)))
          .endpointOverride(endpoint())
          .region(Region.of(REGION))
          .forcePathStyle(true)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
          .build();
    }
    return client;
  }

  /**
   * Stops the server at once, like a crash: open connections are cut, responses in progress end short, and
   * the port refuses connections until {@link #restart()}. Idempotent.
   */
  public synchronized void stop() {
    if (proxy == null) {
      return;
    }
    try {
      proxy.stop();
    } catch (Exception e) {
      // Jetty stops its connectors and handlers before it reports what went wrong on the way.
    } finally {
      proxy = null;
    }
  }

  /** Starts the server again on the same port over the same data (stopping it first if it runs). */
  public synchronized void restart() throws IOException {
    if (closed) {
      throw new IllegalStateException("the fixture is closed");
    }
    stop();
    launch(port);
  }

  /** Stops the server and closes the client; the data directory stays. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already
    }
  }

  private synchronized void stopQuietly() {
    if (client != null) {
      client.close();
      client = null;
    }
    try {
      stop();
    } catch (RuntimeException e) {
      // best effort on the way out
    }
  }

  private void launch(int wantedPort) throws IOException {
    Properties properties = new Properties();
    properties.setProperty("jclouds.filesystem.basedir", dataDir.toString());
    Exception last = null;
    // Port 0 picks a free port; a fixed port (restart) may still be held for a moment by the old server.
    for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      S3Proxy candidate = S3Proxy.builder()
          .blobStore(BlobStores.create("filesystem", properties))
          .endpoint(URI.create("http://127.0.0.1:" + wantedPort))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
          .stopTimeout(0) // no graceful wait: stop() is a crash
          .build();
      try {
        candidate.start();
        awaitStarted(candidate);
        proxy = candidate;
        port = candidate.getPort();
        return;
      } catch (Exception e) {
        last = e;
        try {
          candidate.stop();
        } catch (Exception ignored) {
          // it never started
        }
        if (wantedPort == 0) {
          break;
        }
        sleep(100);
      }
    }
    throw new IOException("S3Proxy did not start on port " + wantedPort + ": " + last, last);
  }

  private static void awaitStarted(S3Proxy proxy) throws IOException {
    for (int i = 0; i < 300; i++) {
      String state = proxy.getState();
      if ("STARTED".equals(state)) {
        return;
      }
      if ("FAILED".equals(state)) {
        break;
      }
      sleep(20);
    }
    throw new IOException("S3Proxy did not reach STARTED (state " + proxy.getState() + ")");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted"));
    }
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  @Override
  public String toString() {
    return "S3ProxyFixture[" + endpoint() + ", " + dataDir + "]"; // never the secret
  }
}
