package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.server.audit.AuditEvent;
import dev.envelope.server.audit.ChainedAuditLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditCommandTest {
  @TempDir
  Path dir;

  private Path log(int events) throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(dir.resolve("audit"), "n1", 1 << 20, Clock.systemUTC())) {
      for (int i = 0; i < events; i++) {
        log.record(AuditEvent.of(AuditEvent.Type.FILE_LIST, AuditEvent.Outcome.OK).tenant("t").build());
      }
      return log.currentFile();
    }
  }

  private CliRunner.Result verify(String... paths) {
    List<String> args = new ArrayList<>(List.of("audit", "verify"));
    args.addAll(List.of(paths));
    return new CliRunner(dir, null).run(args.toArray(String[]::new));
  }

  @Test
  void aGoodLog_isOkWithItsCountAndLastHash() throws Exception {
    Path file = log(4);

    CliRunner.Result r = verify(file.toString());

    assertEquals(0, r.status, r.toString());
    assertTrue(r.out().matches("ok: " + file + ": 5 lines, last seq 5, last hash [0-9a-f]{64}\\n"), r.out());
    assertEquals(0, verify(dir.resolve("audit").toString()).status);
  }

  @Test
  void aDeletedLine_isNamedByFileAndLine_withItsOwnExitStatus() throws Exception {
    Path file = log(4);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    lines.remove(2);
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);

    CliRunner.Result r = verify(file.toString());

    assertEquals(21, r.status, r.toString());
    assertTrue(r.stderr.startsWith("envelope: error: " + file + ":3: missing: "), r.stderr);
    assertTrue(r.stderr.endsWith(" [audit-chain-broken]\n"), r.stderr);
  }

  @Test
  void aLineCutShort_isSaidToBeCut() throws Exception {
    Path file = log(2);
    Files.writeString(file, "{\"seq\":4,", java.nio.file.StandardOpenOption.APPEND);

    CliRunner.Result r = verify(file.toString());

    assertEquals(21, r.status, r.toString());
    assertTrue(r.stderr.contains(file + ":4: truncated: "), r.stderr);
  }

  @Test
  void garbageAndMissingFiles_areOneLineErrors() throws Exception {
    Path garbage = Files.write(dir.resolve("garbage"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, '\n'});

    CliRunner.Result bad = verify(garbage.toString());
    CliRunner.Result missing = verify(dir.resolve("nope").toString());

    assertEquals(21, bad.status, bad.toString());
    assertTrue(bad.stderr.contains(":1: altered: not an audit line"), bad.stderr);
    assertEquals(3, missing.status, missing.toString());
    assertEquals(1, missing.stderr.lines().count(), missing.stderr);
  }
}
