package dev.envelope.cli;

import dev.envelope.http.HttpLimits;
import dev.envelope.server.SettingSources;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The bounds of a listener ({@link HttpLimits}) as flags, for {@code envelope keyserver} ({@code envelope serve}
 * takes the same ones as settings). Sizes take K, M or G; durations 500ms, 30s, 5m. See docs/LIMITS.md.
 */
final class LimitOptions {
  @Option(names = "--max-connections", paramLabel = "N",
      description = "open connections in all (default: ${DEFAULT-VALUE})")
  int maxConnections = HttpLimits.DEFAULT_MAX_CONNECTIONS;

  @Option(names = "--max-connections-per-address", paramLabel = "N",
      description = "open connections from one client address; more are closed at once (default: ${DEFAULT-VALUE})")
  int maxConnectionsPerAddress = HttpLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;

  @Option(names = "--max-threads", paramLabel = "N",
      description = "request threads; on Java 21+ requests run on virtual threads (default: ${DEFAULT-VALUE})")
  int maxThreads = HttpLimits.DEFAULT_MAX_THREADS;

  @Option(names = "--idle-timeout", paramLabel = "TIME", converter = DurationConverter.class,
      description = "how long a connection may stall (default: 30s)")
  Duration idleTimeout = HttpLimits.DEFAULT_IDLE_TIMEOUT;

  @Option(names = "--header-timeout", paramLabel = "TIME", converter = DurationConverter.class,
      description = "how long a request's line and headers may take from their first byte (default: 10s)")
  Duration headerTimeout = HttpLimits.DEFAULT_HEADER_TIMEOUT;

  @Option(names = "--min-data-rate", paramLabel = "BYTES", converter = SizeConverter.class,
      description = "bytes per second a client must move while the server waits for it; slower ones are cut"
          + " (default: 1K)")
  long minDataRate = HttpLimits.DEFAULT_MIN_DATA_RATE;

  @Option(names = "--min-data-rate-grace", paramLabel = "TIME", converter = GraceConverter.class,
      description = "how long the server waits for a client before the minimum rate applies (default: 10s)")
  Duration minDataRateGrace = HttpLimits.DEFAULT_MIN_DATA_RATE_GRACE;

  @Option(names = "--max-header-size", paramLabel = "BYTES", converter = SizeConverter.class,
      description = "largest request line plus headers (default: 16K)")
  long maxHeaderSize = HttpLimits.DEFAULT_MAX_HEADER_BYTES;

  @Option(names = "--drain-limit", paramLabel = "BYTES", converter = SizeConverter.class,
      description = "how much of a refused request's body is taken in, without a thread (default: 1M)")
  long drainLimit = HttpLimits.DEFAULT_DRAIN_BYTES;

  @Option(names = "--drain-time", paramLabel = "TIME", converter = DurationConverter.class,
      description = "how long a refused request's body is taken in at most (default: 5s)")
  Duration drainTime = HttpLimits.DEFAULT_DRAIN_TIME;

  @Option(names = "--auth-failures-per-minute", paramLabel = "N",
      description = "failed authentications one address may make per minute; then 429 (default: ${DEFAULT-VALUE})")
  int authFailuresPerMinute = HttpLimits.DEFAULT_AUTH_FAILURES_PER_MINUTE;

  /** The limits; {@link IllegalArgumentException} names the one out of range. */
  HttpLimits limits() {
    if (maxHeaderSize > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxHeaderBytes must be at most " + Integer.MAX_VALUE);
    }
    return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, headerTimeout, minDataRate,
        minDataRateGrace, (int) maxHeaderSize, drainLimit, drainTime, authFailuresPerMinute);
  }

  static final class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return SettingSources.parseSize(value).orElseThrow(() -> new TypeConversionException(
          "'" + value + "' is not a size such as 512, 64K or 1M"));
    }
  }

  /** A duration that may be zero. */
  static final class GraceConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return SettingSources.parseDuration(value).orElseThrow(() -> new TypeConversionException(
          "'" + value + "' is not a duration such as 0s, 10s or 1m"));
    }
  }

  /** A duration longer than zero. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = SettingSources.parseDuration(value).orElseThrow(() -> new TypeConversionException(
          "'" + value + "' is not a duration such as 500ms, 30s or 5m"));
      if (d.isZero()) {
        throw new TypeConversionException("'" + value + "' must be longer than zero");
      }
      return d;
    }
  }
}
