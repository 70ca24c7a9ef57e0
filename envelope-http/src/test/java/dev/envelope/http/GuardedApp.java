package dev.envelope.http;

import io.javalin.Javalin;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A small app behind the guards, standing in for a server: {@code POST /upload} refuses without
 * {@code Authorization: ok} before reading the body (as the file server refuses an unauthenticated upload),
 * and otherwise reads the body to its end; {@code DELETE /thing} counts deletes; {@code GET /healthz} answers.
 */
final class GuardedApp implements AutoCloseable {
  static final ErrorFormat FORMAT = (request, refusal) -> new ErrorFormat.Body("application/problem+json",
      ("{\"status\":" + refusal.status() + ",\"reason\":\"" + refusal.reason() + "\"}")
          .getBytes(StandardCharsets.UTF_8));

  final AtomicInteger deletes = new AtomicInteger();
  final AtomicInteger uploadFailures = new AtomicInteger();
  final AtomicInteger uploadsRead = new AtomicInteger();
  final AtomicInteger downloadsCompleted = new AtomicInteger();
  final AtomicInteger downloadFailures = new AtomicInteger();
  private final Javalin app;
  private final HttpGuards.Listener listener;

  GuardedApp(HttpLimits limits) {
    this(limits, Optional.empty());
  }

  GuardedApp(HttpLimits limits, Optional<BodyPrefetch> prefetch) {
    HttpGuards.Listener[] made = new HttpGuards.Listener[1];
    this.app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      made[0] = HttpGuards.install(cfg, new HttpGuards.Listen("guarded-test", "127.0.0.1", 0, 0,
          Optional.empty(), prefetch), limits, FORMAT);
      cfg.routes.get("/healthz", ctx -> ctx.result("ok"));
      cfg.routes.get("/sleep", ctx -> {
        Thread.sleep(300);
        ctx.result("slept");
      });
      cfg.routes.delete("/thing", ctx -> {
        deletes.incrementAndGet();
        ctx.status(204);
      });
      cfg.routes.get("/thing", ctx -> ctx.result("a thing"));
      cfg.routes.post("/slow-server", ctx -> {
        Thread.sleep(1500); // the server's own time (a key service call, say) before it reads the body
        ctx.result(Long.toString(ctx.req().getInputStream().readAllBytes().length));
      });
      cfg.routes.get("/slow-server", ctx -> {
        Thread.sleep(1500); // the server's own time before it answers
        ctx.result("late but small");
      });
      cfg.routes.get("/big", ctx -> {
        try (var out = ctx.res().getOutputStream()) {
          ctx.res().setContentLengthLong(64L << 20);
          byte[] chunk = new byte[64 * 1024];
          for (int i = 0; i < 1024; i++) {
            out.write(chunk);
          }
          downloadsCompleted.incrementAndGet();
        } catch (java.io.IOException e) {
          downloadFailures.incrementAndGet();
          throw e;
        }
      });
      cfg.routes.post("/upload", ctx -> {
        if (!"ok".equals(ctx.header("Authorization"))) {
          ctx.status(401).result("no");
          return;
        }
        try (InputStream body = ctx.req().getInputStream()) {
          long n = body.transferTo(java.io.OutputStream.nullOutputStream());
          uploadsRead.incrementAndGet();
          ctx.status(201).result(Long.toString(n));
        } catch (java.io.IOException e) {
          uploadFailures.incrementAndGet();
          throw e;
        }
      });
    });
    this.listener = made[0];
    app.start();
  }

  int port() {
    return listener.port();
  }

  int maxThreads() {
    return ((QueuedThreadPool) app.jettyServer().server().getThreadPool()).getMaxThreads();
  }

  /** Threads of the pool running a task now. */
  int busyThreads() {
    return ((QueuedThreadPool) app.jettyServer().server().getThreadPool()).getBusyThreads();
  }

  @Override
  public void close() {
    app.stop();
  }
}
