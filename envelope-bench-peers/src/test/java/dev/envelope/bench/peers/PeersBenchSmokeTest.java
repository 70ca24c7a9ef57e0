package dev.envelope.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.BenchResult;
import dev.envelope.bench.CipherBench;
import dev.envelope.bench.Options;
import dev.envelope.bench.Table;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs everything {@code bin/bench} runs, in-process at {@code --quick} sizes (a 2 MiB array, a 4 MiB file,
 * one repetition; a real server for a 4 MiB file, 1 s of small uploads and 5 range reads), and checks that the
 * peers' and the server's rows are there with numbers and that nothing FAILED. It asserts
 * nothing about speed. Every peer tool must be installed ({@code bin/test} installs them): a missing one fails
 * the test rather than leave its rows "not available", which would measure nothing.
 */
class PeersBenchSmokeTest {
  /** Built by envelope-cli's package phase, before this module (it is a test-scope dependency). */
  private static final Path CLI_JAR = Path.of("..", "envelope-cli", "target", "envelope.jar");
  private static final Pattern FIGURE = Pattern.compile("\\d+(\\.\\d+)?(-\\d+(\\.\\d+)?)?");
  /** The tools the benchmark runs beside Envelope, and the Debian package of each (bin/test installs them). */
  private static final Map<String, String> PEERS = Map.of("openssl", "openssl", "age", "age",
      "age-keygen", "age", "curl", "curl");

  @Test
  void everyPeerToolIsInstalled() {
    for (Map.Entry<String, String> tool : PEERS.entrySet()) {
      assertTrue(ProcessBench.onPath(tool.getKey()) != null, tool.getKey() + " is not on the PATH: bin/test installs"
          + " it (Debian package " + tool.getValue() + "); without it this smoke test would measure nothing");
    }
    assertTrue(Files.isExecutable(Path.of("/usr/bin/time")), "/usr/bin/time is missing: bin/test installs it"
        + " (Debian package time); without it no peak memory is measured");
  }

