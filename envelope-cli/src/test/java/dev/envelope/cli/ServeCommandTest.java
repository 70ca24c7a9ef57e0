package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import dev.envelope.server.SettingKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code envelope serve} in-process, for what ends before it listens (the process IT covers the rest). */
class ServeCommandTest {
  @TempDir
  Path home;

  @Test
  void helpListsEverySettingWithItsFlagVariableAndDefault() {
    CliRunner.Result r = new CliRunner(home, null).run("serve", "--help");
    String help = new String(r.stdout, StandardCharsets.UTF_8);

    assertEquals(0, r.status);
    for (SettingKey s : NodeSettings.ALL) {
      assertTrue(help.contains(s.flag()), s.flag());
      assertTrue(help.contains(s.variable()), s.variable());
      assertTrue(help.contains(s.defaultValue()), s.defaultValue());
    }
    assertTrue(help.contains("--config"), help);
    assertTrue(help.contains("ENVELOPE_CONFIG"), help);
  }

  @Test
  void aBadSettingIsOneLineNamingItsSource() {
    assertEquals("envelope: error: environment variable ENVELOPE_MAX_UPLOAD: 'a lot' is not a size such as 500M,"
        + " 2G or 1048576, or unlimited [invalid-argument]\n", serveStoppedBy("ENVELOPE_MAX_UPLOAD", "a lot"));
  }

  @Test
  void aLogFormatOtherThanTextOrJson_isOneLineNamingItsSource() {
    assertEquals("envelope: error: environment variable ENVELOPE_LOG_FORMAT: 'JSON' is not text or json"
        + " [invalid-argument]\n", serveStoppedBy("ENVELOPE_LOG_FORMAT", "JSON"));
  }

  /** The stderr of {@code serve} with one bad variable, which stops it with status 2. */
  private String serveStoppedBy(String variable, String value) {
    CliRunner runner = new CliRunner(home, Keyrings.newMasterKeyBase64());
    runner.env.put(variable, value);

    CliRunner.Result r = runner.run("serve");

    assertEquals(2, r.status, r.stderr);
    return r.stderr;
  }

  @Test
  void aFlagOverridesTheEnvironment() {
    CliRunner runner = new CliRunner(home, Keyrings.newMasterKeyBase64());
    runner.env.put("ENVELOPE_PORT", "8080");

    CliRunner.Result r = runner.run("serve", "--port", "not-a-port");

    assertEquals(2, r.status);
    assertTrue(r.stderr.startsWith("envelope: error: flag --port: 'not-a-port'"), r.stderr);
  }

  @Test
  void theServerRunsTheSequentialCipher_unlessTheProcessAsksForTheParallelOne() {
    String property = dev.envelope.core.EnvelopeCipher.PARALLEL_PROPERTY;
    String before = System.getProperty(property);
    try {
      System.clearProperty(property);
      ServeCommand.sequentialCipherUnlessAsked();
      assertEquals("off", System.getProperty(property));

      System.setProperty(property, "auto"); // as -Denvelope.cipher.parallel=auto in ENVELOPE_JAVA_OPTS
      ServeCommand.sequentialCipherUnlessAsked();
      assertEquals("auto", System.getProperty(property));
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }
}
