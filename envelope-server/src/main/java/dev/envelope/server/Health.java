package dev.envelope.server;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.service.FileService;
import io.javalin.http.Context;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /healthz} (the process answers) and {@code GET /readyz} (the key service and both stores can be
 * used now). No authentication: orchestrators call them, and they reveal nothing but up or down.
 *
 * <p>A readiness check does real work (it asks the key service for a data key), so its answer is kept for
 * {@link #READY_FOR}: anyone who can reach the port could otherwise turn {@code /readyz} into a stream of KMS
 * calls, which cost money and count against throttling limits.
 */
final class Health {
  private static final Logger LOG = LoggerFactory.getLogger(Health.class);

  static final java.time.Duration READY_FOR = java.time.Duration.ofSeconds(5);

  private final FileService files;
  private final Object lock = new Object();
  private long checkedAt = Long.MIN_VALUE;
  private EnvelopeException lastFailure;

  Health(FileService files) {
    this.files = files;
  }

  void live(Context ctx) throws IOException {
    Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("status", "ok"));
  }

  void ready(Context ctx) throws IOException, EnvelopeException {
    EnvelopeException failure;
    synchronized (lock) {
      long now = System.nanoTime();
      if (checkedAt == Long.MIN_VALUE || now - checkedAt >= READY_FOR.toNanos()) {
        lastFailure = check();
        checkedAt = System.nanoTime();
      }
      failure = lastFailure;
    }
    if (failure != null) {
      throw failure;
    }
    Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("status", "ok"));
  }

  private EnvelopeException check() {
    try {
      files.checkReady();
      return null;
    } catch (EnvelopeException | RuntimeException e) {
      LOG.warn("not ready: {}", e.getMessage());
      // Whatever the cause, the answer to "can I send traffic here" is no, for now.
      return new EnvelopeException(ErrorCode.UNAVAILABLE, "not ready: a store or the key service cannot be used now");
    }
  }
}
