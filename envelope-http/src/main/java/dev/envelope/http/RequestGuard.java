package dev.envelope.http;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The outermost handler of an Envelope listener. It refuses, before the application sees them, requests that
 * would make the application do something other than what their request line says: a method override header
 * ({@code X-HTTP-Method-Override} and its kin, which Javalin would honour, so that a GET could delete), or a
 * transfer coding the server does not implement (only {@code chunked} is; RFC 9112 wants 501 for the rest).
 *
 * <p>The application sees a {@link GuardedRequest} and a {@link GuardedResponse}, which cut a client that moves
 * data slower than the minimum rate. Every response, the application's included, completes through {@link
 * UnreadBodyDrain}: a body nobody read (a refused upload) is taken in without a thread before the connection is
 * reused or closed.
 */
final class RequestGuard extends Handler.Wrapper {
  /** Headers that ask a server to take another method than the request line's; none is honoured. */
  static final List<String> METHOD_OVERRIDES = List.of("X-HTTP-Method-Override", "X-HTTP-Method",
      "X-Method-Override");

  private final HttpLimits limits;
  private final ErrorFormat errors;
  private final java.util.Optional<BodyPrefetch> prefetch;

  RequestGuard(HttpLimits limits, ErrorFormat errors, java.util.Optional<BodyPrefetch> prefetch) {
    this.limits = limits;
    this.errors = errors;
    this.prefetch = prefetch;
  }

  @Override
  public boolean handle(Request request, Response response, Callback answered) throws Exception {
    Callback callback = headersDone(request, answered);
    Optional<Refusal> refusal = refusalOf(request.getHeaders());
    if (refusal.isPresent()) {
      refuse(request, response, callback, refusal.get(), errors, limits);
      return true;
    }
    long grace = limits.minDataRateGrace().toNanos();
    Callback drained = new UnreadBodyDrain(request, callback, limits);
    if (prefetch.isPresent() && PrefetchedBody.applies(request, prefetch.get().maxBytes())
        && prefetch.get().worthWaitingFor().test(request)) {
      BodyPrefetch policy = prefetch.get();
      new PrefetchedBody(request, policy.maxBytes(), new SlowPeerMeter(limits.minDataRate(), grace),
          whole -> handleNow(whole, new GuardedResponse(whole, response, new SlowPeerMeter(limits.minDataRate(),
              grace)), drained),
          failure -> {
            policy.abandoned().accept(request);
            callback.failed(failure);
          }).run();
      return true; // the body is taken in without this thread; the application runs once it is all here
    }
    GuardedRequest guarded = new GuardedRequest(request, new SlowPeerMeter(limits.minDataRate(), grace));
    return super.handle(guarded, new GuardedResponse(guarded, response, new SlowPeerMeter(limits.minDataRate(),
        grace)), drained);
  }

  /** Hands a request whose body has been taken in to the application, on the thread that completed it. */
  private void handleNow(Request request, Response response, Callback callback) {
    try {
      if (!super.handle(request, response, callback)) {
        Response.writeError(request, response, callback, 404);
      }
    } catch (Throwable failure) {
      Response.writeError(request, response, callback, failure);
    }
  }

  /** Tells the connection's {@link HeaderDeadline} that a request is handled, and when its answer is done. */
  private static Callback headersDone(Request request, Callback answered) {
    Connection connection = request.getConnectionMetaData().getConnection();
    HeaderDeadline deadline = request.getConnectionMetaData().getConnector().getBean(HeaderDeadline.class);
    if (deadline == null) {
      return answered;
    }
    deadline.handling(connection);
    return new Callback.Nested(answered) {
      @Override
      public void succeeded() {
        deadline.answered(connection);
        super.succeeded();
      }

      @Override
      public void failed(Throwable failure) {
        deadline.answered(connection);
        super.failed(failure);
      }
    };
  }

  static Optional<Refusal> refusalOf(HttpFields headers) {
    for (String name : METHOD_OVERRIDES) {
      if (headers.contains(name)) {
        return Optional.of(Refusal.of(400, Refusal.Reason.METHOD_OVERRIDE, name
            + " is not honoured: a request's method is the one on its request line"));
      }
    }
    boolean chunkedOnly = true;
    int codings = 0;
    for (HttpField field : headers.getFields(HttpHeader.TRANSFER_ENCODING)) {
      for (String coding : field.getValues()) {
        codings++;
        chunkedOnly &= coding.strip().toLowerCase(Locale.ROOT).equals("chunked");
      }
    }
    if (codings > 0 && (!chunkedOnly || codings > 1)) {
      return Optional.of(Refusal.of(501, Refusal.Reason.TRANSFER_CODING,
          "the only transfer coding this server implements is chunked, once"));
    }
    return Optional.empty();
  }

  /** Answers {@code refusal} in the server's error format, then takes in the unread body. */
  static void refuse(Request request, Response response, Callback callback, Refusal refusal, ErrorFormat errors,
      HttpLimits limits) {
    ErrorFormat.Body body = errors.render(request, refusal);
    response.setStatus(refusal.status());
    HttpFields.Mutable headers = response.getHeaders();
    headers.put(HttpHeader.CONTENT_TYPE, body.mediaType());
    headers.put(HttpHeader.CACHE_CONTROL, "no-store");
    body.headers().forEach(headers::put);
    refusal.retryAfter().ifPresent(after -> headers.put(HttpHeader.RETRY_AFTER,
        Long.toString(Math.max(1, (after.toMillis() + 999) / 1000))));
    response.write(true, ByteBuffer.wrap(body.bytes()), new UnreadBodyDrain(request, callback, limits));
  }
}
