package dev.envelope.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Completes a response only once the request body nobody read has been taken in and thrown away, up to
 * {@link HttpLimits#drainBytes()} and {@link HttpLimits#drainTime()}, without holding a thread meanwhile: it
 * reads what has arrived and asks Jetty to call it back when more does.
 *
 * <p>Why: a server that answers an upload before reading it (a 401, a 403, a bad name) and then closes with the
 * body unread makes the kernel reset the connection, and a client still sending then sees a network failure
 * instead of the answer. Taking the rest in lets the connection end cleanly (and even be reused). But the
 * answer is already sent when this runs, and a client that has not authenticated must not hold a thread:
 * draining on a thread, as a blocking read, let 125 slow clients without a token take every thread.
 *
 * <p>Nothing is taken in when the client waits for {@code 100 Continue} (it has not sent the body, and must
 * not be invited to), or when more is left than the limit (answered at once; the connection is then closed).
 */
final class UnreadBodyDrain implements Callback, Runnable {
  private final Request request;
  private final Callback completion;
  private final HttpLimits limits;
  private long drained;
  private boolean done;
  private Scheduler.Task deadline;

  UnreadBodyDrain(Request request, Callback completion, HttpLimits limits) {
    this.request = request;
    this.completion = completion;
    this.limits = limits;
  }

  @Override
  public void succeeded() {
    if (!worthDraining()) {
      completion.succeeded();
      return;
    }
    synchronized (this) {
      deadline = request.getComponents().getScheduler().schedule(this::finish, limits.drainTime());
    }
    run();
  }

  @Override
  public void failed(Throwable failure) {
    synchronized (this) {
      done = true;
    }
    completion.failed(failure);
  }

  @Override
  public InvocationType getInvocationType() {
    return completion.getInvocationType();
  }

  /** Reads what has arrived; asks to be called again when more does. */
  @Override
  public void run() {
    synchronized (this) {
      while (!done) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          break; // the body failed (cut, timed out): nothing more will come
        }
        drained += chunk.remaining();
        boolean last = chunk.isLast();
        chunk.release();
        if (last || drained > limits.drainBytes()) {
          break;
        }
      }
    }
    finish();
  }

  private void finish() {
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      if (deadline != null) {
        deadline.cancel();
      }
    }
    completion.succeeded();
  }

  private boolean worthDraining() {
    if (request.getHeaders().contains(HttpHeader.EXPECT)) {
      return false;
    }
    long declared = request.getLength();
    return declared < 0 || declared - Request.getContentBytesRead(request) <= limits.drainBytes();
  }
}
