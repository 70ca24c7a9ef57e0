package dev.envelope.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain as the writer makes it and the verifier checks it, and every way of breaking it. */
class AuditChainTest {
  private static final String NODE = "node-a";

  @TempDir
  Path dir;

  private Path log(int events, long maxFileBytes) throws EnvelopeException {
    try (ChainedAuditLog log = ChainedAuditLog.open(dir, NODE, maxFileBytes, Clock.systemUTC())) {
      for (int i = 0; i < events; i++) {
        log.record(AuditEvent.of(AuditEvent.Type.FILE_DOWNLOAD, AuditEvent.Outcome.OK).tenant("default")
            .fileId("file" + i).bytes(i).requestId("r" + i).build());
      }
      return log.currentFile();
    }
  }

  private List<String> lines(Path file) throws IOException {
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  private void write(Path file, List<String> lines) throws IOException {
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  private AuditChainVerifier.Failure failure(Path... files) throws IOException {
    AuditChainVerifier.Result result = AuditChainVerifier.verify(List.of(files));
    assertTrue(!result.ok(), "expected a failure");
    return result.failure();
  }

  @Test
  void anUntouchedLogVerifies_withItsCountAndLastHash() throws Exception {
    Path file = log(10, 1 << 20);

    AuditChainVerifier.Result result = AuditChainVerifier.verify(List.of(file));

    assertTrue(result.ok(), () -> result.failure().describe());
    assertEquals(11, result.lines()); // audit.open, then the ten
    assertEquals(11, result.lastSeq());
    assertNull(result.continues());
    List<String> lines = lines(file);
    assertTrue(lines.get(0).startsWith("{\"seq\":1,\"prev\":\"" + AuditLines.GENESIS + "\""), lines.get(0));
    assertEquals(AuditLines.hash(lines.get(10).getBytes(StandardCharsets.UTF_8), lines.get(10).length()),
        result.lastHash());
  }

  @Test
  void aFlippedByte_isFoundAtItsLine() throws Exception {
    Path file = log(10, 1 << 20);
    List<String> lines = lines(file);
    lines.set(4, lines.get(4).replace("\"tenant\":\"default\"", "\"tenant\":\"defaulu\""));
    write(file, lines);

    AuditChainVerifier.Failure f = failure(file);

    assertEquals(5, f.line(), f.describe());
    assertEquals(AuditChainVerifier.Kind.ALTERED, f.kind());
    assertEquals(4, AuditChainVerifier.verify(List.of(file)).lines(), "the good lines are those before it");
  }

  @Test
  void aFlippedByteThatBreaksTheJson_isFoundAtItsLine() throws Exception {
    Path file = log(10, 1 << 20);
    byte[] bytes = Files.readAllBytes(file);
    int sixthLine = nthLineStart(bytes, 6);
    bytes[sixthLine] ^= 0x01; // '{' becomes 'z'
    Files.write(file, bytes);

    AuditChainVerifier.Failure f = failure(file);

    assertEquals(6, f.line(), f.describe());
    assertEquals(AuditChainVerifier.Kind.ALTERED, f.kind());    assertEquals(5, AuditChainVerifier.verify(List.of(file)).lines());
  }

  @Test
  void aChangedPrev_isFoundAtItsLine() throws Exception {
    Path file = log(10, 1 << 20);
    List<String> lines = lines(file);
    String line = lines.get(6);
    int at = line.indexOf("\"prev\":\"") + "\"prev\":\"".length();
    lines.set(6, line.substring(0, at) + (line.charAt(at) == 'f' ? 'e' : 'f') + line.substring(at + 1));
    write(file, lines);

    AuditChainVerifier.Failure f = failure(file);

    assertEquals(7, f.line(), f.describe());
  }

  @Test
  void aDeletedLine_isFoundWhereItWas() throws Exception {
    Path file = log(10, 1 << 20);
    List<String> lines = lines(file);
    lines.remove(3);
    write(file, lines);

    AuditChainVerifier.Failure f = failure(file);

    assertEquals(4, f.line(), f.describe());
    assertEquals(AuditChainVerifier.Kind.MISSING, f.kind());
    assertTrue(f.why().contains("seq 4"), f.why());
  }

  @Test
  void twoSwappedLines_areFoundAtTheFirst() throws Exception {
    Path file = log(10, 1 << 20);
    List<String> lines = lines(file);
    Collections.swap(lines, 5, 6);
    write(file, lines);

    AuditChainVerifier.Failure f = failure(file);

    assertEquals(6, f.line(), f.describe());
    assertEquals(AuditChainVerifier.Kind.OUT_OF_ORDER, f.kind());
  }

  @Test
  void aLineCutByACrash_isSaidToBeCut_andTheWriterDropsIt() throws Exception {
    Path file = log(3, 1 << 20);
    Files.writeString(file, "{\"seq\":5,\"prev\":\"ab", StandardOpenOption.APPEND);

    AuditChainVerifier.Failure f = failure(file);
    assertEquals(5, f.line(), f.describe());
    assertEquals(AuditChainVerifier.Kind.TRUNCATED, f.kind());

    log(1, 1 << 20); // reopened: the cut line goes, and audit.open says how many bytes it had
    AuditChainVerifier.Result after = AuditChainVerifier.verify(List.of(file));
    assertTrue(after.ok(), () -> after.failure().describe());
    assertTrue(lines(file).get(4).contains("\"event\":\"audit.open\"") && lines(file).get(4).contains("\"bytes\":19"),
        lines(file).get(4));
  }

  @Test
  void hostileFiles_areFindings_notCrashes() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.jsonl"));
    Path binary = Files.write(dir.resolve("binary.jsonl"), new byte[] {0, (byte) 0xff, '\n', 1, 2, '\n'});
    Path huge = dir.resolve("huge.jsonl");
    Files.writeString(huge, "{\"seq\":1,\"x\":\"" + "a".repeat(3 << 20) + "\"}\n");
    Path deep = Files.writeString(dir.resolve("deep.jsonl"), "[".repeat(100_000) + "\n");

    assertEquals(AuditChainVerifier.Kind.EMPTY, failure(empty).kind());
    assertEquals(AuditChainVerifier.Kind.ALTERED, failure(binary).kind());
    AuditChainVerifier.Failure tooLong = failure(huge);
    assertEquals(1, tooLong.line());
    assertTrue(tooLong.why().contains("longer than"), tooLong.why());
    assertEquals(AuditChainVerifier.Kind.ALTERED, failure(deep).kind());
  }

  @Test
  void rotation_continuesTheChainIntoTheNextFile_whichNamesTheOneBefore() throws Exception {
    log(40, 2048);
    List<Path> files = AuditChainVerifier.chains(dir).get(NODE);
    assertTrue(files.size() >= 3, files.toString());

    AuditChainVerifier.Result all = AuditChainVerifier.verify(files);
    assertTrue(all.ok(), () -> all.failure().describe());
    assertEquals(41 + files.size() - 1, all.lines()); // one audit.continue at the top of each later file
    String second = lines(files.get(1)).get(0);
    assertTrue(second.contains("\"event\":\"audit.continue\"") && second.contains("\"previousFile\":\""
        + files.get(0).getFileName() + "\""), second);

    AuditChainVerifier.Result alone = AuditChainVerifier.verify(files.subList(1, files.size()));
    assertTrue(alone.ok(), () -> alone.failure().describe());
    assertEquals(files.get(0).getFileName().toString(), alone.continues());

    List<Path> skipping = new ArrayList<>(files);
    skipping.remove(1);
    AuditChainVerifier.Failure gap = failure(skipping.toArray(Path[]::new));
    assertEquals(files.get(2), gap.file());
    assertEquals(1, gap.line());
    assertEquals(AuditChainVerifier.Kind.MISSING, gap.kind());
  }

  @Test
  void aReopenedLog_continuesItsChain() throws Exception {
    log(3, 1 << 20);
    Path file = log(3, 1 << 20);

    AuditChainVerifier.Result result = AuditChainVerifier.verify(List.of(file));

    assertTrue(result.ok(), () -> result.failure().describe());
    assertEquals(8, result.lines());
  }

  @Test
  void concurrentRecords_eachReturnDurable_andKeepOneChain() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (ChainedAuditLog log = ChainedAuditLog.open(dir, NODE, 4096, Clock.systemUTC())) {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        int n = i;
        done.add(pool.submit(() -> {
          log.record(AuditEvent.of(AuditEvent.Type.FILE_LIST, AuditEvent.Outcome.OK).requestId("r" + n).build());
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    List<Path> files = AuditChainVerifier.chains(dir).get(NODE);
    AuditChainVerifier.Result result = AuditChainVerifier.verify(files);
    assertTrue(result.ok(), () -> result.failure().describe());
    assertEquals(401 + files.size() - 1, result.lastSeq()); // and one audit.continue per later file
  }

  @Test
  void aSecondWriterOfTheSameNode_isRefused() throws Exception {
    try (ChainedAuditLog first = ChainedAuditLog.open(dir, NODE, 1 << 20, Clock.systemUTC())) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> ChainedAuditLog.open(dir, NODE, 1 << 20, Clock.systemUTC()));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("give each node its own name"), e.getMessage());
    }
  }

  @Test
  void aNodeNameThatIsNotAFileName_isRefused() {
    for (String bad : new String[] {"../x", "a/b", ".hidden", "", "a\nb", "x".repeat(65)}) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> ChainedAuditLog.open(dir, bad, 1 << 20, Clock.systemUTC()));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
  }

