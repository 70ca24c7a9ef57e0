package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditEvent;
import dev.envelope.server.audit.AuditLog;
import dev.envelope.server.audit.ChainedAuditLog;
import dev.envelope.service.Principal;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

/**
 * The audit log of the operator's commands that change keys or tenants ({@code tenants create|set-key|shred|purge},
 * {@code admin rewrap}, {@code admin migrate}, {@code keys destroy-version}): a chained log of its own beside the node's, named {@code
 * NODE-admin}, so that it never races the server's chain. A line {@code started} is fsynced before the change and
 * one {@code ok} or {@code error} after it; when the log cannot be written the command does nothing (fail-closed,
 * as the server). One such command runs at a time per node: a second one is refused while the first holds the log.
 */
final class AdminAudit implements AutoCloseable {
  private final AuditLog log;
  private final String requestId = UUID.randomUUID().toString();

  private AdminAudit(AuditLog log) {
    this.log = log;
  }

  /** The admin log of the node these settings describe (off when the node's audit log is off). */
  static AdminAudit open(NodeSettings settings) throws EnvelopeException {
    AuditSettings audit = AuditSettings.from(settings);
    if (audit.directory().isEmpty()) {
      return new AdminAudit(AuditLog.off());
    }
    String node = audit.node();
    String name = (node.length() > 58 ? node.substring(0, 58) : node) + "-admin";
    try {
      return new AdminAudit(ChainedAuditLog.open(audit.directory().get(), name, audit.maxFileBytes(),
          Clock.systemUTC(), audit.timeout()));
    } catch (EnvelopeException e) {
      throw new EnvelopeException(e.code(), e.getMessage() + " (another 'envelope tenants', 'admin rewrap', 'admin"
          + " migrate' or 'keys destroy-version' may be running: they take turns)", e);
    }
  }

  /** A change to audit. */
  interface Change<T> {
    T run() throws EnvelopeException, java.io.IOException;
  }

  /**
   * Runs {@code change} between a {@code started} line and an {@code ok} or {@code error} one.
   *
   * @param bytes what to record as {@code bytes} of a success (a count), or empty
   */
  <T> T record(AuditEvent.Type type, String tenant, String target, Change<T> change,
      java.util.function.Function<T, Optional<Long>> bytes) throws EnvelopeException, java.io.IOException {
    log.record(event(type, AuditEvent.Outcome.STARTED, tenant, target).build());
    T result;
    try {
      result = change.run();
    } catch (EnvelopeException e) {
      log.record(event(type, AuditEvent.Outcome.ERROR, tenant, target).code(e.code().id()).build());
      throw e;
    } catch (RuntimeException | java.io.IOException e) {
      log.record(event(type, AuditEvent.Outcome.ERROR, tenant, target).code(ErrorCode.INTERNAL.id()).build());
      throw e;
    }
    AuditEvent.Builder ok = event(type, AuditEvent.Outcome.OK, tenant, target);
    bytes.apply(result).ifPresent(ok::bytes);
    log.record(ok.build());
    return result;
  }

  private AuditEvent.Builder event(AuditEvent.Type type, AuditEvent.Outcome outcome, String tenant, String target) {
    return AuditEvent.of(type, outcome).requestId(requestId).tokenId(Principal.LOCAL).tenant(tenant).target(target);
  }

  @Override
  public void close() {
    log.close();
  }
}
