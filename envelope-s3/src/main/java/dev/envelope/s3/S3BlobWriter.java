package dev.envelope.s3;

import dev.envelope.service.BlobWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one blob of an {@link S3BlobStore}: one {@code PutObject} if the blob fits in a part, else a
 * multipart upload with at most {@code parallelism} parts in flight. A full part is shipped only when the
 * next byte arrives, so a blob of exactly one part still goes in one request and no part is ever empty.
 * The writer's methods are synchronized; the uploader threads only touch the futures they return.
 */
final class S3BlobWriter extends BlobWriter {
  private static final Logger LOG = LoggerFactory.getLogger(S3BlobWriter.class);
  /** How long an abort waits for parts still uploading before telling S3 to abort the upload anyway. */
  private static final long ABORT_WAIT_SECONDS = 30;

  private enum State { OPEN, COMMITTED, ABORTED }

  private final S3BlobStore store;
  private final String key;
  private final String objectKey;
  private final long partSize;
  private final int parallelism;
  private final Duration maxUploadTime;
  private final long started = System.nanoTime();
  /** One permit per part that may be in flight; the writer takes one before shipping a part. */
  private final Semaphore slots;
  private final List<PartUpload> parts = new ArrayList<>();
  private PartBuffer current;
  private String uploadId;
  private State state = State.OPEN;
  private IOException failure;

  S3BlobWriter(S3BlobStore store, String key, String objectKey, long partSize, int parallelism,
      Duration maxUploadTime) {
    this.store = store;
    this.key = key;
    this.objectKey = objectKey;
    this.partSize = partSize;
    this.parallelism = parallelism;
    this.maxUploadTime = maxUploadTime;
    this.slots = new Semaphore(parallelism);
    this.current = new PartBuffer(partSize);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    while (len > 0) {
      if (current.isFull()) {
        shipCurrent();
      }
      int n = current.put(b, off, len);
      off += n;
      len -= n;
    }
  }

  @Override
  public synchronized void commit() throws IOException {
    ensureOpen();
    try {
      if (System.nanoTime() - started > maxUploadTime.toNanos()) {
        // Committed now, the blob could look older than the sweeper's grace before its row is written.
        throw new IOException("blob " + key + ": the upload took longer than the store's maxUploadTime ("
            + maxUploadTime + "); it is not committed");
      }
      if (uploadId == null) {
        store.putObject(key, objectKey, current);
      } else {
        shipCurrent();
        store.completeMultipart(key, objectKey, uploadId, awaitParts());
      }
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
    state = State.COMMITTED;
    current = null;
    parts.clear();
  }

  @Override
  public synchronized void abort() {
    if (state != State.OPEN) {
      return;
    }
    state = State.ABORTED;
    current = null;
    if (uploadId == null) {
      return; // nothing was sent
    }
    for (PartUpload part : parts) {
      part.cancel(); // a part not yet started never starts; a running one is interrupted
    }
    parts.clear();
    try {
      // Every part gives its permit back when it ends, cancelled or not: with all permits, none is running.
      if (!slots.tryAcquire(parallelism, ABORT_WAIT_SECONDS, TimeUnit.SECONDS)) {
        LOG.warn("S3 blob {}: parts still uploading after {} s; aborting the multipart upload anyway", key,
            ABORT_WAIT_SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      store.abortMultipart(key, objectKey, uploadId);
    } catch (IOException e) {
      LOG.warn("{}; the bucket's AbortIncompleteMultipartUpload lifecycle rule will remove it", e.getMessage());
    }
  }

  /** Starts the multipart upload if need be, then hands the full buffer to an uploader. */
  private void shipCurrent() throws IOException {
    try {
      if (uploadId == null) {
        uploadId = store.startMultipart(key, objectKey);
      }
      slots.acquire(); // blocks while `parallelism` parts are in flight
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort();
      throw new InterruptedIOException("interrupted while waiting for a part upload of blob " + key);
    } catch (IOException e) {
      abort();
      throw e;
    }
    PartBuffer data = current;
    int number = parts.size() + 1;
    String id = uploadId;
    PartUpload part = new PartUpload(number, id, data);
    try {
      store.uploads().execute(part);
      parts.add(part);
    } catch (RejectedExecutionException e) {
      slots.release();
      abort();
      throw new IOException("the S3 blob store is closed");
    }
    current = new PartBuffer(partSize);
    failIfAPartFailed();
  }

  /** Rethrows the failure of any part that has already ended badly, so a doomed upload stops early. */
  private void failIfAPartFailed() throws IOException {
    for (PartUpload part : parts) {
      if (part.result.isDone()) {
        try {
          part.result.get();
        } catch (ExecutionException | InterruptedException | RuntimeException e) {
          if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
          failure = cause(e);
          abort();
          throw failure;
        }
      }
    }
  }

  private List<CompletedPart> awaitParts() throws IOException {
    List<CompletedPart> done = new ArrayList<>(parts.size());
    for (PartUpload part : parts) {
      try {
        done.add(part.result.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the parts of blob " + key);
      } catch (ExecutionException | RuntimeException e) {
        failure = cause(e);
        throw failure;
      }
    }
    return done;
  }

  private IOException cause(Exception e) {
    Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
    if (cause instanceof IOException io) {
      return io;
    }
    return new IOException("S3 upload of blob " + key + " failed: " + cause.getClass().getSimpleName());
  }

  private void ensureOpen() throws IOException {
    if (failure != null) {
      throw new IOException("S3 upload of blob " + key + " failed earlier: " + failure.getMessage());
    }
    if (state == State.COMMITTED) {
      throw new IOException("blob " + key + " is already committed");
    }
    if (state == State.ABORTED) {
      throw new IOException("the writer of blob " + key + " was aborted");
    }
  }

  /**
   * One part's upload, run on an uploader thread. It gives its permit back however it ends, even when
   * cancelled before it started, so that {@link #abort()} can count the parts still running.
   */
  private final class PartUpload implements Runnable {
    final CompletableFuture<CompletedPart> result = new CompletableFuture<>();
    private final int number;
    private final String id;
    private PartBuffer data;
    private Thread runner;
    private boolean cancelled;

    PartUpload(int number, String id, PartBuffer data) {
      this.number = number;
      this.id = id;
      this.data = data;
    }

    @Override
    public void run() {
      PartBuffer bytes;
      synchronized (this) {
        bytes = data;
        data = null; // the buffer is garbage as soon as the upload ends
        if (cancelled) {
          slots.release();
          result.cancel(false);
          return;
        }
        runner = Thread.currentThread();
      }
      try {
        result.complete(store.uploadPart(key, objectKey, id, number, bytes));
      } catch (Throwable e) {
        result.completeExceptionally(e);
      } finally {
        synchronized (this) {
          runner = null;
          Thread.interrupted(); // a cancel's interrupt must not reach the pool thread's next task
        }
        slots.release();
      }
    }

    synchronized void cancel() {
      cancelled = true;
      if (runner != null) {
        runner.interrupt();
      }
    }
  }
}
