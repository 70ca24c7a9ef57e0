package dev.envelope.server;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.http.HttpLimits;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of {@code envelope serve}, from one documented source order: command-line flags, then
 * environment variables ({@code ENVELOPE_*}), then a config file, then the defaults. The config file is a Java
 * properties file ({@code port = 8080}, keys as in {@link Setting#key()}), named by {@code --config FILE} or
 * {@code ENVELOPE_CONFIG}, else {@code $ENVELOPE_HOME/envelope.conf} when that exists. Every bad value is one
 * {@link ErrorCode#INVALID_ARGUMENT} line naming where it came from and which setting it is.
 */
public final class ServerSettings {
  static final String DEFAULT_HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 8080;
  static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofHours(1);
  static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofMinutes(10);
  /** The config file looked for in the home when none is named. */
  public static final String DEFAULT_CONFIG_FILE = "envelope.conf";
  /** The variable that names a config file, as {@code --config} does. */
  public static final String CONFIG_VARIABLE = "ENVELOPE_CONFIG";
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,18})([KMG]?)", Pattern.CASE_INSENSITIVE);

  private final Path home;
  private final String host;
  private final int port;
  private final long maxUploadBytes;
  private final String rootKey;
  private final Duration orphanGrace;
  private final Duration sweepInterval;
  private final HttpLimits httpLimits;
  private final BodyLimits bodyLimits;
  private final Optional<Path> configFile;
  private final Sources sources;

  private ServerSettings(Sources sources) throws EnvelopeException {
    this.home = path(sources, Setting.HOME);
    this.host = sources.value(Setting.HOST);
    this.port = (int) sources.parse(Setting.PORT, "a port number from 0 to 65535", text -> {
      int port = Integer.parseInt(text);
      return port >= 0 && port <= 65535 ? (long) port : null;
    });
    this.maxUploadBytes = sources.parse(Setting.MAX_UPLOAD, "a size such as 500M, 2G or 1048576, or unlimited",
        ServerSettings::size);
    this.rootKey = sources.value(Setting.ROOT_KEY);
    this.orphanGrace = Duration.ofMillis(sources.parse(Setting.ORPHAN_GRACE,
        "a duration such as 90s, 10m, 1h or 2d", text -> millis(text, true)));
    this.sweepInterval = Duration.ofMillis(sources.parse(Setting.SWEEP_INTERVAL,
        "a positive duration such as 90s, 10m or 1h, or off",
        text -> text.equalsIgnoreCase("off") ? Long.valueOf(0) : millis(text, false)));
    this.httpLimits = httpLimits(sources);
    this.bodyLimits = new BodyLimits((int) sources.parse(Setting.MAX_JSON_SIZE,
        "a size from 1K to 1M (K or M suffix)", text -> within(size(text), 1024, 1 << 20)),
        (int) sources.parse(Setting.MAX_JSON_DEPTH, "a whole number from 2 to 1000",
            text -> within(Long.parseLong(text), 2, 1000)),
        (int) sources.parse(Setting.MAX_FORM_PARTS, "a whole number from 1 to 1000",
            text -> within(Long.parseLong(text), 1, 1000)));
    this.configFile = sources.configFile;
    this.sources = sources;
    if (host.isBlank()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, sources.where(Setting.HOST) + ": the host is empty");
    }
  }

  /**
   * Resolves the settings.
   *
   * @param flags the values given on the command line, by setting
   * @param configFlag the {@code --config} value, or null
   * @param env the environment
   */
  public static ServerSettings resolve(Map<Setting, String> flags, String configFlag, Map<String, String> env)
      throws EnvelopeException {
    Map<Setting, String> copy = new EnumMap<>(Setting.class);
    copy.putAll(flags);
    return new ServerSettings(Sources.load(copy, configFlag, env));
  }

  public Path home() {
    return home;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The largest upload in bytes; {@link Long#MAX_VALUE} for no limit. */
  public long maxUploadBytes() {
    return maxUploadBytes;
  }

  public String rootKey() {
    return rootKey;
  }

  public Duration orphanGrace() {
    return orphanGrace;
  }

  /** How often the orphan sweeper runs; {@link Duration#ZERO} when it is off (sweep-interval = off). */
  public Duration sweepInterval() {
    return sweepInterval;
  }

  /** The bounds on connections, threads, headers, time, data rate and failed authentications. */
  public HttpLimits httpLimits() {
    return httpLimits;
  }

  /** The bounds on the request bodies the API parses: JSON and multipart forms. */
  public BodyLimits bodyLimits() {
    return bodyLimits;
  }

  private static HttpLimits httpLimits(Sources sources) throws EnvelopeException {
    String positiveDuration = "a positive duration such as 30s or 5m";
    return new HttpLimits(
        (int) sources.parse(Setting.MAX_CONNECTIONS, "a whole number from 1 to 1000000",
            text -> within(Long.parseLong(text), 1, 1_000_000)),
        (int) sources.parse(Setting.MAX_CONNECTIONS_PER_ADDRESS, "a whole number from 1 to 1000000",
            text -> within(Long.parseLong(text), 1, 1_000_000)),
        (int) sources.parse(Setting.MAX_THREADS, "a whole number from 8 to 10000",
            text -> within(Long.parseLong(text), 8, 10_000)),
        Duration.ofMillis(sources.parse(Setting.IDLE_TIMEOUT, positiveDuration, text -> millis(text, false))),
        Duration.ofMillis(sources.parse(Setting.HEADER_TIMEOUT, positiveDuration, text -> millis(text, false))),
        sources.parse(Setting.MIN_DATA_RATE, "bytes per second such as 0, 512 or 4K",
            text -> within(size(text), 0, 1L << 30)),
        Duration.ofMillis(sources.parse(Setting.MIN_DATA_RATE_GRACE, "a duration such as 0s, 10s or 1m",
            text -> millis(text, true))),
        (int) sources.parse(Setting.MAX_HEADER_SIZE, "a size from 1K to 1M (K or M suffix)",
            text -> within(size(text), 1024, 1 << 20)),
        sources.parse(Setting.DRAIN_LIMIT, "a size from 0 to 1G (K, M or G suffix)",
            text -> within(size(text), 0, 1L << 30)),
        Duration.ofMillis(sources.parse(Setting.DRAIN_TIME, positiveDuration, text -> millis(text, false))),
        (int) sources.parse(Setting.AUTH_FAILURES, "a whole number from 1 to 1000000",
            text -> within(Long.parseLong(text), 1, 1_000_000)));
  }

  private static Long within(Long value, long min, long max) {
    return value != null && value >= min && value <= max ? value : null;
  }

  /**
   * The raw value of any setting (stripped of surrounding blanks), for the settings that another module
   * parses, such as the backends'. Empty when unset and without a default.
   */
  public String value(Setting setting) {
    return sources.value(setting).strip();
  }

  /** Where the value of {@code setting} came from, for error messages ("flag --port", "config file X, ..."). */
  public String where(Setting setting) {
    return sources.where(setting);
  }

  /** A size setting (K, M or G suffix), checked against {@code min} and {@code max}. */
  public long size(Setting setting, long min, long max) throws EnvelopeException {
    return sources.parse(setting, "a size from " + min + " to " + max + " bytes (K, M or G suffix)", text -> {
      Long v = text.equalsIgnoreCase("unlimited") ? null : size(text);
      return v != null && v >= min && v <= max ? v : null;
    });
  }

  /** A whole-number setting, checked against {@code min} and {@code max}. */
  public int integer(Setting setting, int min, int max) throws EnvelopeException {
    return (int) sources.parse(setting, "a whole number from " + min + " to " + max, text -> {
      long v = Long.parseLong(text);
      return v >= min && v <= max ? v : null;
    });
  }

  /** A duration setting (500ms, 90s, 10m, 1h, 2d), checked against {@code min} and {@code max}. */
  public Duration duration(Setting setting, Duration min, Duration max) throws EnvelopeException {
    return Duration.ofMillis(sources.parse(setting, "a duration from " + shortest(min) + " to " + shortest(max)
        + " (such as 90s, 10m, 1h or 2d)", text -> {
          Long ms = millis(text, true);
          return ms != null && ms >= min.toMillis() && ms <= max.toMillis() ? ms : null;
        }));
  }

  /** A duration the way settings are written: 7d, 12h, 90s, 500ms. */
  private static String shortest(Duration d) {
    long ms = d.toMillis();
    for (Object[] unit : new Object[][] {{86_400_000L, "d"}, {3_600_000L, "h"}, {60_000L, "m"}, {1000L, "s"}}) {
      long size = (Long) unit[0];
      if (ms != 0 && ms % size == 0) {
        return ms / size + (String) unit[1];
      }
    }
    return ms + "ms";
  }

  /** A boolean setting: true or false. */
  public boolean bool(Setting setting) throws EnvelopeException {
    return sources.parse(setting, "true or false", text -> {
      if (text.equalsIgnoreCase("true")) {
        return Long.valueOf(1);
      }
      return text.equalsIgnoreCase("false") ? Long.valueOf(0) : null;
    }) == 1L;
  }

  /** The config file that was read, if one was. */
  public Optional<Path> configFile() {
    return configFile;
  }

  /**
   * The help text about sources: their order, and the config file's format. (The flags themselves, with their
   * variables and defaults, are listed by the command from {@link Setting}.) Lines fit 80 columns.
   */
  public static String help() {
    StringBuilder keys = new StringBuilder("  ");
    int lineStart = 0;
    for (Setting s : Setting.values()) {
      if (keys.length() - lineStart + s.key().length() > 76) {
        keys.append("\n  ");
        lineStart = keys.length() - 2;
      }
      keys.append(s.key()).append(s.ordinal() < Setting.values().length - 1 ? ", " : "");
    }
    return String.join("\n",
        "Each setting is taken from the first of: its flag, its environment variable,",
        "the config file, its default. --home is " + Setting.HOME.variable() + ", default "
            + Setting.HOME.defaultValue() + ".",
        "The config file (--config FILE, or " + CONFIG_VARIABLE + ", or",
        "$ENVELOPE_HOME/" + DEFAULT_CONFIG_FILE + " when it exists) is a Java properties file whose",
        "keys are the flag names without the dashes:",
        keys.toString(),
        "for example:",
        "  port = 8443",
        "  max-upload = 2G",
        "Sizes take K, M or G (powers of 1024); durations are 500ms, 90s, 10m, 1h, 2d.");
  }

  /** A size with an optional K, M or G suffix (powers of 1024), or {@code unlimited}; empty if it is not one. */
  public static OptionalLong parseSize(String text) {
    Long v = size(text.strip());
    return v == null ? OptionalLong.empty() : OptionalLong.of(v);
  }

  /** A duration such as {@code 500ms}, {@code 90s}, {@code 10m}, {@code 1h} or {@code 2d}; empty if it is not one. */
  public static Optional<Duration> parseDuration(String text) {
    Long ms = millis(text.strip(), true);
    return ms == null ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
  }

  private static Path path(Sources sources, Setting s) throws EnvelopeException {
    String text = sources.value(s);
    try {
      return Path.of(text);
    } catch (InvalidPathException e) { // a NUL, which only a config file can hold
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, sources.where(s) + ": '" + text + "' is not a path ("
          + e.getReason() + ")");
    }
  }

  private static Long size(String text) {
    if (text.equalsIgnoreCase("unlimited")) {
      return Long.MAX_VALUE;
    }
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      return null;
    }
    int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      default -> 0;
    };
    long value = Long.parseLong(m.group(1));
    return value > (Long.MAX_VALUE >> shift) ? null : value << shift;
  }

  private static Long millis(String text, boolean zeroAllowed) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    long ms = switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n * 1000;
      case "m" -> n * 60_000;
      case "h" -> n * 3_600_000;
      default -> n * 86_400_000;
    };
    return ms == 0 && !zeroAllowed ? null : ms;
  }

  /** Where each value comes from, in precedence order. */
  private static final class Sources {
    private final Map<Setting, String> flags;
    private final Map<String, String> env;
    private final Properties file;
    private final Optional<Path> configFile;

    private Sources(Map<Setting, String> flags, Map<String, String> env, Properties file, Optional<Path> configFile) {
      this.flags = flags;
      this.env = env;
      this.file = file;
      this.configFile = configFile;
    }

    static Sources load(Map<Setting, String> flags, String configFlag, Map<String, String> env)
        throws EnvelopeException {
      Sources withoutFile = new Sources(flags, env, new Properties(), Optional.empty());
      String named = configFlag != null ? configFlag : env.get(CONFIG_VARIABLE);
      Path path = named != null ? Path.of(named)
          : Path.of(withoutFile.value(Setting.HOME)).resolve(DEFAULT_CONFIG_FILE);
      if (named == null && !Files.exists(path)) {
        return withoutFile;
      }
      String source = configFlag != null ? "--config " + named
          : named != null ? CONFIG_VARIABLE + " file " + named : "config file " + path;
      Properties file = new Properties();
      try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
        file.load(in);
      } catch (IOException | IllegalArgumentException e) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, source + ": cannot be read ("
            + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()) + ")");
      }
      for (String key : file.stringPropertyNames()) {
        if (java.util.Arrays.stream(Setting.values()).noneMatch(s -> s.key().equals(key))) {
          throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, source + ": unknown setting '" + key + "'");
        }
      }
      return new Sources(flags, env, file, Optional.of(path));
    }

    String value(Setting s) {
      String flag = flags.get(s);
      if (flag != null) {
        return flag;
      }
      String variable = env.get(s.variable());
      if (variable != null) {
        return variable;
      }
      String fromFile = file.getProperty(s.key());
      return fromFile != null ? fromFile.strip() : s.defaultValue();
    }

    String where(Setting s) {
      if (flags.get(s) != null) {
        return "flag " + s.flag();
      }
      if (env.get(s.variable()) != null) {
        return "environment variable " + s.variable();
      }
      if (file.getProperty(s.key()) != null) {
        return "config file " + configFile.orElseThrow() + ", setting " + s.key();
      }
      return "default of " + s.key();
    }

    long parse(Setting s, String expected, java.util.function.Function<String, Long> parser)
        throws EnvelopeException {
      String text = value(s).strip();
      Long value;
      try {
        value = parser.apply(text);
      } catch (NumberFormatException e) {
        value = null;
      }
      if (value == null) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
            where(s) + ": '" + text + "' is not " + expected);
      }
      return value;
    }
  }
}
