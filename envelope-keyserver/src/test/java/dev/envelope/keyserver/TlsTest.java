package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.envelope.keyring.Keyrings;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Set;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/** With a PKCS#12 key store the key server speaks HTTPS only, and the SDK talks to it when it trusts the cert. */
class TlsTest {
  @TempDir
  Path home;

  @Test
  void theSdkTalksToTheKeyServerOverHttpsAndPlainHttpIsNotServed() throws Exception {
    Path keyStore = home.resolve("server.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "keyserver", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    assertEquals(0, keytool.waitFor(), new String(keytool.getInputStream().readAllBytes()));

    KeyServerSettings settings = KeyServerSettings.defaults(home.resolve("keyserver")).withAddress("127.0.0.1", 0)
        .withTls(new KeyServerSettings.Tls(keyStore, "changeit"));
    AccessKey key = CredentialStore.at(settings.credentialsFile()).create("tls", Set.of(), Set.of());
    try (KeyServer server = KeyServer.start(settings, Keyrings.open(home, Keyrings.newMasterKeyBase64()))) {
      assertEquals("https", server.endpoint().getScheme());
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keyStore)) {
        trusted.load(in, "changeit".toCharArray());
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      try (KmsClient kms = KmsClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.id(), key.secret())))
          .httpClient(UrlConnectionHttpClient.builder().tlsTrustManagersProvider(trust::getTrustManagers).build())
          .build()) {
        String id = kms.createKey(b -> b.description("over tls")).keyMetadata().keyId();
        assertEquals(List.of(id), kms.listKeys().keys().stream().map(k -> k.keyId()).toList());
      }
      URI plain = URI.create("http://127.0.0.1:" + server.port() + "/");
      HttpResponse<String> response = null;
      try {
        response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(plain)
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      } catch (java.io.IOException refused) {
        return; // plain HTTP on the TLS port is not spoken at all: good
      }
      assertEquals(400, response.statusCode(), "Jetty's answer to plain HTTP on a TLS port");
    }
  }
}
