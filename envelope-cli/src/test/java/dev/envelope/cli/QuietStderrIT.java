package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.core.testing.FileModes;
import dev.envelope.keyring.Keyrings;
import dev.envelope.postgres.PostgresFixture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees on stderr when the real command fails to start, or succeeds on PostgreSQL: Envelope's own line
 * and nothing around it (no Javalin, Jetty or HikariCP log lines). The shaded jar as a process, so the logging
 * configuration it ships is the one under test.
 */
class QuietStderrIT {
  private static final Pattern TOKEN = Pattern.compile("env1\\.[a-z2-7]{16}\\.[A-Za-z0-9_-]{43}\n");

  @TempDir
  Path dir;

  @Test
  void serveOnAPortInUse_saysOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      CliRunner.Result r = EnvelopeJar.exec(Map.of("ENVELOPE_HOME", dir.resolve("home").toString(),
          "ENVELOPE_MASTER_KEY", Keyrings.newMasterKeyBase64()), dir, new byte[0], "serve", "--port", "" + port);

      assertEquals(18, r.status, r.toString());
      assertEquals("envelope: error: cannot listen on 127.0.0.1:" + port + " (Address already in use) [unavailable]\n",
          r.stderr);
    }
  }

  @Test
  void keyserverWithAWrongKeyStorePassword_saysSoInOneLine_withTheConfiguredPort() throws Exception {
    Path keyStore = dir.resolve("tls.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "tls", "-keyalg", "EC", "-dname", "CN=localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "the-right-one")
        .redirectErrorStream(true).start();
    keytool.getInputStream().readAllBytes();
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool");
    Map<String, String> env = Map.of("ENVELOPE_HOME", dir.resolve("home").toString(),
        "ENVELOPE_MASTER_KEY", Keyrings.newMasterKeyBase64(), "ENVELOPE_KEYSERVER_TLS_PASSWORD", "a-wrong-one");

    CliRunner.Result r = EnvelopeJar.exec(env, dir, new byte[0], "keyserver", "--port", "18431",
        "--tls-keystore", keyStore.toString());

    assertEquals(2, r.status, r.toString());
    assertEquals("envelope: error: cannot serve HTTPS on 127.0.0.1:18431: cannot open the TLS key store " + keyStore
        + ": keystore password was incorrect (a PKCS#12 file; its password comes from"
        + " ENVELOPE_KEYSERVER_TLS_PASSWORD) [invalid-argument]\n", r.stderr);
  }

  @Test
  void keyserverOnAPortInUse_saysOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      CliRunner.Result r = EnvelopeJar.exec(Map.of("ENVELOPE_HOME", dir.resolve("home").toString(),
          "ENVELOPE_MASTER_KEY", Keyrings.newMasterKeyBase64()), dir, new byte[0], "keyserver", "--port", "" + port);

      assertEquals(3, r.status, r.toString());
      assertEquals("envelope: error: I/O error: cannot listen on 127.0.0.1:" + port + ": Failed to bind to /127.0.0.1:"
          + port + " [io]\n", r.stderr);
    }
  }

  @Test
  void tokensCreateOnPostgres_printsTheTokenAndNothingElse() throws Exception {
    try (PostgresFixture postgres = PostgresFixture.start(Files.createDirectories(dir.resolve("pg")))) {
      String database = postgres.createDatabase();
      Path password = FileModes.set(Files.writeString(dir.resolve("pg-password"), postgres.password()), "rw-------");
      Path config = Files.writeString(dir.resolve("envelope.conf"), "metadata = postgres\n"
          + "postgres-url = " + postgres.jdbcUrl(database) + "\n"
          + "postgres-user = " + postgres.user() + "\n"
          + "postgres-password-file = " + password + "\n");
      Map<String, String> env = Map.of("ENVELOPE_HOME", dir.resolve("home").toString());

      CliRunner.Result r = EnvelopeJar.exec(env, dir, new byte[0], "tokens", "create", "--config", config.toString(),
          "--tenant", "default", "--role", "read");

      assertEquals(0, r.status, r.toString());
      assertEquals("", r.stderr);
      assertTrue(TOKEN.matcher(r.out()).matches(), r.out());
    }
  }
}
