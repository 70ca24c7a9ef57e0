package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.http.HttpLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP server's settings alone, as an application that embeds the server reads them. (The node's settings
 * beside them, from the same sources, are the CLI's: {@code NodeSettingsTest}.)
 */
class ServerSettingsTest {
  @TempDir
  Path dir;

  private final Map<HttpSetting, String> flags = new EnumMap<>(HttpSetting.class);
  private final Map<String, String> env = new HashMap<>();

  @Test
  void withNothingSetTheDefaultsApply_andNoConfigFileIsLookedFor() throws Exception {
    Files.writeString(dir.resolve("envelope.conf"), "port = 1\n");
    env.put("ENVELOPE_HOME", dir.toString());

    ServerSettings s = ServerSettings.resolve(flags, null, env);

    assertEquals("127.0.0.1", s.host());
    assertEquals(8080, s.port(), "an embedded server has no home to look in");
    assertEquals(HttpLimits.defaults(), s.httpLimits());
    assertEquals(BodyLimits.DEFAULTS, s.bodyLimits());
  }

  @Test
  void theMetricsPortIsOffByDefault_andTakesAPortOrOff() throws Exception {
    assertEquals(-1, ServerSettings.resolve(flags, null, env).metricsPort());
    env.put("ENVELOPE_METRICS_PORT", "9100");
    assertEquals(9100, ServerSettings.resolve(flags, null, env).metricsPort());
    flags.put(HttpSetting.METRICS_PORT, "OFF");
    assertEquals(-1, ServerSettings.resolve(flags, null, env).metricsPort());
    flags.put(HttpSetting.METRICS_PORT, "0");
    assertEquals(0, ServerSettings.resolve(flags, null, env).metricsPort());
    flags.put(HttpSetting.METRICS_PORT, "65536");
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> ServerSettings.resolve(flags, null, env));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("--metrics-port"), e.getMessage());
  }

  @Test
  void aFlagBeatsTheEnvironmentWhichBeatsTheNamedFile() throws Exception {
    Path file = Files.writeString(dir.resolve("http.conf"), "port = 1111\nhost = 10.0.0.1\nidle-timeout = 1m\n"
        + "max-json-depth = 5\n");
    env.put("ENVELOPE_PORT", "2222");
    env.put("ENVELOPE_HOST", "10.0.0.2");
    flags.put(HttpSetting.PORT, "3333");

    ServerSettings s = ServerSettings.resolve(flags, file.toString(), env);

    assertEquals(3333, s.port());
    assertEquals("10.0.0.2", s.host());
    assertEquals(Duration.ofMinutes(1), s.httpLimits().idleTimeout());
    assertEquals(5, s.bodyLimits().jsonDepth());
  }

  @Test
  void aNodeSettingInAServerOnlyConfigFile_isUnknown() throws Exception {
    Path file = Files.writeString(dir.resolve("http.conf"), "blob = s3\n");

    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> ServerSettings.resolve(flags, file.toString(), env));

    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("--config " + file + ": unknown setting 'blob'", e.getMessage());
  }

  @Test
  void aBadValueNamesItsSourceAndSetting() {
    env.put("ENVELOPE_MAX_THREADS", "7");

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> ServerSettings.resolve(flags, null, env));

    assertEquals("environment variable ENVELOPE_MAX_THREADS: '7' is not a whole number from 8 to 10000",
        e.getMessage());
  }

  @Test
  void theSharedParsers_readSizesAndDurations_andRefuseTheRest() {
    assertEquals(2048, SettingSources.parseSize("2K").orElseThrow());
    assertEquals(Long.MAX_VALUE, SettingSources.parseSize("unlimited").orElseThrow());
    assertTrue(SettingSources.parseSize("2T").isEmpty());
    assertTrue(SettingSources.parseSize("99999999999G").isEmpty(), "no overflow");
    assertEquals(Duration.ofDays(2), SettingSources.parseDuration("2d").orElseThrow());
    assertTrue(SettingSources.parseDuration("1w").isEmpty());
    assertTrue(SettingSources.parseDuration("-1s").isEmpty());
  }
}
