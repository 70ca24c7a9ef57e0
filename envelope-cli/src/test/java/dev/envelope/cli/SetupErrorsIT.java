package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out set-up mistakes, as a user makes them, through the shaded jar as a process: each says its real cause
 * in one line, and a mistake of the settings exits as one ({@code invalid-argument}, 2), not as an outage a
 * retry could fix.
 */
class SetupErrorsIT {
  @TempDir
  Path dir;

  private Map<String, String> awsKms(String endpoint, String profile) throws Exception {
    Path credentials = Files.writeString(dir.resolve("aws-credentials"),
        "[keys]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = not-a-real-secret\n");
    Map<String, String> env = new HashMap<>();
    env.put("AWS_SHARED_CREDENTIALS_FILE", credentials.toString());
    env.put("AWS_CONFIG_FILE", dir.resolve("aws-config-none").toString());
    env.put("ENVELOPE_HOME", dir.resolve("home").toString());
    env.put("ENVELOPE_MASTER_KEY", Keyrings.newMasterKeyBase64());
    env.put("ENVELOPE_AWS_REGION", "us-east-1");
    env.put("ENVELOPE_KEYS", "aws-kms");
    env.put("ENVELOPE_KMS_ENDPOINT", endpoint);
    env.put("ENVELOPE_KMS_PROFILE", profile);
    env.put("ENVELOPE_ROOT_KEY", "alias/files");
    return env;
  }

  @Test
  void aKmsProfileThatDoesNotExist_isASettingsMistake_namedAsSuch() throws Exception {
    CliRunner.Result r = EnvelopeJar.exec(awsKms("http://127.0.0.1:9", "nosuch"), dir, new byte[0], "serve",
        "--port", "0");

    assertEquals(2, r.status, r.toString());
    assertEquals("envelope: error: environment variable ENVELOPE_KMS_PROFILE: there is no AWS profile 'nosuch' in the"
        + " shared credentials or config file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; AWS_CONFIG_FILE,"
        + " else ~/.aws/config) [invalid-argument]\n", r.stderr);
  }

  @Test
  void aKeyServerWhoseCertificateIsNotTrusted_saysSo_notThatItDidNotAnswer() throws Exception {
    Path keyStore = dir.resolve("tls.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "tls", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "pass-word")
        .redirectErrorStream(true).start();
    keytool.getInputStream().readAllBytes();
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool");
    Map<String, String> keyHost = Map.of("ENVELOPE_HOME", dir.resolve("keyhost").toString(),
        "ENVELOPE_MASTER_KEY", Keyrings.newMasterKeyBase64(), "ENVELOPE_KEYSERVER_TLS_PASSWORD", "pass-word");
    int port = freePort();
    Process keyserver = EnvelopeJar.start(keyHost, dir, "keyserver", "--port", Integer.toString(port),
        "--tls-keystore", keyStore.toString());
    try {
      EnvelopeJar.awaitListening(keyserver, port);
      // The node does not trust the key server's self-signed certificate: no trust store given.
      CliRunner.Result r = EnvelopeJar.exec(awsKms("https://127.0.0.1:" + port, "keys"), dir, new byte[0],
          "serve", "--port", "0");

      assertTrue(r.status != 0, r.toString());
      assertTrue(r.stderr.contains("its TLS certificate is not trusted by this JVM"), r.stderr);
      assertTrue(r.stderr.contains("-Djavax.net.ssl.trustStore="), r.stderr);
      assertTrue(!r.stderr.contains("did not answer"), r.stderr);
      assertEquals(1, r.stderr.strip().lines().filter(l -> !l.startsWith("envelope: WARNING")).count(), r.stderr);
    } finally {
      keyserver.destroy();
      keyserver.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
