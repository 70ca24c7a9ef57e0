package dev.envelope.http;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The response as the application sees it: each write is timed from the call to its completion (the time the
 * server waited for the client to take the bytes, {@link SlowPeerMeter}), and a write that waits longer than the
 * client's minimum rate allows is cut: the connection is closed under it, so the write fails and the thread is
 * free. A download to a reader that stalls on purpose cannot hold its thread past the grace period.
 */
final class GuardedResponse extends Response.Wrapper {
  private final Request request;
  private final SlowPeerMeter meter;

  GuardedResponse(Request request, Response response, SlowPeerMeter meter) {
    super(request, response);
    this.request = request;
    this.meter = meter;
  }

  @Override
  public void write(boolean last, ByteBuffer content, Callback callback) {
    if (meter.tooSlow()) {
      callback.failed(new SlowClientException("the client took the response too slowly: " + meter.describe()));
      return;
    }
    long start = System.nanoTime();
    int bytes = content == null ? 0 : content.remaining();
    long allowed = meter.allowedWaitNanos(bytes);
    Scheduler.Task cutoff = allowed == Long.MAX_VALUE ? null : request.getComponents().getScheduler()
        .schedule(() -> SlowPeerMeter.cut(request), allowed, TimeUnit.NANOSECONDS);
    super.write(last, content, new Callback.Nested(callback) {
      @Override
      public void succeeded() {
        cancel(cutoff);
        meter.waited(System.nanoTime() - start);
        meter.moved(bytes);
        super.succeeded();
      }

      @Override
      public void failed(Throwable x) {
        cancel(cutoff);
        super.failed(x);
      }
    });
  }

  private static void cancel(Scheduler.Task task) {
    if (task != null) {
      task.cancel();
    }
  }
}
