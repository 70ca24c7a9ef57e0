package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.http.HttpLimits;
import dev.envelope.server.BodyLimits;
import dev.envelope.server.HttpSetting;
import dev.envelope.server.SettingKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The settings of a node and of its HTTP server, from one set of sources. */
class NodeSettingsTest {
  @TempDir
  Path dir;

  private final Map<SettingKey, String> flags = new HashMap<>();
  private final Map<String, String> env = new HashMap<>();

  private NodeSettings resolve(String configFlag) throws EnvelopeException {
    return NodeSettings.resolve(flags, configFlag, env);
  }

  private Path config(String text) throws Exception {
    return Files.writeString(dir.resolve("envelope.conf"), text);
  }

  @Test
  void withNothingSetTheDefaultsApply() throws Exception {
    env.put("ENVELOPE_HOME", dir.resolve("empty").toString());

    NodeSettings s = resolve(null);

    assertEquals("127.0.0.1", s.http().host());
    assertEquals(8080, s.http().port());
    assertEquals(Long.MAX_VALUE, s.maxUploadBytes());
    assertEquals("envelope-files", s.rootKey());
    assertEquals(Duration.ofHours(1), s.orphanGrace());
    assertEquals(Duration.ofMinutes(10), s.sweepInterval());
    assertEquals(HttpLimits.defaults(), s.http().httpLimits(), "every bound's default is the guards' own");
    assertEquals(BodyLimits.DEFAULTS, s.http().bodyLimits());
    assertTrue(s.configFile().isEmpty());
    assertEquals(Path.of("./envelope-data"), NodeSettings.resolve(Map.of(), null, Map.of()).home());
  }

  @Test
  void theAuditLogTimeout_isTenSecondsUnlessSet_andBounded() throws Exception {
    env.put("ENVELOPE_HOME", dir.resolve("empty").toString());
    assertEquals(Duration.ofSeconds(10), AuditSettings.from(resolve(null)).timeout());

    env.put("ENVELOPE_AUDIT_LOG_TIMEOUT", "3s");
    assertEquals(Duration.ofSeconds(3), AuditSettings.from(resolve(null)).timeout());

    env.put("ENVELOPE_AUDIT_LOG_TIMEOUT", "1h");
    assertThrows(dev.envelope.api.EnvelopeException.class, () -> AuditSettings.from(resolve(null)));
  }

  @Test
  void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws Exception {
    Path file = config("port = 1111\nhost = 10.0.0.1\nmax-upload = 1K\nroot-key = from-file\n");
    env.put("ENVELOPE_PORT", "2222");
    env.put("ENVELOPE_HOST", "10.0.0.2");
    flags.put(HttpSetting.PORT, "3333");

    NodeSettings s = resolve(file.toString());

    assertEquals(3333, s.http().port(), "flag over environment and file");
    assertEquals("10.0.0.2", s.http().host(), "environment over file");
    assertEquals(1024, s.maxUploadBytes(), "file over default");
    assertEquals("from-file", s.rootKey());
    assertEquals(Duration.ofSeconds(30), s.http().httpLimits().idleTimeout(), "default when no source has it");
    assertEquals(file, s.configFile().orElseThrow());
  }

  @Test
  void theConfigFileInTheHomeIsReadWhenNoneIsNamed() throws Exception {
    config("port=4444\n");
    env.put("ENVELOPE_HOME", dir.toString());

    assertEquals(4444, resolve(null).http().port());
  }

  @Test
  void aConfigFlagBeatsTheConfigVariable() throws Exception {
    Path flagged = Files.writeString(dir.resolve("a.conf"), "port=1\n");
    Path variable = Files.writeString(dir.resolve("b.conf"), "port=2\n");
    env.put("ENVELOPE_CONFIG", variable.toString());

    assertEquals(2, resolve(null).http().port());
    assertEquals(1, resolve(flagged.toString()).http().port());
  }

  @ParameterizedTest
  @CsvSource({"0, 0", "1, 1", "1K, 1024", "2k, 2048", "5M, 5242880", "2G, 2147483648", "unlimited, 9223372036854775807"})
  void sizesTakeSuffixes(String text, long bytes) throws Exception {
    env.put("ENVELOPE_MAX_UPLOAD", text);

    assertEquals(bytes, resolve(null).maxUploadBytes());
  }

  @ParameterizedTest
  @CsvSource({"500ms, 500", "90s, 90000", "10m, 600000", "1h, 3600000", "2d, 172800000"})
  void durationsTakeUnits(String text, long millis) throws Exception {
    flags.put(HttpSetting.IDLE_TIMEOUT, text);

    assertEquals(Duration.ofMillis(millis), resolve(null).http().httpLimits().idleTimeout());
  }

  @Test
  void aBadValueNamesItsSourceAndSetting() throws Exception {
    env.put("ENVELOPE_PORT", "eighty");
    EnvelopeException fromEnv = assertThrows(EnvelopeException.class, () -> resolve(null));
    env.remove("ENVELOPE_PORT");
    flags.put(Setting.MAX_UPLOAD, "lots");
    EnvelopeException fromFlag = assertThrows(EnvelopeException.class, () -> resolve(null));
    flags.clear();
    Path file = config("sweep-interval = 0s\n");
    EnvelopeException fromFile = assertThrows(EnvelopeException.class, () -> resolve(file.toString()));

    assertEquals(ErrorCode.INVALID_ARGUMENT, fromEnv.code());
    assertEquals("environment variable ENVELOPE_PORT: 'eighty' is not a port number from 0 to 65535",
        fromEnv.getMessage());
    assertTrue(fromFlag.getMessage().startsWith("flag --max-upload: 'lots' is not a size"), fromFlag.getMessage());
    assertTrue(fromFile.getMessage().startsWith("config file " + file + ", setting sweep-interval: '0s'"),
        fromFile.getMessage());
  }

