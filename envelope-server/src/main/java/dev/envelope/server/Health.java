package dev.envelope.server;

import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditLog;
import dev.envelope.service.FileService;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /healthz} (the process answers) and {@code GET /readyz} (the key service and both stores can be
 * used now, and the audit log can write). No authentication: orchestrators call them, and they reveal nothing but up or down.
 *
 * <p>A readiness check does real work (it asks the key service for a data key) and may take a dependency's whole
 * retry budget when that dependency is slow, so it never runs on a caller's thread: one check at a time runs on
 * this class's own thread, at most once every {@link #READY_FOR}, and {@code /readyz} answers at once from the
 * last known state. Anyone who can reach the port can therefore neither turn {@code /readyz} into a stream of KMS
 * calls nor park request threads behind a slow check. The server starts the first check as it starts; until
 * that one has finished, {@code /readyz} answers 503 at once ("not ready yet"), so a probe with a short timeout
 * never times out, even while a dependency takes its whole retry budget to fail.
 */
final class Health implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Health.class);

  static final Duration READY_FOR = Duration.ofSeconds(5);
  /** How long the server's start waits for the first check (a request never waits for one). */
  static final Duration FIRST_CHECK_WAIT = Duration.ofSeconds(2);

  /** What the last check found, and when it finished. */
  private record State(boolean ready, long checkedAt) {}

  private final FileService files;
  private final AuditLog audit;
  private final ExecutorService checker = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "envelope-readiness");
    thread.setDaemon(true);
    return thread;
  });
  private final AtomicReference<CompletableFuture<State>> running = new AtomicReference<>();
  private volatile State last;

  Health(FileService files, AuditLog audit) {
    this.files = files;
    this.audit = audit;
  }

  void live(Context ctx) throws IOException {
    Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("status", "ok"));
  }

  void ready(Context ctx) throws IOException {
    // Asked at every probe, not cached: it costs nothing, and a stuck log fails every request at once.
    if (!audit.healthy()) {
      Problems.send(ctx, Problem.of(ErrorCode.UNAVAILABLE, "not ready: the audit log cannot make lines durable now"));
      return;
    }
    State state = last;
    if (state == null || System.nanoTime() - state.checkedAt() >= READY_FOR.toNanos()) {
      refresh(); // in the background: this answer is the last known state
    }
    if (state == null) {
      Problems.send(ctx, Problem.of(ErrorCode.UNAVAILABLE, "not ready yet: the first readiness check is still"
          + " running"));
      return;
    }
    if (!state.ready()) {
      // Answered here, not thrown: a 503 of the API logs an incident per request, and probes are many.
      Problems.send(ctx, Problem.of(ErrorCode.UNAVAILABLE, "not ready: a store or the key service cannot be used"
          + " now"));
      return;
    }
    Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("status", "ok"));
  }

  /** Starts the first check and waits for it, at most {@code wait}; at start, before any request. */
  void awaitFirstCheck(Duration wait) {
    try {
      refresh().get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      // still running: /readyz says "not ready yet" until it ends
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts a check unless one is running; either way, the running one. */
  CompletableFuture<State> refresh() {
    CompletableFuture<State> mine = new CompletableFuture<>();
    CompletableFuture<State> current = running.compareAndExchange(null, mine);
    if (current != null) {
      return current;
    }
    try {
      checker.execute(() -> {
        State state = new State(check(), System.nanoTime());
        last = state;
        running.set(null);
        mine.complete(state);
      });
    } catch (RuntimeException e) { // shut down
      running.set(null);
      mine.complete(new State(false, System.nanoTime()));
    }
    return mine;
  }

  private boolean check() {
    try {
      files.checkReady();
      return true;
    } catch (Exception e) {
      // Whatever the cause, the answer to "can I send traffic here" is no, for now. One line per check.
      LOG.warn("not ready: {}", e.getMessage());
      return false;
    }
  }

  @Override
  public void close() {
    checker.shutdownNow();
  }
}
