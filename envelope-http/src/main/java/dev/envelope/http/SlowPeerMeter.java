package dev.envelope.http;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Request;

/**
 * How fast a client moves data when the server waits for it (for a request body's next bytes, or for the client to
 * take a response's): a bucket of time the server may still wait. It starts full at the grace period; waiting
 * spends it; every byte moved earns back {@code 1 / minimum rate} seconds, but the bucket never holds more than the
 * grace period, so a fast start cannot buy a long stall later. The client is too slow once the bucket is empty: a
 * wait that would run past that point is cut while it lasts (the connection is closed under it), so a client that
 * stops reading or sending cannot hold a thread much longer than the grace period.
 *
 * <p>Only waiting counts, never the server's own time: a small body that arrived at once is never cut because
 * the key service took a second before the server read it. (Jetty's own minimum request rate counts from the
 * first byte and cut exactly such uploads; its minimum response rate is not enforced at all in Jetty 12.)
 */
final class SlowPeerMeter {
  private static final double NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

  private final long minBytesPerSecond;
  private final long capNanos;
  private long bankNanos;
  private long waitedNanos;
  private long bytes;

  SlowPeerMeter(long minBytesPerSecond, long graceNanos) {
    this.minBytesPerSecond = minBytesPerSecond;
    this.capNanos = graceNanos;
    this.bankNanos = graceNanos;
  }

  synchronized void waited(long nanos) {
    long spent = Math.max(0, nanos);
    waitedNanos += spent;
    bankNanos -= spent;
  }

  synchronized void moved(long count) {
    bytes += count;
    if (minBytesPerSecond > 0 && bankNanos < capNanos) {
      bankNanos = (long) Math.min(capNanos, bankNanos + earned(count));
    }
  }

  synchronized boolean tooSlow() {
    return minBytesPerSecond > 0 && bankNanos < 0;
  }

  /**
   * How much longer the server may wait for the client, from now, before the client is too slow, if the wait
   * ends with {@code pendingBytes} moved (a write's own bytes earn their time even past the cap); {@link
   * Long#MAX_VALUE} when there is no minimum.
   */
  synchronized long allowedWaitNanos(long pendingBytes) {
    if (minBytesPerSecond <= 0) {
      return Long.MAX_VALUE;
    }
    return (long) Math.max(0, Math.min((double) Long.MAX_VALUE / 2, bankNanos + earned(pendingBytes)));
  }

  private double earned(long count) {
    return count * NANOS_PER_SECOND / minBytesPerSecond;
  }

  synchronized String describe() {
    return bytes + " bytes in " + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms of waiting; the minimum is "
        + minBytesPerSecond + " bytes a second after " + TimeUnit.NANOSECONDS.toMillis(capNanos) + " ms of grace";
  }

  /** Cuts a client too slow to wait for: closes its connection, which fails the read or write waiting on it. */
  static void cut(Request request) {
    request.getConnectionMetaData().getConnection().getEndPoint().close();
  }
}