  @Test
  void quickRunHasTheEsdkWholeProcessAndHttpRowsWithNumbers(@TempDir Path dir) throws Exception {
    assertTrue(Files.isRegularFile(CLI_JAR), CLI_JAR + " is missing: build envelope-cli first (mvn verify does)");
    Path markdown = dir.resolve("BENCH.md");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BenchResult result = CipherBench.run(new String[] {"--quick", "--markdown", markdown.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
        new PeersBench(CLI_JAR));
    String printed = out.toString(StandardCharsets.UTF_8);

    assertTrue(result.ok(), printed);
    assertTrue(printed.lines().filter(l -> !l.startsWith("Note:"))
        .noneMatch(l -> l.contains(BenchResult.FAILED)), printed);

    // The stream table: both ESDK rows, each direction, right after Tink's, with a figure in every cell.
    List<String[]> esdk = result.throughput().rows().stream().filter(r -> r[0].startsWith("AWS ESDK")).toList();
    assertEquals(4, esdk.size(), printed);
    assertTrue(esdk.get(0)[0].contains("defaults (committing, signed suite)"), esdk.get(0)[0]);
    assertTrue(esdk.get(2)[0].contains("(committing, unsigned suite)"), esdk.get(2)[0]);
    assertTrue(result.throughput().rows().get(5)[0].startsWith("Tink"), "ESDK rows follow Tink's");
    for (String[] row : esdk) {
      assertFigures(result.throughput(), row, 2, printed);
    }
    assertEquals(4, result.verdicts().stream().filter(v -> v.startsWith("Versus AWS ESDK")).count(), printed);

    // The whole-process table: envelope, openssl (the baseline) and age all measured, with peak RSS (through
    // /usr/bin/time) in every row.
    assertEquals(3, result.sections().size(), "whole-process, then the two HTTP sections");
    Section process = result.sections().get(0);
    assertTrue(process.ok(), printed);
    List<String[]> rows = process.table().rows();
    assertEquals(6, rows.size(), printed);
    assertTrue(rows.get(0)[0].startsWith("openssl enc") && rows.get(2)[0].startsWith("envelope")
        && rows.get(4)[0].startsWith("age"), printed);
    for (String[] row : rows) {
      assertFigures(process.table(), row, 2, printed);
    }
    assertEquals("1.00", rows.get(0)[5], "openssl is the baseline of the whole-process table");

    // The HTTP sections: a real server, every row measured (the big transfers through curl).
    Section big = result.sections().get(1);
    Section small = result.sections().get(2);
    assertTrue(big.ok() && small.ok(), printed);
    List<String[]> bigRows = big.table().rows();
    assertEquals(5, bigRows.size(), printed);
    for (String[] row : bigRows) {
      String[] figures = row.clone();
      for (int c = 3; c < figures.length; c++) {
        figures[c] = figures[c].isEmpty() ? "0" : figures[c]; // baseline rows have no ratio to another
      }
      assertFigures(big.table(), figures, 1, printed);
    }
    List<String[]> smallRows = small.table().rows();
    assertEquals(4, smallRows.size(), printed);
    assertTrue(smallRows.get(2)[0].startsWith("4 KiB uploads, 16 concurrent clients")
        && smallRows.get(3)[0].startsWith("1 MiB range reads"), printed);
    for (String[] row : smallRows) {
      String[] figures = row.clone();
      for (int c = 6; c < figures.length; c++) {
        figures[c] = figures[c].isEmpty() ? "0" : figures[c]; // the disk rows have no CPU columns
      }
      assertFigures(small.table(), figures, 1, printed);
    }
    assertEquals("5", smallRows.get(3)[1], "--quick reads 5 ranges");
    assertTrue(small.lines().stream().anyMatch(l -> l.startsWith("Verdict, 4 KiB uploads with 16 concurrent clients"))
        && small.lines().stream().anyMatch(l -> l.startsWith("Verdict, 1 MiB range reads")), printed);
    assertTrue(big.lines().stream().anyMatch(l -> l.startsWith("Verdict, upload:"))
        && big.lines().stream().anyMatch(l -> l.startsWith("Verdict, download:")), printed);

    String md = Files.readString(markdown);
    assertTrue(md.contains("## Server over HTTP: upload and download")
        && md.contains("## Server over HTTP: small uploads and range reads"), md);
    assertTrue(md.contains("## Whole-process file encryption") && md.contains("| AWS ESDK")
        && md.contains("JVM command line") && md.contains("CPU"), md);
  }

  @Test
  void aToolThatCannotRunPrintsFailedAndFailsTheSection() throws Exception {
    Section section = new ProcessBench(Path.of("no-such-dir", "envelope.jar"),
        new PrintStream(new ByteArrayOutputStream())).run(1, 1, 0);
    assertFalse(section.ok());
    assertEquals(1, section.failures().size(), section.failures().toString());
    assertTrue(section.failures().get(0).contains("envelope.jar is missing"), section.failures().get(0));
    List<String[]> envelopeRows = section.table().rows().stream().filter(r -> r[0].startsWith("envelope")).toList();
    assertEquals(2, envelopeRows.size());
    envelopeRows.forEach(r -> assertEquals(BenchResult.FAILED, r[2]));
    assertTrue(section.lines().stream().anyMatch(l -> l.contains(BenchResult.FAILED)), section.lines().toString());
  }

  @Test
  void aServerThatCannotStartFailsBothHttpSections() throws Exception {
    List<Section> sections = new HttpBench(Path.of("no-such-dir", "envelope.jar"),
        new PrintStream(new ByteArrayOutputStream())).run(HttpBench.Plan.of(2, 1, true));
    assertEquals(2, sections.size());
    for (Section s : sections) {
      assertFalse(s.ok(), s.title());
      assertTrue(s.failures().get(0).contains("envelope.jar is missing"), s.failures().toString());
      assertTrue(s.table().rows().stream().anyMatch(r -> r[1].equals(BenchResult.FAILED)), s.title());
    }
  }

  @Test
  void httpMibZeroSkipsTheHttpSectionsAndOneIsAUsageError() throws Exception {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    BenchResult skipped = CipherBench.run(new String[] {"--quick", "--http-mib", "0", "--file-mib", "1"}, quiet, quiet,
        new PeersBench(CLI_JAR));
    assertTrue(skipped.ok());
    assertEquals(List.of("Whole-process file encryption"), skipped.sections().stream().map(Section::title).toList());
    Options.UsageException e = assertThrows(Options.UsageException.class, () -> CipherBench.run(
        new String[] {"--quick", "--http-mib", "1"}, quiet, quiet, new PeersBench(CLI_JAR)));
    assertTrue(e.getMessage().contains("--http-mib must be 0 (skip) or at least 2"), e.getMessage());
  }

  @Test
  void outputsAreWrittenInPlaceAndCutToTheLengthWritten(@TempDir Path dir) throws Exception {
    ProcessBench bench = new ProcessBench(CLI_JAR, new PrintStream(new ByteArrayOutputStream()));
    Path out = Files.writeString(dir.resolve("out"), "stale content, longer than what comes");
    bench.execute(new ProcessBench.Command(List.of("printf", "abc"), Map.of()), out, dir, 60, "test");
    assertEquals("abc", Files.readString(out));
    bench.execute(new ProcessBench.Command(List.of("true"), Map.of()), out, dir, 60, "test");
    assertEquals(0, Files.size(out), "a tool that writes nothing leaves nothing");
    IOException e = assertThrows(IOException.class,
        () -> bench.execute(new ProcessBench.Command(List.of("sh", "-c", "echo broken >&2; exit 3"),
            Map.of()), out, dir, 60, "test"));
    assertTrue(e.getMessage().contains("exited with status 3: broken"), e.getMessage());
  }

  @Test
  void theProductJarHoldsNothingOfTheEsdk() throws Exception {
    assertTrue(Files.isRegularFile(CLI_JAR), CLI_JAR + " is missing");
    try (ZipFile jar = new ZipFile(CLI_JAR.toFile())) {
      List<String> leaked = jar.stream().map(e -> e.getName())
          // The product ships the AWS SDK v2 for its scale-out backends (S3, DynamoDB, KMS); what must stay out is
          // the Encryption SDK and what only it brings: its own classes, the Material Providers Library
          // (software.amazon.cryptography), Bouncy Castle and the Dafny runtime.
          .filter(n -> n.startsWith("com/amazonaws/") || n.startsWith("software/amazon/cryptography/")
              || n.startsWith("org/bouncycastle/") || n.startsWith("dafny/"))
          .limit(5).toList();
      assertEquals(List.of(), leaked);
    }
  }

  @Test
  void helpListsThePeersOptions() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BenchResult help = CipherBench.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream()), new PeersBench(CLI_JAR));
    String usage = out.toString(StandardCharsets.UTF_8);
    assertTrue(help.ok());
    assertTrue(usage.startsWith("Usage: PeersBench"), usage);
    assertTrue(usage.contains(PeersBench.HTTP_MIB + " N") && usage.contains(PeersBench.HTTP_SECONDS + " N"), usage);
    assertTrue(usage.contains(PeersBench.PROCESS_REPS + " N") && usage.contains(PeersBench.FILE_MIB + " N")
        && usage.contains("--size-mib N"), usage);
    assertFalse(usage.contains("null"), usage);
  }

  /** Cells from {@code first} on must be figures or figure ranges: FAILED, n/a or blanks fail. */
  private static void assertFigures(Table table, String[] row, int first, String printed) {
    for (int c = first; c < row.length; c++) {
      assertTrue(FIGURE.matcher(row[c]).matches(),
          "row '" + row[0] + "', column '" + table.headers().get(c) + "' is '" + row[c] + "'\n" + printed);
    }
  }
}
