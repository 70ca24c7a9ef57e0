package dev.envelope.server;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;

/**
 * Incident ids: an unexpected failure is logged once, with its stack trace, under a random id that the
 * client's 500 problem also shows, so an operator can find the log line a user reports without the response
 * revealing anything about the server's insides.
 */
final class Incidents {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Incidents() {}

  /** An expected operational failure (a dependency down): one WARN line with its incident id, no stack trace. */
  static String warn(Logger log, String what) {
    String incident = newId();
    log.warn("incident {}: {}", incident, what);
    return incident;
  }

  /** Logs {@code failure} as an error under a new incident id, and returns the id. */
  static String log(Logger log, String what, Throwable failure) {
    String incident = newId();
    log.error("incident {}: {}", incident, what, failure);
    return incident;
  }

  private static String newId() {
    byte[] id = new byte[6];
    RANDOM.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }
}
