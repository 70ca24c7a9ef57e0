package dev.envelope.keyserver;

import dev.envelope.core.ManagedKeyService;
import dev.envelope.http.HttpLimits;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * A real key server on a random loopback port over a real {@link LocalKeyring} in a temporary home, with one
 * unrestricted access key, and the AWS SDK's {@link KmsClient} pointed at it.
 */
final class KeyServerFixture implements AutoCloseable {
  final Path home;
  final ManagedKeyService keyring;
  final CredentialStore credentials;
  final AccessKey accessKey;
  final KeyServer server;
  final KmsClient kms;

  private KeyServerFixture(Path home, ManagedKeyService keyring, CredentialStore credentials, AccessKey accessKey,
      KeyServer server) {
    this.home = home;
    this.keyring = keyring;
    this.credentials = credentials;
    this.accessKey = accessKey;
    this.server = server;
    this.kms = client(accessKey.id(), accessKey.secret());
  }

  static KeyServerFixture start(Path home) throws Exception {
    return start(home, Clock.systemUTC());
  }

  static KeyServerFixture start(Path home, Clock serverClock) throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, Keyrings.newMasterKeyBase64());
    return start(home, keyring, serverClock);
  }

  /**
   * The default bounds, but a failure budget no test reaches by accident: many tests sign badly on purpose, all
   * from 127.0.0.1. Tests of the throttle set their own.
   */
  static final HttpLimits LIMITS = HttpLimits.defaults().withAuthFailuresPerMinute(1_000_000);

  static KeyServerFixture start(Path home, ManagedKeyService keys, Clock serverClock) throws Exception {
    return start(home, keys, serverClock, LIMITS);
  }

  static KeyServerFixture start(Path home, ManagedKeyService keys, Clock serverClock, HttpLimits limits)
      throws Exception {
    KeyServerSettings settings = KeyServerSettings.defaults(home.resolve("keyserver")).withAddress("127.0.0.1", 0)
        .withLimits(limits);
    CredentialStore credentials = CredentialStore.at(settings.credentialsFile());
    AccessKey accessKey = credentials.create("tests", Set.of(), Set.of());
    KeyServer server = KeyServer.start(settings, keys, serverClock);
    return new KeyServerFixture(home, LocalKeyring.NAME.equals(keys.name()) ? keys : null, credentials, accessKey, server);
  }

  URI endpoint() {
    return server.endpoint();
  }

  /** A client of this server signing with the given pair; no retries, so each call is one request. */
  KmsClient client(String accessKeyId, String secret) {
    return KmsClient.builder()
        .endpointOverride(server.endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secret)))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(c -> c.retryPolicy(RetryPolicy.none()))
        .build();
  }

  List<String> auditLines() throws IOException {
    return Files.readAllLines(home.resolve("keyserver").resolve("audit.log"));
  }

  String auditText() throws IOException {
    return Files.readString(home.resolve("keyserver").resolve("audit.log"));
  }

  @Override
  public void close() throws IOException {
    kms.close();
    server.close();
  }
}
