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
 */
final class Health {
  private static final Logger LOG = LoggerFactory.getLogger(Health.class);

  private final FileService files;

  Health(FileService files) {
    this.files = files;
  }

  void live(Context ctx) throws IOException {
    Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("status", "ok"));
  }

  void ready(Context ctx) throws IOException, EnvelopeException {
    try {
      files.checkReady();
    } catch (EnvelopeException | RuntimeException e) {
      LOG.warn("not ready: {}", e.getMessage());
      // Whatever the cause, the answer to "can I send traffic here" is no, for now.
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "not ready: a store or the key service cannot be used now");
    }
    Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("status", "ok"));
  }
}
