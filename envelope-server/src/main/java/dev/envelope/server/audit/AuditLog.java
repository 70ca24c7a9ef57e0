package dev.envelope.server.audit;

import dev.envelope.api.EnvelopeException;

/**
 * Where the server records security events (see {@code docs/AUDIT.md}). {@link #record} returns only once the
 * line is durable; a log that cannot take it throws, and the request it belongs to fails (fail closed).
 */
public interface AuditLog extends AutoCloseable {
  /**
   * Writes {@code event} as one line and waits until it is on disk.
   *
   * @throws EnvelopeException {@link dev.envelope.api.ErrorCode#UNAVAILABLE} if the line could not be made
   *     durable: the caller must not go on with what the line was about
   */
  void record(AuditEvent event) throws EnvelopeException;

  /** Whether lines are kept at all ({@link #off()} keeps none). */
  boolean enabled();

  /**
   * Whether a line recorded now could be made durable: false while the writer is stuck on the disk, after a
   * failed fsync (final until a restart) and once closed. {@code /readyz} says not ready then.
   */
  boolean healthy();

  @Override
  void close();

  /** No audit log: events are dropped. Only for an operator who said {@code audit-log = off}, and for tests. */
  static AuditLog off() {
    return Off.INSTANCE;
  }

  /** The log that keeps nothing. */
  enum Off implements AuditLog {
    INSTANCE;

    @Override
    public void record(AuditEvent event) {}

    @Override
    public boolean enabled() {
      return false;
    }

    @Override
    public boolean healthy() {
      return true;
    }

    @Override
    public void close() {}
  }
}