  @Test
  void valuesThatTryToStartALine_areEscaped() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(dir, NODE, 1 << 20, Clock.systemUTC())) {
      log.record(AuditEvent.of(AuditEvent.Type.FILE_METADATA, AuditEvent.Outcome.ERROR)
          .fileId("x\"}\n{\"seq\":99\u2028\u0085" + "y".repeat(500)).build());
    }
    Path file = AuditChainVerifier.chains(dir).get(NODE).get(0);
    List<String> lines = lines(file);
    assertEquals(2, lines.size());
    assertTrue(lines.get(1).chars().allMatch(c -> c >= 0x20 && c < 0x7f), lines.get(1));
    assertTrue(lines.get(1).length() < 600, lines.get(1));
    assertTrue(AuditChainVerifier.verify(List.of(file)).ok());
  }

  @Test
  void directoriesGroupTheFilesOfEachNode() throws Exception {
    log(2, 1 << 20);
    try (ChainedAuditLog other = ChainedAuditLog.open(dir, "node-b", 1 << 20, Clock.systemUTC())) {
      other.record(AuditEvent.of(AuditEvent.Type.FILE_LIST, AuditEvent.Outcome.OK).build());
    }
    Map<String, List<Path>> chains = AuditChainVerifier.chains(dir);
    assertEquals(List.of("node-a", "node-b"), new ArrayList<>(chains.keySet()));
  }

  private static int nthLineStart(byte[] bytes, int n) {
    int line = 1;
    for (int i = 0; i < bytes.length; i++) {
      if (line == n) {
        return i;
      }
      if (bytes[i] == '\n') {
        line++;
      }
    }
    throw new IllegalArgumentException("no line " + n);
  }
}
