package dev.envelope.client;

import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * A request body that tells a {@link TransferListener} how many bytes the HTTP client has taken from it. It
 * passes the buffers through untouched and keeps the delegate's length, so an upload from a file still goes
 * out with a {@code Content-Length}.
 */
final class CountingPublisher implements BodyPublisher {
  private final BodyPublisher delegate;
  private final TransferListener listener;

  private CountingPublisher(BodyPublisher delegate, TransferListener listener) {
    this.delegate = delegate;
    this.listener = listener;
  }

  static BodyPublisher of(BodyPublisher delegate, TransferListener listener) {
    return listener == TransferListener.NONE ? delegate : new CountingPublisher(delegate, listener);
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    long total = delegate.contentLength();
    delegate.subscribe(new Flow.Subscriber<ByteBuffer>() {
      private long done;

      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        done = 0; // a resubscription (a retried request) starts over
        subscriber.onSubscribe(subscription);
      }

      @Override
      public void onNext(ByteBuffer item) {
        done += item.remaining();
        subscriber.onNext(item);
        listener.transferred(done, total);
      }

      @Override
      public void onError(Throwable throwable) {
        subscriber.onError(throwable);
      }

      @Override
      public void onComplete() {
        subscriber.onComplete();
      }
    });
  }
}
