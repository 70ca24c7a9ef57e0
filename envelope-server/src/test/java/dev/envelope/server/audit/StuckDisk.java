package dev.envelope.server.audit;

import java.util.concurrent.CountDownLatch;

/** Stands in for a disk that stops answering, for tests outside this package: the writer blocks until released. */
public final class StuckDisk implements AutoCloseable {
  private final CountDownLatch release = new CountDownLatch(1);

  private StuckDisk(ChainedAuditLog log) {
    log.beforeBatch = () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /** From now on, the writer of {@code log} hangs before its next batch until {@link #close}. */
  public static StuckDisk under(ChainedAuditLog log) {
    return new StuckDisk(log);
  }

  /**
   * From now on, every fsync of {@code log}'s file fails with an I/O error, as a failing disk's does (EIO): the log
   * must then refuse every later line too, since what the kernel dropped is unknown (PostgreSQL's fsync lesson).
   */
  public static void failingFsync(ChainedAuditLog log) {
    log.durable = channel -> {
      throw new java.io.IOException("Input/output error (injected: a failing disk)");
    };
  }

  /** The disk answers again. */
  @Override
  public void close() {
    release.countDown();
  }
}
