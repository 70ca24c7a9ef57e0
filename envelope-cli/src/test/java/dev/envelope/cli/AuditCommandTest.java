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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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

  /** A directory holding only {@code n.000001.jsonl}, made by {@code plant}. */
  private Path hostileDirectory(PlantAt plant) throws Exception {
    Path hostile = Files.createDirectory(dir.resolve("hostile"));
    plant.at(hostile.resolve("n.000001.jsonl"));
    return hostile;
  }

  private interface PlantAt {
    void at(Path file) throws Exception;
  }

  private static void assertRefusedNaming(CliRunner.Result r, Path file, String what) {
    assertEquals(21, r.status, r.toString());
    assertEquals(1, r.stderr.lines().count(), r.stderr);
    assertTrue(r.stderr.contains(file.toString()) && r.stderr.contains(what), r.stderr);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // the bug this guards against is a hang
  void aFifoNamedLikeALogFile_inADirectory_isRefusedNamingIt_notReadForEver() throws Exception {
    Path hostile = hostileDirectory(f -> assertEquals(0, new ProcessBuilder("mkfifo", f.toString()).start().waitFor()));

    assertRefusedNaming(verify(hostile.toString()), hostile.resolve("n.000001.jsonl"), "not a regular file");
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aLinkToDevZeroNamedLikeALogFile_inADirectory_isRefusedNamingIt() throws Exception {
    Path hostile = hostileDirectory(f -> Files.createSymbolicLink(f, Path.of("/dev/zero")));

    assertRefusedNaming(verify(hostile.toString()), hostile.resolve("n.000001.jsonl"), "symbolic link");
  }

  @Test
  void aDirectoryNamedLikeALogFile_isRefusedNamingIt() throws Exception {
    Path hostile = hostileDirectory(Files::createDirectory);

    assertRefusedNaming(verify(hostile.toString()), hostile.resolve("n.000001.jsonl"), "a directory");
  }

  @Test
  void aFirstGenerationWithItsHeadCut_isMissingAtLine1_inDirectoryMode() throws Exception {
    Path file = log(4);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    Files.writeString(file, String.join("\n", lines.subList(3, lines.size())) + "\n", StandardCharsets.UTF_8);

    CliRunner.Result r = verify(file.getParent().toString());

    assertEquals(21, r.status, r.toString());
    assertTrue(r.stderr.startsWith("envelope: error: " + file + ":1: missing: "), r.stderr);
  }

  @Test
  void twoFilesOfOneGeneration_areRefusedAsAmbiguous_namingBoth() throws Exception {
    Path file = log(2);
    Path twin = file.resolveSibling("n1.0000001.jsonl");
    Files.copy(file, twin);

    CliRunner.Result r = verify(file.getParent().toString());

    assertEquals(21, r.status, r.toString());
    assertTrue(r.stderr.contains(file.toString()) && r.stderr.contains(twin.toString())
        && r.stderr.contains("ambiguous"), r.stderr);
  }
}
