package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.server.HttpSetting;
import dev.envelope.server.ServerSettings;
import dev.envelope.server.SettingKey;
import dev.envelope.server.SettingSources;
import java.nio.file.Path;
import dev.envelope.service.DataKeyCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of a node: its own ({@link Setting}: the home, the file service's limits, the orphan sweeper, the
 * stores and the key service) and its HTTP server's ({@link HttpSetting}), read from one set of sources, so that
 * one config file, one set of flags and one help cover both.
 */
final class NodeSettings {
  /** Every setting, in the order of the help: the home and the address first, the backends last. */
  static final List<SettingKey> ALL = all();

  private final SettingSources sources;
  private final ServerSettings http;
  private final Path home;
  private final long maxUploadBytes;
  private final Duration orphanGrace;
  private final Duration sweepInterval;
  private final DataKeyCache.Limits dataKeyCache;
  private final boolean jsonLogs;

  private NodeSettings(SettingSources sources) throws EnvelopeException {
    this.sources = sources;
    this.home = sources.path(Setting.HOME);
    this.http = ServerSettings.from(sources);
    this.maxUploadBytes = sources.parse(Setting.MAX_UPLOAD, "a size such as 500M, 2G or 1048576, or unlimited",
        text -> SettingSources.parseSize(text).stream().boxed().findFirst().orElse(null));
    this.orphanGrace = Duration.ofMillis(sources.parse(Setting.ORPHAN_GRACE,
        "a duration such as 90s, 10m, 1h or 2d",
        text -> SettingSources.parseDuration(text).map(Duration::toMillis).orElse(null)));
    this.sweepInterval = Duration.ofMillis(sources.parse(Setting.SWEEP_INTERVAL,
        "a positive duration such as 90s, 10m or 1h, or off", text -> text.equalsIgnoreCase("off") ? Long.valueOf(0)
            : SettingSources.parseDuration(text).map(Duration::toMillis).filter(ms -> ms > 0).orElse(null)));
    this.jsonLogs = sources.parse(Setting.LOG_FORMAT, "text or json", text -> text.equals("json") ? Long.valueOf(1)
        : text.equals("text") ? Long.valueOf(0) : null) == 1L;
    String cache = sources.value(Setting.DATA_KEY_CACHE).strip();
    if (cache.equalsIgnoreCase("off")) {
      this.dataKeyCache = null;
    } else {
      try {
        this.dataKeyCache = DataKeyCache.Limits.parse(cache);
      } catch (IllegalArgumentException e) {
        throw new EnvelopeException(dev.envelope.api.ErrorCode.INVALID_ARGUMENT, sources.where(Setting.DATA_KEY_CACHE)
            + ": " + e.getMessage() + ", or off");
      }
    }
  }

  /** Whether serve logs one JSON object per line (log-format = json) rather than text lines (the default). */
  boolean jsonLogs() {
    return jsonLogs;
  }

  /** The data-key cache's limits, or null when it is off (the default). */
  DataKeyCache.Limits dataKeyCache() {
    return dataKeyCache;
  }

  /**
   * Resolves the settings.
   *
   * @param flags the values given on the command line, by setting
   * @param configFlag the {@code --config} value, or null
   * @param env the environment
   */
  static NodeSettings resolve(Map<? extends SettingKey, String> flags, String configFlag, Map<String, String> env)
      throws EnvelopeException {
    return new NodeSettings(SettingSources.load(flags, configFlag, env, ALL, Setting.HOME));
  }

  /** The HTTP server's settings. */
  ServerSettings http() {
    return http;
  }

  Path home() {
    return home;
  }

  /** The largest upload in bytes; {@link Long#MAX_VALUE} for no limit. */
  long maxUploadBytes() {
    return maxUploadBytes;
  }

  String rootKey() {
    return value(Setting.ROOT_KEY);
  }

  /** The grace asked for; the blob store may need more ({@code FileService.orphanGrace}). */
  Duration orphanGrace() {
    return orphanGrace;
  }

  /** How often the orphan sweeper runs; {@link Duration#ZERO} when it is off (sweep-interval = off). */
  Duration sweepInterval() {
    return sweepInterval;
  }

  /** The config file that was read, if one was. */
  Optional<Path> configFile() {
    return sources.configFile();
  }

  String value(SettingKey setting) {
    return sources.value(setting);
  }

  /** A path setting; a value that is no path (a NUL) is refused naming where it came from. */
  Path path(SettingKey setting) throws EnvelopeException {
    return sources.path(setting);
  }

  String where(SettingKey setting) {
    return sources.where(setting);
  }

  long size(SettingKey setting, long min, long max) throws EnvelopeException {
    return sources.size(setting, min, max);
  }

  int integer(SettingKey setting, int min, int max) throws EnvelopeException {
    return sources.integer(setting, min, max);
  }

  Duration duration(SettingKey setting, Duration min, Duration max) throws EnvelopeException {
    return sources.duration(setting, min, max);
  }

  boolean bool(SettingKey setting) throws EnvelopeException {
    return sources.bool(setting);
  }

  /** The help text about sources and the config file, naming every setting. */
  static String help() {
    return SettingSources.help(ALL, Setting.HOME);
  }

  private static List<SettingKey> all() {
    List<SettingKey> all = new ArrayList<>(List.of(Setting.HOME, HttpSetting.HOST, HttpSetting.PORT,
        Setting.MAX_UPLOAD, Setting.ROOT_KEY, Setting.ORPHAN_GRACE, Setting.SWEEP_INTERVAL));
    for (HttpSetting s : HttpSetting.values()) {
      if (!all.contains(s)) {
        all.add(s);
      }
    }
    for (Setting s : Setting.values()) {
      if (!all.contains(s)) {
        all.add(s);
      }
    }
    return List.copyOf(all);
  }
}
