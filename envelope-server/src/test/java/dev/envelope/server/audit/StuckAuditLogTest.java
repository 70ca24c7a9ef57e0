package dev.envelope.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A disk that stops answering holds no request for ever: the line fails after the timeout, and the log says so. */
class StuckAuditLogTest {
  @TempDir
  Path dir;

  private static AuditEvent event() {
    return AuditEvent.of(AuditEvent.Type.FILE_LIST, AuditEvent.Outcome.OK).tenant("default").build();
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS) // the bug this guards against is a hang
  void aLineThatCannotBeWrittenInTime_failsUnavailable_andTheLogIsUnhealthyUntilTheDiskAnswers() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(dir, "node-a", 1 << 20, Clock.systemUTC(),
        Duration.ofMillis(200))) {
      assertTrue(log.healthy());
      try (StuckDisk disk = StuckDisk.under(log)) {
        EnvelopeException e = assertThrows(EnvelopeException.class, () -> log.record(event()));

        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().contains("durable within"), e.getMessage());
        assertFalse(log.healthy());
      }
      log.beforeBatch = () -> {};
      log.record(event());
      assertTrue(log.healthy());
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aFailedFsync_failsTheLineUnavailable_andEveryLaterLine_untilTheNodeRestarts() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(dir, "node-a", 1 << 20, Clock.systemUTC())) {
      log.record(event());
      StuckDisk.failingFsync(log);
      EnvelopeException first = assertThrows(EnvelopeException.class, () -> log.record(event()));
      assertEquals(ErrorCode.UNAVAILABLE, first.code());
      assertTrue(first.getMessage().contains("cannot fsync the audit log"), first.getMessage());
      assertFalse(log.healthy());
      log.durable = channel -> channel.force(false); // even when the disk answers again: the node must restart
      EnvelopeException later = assertThrows(EnvelopeException.class, () -> log.record(event()));
      assertTrue(later.getMessage().contains("failed earlier"), later.getMessage());
    }
    // A restart continues the chain; every line on disk is whole and in order.
    try (ChainedAuditLog log = ChainedAuditLog.open(dir, "node-a", 1 << 20, Clock.systemUTC())) {
      log.record(event());
    }
    AuditChainVerifier.Result chain = AuditChainVerifier.verify(AuditChainVerifier.chains(dir).get("node-a"));
    assertTrue(chain.ok(), () -> chain.failure().describe());
  }
}
