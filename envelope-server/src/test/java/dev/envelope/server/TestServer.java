package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.http.HttpLimits;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.BlobStore;
import dev.envelope.service.FileService;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.local.LocalStores;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A real server on a random port over a keyring and stores in a temporary home, with a real HTTP client and
 * tokens of each role. Small segments (4 KiB) put segment boundaries where tests can afford to cross them.
 */
final class TestServer implements AutoCloseable {
  static final int SEGMENT = 4096;
  /** Plaintext bytes in the first segment (the stream header takes 40) and in each later one. */
  static final int FIRST_SEGMENT_PLAINTEXT = SEGMENT - 16 - 40;
  static final int SEGMENT_PLAINTEXT = SEGMENT - 16;
  /**
   * The default bounds, but a failure budget no test reaches by accident: many tests send bad tokens on
   * purpose, all from 127.0.0.1. Tests of the throttle set their own.
   */
  static final HttpLimits LIMITS = HttpLimits.defaults().withAuthFailuresPerMinute(1_000_000);

  final Path home;
  final ManagedKeyService keyring;
  final LocalStores stores;
  /** The file service's blob store: the real one, with a hook to run something just before a read. */
  final InterleavingBlobStore interleaving;
  final FileService files;
  final AccessTokens tokens;
  final EnvelopeServer server;
  final ServerMetrics metrics = new ServerMetrics();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final String operator;
  final String admin;
  final String writer;
  final String reader;

  private TestServer(long maxUpload, Consumer<EnvelopeServer.Builder> configure) throws Exception {
    this(maxUpload, null, configure);
  }

  private TestServer(long maxUpload, dev.envelope.service.DataKeyCache.Limits dataKeyCache,
      Consumer<EnvelopeServer.Builder> configure) throws Exception {
    this(maxUpload, dataKeyCache, configure, null);
  }

  private TestServer(long maxUpload, dev.envelope.service.DataKeyCache.Limits dataKeyCache,
      Consumer<EnvelopeServer.Builder> configure, java.util.concurrent.CountDownLatch readyGate) throws Exception {
    home = Files.createTempDirectory("envelope-server-test");
    keyring = Keyrings.open(home, Keyrings.newMasterKeyBase64());
    keyring.createAlias("envelope-files", keyring.createKey("file service").id());
    stores = LocalStores.open(home);
    interleaving = new InterleavingBlobStore(stores.blobs());
    interleaving.readyGate = readyGate;
    files = FileService.builder().keyService(keyring, "envelope-files").blobStore(interleaving)
        .metadataStore(metadata()).tenantStore(stores.metadata()).linkStore(stores.links())
        .bucketStore(stores.metadata())
        .segmentSize(SEGMENT).maxUploadBytes(maxUpload).dataKeyCache(dataKeyCache)
        .observer(metrics.serviceObserver()).build();
    tokens = new AccessTokens(stores.tokens(), stores.metadata(), Clock.systemUTC());
    EnvelopeServer.Builder builder = EnvelopeServer.builder(files, tokens).listen("127.0.0.1", 0).limits(LIMITS).metrics(metrics)
        .links(stores.links())
        .tenants(new dev.envelope.service.TenantAdmin(files, stores.tokens(), keyring));
    if (withS3) {
      builder.s3(new EnvelopeServer.S3Settings(0, "us-east-1", S3_DOMAIN.get(), new dev.envelope.service.S3Objects(
          files, stores.metadata(), Clock.systemUTC()), s3Credentials()));
    }
    configure.accept(builder);
    server = builder.build().start();
    operator = token("default", Role.OPERATOR);
    admin = token("default", Role.ADMIN);
    writer = token("default", Role.WRITE);
    reader = token("default", Role.READ);
  }

  /** Set by {@link #withS3()} for the constructor: the server serves the S3 API too, on a free port. */
  private static final ThreadLocal<Boolean> S3 = ThreadLocal.withInitial(() -> false);
  private static final ThreadLocal<String> S3_DOMAIN = new ThreadLocal<>();
  private final boolean withS3 = S3.get();

  /** A server with the S3 API on a free port too. */
  static TestServer withS3() throws Exception {
    return withS3(null);
  }

  /** A server with the S3 API on a free port too, serving virtual-hosted-style requests of {@code domain}. */
  static TestServer withS3(String domain) throws Exception {
    S3.set(true);
    S3_DOMAIN.set(domain);
    try {
      return new TestServer(Long.MAX_VALUE, b -> {});
    } finally {
      S3.set(false);
      S3_DOMAIN.remove();
    }
  }

  /** The S3 credentials of this server's stores. */
  dev.envelope.service.S3Credentials s3Credentials() {
    return new dev.envelope.service.S3Credentials(files, stores.metadata(), Clock.systemUTC());
  }

  static TestServer start() throws Exception {
    return new TestServer(Long.MAX_VALUE, b -> {});
  }

  static TestServer configured(Consumer<EnvelopeServer.Builder> configure) throws Exception {
    return new TestServer(Long.MAX_VALUE, configure);
  }

  /** A server with the data-key cache on ({@code AGE,FILES,BYTES}, as {@code --data-key-cache}). */
  static TestServer withDataKeyCache(String limits) throws Exception {
    return new TestServer(Long.MAX_VALUE, dev.envelope.service.DataKeyCache.Limits.parse(limits), b -> {});
  }

  /** A server whose readiness checks hang (its blob store's) until {@code gate} opens, from its start on. */
  static TestServer withHangingReadiness(java.util.concurrent.CountDownLatch gate) throws Exception {
    return new TestServer(Long.MAX_VALUE, null, b -> {}, gate);
  }

  static TestServer withMaxUpload(long bytes) throws Exception {
    return new TestServer(bytes, b -> {});
  }

  BlobStore blobs() {
    return stores.blobs();
  }

  MetadataStore metadata() {
    return stores.metadata();
  }

  /** Rows of tenant {@code default}. */
  int fileCount() throws EnvelopeException {
    return metadata().list("default", null, MetadataStore.MAX_PAGE).files().size();
  }

  /** Blobs of every tenant. */
  int blobCount() throws IOException {
    return blobs().list(null, 10_000).size();
  }

  /**
   * Waits until some file under the blob directory (a blob, or one being written) holds at least {@code bytes},
   * for at most 20 s (less than Jetty's 30 s idle timeout, so a client holding its body back meanwhile is not
   * cut off); the size of the largest one then.
   */
  long awaitBlobFileOf(long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    long largest;
    while ((largest = largestBlobFile()) < bytes && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return largest;
  }

  private long largestBlobFile() {
    // A file can be renamed or removed while we look: it then counts as empty, or this look as finding none.
    try (Stream<Path> files = Files.walk(home.resolve(LocalStores.BLOBS))) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).max().orElse(0);
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  String token(String tenant, Role role) throws EnvelopeException {
    return tokens.create(Principal.localOperator(), tenant, role, "test").token();
  }

  URI uri(String path) {
    return URI.create(server.url() + path);
  }

  /** A request to {@code path} with {@code token} (none when null). */
  HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofMinutes(2));
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<byte[]> sendBytes(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  @Override
  public void close() throws IOException {
    server.stop();
    if (files.dataKeyCache() != null) {
      files.dataKeyCache().close();
    }
    stores.close();
    try (Stream<Path> walk = Files.walk(home)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
