package dev.envelope.http;

import java.time.Duration;

/**
 * The bounds an Envelope listener keeps on what a client can take from it: connections, threads, header
 * sizes, time, data rate and authentication failures. Every field is a documented setting (see {@code
 * docs/LIMITS.md}); {@link #defaults()} are the safe defaults both servers start from.
 *
 * @param maxConnections open connections in all; beyond it the listener stops accepting until one closes
 * @param maxConnectionsPerAddress open connections from one client address; a connection beyond it is closed at
 *     once, before it is read
 * @param maxThreads platform threads serving requests; on a JDK with virtual threads, requests run on virtual
 *     threads and this bounds only Jetty's own
 * @param idleTimeout how long a connection may stall (no byte either way) before it is closed
 * @param headerTimeout how long a request's line and headers may take, from their first byte
 * @param minDataRate bytes per second a client must move while the server waits for it (for a request body's
 *     next bytes, or for it to take a response's), averaged over that waiting time; a slower one is cut once the
 *     server has waited longer than {@code minDataRateGrace} (0: no minimum). The server's own time never counts.
 * @param minDataRateGrace how long the server waits for a client before the minimum rate applies
 * @param maxHeaderBytes the largest request line plus headers; a larger one is answered 431
 * @param drainBytes how much of a refused request's unread body is taken in (without a thread) so that the
 *     client gets its answer instead of a reset connection; a body declared larger is not waited for
 * @param drainTime how long a refused request's body is taken in at most
 * @param authFailuresPerMinute failed authentications one address may make per minute (a burst of that many,
 *     refilled evenly over the minute); beyond it the address is answered 429 with {@code Retry-After}
 */
public record HttpLimits(int maxConnections, int maxConnectionsPerAddress, int maxThreads, Duration idleTimeout,
    Duration headerTimeout, long minDataRate, Duration minDataRateGrace, int maxHeaderBytes, long drainBytes,
    Duration drainTime, int authFailuresPerMinute) {
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
  public static final int DEFAULT_MAX_THREADS = 256;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final long DEFAULT_MIN_DATA_RATE = 1024;
  public static final Duration DEFAULT_MIN_DATA_RATE_GRACE = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
  public static final long DEFAULT_DRAIN_BYTES = 1 << 20;
  public static final Duration DEFAULT_DRAIN_TIME = Duration.ofSeconds(5);
  public static final int DEFAULT_AUTH_FAILURES_PER_MINUTE = 30;

  public HttpLimits {
    atLeast(maxConnections, 1, "maxConnections");
    atLeast(maxConnectionsPerAddress, 1, "maxConnectionsPerAddress");
    atLeast(maxThreads, 8, "maxThreads");
    positive(idleTimeout, "idleTimeout");
    positive(headerTimeout, "headerTimeout");
    if (minDataRate < 0) {
      throw new IllegalArgumentException("minDataRate must not be negative");
    }
    if (minDataRateGrace == null || minDataRateGrace.isNegative()) {
      throw new IllegalArgumentException("minDataRateGrace must not be negative");
    }
    atLeast(maxHeaderBytes, 1024, "maxHeaderBytes");
    if (drainBytes < 0) {
      throw new IllegalArgumentException("drainBytes must not be negative");
    }
    positive(drainTime, "drainTime");
    atLeast(authFailuresPerMinute, 1, "authFailuresPerMinute");
  }

  public static HttpLimits defaults() {
    return new HttpLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_MAX_THREADS,
        DEFAULT_IDLE_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_MIN_DATA_RATE, DEFAULT_MIN_DATA_RATE_GRACE,
        DEFAULT_MAX_HEADER_BYTES, DEFAULT_DRAIN_BYTES, DEFAULT_DRAIN_TIME, DEFAULT_AUTH_FAILURES_PER_MINUTE);
  }

  public HttpLimits withConnections(int total, int perAddress) {
    return new HttpLimits(total, perAddress, maxThreads, idleTimeout, headerTimeout, minDataRate, minDataRateGrace,
        maxHeaderBytes, drainBytes, drainTime, authFailuresPerMinute);
  }

  public HttpLimits withMaxThreads(int threads) {
    return new HttpLimits(maxConnections, maxConnectionsPerAddress, threads, idleTimeout, headerTimeout, minDataRate,
        minDataRateGrace, maxHeaderBytes, drainBytes, drainTime, authFailuresPerMinute);
  }

  public HttpLimits withHeaderTimeout(Duration timeout) {
    return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, timeout, minDataRate,
        minDataRateGrace, maxHeaderBytes, drainBytes, drainTime, authFailuresPerMinute);
  }

  public HttpLimits withIdleTimeout(Duration timeout) {
    return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, timeout, headerTimeout, minDataRate,
        minDataRateGrace, maxHeaderBytes, drainBytes, drainTime, authFailuresPerMinute);
  }

  public HttpLimits withMinDataRate(long bytesPerSecond, Duration grace) {
    return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, headerTimeout,
        bytesPerSecond, grace, maxHeaderBytes, drainBytes, drainTime, authFailuresPerMinute);
  }

  public HttpLimits withMaxHeaderBytes(int bytes) {
    return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, headerTimeout, minDataRate,
        minDataRateGrace, bytes, drainBytes, drainTime, authFailuresPerMinute);
  }

  public HttpLimits withDrain(long bytes, Duration time) {
    return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, headerTimeout, minDataRate,
        minDataRateGrace, maxHeaderBytes, bytes, time, authFailuresPerMinute);
  }

  public HttpLimits withAuthFailuresPerMinute(int failures) {
    return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, headerTimeout, minDataRate,
        minDataRateGrace, maxHeaderBytes, drainBytes, drainTime, failures);
  }

  private static void atLeast(int value, int min, String name) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be at least " + min);
    }
  }

  private static void positive(Duration d, String name) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
