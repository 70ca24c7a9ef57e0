package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import dev.envelope.pkcs11.SoftHsmToken;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code envelope keyserver}: access keys managed from the command line, and the server it starts. */
class KeyserverCommandTest {
  @TempDir
  Path home;
  final String master = Keyrings.newMasterKeyBase64();

  private CliRunner cli() {
    return new CliRunner(home, master);
  }

  @Test
  void credentialsCreatePrintsTheIdAndSecretOnceAndListShowsOnlyTheId() throws Exception {
    CliRunner.Result created = cli().run("keyserver", "credentials", "create", "--name", "ci");
    assertEquals(0, created.status, created.toString());
    Matcher id = Pattern.compile("access key id: +(ENVK[A-Z2-7]{16})").matcher(created.out());
    Matcher secret = Pattern.compile("secret access key: +(\\S{40})").matcher(created.out());
    assertTrue(id.find() && secret.find(), created.out());
    Path file = home.resolve("keyserver/credentials.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

    CliRunner.Result listed = cli().run("keyserver", "credentials", "list");
    assertEquals(0, listed.status);
    assertTrue(listed.out().contains(id.group(1)) && listed.out().contains("ci"), listed.out());
    assertFalse(listed.out().contains(secret.group(1)), "list shows no secret");

    assertEquals(0, cli().run("keyserver", "credentials", "revoke", id.group(1)).status);
    assertFalse(cli().run("keyserver", "credentials", "list").out().contains(id.group(1)));
    CliRunner.Result again = cli().run("keyserver", "credentials", "revoke", id.group(1));
    assertEquals(5, again.status);
    assertTrue(again.stderr.contains("[key-not-found]"), again.stderr);
  }

  @Test
  void aCredentialsFileOthersMayRead_isRefusedWithStatus19AndOneLine() throws Exception {
    assertEquals(0, cli().run("keyserver", "credentials", "create").status);
    Path file = home.resolve("keyserver/credentials.json");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    CliRunner.Result listed = cli().run("keyserver", "credentials", "list");
    assertEquals(19, listed.status, listed.toString());
    assertEquals("envelope: error: refusing to use the key server credentials file " + file + ": it holds a secret"
        + " and group or others may read it (mode 0644); make it owner-only: chmod 600 " + file.toRealPath()
        + " [insecure-file]\n", listed.stderr);
  }

  @Test
  void anUnknownOperationInAnAllowListIsRefused() {
    CliRunner.Result result = cli().run("keyserver", "credentials", "create", "--allow-operation", "Sign");
    assertEquals(2, result.status);
    assertTrue(result.stderr.contains("unknown operation 'Sign'"), result.stderr);
  }

  @Test
  void badServerOptionsAreInvalidArguments() {
    assertEquals(2, cli().run("keyserver", "--keys", "vault").status);
    assertEquals(2, cli().run("keyserver", "--region", "Mars").status);
    assertEquals(2, cli().run("keyserver", "--account", "12").status);
  }

  @Test
  void theServerAnswersKmsRequestsUntilItsThreadIsInterrupted() throws Exception {
    assertEquals(0, cli().run("keys", "create").status); // a keyring to serve
    CliRunner runner = cli();
    assertTrue(serveAndProbe(runner, "--port", "0").contains("keys: local"));
    assertTrue(Files.exists(home.resolve("keyserver/audit.log")));
  }

  @Test
  void theServerRunsOverTheHsmWithKeysPkcs11() throws Exception {
    CliRunner runner = cli();
    runner.env.putAll(SoftHsmToken.environment(SoftHsmToken.CLI));
    assertTrue(serveAndProbe(runner, "--port", "0", "--keys", "pkcs11").contains("keys: pkcs11"));
  }

  /** Serves in a thread, checks an unsigned request is refused in KMS terms, stops; returns stderr. */
  private static String serveAndProbe(CliRunner runner, String... options) throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    AtomicInteger status = new AtomicInteger(-1);
    Cli cli = new Cli(runner.env, new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String[] args = new String[options.length + 1];
    args[0] = "keyserver";
    System.arraycopy(options, 0, args, 1, options.length);
    Thread serving = new Thread(() -> status.set(cli.run(args)));
    serving.start();
    Matcher endpoint = Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+)").matcher("");
    for (int i = 0; i < 300 && serving.isAlive() && !endpoint.reset(err.toString(StandardCharsets.UTF_8)).find(); i++) {
      Thread.sleep(50);
    }
    String log = err.toString(StandardCharsets.UTF_8);
    assertTrue(endpoint.reset(log).find(), log);
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(endpoint.group(1) + "/")).header("X-Amz-Target", "TrentService.ListKeys")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, response.statusCode());
    assertTrue(response.body().contains("MissingAuthenticationTokenException"), response.body());
    serving.interrupt();
    serving.join(10_000);
    assertEquals(0, status.get(), log);
    return log;
  }
}
