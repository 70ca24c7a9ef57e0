package dev.envelope.server;

import dev.envelope.core.internal.CipherWarmUp;
import dev.envelope.server.audit.AuditEvent.Type;
import dev.envelope.server.audit.AuditLog;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.TenantAdmin;
import dev.envelope.service.FileService;
import dev.envelope.service.LinkStore;
import dev.envelope.service.Role;
import dev.envelope.service.ShareLinks;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import dev.envelope.http.AuthenticationFailures;
import dev.envelope.http.HttpGuards;
import dev.envelope.http.HttpLimits;
import io.javalin.config.RoutesConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Envelope HTTP server: the v1 API over a {@link FileService} and {@link AccessTokens}, on Javalin (Jetty).
 * {@link #routes} is the whole API in one place. Start it with {@link #start()}; port 0 picks a free port,
 * which {@link #port()} then tells.
 *
 * <p>Bounds ({@link HttpLimits}, installed by {@link HttpGuards}): every transfer holds a request thread for its
 * duration (blocking streams, which keep memory per transfer at a few buffers), a virtual one where the JDK has
 * them; connections are capped in all and per client address, a transfer must keep a minimum data rate, and a
 * client that has not authenticated never holds a thread (its refused body is taken in without one).
 */
public final class EnvelopeServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EnvelopeServer.class);
  /**
   * Bytes Jetty reads from a connection at a time (its default is 8 KiB): an upload body then reaches the
   * copy loop in reads as large as its 64 KiB buffer and the cipher's segment, not in eighths of one.
   */
  static final int UPLOAD_READ_BUFFER = 64 * 1024;

  private final FileService files;
  private final Javalin app;
  private final Duration orphanGrace;
  /** The name of the orphan sweeper's thread. */
  static final String SWEEPER_THREAD = "envelope-orphan-sweeper";

  private final Duration sweepInterval;
  private final HttpGuards.Listener listener;
  private final Health health;
  private final ServerMetrics metrics;
  /** The loopback-only listener that serves {@code /metrics} without a token; null when metrics-port is off. */
  private final Javalin metricsApp;
  private final HttpGuards.Listener metricsListener;
  /** The S3 API's listener; null when it is off. */
  private final Javalin s3App;
  private final HttpGuards.Listener s3Listener;
  private final S3Settings s3;
  private ScheduledExecutorService sweeper;

  private EnvelopeServer(Builder b) {
    this.files = b.files;
    this.metrics = b.metrics;
    this.orphanGrace = b.orphanGrace;
    this.sweepInterval = b.sweepInterval;
    this.health = new Health(b.files, b.audit);
    HttpGuards.Listener[] made = new HttpGuards.Listener[1];
    AuthenticationFailures failures = new AuthenticationFailures(b.limits.authFailuresPerMinute());
    this.app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.http.compressionStrategy = CompressionStrategy.NONE;
      config.http.prefer405over404 = true;
      // The download form's token is its body: the guards take that in without a thread (FormToken).
      made[0] = HttpGuards.install(config, new HttpGuards.Listen("envelope-http", b.host, b.port, UPLOAD_READ_BUFFER,
          Optional.empty(), Optional.of(FormToken.prefetch(failures, b.audit))), b.limits, Problems.errorFormat());
      Problems.register(config.routes);
      config.routes.before(RequestLogContext::begin);
      config.routes.after(ctx -> RequestLogContext.end());
      config.requestLogger.http((ctx, millis) -> {
        metrics.request(ctx, millis);
        RequestLogContext.end();
      });
      Uploads uploads = new Uploads(b.files, b.bodies.formParts(), b.limits.maxHeaderBytes(), metrics);
      JsonRequests json = new JsonRequests(b.bodies.jsonBytes(), b.bodies.jsonDepth());
      Tokens admin = new Tokens(b.tokens, json);
      Audits audits = new Audits(b.audit);
      Downloads downloads = new Downloads(b.files, metrics);
      ShareLinks shareLinks = b.links == null ? null
          : new ShareLinks(b.files, b.links, b.tokens, java.time.Clock.systemUTC());
      routes(config.routes, new Authenticated(b.tokens, failures, audits, metrics), audits, b.files, health, uploads,
          downloads, admin, new TenantsApi(b.tenants, json), new Links(shareLinks, json, downloads, b.publicUrl),
          json, metrics);
    });
    this.listener = made[0];
    if (b.metricsPort < 0) {
      this.metricsApp = null;
      this.metricsListener = null;
    } else {
      HttpGuards.Listener[] metricsMade = new HttpGuards.Listener[1];
      this.metricsApp = Javalin.create(config -> {
        config.startup.showJavalinBanner = false;
        config.startup.showOldJavalinVersionWarning = false;
        config.http.compressionStrategy = CompressionStrategy.NONE;
        config.http.prefer405over404 = true;
        // Loopback only, whatever the API's host: whoever can reach it may read the metrics without a token.
        metricsMade[0] = HttpGuards.install(config, HttpGuards.Listen.plain("envelope-metrics", METRICS_HOST,
            b.metricsPort, 0), b.limits, Problems.errorFormat());
        Problems.register(config.routes);
        config.routes.get("/metrics", metrics::serve);
      });
      this.metricsListener = metricsMade[0];
    }
    this.s3 = b.s3;
    if (b.s3 == null) {
      this.s3App = null;
      this.s3Listener = null;
    } else {
      HttpGuards.Listener[] s3Made = new HttpGuards.Listener[1];
      AuthenticationFailures s3Failures = new AuthenticationFailures(b.limits.authFailuresPerMinute());
      this.s3App = Javalin.create(config -> {
        config.startup.showJavalinBanner = false;
        config.startup.showOldJavalinVersionWarning = false;
        config.http.compressionStrategy = CompressionStrategy.NONE;
        s3Made[0] = HttpGuards.install(config, new HttpGuards.Listen("envelope-s3", b.host, b.s3.port(),
            UPLOAD_READ_BUFFER, Optional.empty(), Optional.empty(), true), b.limits, S3Api.errorFormat());
        config.routes.before(RequestLogContext::begin);
        config.requestLogger.http((ctx, millis) -> {
          metrics.request(ctx, millis);
          RequestLogContext.end();
        });
        Audits audits = new Audits(b.audit);
        S3Signatures signatures = new S3Signatures(b.s3.credentials(), b.s3.region(), s3Failures, audits, metrics,
            java.time.Clock.systemUTC());
        S3Api api = new S3Api(b.s3.objects(), signatures, audits, new Downloads(b.files, metrics), b.s3.region(),
            b.s3.domain());
        for (String path : java.util.List.of("/", "/<path>")) {
          config.routes.get(path, api::handle);
          config.routes.head(path, api::handle);
          config.routes.put(path, api::handle);
          config.routes.post(path, api::handle);
          config.routes.delete(path, api::handle);
          config.routes.patch(path, api::handle); // answered NotImplemented in S3's XML, as every other method
          config.routes.options(path, api::handle);
        }
      });
      this.s3Listener = s3Made[0];
    }
  }

  /**
   * The S3 API's settings: where it listens (the API's host), its region, and the domain of virtual-hosted-style
   * requests (null: path-style only).
   */
  public record S3Settings(int port, String region, String domain, dev.envelope.service.S3Objects objects,
      dev.envelope.service.S3Credentials credentials, Duration uploadExpiry) {
    /** With incomplete uploads expiring after {@link #DEFAULT_UPLOAD_EXPIRY}. */
    public S3Settings(int port, String region, String domain, dev.envelope.service.S3Objects objects,
        dev.envelope.service.S3Credentials credentials) {
      this(port, region, domain, objects, credentials, DEFAULT_UPLOAD_EXPIRY);
    }

    public static final Duration DEFAULT_UPLOAD_EXPIRY = Duration.ofDays(7);

    public S3Settings {
      Objects.requireNonNull(uploadExpiry, "uploadExpiry");
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(objects, "objects");
      Objects.requireNonNull(credentials, "credentials");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("the S3 port must be from 0 to 65535");
      }
    }
  }

  /** The only address the metrics listener binds to. */
  static final String METRICS_HOST = "127.0.0.1";

  /** The API: every route, its authentication and its handler. */
  private static void routes(RoutesConfig r, Authenticated auth, Audits audit, FileService files, Health health,
      Uploads uploads, Downloads downloads, Tokens admin, TenantsApi tenants, Links links, JsonRequests json,
      ServerMetrics metrics) {
    Files metadata = new Files(files, json);
    OpenApi openApi = new OpenApi();

    WebPage.register(r); // the web page at /: static files, no token (they hold nothing of a tenant)
    r.get("/healthz", health::live);
    r.get("/readyz", health::ready);
    r.get("/v1/openapi.json", openApi::serve); // no token: it describes the API, and holds nothing of a tenant
    // Counts of the whole node, across tenants: an operator's. Not audited, as /healthz is not: it changes nothing
    // and holds nothing of a tenant (failed authentications are audited by Authenticated all the same).
    r.get("/metrics", auth.any((ctx, caller) -> {
      caller.require(Role.OPERATOR);
      metrics.serve(ctx);
    }));

    r.post("/v1/files", auth.any(audit.on(Type.FILE_UPLOAD, uploads::upload)));
    r.get("/v1/files", auth.any(audit.on(Type.FILE_LIST, metadata::list)));
    r.get("/v1/files/{id}", auth.any(audit.on(Type.FILE_DOWNLOAD, downloads::get)));
    r.head("/v1/files/{id}", auth.any(audit.on(Type.FILE_HEAD, downloads::head)));
    // The web page's download: the token in a form body, so that the browser streams the file to disk (FormToken).
    r.post("/v1/files/{id}/download", auth.form(audit.on(Type.FILE_DOWNLOAD, downloads::get)));
    r.get("/v1/files/{id}/metadata", auth.any(audit.on(Type.FILE_METADATA, metadata::metadata)));
    r.delete("/v1/files/{id}", auth.any(audit.on(Type.FILE_DELETE, metadata::delete)));
    r.patch("/v1/files/{id}", auth.any(audit.on(Type.FILE_RENAME, metadata::rename)));
    r.get("/v1/usage", auth.any(audit.on(Type.USAGE_READ, metadata::usage)));

    // Share links: made, listed and revoked with a token of the file's tenant; used with the link's secret alone.
    r.post("/v1/files/{id}/links", auth.any(audit.on(Type.LINK_CREATE, links::create)));
    r.get("/v1/files/{id}/links", auth.any(audit.on(Type.LINK_LIST, links::list)));
    r.delete("/v1/files/{id}/links/{linkId}", auth.any(audit.on(Type.LINK_REVOKE, links::revoke)));
    r.get("/s/{secret}", ctx -> auth.link(links.links(), Type.LINK_DOWNLOAD, links::get).handle(ctx));
    r.head("/s/{secret}", ctx -> auth.link(links.links(), Type.LINK_HEAD, links::head).handle(ctx));

    // The role is checked inside the audit, so that a refused token request is on the log too.
    r.post("/v1/tokens", auth.any(audit.on(Type.TOKEN_CREATE, Role.ADMIN, admin::create)));
    r.get("/v1/tokens", auth.any(audit.on(Type.TOKEN_LIST, Role.ADMIN, admin::list)));
    r.delete("/v1/tokens/{id}", auth.any(audit.on(Type.TOKEN_REVOKE, Role.ADMIN, admin::revoke)));

    r.get("/v1/tenants", auth.any(audit.on(Type.TENANT_LIST, Role.OPERATOR, tenants::list)));
    r.post("/v1/tenants", auth.any(audit.on(Type.TENANT_CREATE, Role.OPERATOR, tenants::create)));
    r.get("/v1/tenants/{name}", auth.any(audit.on(Type.TENANT_DESCRIBE, Role.OPERATOR, tenants::describe)));
    r.put("/v1/tenants/{name}/root-key", auth.any(audit.on(Type.TENANT_SET_KEY, Role.OPERATOR, tenants::setKey)));
    r.put("/v1/tenants/{name}/quota", auth.any(audit.on(Type.TENANT_SET_QUOTA, Role.OPERATOR, tenants::setQuota)));
    r.post("/v1/tenants/{name}/shred", auth.any(audit.on(Type.TENANT_SHRED, Role.OPERATOR, tenants::shred)));
    r.post("/v1/tenants/{name}/purge", auth.any(audit.on(Type.TENANT_PURGE, Role.OPERATOR, tenants::purge)));
  }

  public static Builder builder(FileService files, AccessTokens tokens) {
    return new Builder(files, tokens);
  }

  /** Starts listening, warms the cipher up and schedules the orphan sweeper. */
  public EnvelopeServer start() {
    CipherWarmUp.startInBackground();
    app.start();
    if (metricsApp != null) {
      try {
        metricsApp.start();
      } catch (RuntimeException e) {
        app.stop();
        throw e;
      }
    }
    if (s3App != null) {
      try {
        s3App.start();
      } catch (RuntimeException e) {
        app.stop();
        if (metricsApp != null) {
          metricsApp.stop();
        }
        throw e;
      }
    }
    // The first readiness check, so that /readyz has a state to answer from; start waits for it a little (a probe
    // right after start then has its answer), never a request: until it ends, /readyz says "not ready yet".
    health.awaitFirstCheck(Health.FIRST_CHECK_WAIT);
    if (sweepInterval.isZero()) {
      LOG.info("orphan sweeper off (sweep-interval = off): another node, or nobody, removes failed uploads");
      return this;
    }
    sweeper = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, SWEEPER_THREAD);
      thread.setDaemon(true);
      return thread;
    });
    Duration grace = files.orphanGrace(orphanGrace);
    if (!grace.equals(orphanGrace)) {
      LOG.info("orphan grace {} (asked for {}): the blob store needs at least that much", grace, orphanGrace);
    }
    long every = sweepInterval.toMillis();
    sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Whether this server runs the orphan sweeper (for tests). */
  boolean sweeps() {
    return sweeper != null && !sweeper.isShutdown();
  }

  private void sweep() {
    if (s3 != null) {
      try {
        int expired = s3.objects().expireUploads(s3.uploadExpiry());
        if (expired > 0) {
          LOG.info("expired {} incomplete S3 multipart upload(s)", expired);
        }
      } catch (Exception e) {
        LOG.warn("expiring S3 multipart uploads failed: {}", e.getMessage());
      }
    }
    try {
      int removed = files.sweepOrphans(orphanGrace);
      metrics.sweep(true, removed);
      if (removed > 0) {
        LOG.info("orphan sweeper removed {} blob(s)", removed);
      }
    } catch (Exception e) {
      metrics.sweep(false, 0);
      // Keep the schedule: a store that is down now may be back at the next run.
      LOG.warn("orphan sweep failed: {}", e.getMessage());
    }
  }

  /** The port the server listens on (the one picked when it was asked for port 0). */
  public int port() {
    return listener.port();
  }

  /** The port of the loopback listener that serves {@code /metrics} without a token; -1 when it is off. */
  public int metricsPort() {
    return metricsListener == null ? -1 : metricsListener.port();
  }

  /** The port of the S3 API; -1 when it is off. */
  public int s3Port() {
    return s3Listener == null ? -1 : s3Listener.port();
  }

  /** {@code http://host:port} of the S3 API, for clients' endpoint setting; null when it is off. */
  public String s3Url() {
    if (s3Listener == null) {
      return null;
    }
    String host = s3Listener.host();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + s3Listener.port();
  }

  /** The host of the metrics listener (always {@link #METRICS_HOST}); null when it is off. */
  String metricsHost() {
    return metricsListener == null ? null : metricsListener.host();
  }

  /** The host the server listens on. */
  public String host() {
    return listener.host();
  }

  /** {@code http://host:port}, for people and for clients. */
  public String url() {
    String host = host();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  /** The Javalin app, for tests that ask what routes it has. */
  Javalin app() {
    return app;
  }

  /** Stops accepting requests, then stops the sweeper. */
  public void stop() {
    app.stop();
    if (metricsApp != null) {
      metricsApp.stop();
    }
    if (s3App != null) {
      s3App.stop();
    }
    health.close();
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** The orphan sweeper's defaults: a blob store may need a longer grace ({@link FileService#orphanGrace}). */
  public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofHours(1);
  public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofMinutes(10);

  /** Builds an {@link EnvelopeServer}; defaults are those of {@link ServerSettings}. */
  public static final class Builder {
    private final FileService files;
    private final AccessTokens tokens;
    private String host = ServerSettings.DEFAULT_HOST;
    private int port = ServerSettings.DEFAULT_PORT;
    private HttpLimits limits = HttpLimits.defaults();
    private BodyLimits bodies = BodyLimits.DEFAULTS;
    private Duration orphanGrace = DEFAULT_ORPHAN_GRACE;
    private Duration sweepInterval = DEFAULT_SWEEP_INTERVAL;
    private AuditLog audit = AuditLog.off();
    private TenantAdmin tenants;
    private int metricsPort = -1;
    private LinkStore links;
    private java.net.URI publicUrl;
    private ServerMetrics metrics = new ServerMetrics();
    private S3Settings s3;

    private Builder(FileService files, AccessTokens tokens) {
      this.files = Objects.requireNonNull(files, "files");
      this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    /** The operator's tenant administration behind {@code /v1/tenants}; without it those routes answer 503. */
    public Builder tenants(TenantAdmin tenants) {
      this.tenants = Objects.requireNonNull(tenants, "tenants");
      return this;
    }

    /**
     * Where share links are kept ({@link ShareLinks}); without it the link routes answer 503. The file service should
     * have the same store, so that a deleted file's links go with it.
     */
    public Builder links(LinkStore store) {
      this.links = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * The base of share links' URLs ({@code https://files.example.com}); null (the default) takes each request's
     * scheme and Host.
     */
    public Builder publicUrl(java.net.URI url) {
      this.publicUrl = url;
      return this;
    }

    /**
     * The metrics to count in and serve: by default a fresh set. Pass the one whose {@link
     * ServerMetrics#serviceObserver()} the file service was built with, so that {@code /metrics} shows its key
     * service calls and store failures too.
     */
    public Builder metrics(ServerMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Serves the S3 API too, on its own port ({@link S3Api}); off (null) by default. */
    public Builder s3(S3Settings settings) {
      this.s3 = settings;
      return this;
    }

    /** Where to listen; port 0 picks a free port. */
    public Builder listen(String host, int port) {
      this.host = Objects.requireNonNull(host, "host");
      this.port = port;
      return this;
    }

    /**
     * A second listener, on 127.0.0.1 only, that serves {@code GET /metrics} without a token; port 0 picks a free
     * port, -1 (the default) means none. On the API's port only an operator token may read {@code /metrics}.
     */
    public Builder metricsPort(int port) {
      if (port < -1 || port > 65535) {
        throw new IllegalArgumentException("the metrics port must be -1 (off) or from 0 to 65535");
      }
      this.metricsPort = port;
      return this;
    }

    /** The bounds on connections, threads, headers, time, data rate and failed authentications. */
    public Builder limits(HttpLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** The bounds on the request bodies the API parses. */
    public Builder bodyLimits(BodyLimits bodies) {
      this.bodies = Objects.requireNonNull(bodies, "bodies");
      return this;
    }

    /**
     * How old a blob without a row must be before the sweeper removes it, and how often it looks
     * ({@link Duration#ZERO}: never, on this node).
     */
    public Builder orphanSweep(Duration grace, Duration interval) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("the orphan grace must not be negative");
      }
      this.orphanGrace = grace;
      this.sweepInterval = interval.isZero() ? interval : positive(interval, "sweepInterval");
      return this;
    }

    /**
     * Where security events go ({@link dev.envelope.server.audit.ChainedAuditLog}); none unless given. The caller
     * keeps it and closes it after the server stops.
     */
    public Builder auditLog(AuditLog audit) {
      this.audit = Objects.requireNonNull(audit, "audit");
      return this;
    }

    /** Applies the HTTP settings: where to listen, and the bounds on clients and request bodies. */
    public Builder settings(ServerSettings settings) {
      return listen(settings.host(), settings.port()).limits(settings.httpLimits()).bodyLimits(settings.bodyLimits())
          .metricsPort(settings.metricsPort()).publicUrl(settings.publicUrl());
    }

    public EnvelopeServer build() {
      return new EnvelopeServer(this);
    }

    private static Duration positive(Duration d, String name) {
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }
  }
}
