package dev.envelope.server.audit;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An event waiting for its line to be durable. */
final class Pending {
  final AuditEvent event;
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile String failure;

  Pending(AuditEvent event) {
    this.event = event;
  }

  synchronized void done(String failure) {
    if (done.getCount() > 0) {
      this.failure = failure;
      done.countDown();
    }
  }

  /**
   * Waits for the writer, at most {@code timeout}; fails if it is gone (closed meanwhile) without having taken this
   * line, or has not made it durable in time (a stuck disk must not hold a request, and its thread, for ever).
   * A line that timed out may still be written later: its request failed, which is all the line claimed.
   */
  void await(Thread writer, Duration timeout) throws EnvelopeException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!done.await(Math.min(1_000_000_000L, Math.max(0, deadline - System.nanoTime())), TimeUnit.NANOSECONDS)) {
        if (!writer.isAlive()) {
          done("the audit log is closed");
        } else if (System.nanoTime() - deadline >= 0) {
          done("the audit log did not make the line durable within " + timeout.toSeconds() + " s (a stuck disk?)");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "interrupted while waiting for the audit log");
    }
    if (failure != null) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, failure);
    }
  }
}
