package dev.envelope.service;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link BlobStore} that passes everything through and counts the bytes its reads deliver or skip; it can
 * also deliver at most a few bytes per read, as a slow network would.
 */
final class CountingBlobStore implements BlobStore {
  private final BlobStore inner;
  private final int maxPerRead;
  private final AtomicLong bytesRead = new AtomicLong();
  private final AtomicLong lowestRangeAfterHeader = new AtomicLong(Long.MAX_VALUE);
  private final java.util.concurrent.atomic.AtomicReference<Interleaving> beforeNextSize =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** Something another caller does at an exact moment: between two steps of the call under test. */
  @FunctionalInterface
  interface Interleaving {
    void run() throws Exception;
  }

  CountingBlobStore(BlobStore inner) {
    this(inner, Integer.MAX_VALUE);
  }

  /** Delivers at most {@code maxPerRead} bytes per read call. */
  CountingBlobStore(BlobStore inner, int maxPerRead) {
    this.inner = inner;
    this.maxPerRead = maxPerRead;
  }

  /** Bytes delivered by all read streams since the last {@link #reset()}. */
  long bytesRead() {
    return bytesRead.get();
  }

  /** The lowest offset of a read that did not start at 0 (0 is the stream header). */
  long lowestOffsetPastTheHeader() {
    return lowestRangeAfterHeader.get();
  }

  /** Runs {@code step} once, at the start of the next {@link #size} call, as if another request ran then. */
  void beforeNextSize(Interleaving step) {
    beforeNextSize.set(step);
  }

  void reset() {
    bytesRead.set(0);
    lowestRangeAfterHeader.set(Long.MAX_VALUE);
  }

  @Override
  public BlobWriter create(String key) throws IOException {
    return inner.create(key);
  }

  @Override
  public InputStream read(String key, long offset, long length) throws IOException {
    if (offset > 0) {
      lowestRangeAfterHeader.accumulateAndGet(offset, Math::min);
    }
    return new FilterInputStream(inner.read(key, offset, length)) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          bytesRead.incrementAndGet();
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, Math.min(len, maxPerRead));
        if (n > 0) {
          bytesRead.addAndGet(n);
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        bytesRead.addAndGet(Math.max(0, skipped)); // a ranged GET delivers what is skipped all the same
        return skipped;
      }
    };
  }

  @Override
  public long size(String key) throws IOException {
    Interleaving step = beforeNextSize.getAndSet(null);
    if (step != null) {
      try {
        step.run();
      } catch (Exception e) {
        throw new IllegalStateException("the interleaved step failed", e);
      }
    }
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
    inner.checkReady();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
