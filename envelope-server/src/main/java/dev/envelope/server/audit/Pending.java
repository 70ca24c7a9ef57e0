package dev.envelope.server.audit;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
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

  /** Waits for the writer; fails if it is gone (closed meanwhile) without having taken this line. */
  void await(Thread writer) throws EnvelopeException {
    try {
      while (!done.await(1, TimeUnit.SECONDS)) {
        if (!writer.isAlive()) {
          done("the audit log is closed");
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
