package dev.envelope.cli.jsonlog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Properties;
import org.slf4j.event.Level;

/**
 * The level of each logger as slf4j-simple would set it, so both formats show the same events: {@code
 * org.slf4j.simpleLogger.log.NAME} for the logger or its nearest dotted parent, else {@code
 * org.slf4j.simpleLogger.defaultLogLevel}, each from a system property ({@code -D} in {@code ENVELOPE_JAVA_OPTS})
 * before {@code simplelogger.properties}.
 */
final class LogLevels {
  /** Above {@link Level#ERROR}: nothing is logged. */
  static final int OFF = Integer.MAX_VALUE;
  private static final String PREFIX = "org.slf4j.simpleLogger.";

  private final Properties file;
  private final Properties system;

  LogLevels(Properties file, Properties system) {
    this.file = file;
    this.system = system;
  }

  /** The levels of {@code simplelogger.properties} on the class path, overridden by the system properties. */
  static LogLevels load() {
    Properties file = new Properties();
    try (InputStream in = LogLevels.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
      if (in != null) {
        file.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new LogLevels(file, System.getProperties());
  }

  /** The lowest {@link Level#toInt()} that logger {@code name} logs; {@link #OFF} for none. */
  int threshold(String name) {
    for (String n = name; !n.isEmpty(); n = n.substring(0, Math.max(n.lastIndexOf('.'), 0))) {
      String level = get("log." + n);
      if (level != null) {
        return parse(level);
      }
    }
    String level = get("defaultLogLevel");
    return parse(level == null ? "info" : level);
  }

  private String get(String key) {
    String value = system.getProperty(PREFIX + key);
    return value != null ? value : file.getProperty(PREFIX + key);
  }

  /** As slf4j-simple reads a level; an unknown one is info, as there. */
  private static int parse(String level) {
    return switch (level.strip().toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.TRACE.toInt();
      case "debug" -> Level.DEBUG.toInt();
      case "warn" -> Level.WARN.toInt();
      case "error" -> Level.ERROR.toInt();
      case "off" -> OFF;
      default -> Level.INFO.toInt();
    };
  }
}
