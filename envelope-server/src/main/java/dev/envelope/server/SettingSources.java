package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.internal.PrivateFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where settings come from, in one documented order: command-line flags, then environment variables
 * ({@code ENVELOPE_*}), then a config file, then the defaults. The config file is a Java properties file
 * ({@code port = 8080}, keys as in {@link SettingKey#key()}), named by {@code --config FILE} or
 * {@code ENVELOPE_CONFIG}, else {@code envelope.conf} in the home when that exists. A key that no known setting
 * has is refused, so a typo is not silently ignored. Every bad value is one {@link ErrorCode#INVALID_ARGUMENT}
 * line naming where it came from and which setting it is.
 */
public final class SettingSources {
  /** The config file looked for in the home when none is named. */
  public static final String DEFAULT_CONFIG_FILE = "envelope.conf";
  /** The variable that names a config file, as {@code --config} does. */
  public static final String CONFIG_VARIABLE = "ENVELOPE_CONFIG";
  /** The largest config file read: a complete one is a few kilobytes. */
  static final long MAX_CONFIG_FILE = 1 << 20;
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,18})([KMG]?)", Pattern.CASE_INSENSITIVE);

  private final Map<String, String> flags;
  private final Map<String, String> env;
  private final Properties file;
  private final Optional<Path> configFile;

  private SettingSources(Map<String, String> flags, Map<String, String> env, Properties file,
      Optional<Path> configFile) {
    this.flags = flags;
    this.env = env;
    this.file = file;
    this.configFile = configFile;
  }

  /**
   * Reads the sources.
   *
   * @param flags the values given on the command line, by setting
   * @param configFlag the {@code --config} value, or null
   * @param env the environment
   * @param known every setting the config file may hold
   * @param home the setting whose value is the directory where an unnamed config file is looked for, or null
   *     for none
   */
  public static SettingSources load(Map<? extends SettingKey, String> flags, String configFlag,
      Map<String, String> env, List<? extends SettingKey> known, SettingKey home) throws EnvelopeException {
    Map<String, String> byKey = new HashMap<>();
    flags.forEach((setting, value) -> byKey.put(setting.key(), value));
    SettingSources withoutFile = new SettingSources(byKey, Map.copyOf(env), new Properties(), Optional.empty());
    String named = configFlag != null ? configFlag : env.get(CONFIG_VARIABLE);
    if (named == null && home == null) {
      return withoutFile;
    }
    Path path = named != null ? Path.of(named) : withoutFile.path(home).resolve(DEFAULT_CONFIG_FILE);
    if (named == null && !Files.exists(path)) {
      return withoutFile;
    }
    String source = configFlag != null ? "--config " + named
        : named != null ? CONFIG_VARIABLE + " file " + named : "config file " + path;
    Properties file = new OnceEach(source);
    try {
      // Whoever could change the config could turn the audit log off or load their own PKCS#11 module.
      PrivateFiles.checkTrusted(path, "config file");
      if (Files.size(path) > MAX_CONFIG_FILE) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, source + ": larger than " + MAX_CONFIG_FILE
            + " bytes, which no config file needs");
      }
      try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
        file.load(in);
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, source + ": cannot be read ("
          + (e instanceof NoSuchFileException ? "no such file" : clip(String.valueOf(e.getMessage()))) + ")");
    } catch (UncheckedEnvelopeException e) {
      throw e.getCause();
    }
    for (String key : file.stringPropertyNames()) {
      if (known.stream().noneMatch(s -> s.key().equals(key))) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, source + ": unknown setting '" + clip(key) + "'");
      }
    }
    return new SettingSources(byKey, withoutFile.env, file, Optional.of(path));
  }

  /** The config file that was read, if one was. */
  public Optional<Path> configFile() {
    return configFile;
  }

  /**
   * The raw value of a setting (stripped of surrounding blanks), for the settings that another module parses,
   * such as the backends'. Empty when unset and without a default.
   */
  public String value(SettingKey s) {
    return raw(s).strip();
  }

  private String raw(SettingKey s) {
    String flag = flags.get(s.key());
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

  /** Where the value of {@code setting} came from, for error messages ("flag --port", "config file X, ..."). */
  public String where(SettingKey s) {
    if (flags.get(s.key()) != null) {
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

  /**
   * A setting parsed by {@code parser}, which answers null (or throws {@link NumberFormatException}) for a value
   * that is not {@code expected}.
   */
  public long parse(SettingKey s, String expected, Function<String, Long> parser) throws EnvelopeException {
    String text = value(s);
    Long value;
    try {
      value = parser.apply(text);
    } catch (NumberFormatException e) {
      value = null;
    }
    if (value == null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, where(s) + ": '" + clip(text) + "' is not "
          + expected);
    }
    return value;
  }

  /** A path setting. */
  public Path path(SettingKey s) throws EnvelopeException {
    String text = raw(s);
    try {
      return Path.of(text);
    } catch (InvalidPathException e) { // a NUL, which only a config file can hold
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, where(s) + ": '" + clip(text) + "' is not a path ("
          + e.getReason() + ")");
    }
  }

  /** A size setting (K, M or G suffix), checked against {@code min} and {@code max}. */
  public long size(SettingKey setting, long min, long max) throws EnvelopeException {
    return parse(setting, "a size from " + min + " to " + max + " bytes (K, M or G suffix)", text -> {
      Long v = text.equalsIgnoreCase("unlimited") ? null : sizeOf(text);
      return within(v, min, max);
    });
  }

  /** A whole-number setting, checked against {@code min} and {@code max}. */
  public int integer(SettingKey setting, int min, int max) throws EnvelopeException {
    return (int) parse(setting, "a whole number from " + min + " to " + max,
        text -> within(Long.parseLong(text), min, max));
  }

  /** A duration setting (500ms, 90s, 10m, 1h, 2d), checked against {@code min} and {@code max}. */
  public Duration duration(SettingKey setting, Duration min, Duration max) throws EnvelopeException {
    return Duration.ofMillis(parse(setting, "a duration from " + shortest(min) + " to " + shortest(max)
        + " (such as 90s, 10m, 1h or 2d)", text -> within(millis(text, true), min.toMillis(), max.toMillis())));
  }

  /** A boolean setting: true or false. */
  public boolean bool(SettingKey setting) throws EnvelopeException {
    return parse(setting, "true or false", text -> {
      if (text.equalsIgnoreCase("true")) {
        return Long.valueOf(1);
      }
      return text.equalsIgnoreCase("false") ? Long.valueOf(0) : null;
    }) == 1L;
  }

  /**
   * The help text about sources: their order, and the config file's format, with every key of {@code settings}.
   * (The flags themselves, with their variables and defaults, are listed by the command.) Lines fit 80 columns.
   */
  public static String help(List<? extends SettingKey> settings, SettingKey home) {
    StringBuilder keys = new StringBuilder("  ");
    int lineStart = 0;
    for (int i = 0; i < settings.size(); i++) {
      String key = settings.get(i).key();
      if (keys.length() - lineStart + key.length() > 76) {
        keys.append("\n  ");
        lineStart = keys.length() - 2;
      }
      keys.append(key).append(i < settings.size() - 1 ? ", " : "");
    }
    return String.join("\n",
        "Each setting is taken from the first of: its flag, its environment variable,",
        "the config file, its default. " + home.flag() + " is " + home.variable() + ", default "
            + home.defaultValue() + ".",
        "The config file (--config FILE, or " + CONFIG_VARIABLE + ", or",
        "$" + home.variable() + "/" + DEFAULT_CONFIG_FILE + " when it exists) is a Java properties file whose",
        "keys are the flag names without the dashes:",
        keys.toString(),
        "for example:",
        "  port = 8443",
        "  max-upload = 2G",
        "Sizes take K, M or G (powers of 1024); durations are 500ms, 90s, 10m, 1h, 2d.");
  }

  /** A size with an optional K, M or G suffix (powers of 1024), or {@code unlimited}; empty if it is not one. */
  public static OptionalLong parseSize(String text) {
    Long v = sizeOf(text.strip());
    return v == null ? OptionalLong.empty() : OptionalLong.of(v);
  }

  /** A duration such as {@code 500ms}, {@code 90s}, {@code 10m}, {@code 1h} or {@code 2d}; empty if it is not one. */
  public static Optional<Duration> parseDuration(String text) {
    Long ms = millis(text.strip(), true);
    return ms == null ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
  }

  /** A size in bytes, {@link Long#MAX_VALUE} for {@code unlimited}; null if it is not one. */
  static Long sizeOf(String text) {
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

  /** A duration in milliseconds; null if it is not one, or is zero and zero is not allowed. */
  static Long millis(String text, boolean zeroAllowed) {
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

  /** The value if it is from {@code min} to {@code max}, else null. */
  static Long within(Long value, long min, long max) {
    return value != null && value >= min && value <= max ? value : null;
  }

  /** A value as an error message shows it: whole up to 100 characters, so one line stays one readable line. */
  static String clip(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "... (" + text.length() + " characters)";
  }

  /** Properties that refuse a key given twice, as the JSON bodies refuse a member given twice. */
  private static final class OnceEach extends Properties {
    private static final long serialVersionUID = 1L;
    private final transient String source;

    OnceEach(String source) {
      this.source = source;
    }

    @Override
    public synchronized Object put(Object key, Object value) {
      if (containsKey(key)) {
        throw new UncheckedEnvelopeException(new EnvelopeException(ErrorCode.INVALID_ARGUMENT, source
            + ": setting '" + clip(String.valueOf(key)) + "' is given twice"));
      }
      return super.put(key, value);
    }
  }

  /** Carries a refusal out of {@link Properties#load}, which declares only {@link IOException}. */
  private static final class UncheckedEnvelopeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UncheckedEnvelopeException(EnvelopeException cause) {
      super(cause);
    }

    @Override
    public synchronized EnvelopeException getCause() {
      return (EnvelopeException) super.getCause();
    }
  }

  /** A duration the way settings are written: 7d, 12h, 90s, 500ms. */
  private static String shortest(Duration d) {
    long ms = d.toMillis();
    long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1000L};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (ms != 0 && ms % sizes[i] == 0) {
        return ms / sizes[i] + units[i];
      }
    }
    return ms + "ms";
  }
}
