package dev.envelope.http;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.ByteBufferContentSource;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Takes a request body in without a thread ({@link BodyPrefetch}): reads what has arrived, asks Jetty to call it
 * back when more does, and hands the whole body to {@code whole} as a request of its own ({@link Prefetched}).
 * Waiting for the client is metered like any read ({@link SlowPeerMeter}); a body cut short, failed or too slow
 * goes to {@code abandoned} instead.
 */
final class PrefetchedBody implements Runnable {
  private final Request request;
  private final int maxBytes;
  private final SlowPeerMeter meter;
  private final Consumer<Request> whole;
  private final Consumer<Throwable> abandoned;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private long waitingSince;
  private Scheduler.Task cutoff;
  private boolean done;

  PrefetchedBody(Request request, int maxBytes, SlowPeerMeter meter, Consumer<Request> whole,
      Consumer<Throwable> abandoned) {
    this.request = request;
    this.maxBytes = maxBytes;
    this.meter = meter;
    this.whole = whole;
    this.abandoned = abandoned;
  }

  /** Whether {@code request} has a body worth taking in: one declared no larger than {@code maxBytes}, or chunked. */
  static boolean applies(Request request, int maxBytes) {
    long declared = request.getLength();
    return declared > 0 && declared <= maxBytes
        || declared < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
  }

  @Override
  public void run() {
    Request complete = null;
    Throwable failure = null;
    synchronized (this) {
      if (done) {
        return;
      }
      endWait();
      while (true) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          startWait();
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          failure = chunk.getFailure();
          break;
        }
        meter.moved(chunk.remaining());
        byte[] bytes = new byte[chunk.remaining()];
        chunk.getByteBuffer().get(bytes);
        boolean last = chunk.isLast();
        chunk.release();
        body.write(bytes, 0, bytes.length);
        if (last || body.size() > maxBytes) {
          complete = new Prefetched(request, body.toByteArray());
          break;
        }
      }
      done = true;
    }
    if (complete != null) {
      whole.accept(complete);
    } else {
      abandoned.accept(failure);
    }
  }

  private void startWait() {
    waitingSince = System.nanoTime();
    long allowed = meter.allowedWaitNanos(0);
    if (allowed != Long.MAX_VALUE) {
      cutoff = request.getComponents().getScheduler().schedule(() -> SlowPeerMeter.cut(request), allowed,
          TimeUnit.NANOSECONDS);
    }
  }

  private void endWait() {
    if (waitingSince != 0) {
      meter.waited(System.nanoTime() - waitingSince);
      waitingSince = 0;
    }
    if (cutoff != null) {
      cutoff.cancel();
      cutoff = null;
    }
  }

  /** The request with its body already here: reads are served from memory and never wait. */
  static final class Prefetched extends Request.Wrapper {
    private final ByteBufferContentSource content;

    Prefetched(Request request, byte[] body) {
      super(request);
      this.content = new ByteBufferContentSource(java.nio.ByteBuffer.wrap(body));
    }

    @Override
    public Content.Chunk read() {
      return content.read();
    }

    @Override
    public void demand(Runnable demandCallback) {
      content.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
      content.fail(failure);
    }

    @Override
    public boolean consumeAvailable() {
      return true; // what is left unread is the guards' to take in (UnreadBodyDrain), from the real request
    }
  }
}
