package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import io.javalin.util.JavalinLogger;
import java.io.IOException;

/**
 * Starts a Javalin server (the file service, the key server) without Javalin's own log line when the start fails
 * ({@code ERROR Javalin - Failed to start Javalin}): the command reports the failure itself, in its one line with
 * a stable code, and the user should see only that. Javalin logs everything through one logger, which also
 * reports uncaught exceptions while serving, so it is silenced only for the start, not by the log configuration.
 * The switch is JVM-wide: the CLI starts one server per process.
 */
final class QuietStart {
  private QuietStart() {}

  /** Something that starts a server. */
  interface Start<T> {
    T start() throws IOException, EnvelopeException;
  }

  static <T> T start(Start<T> start) throws IOException, EnvelopeException {
    boolean was = JavalinLogger.enabled;
    JavalinLogger.enabled = false;
    try {
      return start.start();
    } finally {
      JavalinLogger.enabled = was;
    }
  }
}
