package dev.envelope.server;

import dev.envelope.service.ServiceObserver;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The server's metrics, in a registry of its own (not the Prometheus client's global one), written by the
 * Prometheus Java client in its text format for {@code GET /metrics}.
 *
 * <p>Every label has a small, fixed set of values: a route is the route's template ({@code /v1/files/{id}}, or
 * {@code unmatched}), never the path a client sent, so no file id, tenant, token or address can become a label
 * value; no metric holds a secret.
 *
 * <p>The file service's calls to the key service and its stores' failures come in through {@link
 * #serviceObserver()}: give that to the {@link dev.envelope.service.FileService.Builder} and this object to the
 * {@link EnvelopeServer.Builder}, and one scrape shows both.
 */
public final class ServerMetrics {
  /** The route label of a request no route matched (404, 405). */
  static final String UNMATCHED = "unmatched";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Counter requests = Counter.builder().name("envelope_http_requests")
      .help("HTTP requests answered, by route template, method and status")
      .labelNames("route", "method", "status").register(registry);
  private final Histogram latency = Histogram.builder().name("envelope_http_request_duration_seconds")
      .help("Time from a request's arrival to the end of its answer (a transfer's whole body), by route template,"
          + " method and status")
      .labelNames("route", "method", "status").classicOnly().withoutExemplars().register(registry);
  private final Counter uploadBytes = Counter.builder().name("envelope_upload_received_bytes")
      .help("Bytes of upload bodies read from clients (a multipart body's framing included)").register(registry);
  private final Counter downloadBytes = Counter.builder().name("envelope_download_sent_bytes")
      .help("Bytes of file content sent to clients by downloads").register(registry);
  private final Gauge uploadsInFlight = Gauge.builder().name("envelope_uploads_in_flight")
      .help("Authenticated uploads being received now").register(registry);
  private final Counter authFailures = Counter.builder().name("envelope_auth_failures")
      .help("Refused authentications, by reason: unauthenticated (no, bad, expired or revoked token),"
          + " tenant_shredded (the token of a shredded tenant), share_link (a share link that opens nothing),"
          + " throttled (the address is over its budget)")
      .labelNames("reason").register(registry);
  private final Counter sweeps = Counter.builder().name("envelope_orphan_sweeps")
      .help("Runs of this node's orphan sweeper, by outcome (ok, error)").labelNames("outcome").register(registry);
  private final Counter orphansRemoved = Counter.builder().name("envelope_orphan_blobs_removed")
      .help("Blobs without a row removed by this node's orphan sweeper").register(registry);

  private final Counter keyCalls = Counter.builder().name("envelope_key_calls")
      .help("Calls of the file service to the key service, by operation (generate_data_key, decrypt, re_encrypt,"
          + " readiness_probe) and outcome (ok, or the error code: unavailable, key-disabled, ...)")
      .labelNames("operation", "outcome").register(registry);
  private final Histogram keyLatency = Histogram.builder().name("envelope_key_call_duration_seconds")
      .help("Time the key service took to answer the file service, by operation (whatever the outcome)")
      .labelNames("operation").classicOnly().withoutExemplars().register(registry);
  private final Counter storeErrors = Counter.builder().name("envelope_store_errors")
      .help("Calls of the file service to a store (metadata, blob) that failed because the store could not be"
          + " used, by store and operation (insert, get, create, read, ...)")
      .labelNames("store", "operation").register(registry);

  /** Empty metrics, for one server. */
  public ServerMetrics() {
    for (ServiceObserver.KeyOperation operation : ServiceObserver.KeyOperation.values()) {
      keyCalls.labelValues(operation.label(), "ok");
      keyLatency.labelValues(operation.label());
    }
    for (String reason : new String[] {"unauthenticated", "tenant_shredded", "share_link", "throttled"}) {
      authFailures.labelValues(reason); // present at 0 from the start, so that a rate has a first point
    }
    sweeps.labelValues("ok");
    sweeps.labelValues("error");
  }

  /** Counts one answered request (Javalin's request logger calls it after the answer). */
  void request(Context ctx, float millis) {
    Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
    String route = endpoint == null ? UNMATCHED : endpoint.path;
    String method = methodLabel(ctx.method().name());
    String status = Integer.toString(ctx.statusCode());
    requests.labelValues(route, method, status).inc();
    latency.labelValues(route, method, status).observe(millis / 1000.0);
  }

  /** The methods that are label values as they are; any other (a client may send any token) is {@code other}. */
  private static final java.util.Set<String> KNOWN_METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE",
      "PATCH", "OPTIONS", "TRACE", "CONNECT");

  /** A method as a label value: one of {@link #KNOWN_METHODS}, or {@code other}, so no client can add series. */
  static String methodLabel(String method) {
    return KNOWN_METHODS.contains(method) ? method : "other";
  }

  /** {@code body}, counting the bytes read from it as upload bytes. */
  InputStream countUpload(InputStream body) {
    return new FilterInputStream(body) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          uploadBytes.inc();
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
          uploadBytes.inc(n);
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        if (skipped > 0) {
          uploadBytes.inc(skipped);
        }
        return skipped;
      }
    };
  }

  void downloadSent(long bytes) {
    if (bytes > 0) {
      downloadBytes.inc(bytes);
    }
  }

  void uploadStarted() {
    uploadsInFlight.inc();
  }

  void uploadEnded() {
    uploadsInFlight.dec();
  }

  void authFailure(String reason) {
    authFailures.labelValues(reason).inc();
  }

  void sweep(boolean ok, int removed) {
    sweeps.labelValues(ok ? "ok" : "error").inc();
    if (removed > 0) {
      orphansRemoved.inc(removed);
    }
  }

  /** What the file service reports, counted here: its key service calls and its stores' failures. */
  public ServiceObserver serviceObserver() {
    return new ServiceObserver() {
      @Override
      public void keyCall(KeyOperation operation, String outcome, long nanos) {
        keyCalls.labelValues(operation.label(), outcome).inc();
        keyLatency.labelValues(operation.label()).observe(nanos / 1e9);
      }

      @Override
      public void storeError(Store store, String operation) {
        storeErrors.labelValues(store.label(), operation).inc();
      }
    };
  }

  /** The exposition's media type. */
  String contentType() {
    return writer.getContentType();
  }

  /** Writes every metric, in the Prometheus text format. */
  void write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }

  /** Answers a scrape. */
  void serve(Context ctx) throws IOException {
    ctx.status(200);
    ctx.contentType(contentType());
    ctx.header("Cache-Control", "no-store");
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(8192);
    write(body);
    ctx.result(body.toByteArray());
  }
}
