package dev.envelope.http;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The request as the application sees it: its body reads are metered ({@link SlowPeerMeter}) and fail with a
 * {@link SlowClientException} once the client is too slow (a wait for bytes that lasts longer than the minimum
 * rate allows is cut by closing the connection); and the servlet layer's attempt to consume an unread
 * body when its response completes is left to {@link UnreadBodyDrain}. (That attempt is non-blocking: it takes
 * what has arrived, else fails the body as "unconsumed" and the connection is closed, reset under a client still
 * sending. The drain runs next and takes the body in properly.)
 */
final class GuardedRequest extends Request.Wrapper {
  private final SlowPeerMeter meter;
  /** When the last read found nothing (the reader waits from then on); 0 when it is not waiting. */
  private volatile long waitingSince;
  private volatile Content.Chunk failure;
  private volatile Scheduler.Task cutoff;

  GuardedRequest(Request request, SlowPeerMeter meter) {
    super(request);
    this.meter = meter;
  }

  @Override
  public Content.Chunk read() {
    if (failure != null) {
      return failure;
    }
    Content.Chunk chunk = super.read();
    if (chunk == null) {
      if (waitingSince == 0) {
        waitingSince = System.nanoTime();
        long allowed = meter.allowedWaitNanos(0);
        if (allowed != Long.MAX_VALUE) {
          Request self = this;
          cutoff = getComponents().getScheduler().schedule(() -> SlowPeerMeter.cut(self), allowed,
              TimeUnit.NANOSECONDS);
        }
      }
      return null;
    }
    endWait(System.nanoTime());
    meter.moved(chunk.remaining());
    if (!Content.Chunk.isFailure(chunk) && !chunk.isLast() && meter.tooSlow()) {
      chunk.release();
      failure = Content.Chunk.from(new SlowClientException("the request body arrived too slowly: "
          + meter.describe()), true);
      return failure;
    }
    return chunk;
  }

  @Override
  public void demand(Runnable demandCallback) {
    super.demand(() -> {
      endWait(System.nanoTime()); // the wait ends when bytes arrive, not when the application reads them
      demandCallback.run();
    });
  }

  private void endWait(long now) {
    long since = waitingSince;
    if (since != 0) {
      waitingSince = 0;
      Scheduler.Task task = cutoff;
      if (task != null) {
        task.cancel();
      }
      meter.waited(now - since);
    }
  }

  @Override
  public boolean consumeAvailable() {
    return true;
  }
}
