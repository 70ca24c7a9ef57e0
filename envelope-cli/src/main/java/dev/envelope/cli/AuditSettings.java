package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditLog;
import dev.envelope.server.audit.ChainedAuditLog;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The audit settings of {@code envelope serve}: where the log lives ({@code audit-log}: a directory, by default
 * {@code audit} under the home, or {@code off}), when it moves on to a new file ({@code audit-log-max-size}) and
 * the node's name ({@code node}: by default the host name and port, so that nodes sharing a directory write
 * separate chains) and how long a request waits for its line ({@code audit-log-timeout}).
 */
final class AuditSettings {
  /** The directory under the home when {@code audit-log} is not set. */
  static final String DEFAULT_DIRECTORY = "audit";

  private final Optional<Path> directory;
  private final long maxFileBytes;
  private final String node;
  private final Duration timeout;

  private AuditSettings(Optional<Path> directory, long maxFileBytes, String node, Duration timeout) {
    this.directory = directory;
    this.maxFileBytes = maxFileBytes;
    this.node = node;
    this.timeout = timeout;
  }

  static AuditSettings from(NodeSettings settings) throws EnvelopeException {
    String where = settings.value(Setting.AUDIT_LOG);
    Optional<Path> directory;
    if (where.equalsIgnoreCase("off")) {
      directory = Optional.empty();
    } else if (where.isEmpty()) {
      directory = Optional.of(settings.home().resolve(DEFAULT_DIRECTORY));
    } else {
      try {
        directory = Optional.of(Path.of(where));
      } catch (InvalidPathException e) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(Setting.AUDIT_LOG) + ": '" + where
            + "' is not a path (" + e.getReason() + ")");
      }
    }
    long maxFileBytes = settings.size(Setting.AUDIT_LOG_MAX_SIZE, 1024, 1L << 40);
    String node = settings.value(Setting.NODE);
    if (node.isEmpty()) {
      node = defaultNode(settings.http().port());
    }
    Duration timeout = settings.duration(Setting.AUDIT_LOG_TIMEOUT, Duration.ofSeconds(1), Duration.ofMinutes(10));
    return new AuditSettings(directory, maxFileBytes, node, timeout);
  }

  /** The directory, or empty when the log is off. */
  Optional<Path> directory() {
    return directory;
  }

  String node() {
    return node;
  }

  long maxFileBytes() {
    return maxFileBytes;
  }

  /** How long a request waits for its line before it fails. */
  Duration timeout() {
    return timeout;
  }

  /** Opens the log these settings describe ({@link AuditLog#off()} when it is off). */
  AuditLog open(Clock clock) throws EnvelopeException {
    if (directory.isEmpty()) {
      return AuditLog.off();
    }
    return ChainedAuditLog.open(directory.get(), node, maxFileBytes, clock, timeout);
  }

  /** The host name and port, with anything a file name may not hold turned into {@code _}. */
  static String defaultNode(int port) {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "localhost";
    }
    String name = (host + "-" + port).replaceAll("[^A-Za-z0-9._-]", "_");
    name = name.length() <= 63 ? name : name.substring(name.length() - 63);
    return name.startsWith(".") || name.startsWith("-") ? "_" + name : name;
  }
}
