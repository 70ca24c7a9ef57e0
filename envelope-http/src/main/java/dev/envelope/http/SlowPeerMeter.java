package dev.envelope.http;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Request;

/**
 * How fast a client moves data when the server waits for it: the time the server spent waiting (for a request
 * body's next bytes, or for the client to take a response's), and the bytes moved meanwhile. The client is too
 * slow once the server has waited longer than the grace period and the bytes average less than the minimum rate
 * over that waiting time. A wait that would run past that point is cut while it lasts (the connection is closed
 * under it), so a client that stops reading or sending cannot hold a thread until the idle timeout.
 *
 * <p>Only waiting counts, never the server's own time: a small body that arrived at once is never cut because
 * the key service took a second before the server read it. (Jetty's own minimum request rate counts from the
 * first byte and cut exactly such uploads; its minimum response rate is not enforced at all in Jetty 12.)
 */
final class SlowPeerMeter {
  private final long minBytesPerSecond;
  private final long graceNanos;
  private long waitedNanos;
  private long bytes;

  SlowPeerMeter(long minBytesPerSecond, long graceNanos) {
    this.minBytesPerSecond = minBytesPerSecond;
    this.graceNanos = graceNanos;
  }

  synchronized void waited(long nanos) {
    waitedNanos += Math.max(0, nanos);
  }

  synchronized void moved(long count) {
    bytes += count;
  }

  synchronized boolean tooSlow() {
    return minBytesPerSecond > 0 && waitedNanos > graceNanos
        && bytes < minBytesPerSecond * (waitedNanos / (double) TimeUnit.SECONDS.toNanos(1));
  }

  /**
   * How much longer the server may wait for the client, from now, before the client is too slow, assuming the
   * wait ends with {@code pendingBytes} more moved; {@link Long#MAX_VALUE} when there is no minimum.
   */
  synchronized long allowedWaitNanos(long pendingBytes) {
    if (minBytesPerSecond <= 0) {
      return Long.MAX_VALUE;
    }
    double earned = (bytes + pendingBytes) * (double) TimeUnit.SECONDS.toNanos(1) / minBytesPerSecond;
    return Math.max(0, Math.max(graceNanos, (long) Math.min(earned, Long.MAX_VALUE / 2)) - waitedNanos);
  }

  synchronized String describe() {
    return bytes + " bytes in " + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms of waiting; the minimum is "
        + minBytesPerSecond + " bytes a second";
  }

  /** Cuts a client too slow to wait for: closes its connection, which fails the read or write waiting on it. */
  static void cut(Request request) {
    request.getConnectionMetaData().getConnection().getEndPoint().close();
  }
}
