package dev.envelope.server;

import dev.envelope.core.CipherWarmUp;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.FileService;
import dev.envelope.service.Role;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.RoutesConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Envelope HTTP server: the v1 API over a {@link FileService} and {@link AccessTokens}, on Javalin (Jetty).
 * {@link #routes} is the whole API in one place. Start it with {@link #start()}; port 0 picks a free port,
 * which {@link #port()} then tells.
 *
 * <p>Threads: every transfer holds a Jetty thread for its duration (blocking streams, which keep memory per
 * transfer at a few buffers), so the pool is sized for concurrent transfers, not for cores:
 * {@value #MAX_THREADS} threads serve 50+ concurrent clients on 2 cores with room for Jetty's selector and
 * acceptor, and queue the rest; crypto and disk, not threads, set the throughput.
 */
public final class EnvelopeServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EnvelopeServer.class);
  static final int MAX_THREADS = 128;
  /**
   * Bytes Jetty reads from a connection at a time (its default is 8 KiB): an upload body then reaches the
   * copy loop in reads as large as its 64 KiB buffer and the cipher's segment, not in eighths of one.
   */
  static final int UPLOAD_READ_BUFFER = 64 * 1024;
  static final int MIN_THREADS = 8;

  private final FileService files;
  private final Javalin app;
  private final Duration orphanGrace;
  /** The name of the orphan sweeper's thread. */
  static final String SWEEPER_THREAD = "envelope-orphan-sweeper";

  private final Duration sweepInterval;
  private ScheduledExecutorService sweeper;
  private ServerConnector connector;

  private EnvelopeServer(Builder b) {
    this.files = b.files;
    this.orphanGrace = b.orphanGrace;
    this.sweepInterval = b.sweepInterval;
    this.app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.http.compressionStrategy = CompressionStrategy.NONE;
      config.http.prefer405over404 = true;
      config.jetty.threadPool = threadPool();
      config.jetty.modifyServer(server -> server.setErrorHandler(new JettyProblems()));
      config.jetty.addConnector((server, http) -> {
        http.setSendServerVersion(false);
        HttpConnectionFactory http1 = new HttpConnectionFactory(http);
        http1.setInputBufferSize(UPLOAD_READ_BUFFER);
        connector = new ServerConnector(server, http1);
        connector.setHost(b.host);
        connector.setPort(b.port);
        connector.setIdleTimeout(b.idleTimeout.toMillis());
        return connector;
      });
      Problems.register(config.routes);
      routes(config.routes, new Authenticated(b.tokens), b.files, b.tokens);
    });
  }

  /** The API: every route, its authentication and its handler. */
  private static void routes(RoutesConfig r, Authenticated auth, FileService files, AccessTokens tokens) {
    Health health = new Health(files);
    Uploads uploads = new Uploads(files);
    Downloads downloads = new Downloads(files);
    Files metadata = new Files(files);
    Tokens admin = new Tokens(tokens);
    OpenApi openApi = new OpenApi();

    r.get("/healthz", health::live);
    r.get("/readyz", health::ready);
    r.get("/v1/openapi.json", auth.any((ctx, caller) -> openApi.serve(ctx)));

    r.post("/v1/files", auth.any(uploads::upload));
    r.get("/v1/files", auth.any(metadata::list));
    r.get("/v1/files/{id}", auth.any(downloads::get));
    r.head("/v1/files/{id}", auth.any(downloads::head));
    r.get("/v1/files/{id}/metadata", auth.any(metadata::metadata));
    r.delete("/v1/files/{id}", auth.any(metadata::delete));

    r.post("/v1/tokens", auth.role(Role.ADMIN, admin::create));
    r.get("/v1/tokens", auth.role(Role.ADMIN, admin::list));
    r.delete("/v1/tokens/{id}", auth.role(Role.ADMIN, admin::revoke));
  }

  private static QueuedThreadPool threadPool() {
    QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, MIN_THREADS, 60_000);
    pool.setName("envelope-http");
    return pool;
  }

  public static Builder builder(FileService files, AccessTokens tokens) {
    return new Builder(files, tokens);
  }

  /** Starts listening, warms the cipher up and schedules the orphan sweeper. */
  public EnvelopeServer start() {
    CipherWarmUp.startInBackground();
    app.start();
    if (sweepInterval.isZero()) {
      LOG.info("orphan sweeper off (sweep-interval = off): another node, or nobody, removes failed uploads");
      return this;
    }
    sweeper = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, SWEEPER_THREAD);
      thread.setDaemon(true);
      return thread;
    });
    long every = sweepInterval.toMillis();
    sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Whether this server runs the orphan sweeper (for tests). */
  boolean sweeps() {
    return sweeper != null && !sweeper.isShutdown();
  }

  private void sweep() {
    try {
      int removed = files.sweepOrphans(orphanGrace);
      if (removed > 0) {
        LOG.info("orphan sweeper removed {} blob(s)", removed);
      }
    } catch (Exception e) {
      // Keep the schedule: a store that is down now may be back at the next run.
      LOG.warn("orphan sweep failed: {}", e.getMessage());
    }
  }

  /** The port the server listens on (the one picked when it was asked for port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The host the server listens on. */
  public String host() {
    return connector.getHost();
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
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** Builds an {@link EnvelopeServer}; defaults are those of {@link ServerSettings}. */
  public static final class Builder {
    private final FileService files;
    private final AccessTokens tokens;
    private String host = ServerSettings.DEFAULT_HOST;
    private int port = ServerSettings.DEFAULT_PORT;
    private Duration idleTimeout = ServerSettings.DEFAULT_IDLE_TIMEOUT;
    private Duration orphanGrace = ServerSettings.DEFAULT_ORPHAN_GRACE;
    private Duration sweepInterval = ServerSettings.DEFAULT_SWEEP_INTERVAL;

    private Builder(FileService files, AccessTokens tokens) {
      this.files = Objects.requireNonNull(files, "files");
      this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    /** Where to listen; port 0 picks a free port. */
    public Builder listen(String host, int port) {
      this.host = Objects.requireNonNull(host, "host");
      this.port = port;
      return this;
    }

    /** How long a connection may stall (no byte either way) before it is closed. */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = positive(idleTimeout, "idleTimeout");
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

    /** Applies the settings that concern the server itself. */
    public Builder settings(ServerSettings settings) {
      return listen(settings.host(), settings.port()).idleTimeout(settings.idleTimeout())
          .orphanSweep(settings.orphanGrace(), settings.sweepInterval());
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