  /** Found by ServerSettingsFuzzTest: Path.of threw InvalidPathException, which the CLI reports as a bug. */
  @Test
  void aHomeThatIsNoPathIsABadValueNamingTheConfigFile() throws Exception {
    Path file = config("home = /srv/env\u0000elope\n");

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> resolve(file.toString()));

    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().startsWith("config file " + file + ", setting home: '/srv/env\u0000elope' is not a path"),
        e.getMessage());
  }

  @Test
  void sweepIntervalOff_isZero() throws Exception {
    env.put("ENVELOPE_SWEEP_INTERVAL", "off");
    assertEquals(Duration.ZERO, resolve(null).sweepInterval());
    env.put("ENVELOPE_SWEEP_INTERVAL", "OFF");
    assertEquals(Duration.ZERO, resolve(null).sweepInterval());
  }

  @ParameterizedTest
  @CsvSource({"ENVELOPE_PORT, 65536", "ENVELOPE_PORT, -1", "ENVELOPE_MAX_UPLOAD, 99999999999G",
      "ENVELOPE_IDLE_TIMEOUT, 30", "ENVELOPE_ORPHAN_GRACE, 1w", "ENVELOPE_SWEEP_INTERVAL, 0m", "ENVELOPE_HOST, ' '"})
  void outOfRangeValuesAreRefused(String variable, String value) {
    env.put(variable, value);

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> resolve(null));
    assertTrue(e.getMessage().startsWith("environment variable " + variable), e.getMessage());
  }

  @Test
  void aNamedConfigFileThatIsMissingOrHasUnknownKeysIsAnError() throws Exception {
    EnvelopeException missing = assertThrows(EnvelopeException.class,
        () -> resolve(dir.resolve("nope.conf").toString()));
    Path typo = config("prot = 80\n");
    EnvelopeException unknown = assertThrows(EnvelopeException.class, () -> resolve(typo.toString()));

    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    assertTrue(unknown.getMessage().endsWith("unknown setting 'prot'"), unknown.getMessage());
  }

  @Test
  void theHelpNamesEverySettingAndTheSourceOrder() {
    String help = NodeSettings.help();

    for (SettingKey s : NodeSettings.ALL) {
      assertTrue(help.contains(s.key()), s.key());
    }
    assertTrue(help.contains("flag, its environment variable,\nthe config file, its default"), help);
    assertTrue(help.lines().allMatch(line -> line.length() <= 80), help);
  }

  @Test
  void everySettingOfTheNodeAndOfItsServerIsKnown_once() {
    java.util.Set<SettingKey> expected = new java.util.HashSet<>(java.util.List.of(Setting.values()));
    expected.addAll(java.util.List.of(HttpSetting.values()));
    assertEquals(expected.size(), NodeSettings.ALL.size());
    assertEquals(expected, new java.util.HashSet<>(NodeSettings.ALL));
    assertEquals(expected.size(), NodeSettings.ALL.stream().map(SettingKey::key).distinct().count(),
        "no two settings share a key");
  }

  @Test
  void aConfigFileOthersCouldChange_isRefused() throws Exception {
    Path file = config("audit-log = off\n");
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> resolve(file.toString()));

    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().startsWith("refusing to use the config file " + file + ": group or others may write"),
        e.getMessage());
  }

  @Test
  void aConfigThatIsNoRegularFile_isRefused_ratherThanReadForever() throws Exception {
    Path fifo = dir.resolve("fifo.conf");
    assertEquals(0, new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).start().waitFor());

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> resolve(fifo.toString()));

    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().endsWith("it is not a regular file"), e.getMessage());
    EnvelopeException zero = assertThrows(EnvelopeException.class, () -> resolve("/dev/zero"));
    assertEquals(ErrorCode.INSECURE_FILE, zero.code(), zero.getMessage());
  }

  @Test
  void aConfigFileLargerThanAnyConfig_isRefused() throws Exception {
    Path file = config("# " + "x".repeat((1 << 20) + 1) + "\n");

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> resolve(file.toString()));

    assertEquals("--config " + file + ": larger than 1048576 bytes, which no config file needs", e.getMessage());
  }

  @Test
  void aSettingGivenTwice_isRefused() throws Exception {
    Path file = config("port = 1\nhost = 10.0.0.1\nport = 2\n");

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> resolve(file.toString()));

    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("--config " + file + ": setting 'port' is given twice", e.getMessage());
  }

  @Test
  void aHugeValue_isClippedInTheError() throws Exception {
    Path file = config("port = " + "9".repeat(5000) + "\n" + "k".repeat(3000) + " = 1\n");
    flags.put(Setting.MAX_UPLOAD, "x".repeat(100_000));

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> resolve(file.toString()));

    assertTrue(e.getMessage().length() < 400, e.getMessage());
    assertTrue(e.getMessage().contains("... (3000 characters)"), e.getMessage());
    Files.writeString(file, "port = " + "9".repeat(5000) + "\n");
    EnvelopeException value = assertThrows(EnvelopeException.class, () -> resolve(file.toString()));
    assertTrue(value.getMessage().contains("... (100000 characters)") || value.getMessage().contains(
        "... (5000 characters)"), value.getMessage());
    assertTrue(value.getMessage().length() < 400, value.getMessage());
  }

  @Test
  void aPathSettingThatIsNoPath_namesWhereItCameFrom() throws Exception {
    Path file = config("master-key-file = /run/sec\u0000ret\n");

    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> resolve(file.toString()).path(Setting.MASTER_KEY_FILE));

    assertTrue(e.getMessage().startsWith("config file " + file + ", setting master-key-file: "), e.getMessage());
  }
}
