package dev.envelope.http;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deadline for request headers: once the first byte of a request has arrived, its request line and headers must
 * be complete within {@link HttpLimits#headerTimeout()}, or the connection is closed. Jetty's idle timeout starts
 * again with every byte, so without this a client sending a header byte every few seconds (slowloris) held a
 * connection for as long as it liked, and a thousand of them, spread over addresses, filled every connection.
 *
 * <p>Added to a connector as a bean, it hears of every connection; {@link RequestGuard} tells it when a request's
 * headers are complete (its handling starts) and when its answer is done. A scan every second closes connections
 * whose headers are late. A connection that is idle between requests with no byte of a next one is the idle
 * timeout's.
 */
final class HeaderDeadline extends AbstractLifeCycle implements Connection.Listener {
  private static final Logger SECURITY = LoggerFactory.getLogger("dev.envelope.security");
  private static final long SCAN_MILLIS = 1000;

  private final long timeoutNanos;
  private final Scheduler scheduler;
  private final ConcurrentHashMap<Connection, Waiting> connections = new ConcurrentHashMap<>();
  private final AtomicLong closedSinceLog = new AtomicLong();
  private volatile long loggedAt = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);
  private volatile Scheduler.Task scan;

  /** What a connection waits for: nothing while a request is handled, else the next request's headers. */
  private static final class Waiting {
    volatile boolean handling;
    volatile long bytesWhenIdle;
    volatile long headersSince; // 0: no byte of a next request yet
  }

  HeaderDeadline(long timeoutNanos, Scheduler scheduler) {
    this.timeoutNanos = timeoutNanos;
    this.scheduler = scheduler;
  }

  @Override
  protected void doStart() {
    schedule();
  }

  @Override
  protected void doStop() {
    Scheduler.Task task = scan;
    if (task != null) {
      task.cancel();
    }
    connections.clear();
  }

  private void schedule() {
    if (isRunning() || isStarting()) {
      scan = scheduler.schedule(this::scan, SCAN_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void onOpened(Connection connection) {
    connections.put(connection, new Waiting());
  }

  @Override
  public void onClosed(Connection connection) {
    connections.remove(connection);
  }

  /** A request's headers are complete: its handling starts. */
  void handling(Connection connection) {
    Waiting waiting = connections.get(connection);
    if (waiting != null) {
      waiting.handling = true;
      waiting.headersSince = 0;
    }
  }

  /** A request's answer is done: the connection waits for the next request's headers. */
  void answered(Connection connection) {
    Waiting waiting = connections.get(connection);
    if (waiting != null) {
      waiting.bytesWhenIdle = connection.getBytesIn();
      waiting.headersSince = 0;
      waiting.handling = false;
    }
  }

  private void scan() {
    try {
      long now = System.nanoTime();
      connections.forEach((connection, waiting) -> {
        if (waiting.handling || connection.getBytesIn() == waiting.bytesWhenIdle) {
          return;
        }
        if (waiting.headersSince == 0) {
          waiting.headersSince = now;
        } else if (now - waiting.headersSince > timeoutNanos) {
          connections.remove(connection);
          Object from = connection.getEndPoint().getRemoteSocketAddress(); // gone once the endpoint is closed
          connection.getEndPoint().close();
          logClose(from);
        }
      });
    } finally {
      schedule();
    }
  }

  private void logClose(Object from) {
    long closed = closedSinceLog.incrementAndGet();
    long now = System.nanoTime();
    if (now - loggedAt >= TimeUnit.MINUTES.toNanos(1)) {
      loggedAt = now;
      closedSinceLog.addAndGet(-closed);
      SECURITY.warn("security: closed {} connection(s) whose request headers took longer than {} s (the last from"
          + " {})", closed, TimeUnit.NANOSECONDS.toSeconds(timeoutNanos), from);
    }
  }
}
