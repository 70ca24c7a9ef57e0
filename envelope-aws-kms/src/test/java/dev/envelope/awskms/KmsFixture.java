package dev.envelope.awskms;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.KeyringConfig;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.keyring.MasterKey;
import dev.envelope.keyserver.AccessKey;
import dev.envelope.keyserver.CredentialStore;
import dev.envelope.keyserver.KeyServer;
import dev.envelope.keyserver.KeyServerSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The AWS KMS stand-in for tests: Envelope's own key server, started in this JVM on a free loopback port over a
 * {@link LocalKeyring} in a temporary home, with one unrestricted access key. It speaks the real KMS API over
 * real HTTP, so the real SDK client and {@link AwsKmsKeyService} talk to it exactly as to AWS.
 *
 * <p>{@link #stop()} and {@link #restart()} take the server down and bring it back on the same port with the
 * same keyring and access key (to test that clients recover). Every request the server handles leaves one JSON
 * line in its audit log; {@link #calls(String)} counts them by operation, which is how benchmarks report KMS
 * calls per upload and per download.
 *
 * <p>{@link #close()} stops the server and deletes the temporary home; a JVM shutdown hook does the same if a
 * test forgets. There is no child process. Thread-safe for the methods that only read; start, stop and
 * restart are for one test thread.
 */
public final class KmsFixture implements AutoCloseable {
  /** The region signatures are scoped to and ARNs name. */
  public static final String REGION = KeyServerSettings.DEFAULT_REGION;
  private static final Pattern OPERATION = Pattern.compile("\"operation\":\"([A-Za-z]+)\"");

  private final Path home;
  private final ManagedKeyService keyring;
  private final AccessKey accessKey;
  private final KeyServerSettings settings;
  private final KmsClient client;
  private final Thread shutdownHook;
  private KeyServer server;
  private boolean closed;

  private KmsFixture(Path home, ManagedKeyService keyring, AccessKey accessKey, KeyServerSettings settings,
      KeyServer server) {
    this.home = home;
    this.keyring = keyring;
    this.accessKey = accessKey;
    this.server = server;
    this.settings = settings.withAddress(KeyServerSettings.DEFAULT_HOST, server.port());
    this.client = KmsClient.builder()
        .endpointOverride(server.endpoint())
        .region(Region.of(REGION))
        .credentialsProvider(credentialsProvider())
        .httpClientBuilder(ApacheHttpClient.builder())
        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
    this.shutdownHook = new Thread(this::closeQuietly, "kms-fixture-cleanup");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a key server over a fresh keyring in a new temporary directory. */
  public static KmsFixture start() throws Exception {
    Path home = Files.createTempDirectory("envelope-kms-");
    try {
      byte[] master = new byte[32];
      new SecureRandom().nextBytes(master);
      PrintStream silent = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      ManagedKeyService keyring = LocalKeyring.open(KeyringConfig.builder(home)
          .masterKey(MasterKey.fromBase64(Base64.getEncoder().encodeToString(master), "test")).build(), silent);
      KeyServerSettings settings = KeyServerSettings.defaults(home.resolve("keyserver"))
          .withAddress(KeyServerSettings.DEFAULT_HOST, 0);
      AccessKey accessKey = CredentialStore.at(settings.credentialsFile()).create("tests", Set.of(), Set.of());
      KeyServer server = KeyServer.start(settings, keyring);
      return new KmsFixture(home, keyring, accessKey, settings, server);
    } catch (Exception | Error e) {
      deleteTree(home);
      throw e;
    }
  }

  /** The server's URL, stable across {@link #restart()}. */
  public URI endpoint() {
    return URI.create("http://" + settings.host() + ":" + settings.port());
  }

  public String accessKeyId() {
    return accessKey.id();
  }

  /** The secret access key: for clients only, never for a log or a message. */
  public String secretKey() {
    return accessKey.secret();
  }

  public String region() {
    return REGION;
  }

  /** The fixture's credentials, as a provider. */
  public StaticCredentialsProvider credentialsProvider() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey.id(), accessKey.secret()));
  }

  /** An administrative client of the server (no retries: one call is one request); closed by {@link #close()}. */
  public KmsClient client() {
    return client;
  }

  /** Creates a symmetric root key and returns its ARN. */
  public String createKey() {
    return client.createKey(r -> r.description("test key")).keyMetadata().arn();
  }

  /** Creates {@code alias} ({@code alias/name}) for {@code keyId} (an id or ARN). */
  public void createAlias(String alias, String keyId) {
    client.createAlias(r -> r.aliasName(alias).targetKeyId(keyId));
  }

  /** A configuration of {@link AwsKmsKeyService} for this server with the default retries and timeouts. */
  public AwsKmsConfig config() {
    return AwsKmsConfig.builder().endpoint(endpoint()).region(REGION).credentials(credentialsProvider()).build();
  }

  /** Stops the server (connections are refused until {@link #restart()}). Idempotent. */
  public synchronized void stop() throws IOException {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  /** Starts the server again, on the same port, over the same keyring and access keys. */
  public synchronized void restart() throws IOException {
    if (closed) {
      throw new IllegalStateException("the fixture is closed");
    }
    stop();
    try {
      server = KeyServer.start(settings, keyring);
    } catch (EnvelopeException e) { // the fixture's own files: only a broken fixture gets here
      throw new IOException(e.getMessage(), e);
    }
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  /** How many requests for {@code operation} ({@code GenerateDataKey}, {@code Decrypt}, ...) the server handled. */
  public long calls(String operation) {
    return auditOperations().stream().filter(operation::equals).count();
  }

  public long generateDataKeyCalls() {
    return calls("GenerateDataKey");
  }

  public long decryptCalls() {
    return calls("Decrypt");
  }

  /** Every request the server handled, by operation name, oldest first (refused ones too). */
  public List<String> auditOperations() {
    Path log = settings.auditLogFile();
    if (!Files.exists(log)) {
      return List.of();
    }
    try (Stream<String> lines = Files.lines(log)) {
      return lines.map(line -> {
        Matcher m = OPERATION.matcher(line);
        return m.find() ? m.group(1) : "";
      }).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the server, closes the client and deletes the temporary home. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      client.close();
      stop();
    } finally {
      deleteTree(home);
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running this
      }
    }
  }

  @Override
  public String toString() {
    return "KmsFixture[" + endpoint() + ", access key " + accessKey.id() + "]";
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException | RuntimeException e) {
      // shutting down anyway
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
