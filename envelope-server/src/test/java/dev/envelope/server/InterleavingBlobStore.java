package dev.envelope.server;

import dev.envelope.service.BlobInfo;
import dev.envelope.service.BlobStore;
import dev.envelope.service.BlobWriter;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link BlobStore} that passes everything through, and can run something once just before its next read: as
 * if another request (a delete, say) landed between opening a download and reading its blob.
 */
final class InterleavingBlobStore implements BlobStore {
  /** While set, {@link #checkReady} waits for it to open. */
  volatile java.util.concurrent.CountDownLatch readyGate;
  /** What runs in between; it may fail. */
  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  private final BlobStore inner;
  private final AtomicReference<Step> beforeNextRead = new AtomicReference<>();

  InterleavingBlobStore(BlobStore inner) {
    this.inner = inner;
  }

  void beforeNextRead(Step step) {
    beforeNextRead.set(step);
  }

  @Override
  public BlobWriter create(String key) throws IOException {
    return inner.create(key);
  }

  @Override
  public InputStream read(String key, long offset, long length) throws IOException {
    Step step = beforeNextRead.getAndSet(null);
    if (step != null) {
      try {
        step.run();
      } catch (Exception e) {
        throw new IllegalStateException("the interleaved step failed", e);
      }
    }
    return inner.read(key, offset, length);
  }

  @Override
  public long size(String key) throws IOException {
    return inner.size(key);
  }

  @Override
  public boolean delete(String key) throws IOException {
    return inner.delete(key);
  }

  @Override
  public List<BlobInfo> list(String afterKey, int limit) throws IOException {
    return inner.list(afterKey, limit);
  }

  @Override
  public java.time.Duration minimumOrphanGrace() {
    return inner.minimumOrphanGrace(); // a wrapper must not hide the grace its store needs
  }

  @Override
  public void checkReady() throws IOException {
    java.util.concurrent.CountDownLatch gate = readyGate;
    if (gate != null) {
      try {
        gate.await(); // a readiness check that hangs, as on a dependency taking its whole retry budget
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    inner.checkReady();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
