package dev.envelope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.bench.BenchResult.RangeRow;
import dev.envelope.bench.BenchResult.Row;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the benchmark in-process at {@code --quick} sizes and checks that it reported success: every row
 * present, none FAILED, a number in every cell. It asserts nothing about speed: the figures of a tiny cold
 * run on a shared machine mean nothing.
 */
class CipherBenchSmokeTest {
  private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");
  private static final Pattern RANGE = Pattern.compile("\\d+(\\.\\d+)?-\\d+(\\.\\d+)?");

  @Test
  void rewritingTheReport_keepsSectionsOtherBenchmarksOwn(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("BENCHMARKS.md");
    Files.writeString(report, "# old report\n\nold rows\n\n<!-- BEGIN other (written by bin/x) -->\n## Other\n\n"
        + "| a | 1 |\n<!-- END other -->\n");

    assertEquals("\n<!-- BEGIN other (written by bin/x) -->\n## Other\n\n| a | 1 |\n<!-- END other -->\n",
        CipherBench.keptSections(report));
    assertEquals("", CipherBench.keptSections(dir.resolve("missing.md")));
    Files.writeString(report, "# no sections\n");
    assertEquals("", CipherBench.keptSections(report));
  }

  @Test
  void quickRunReportsEveryRowWithNumbers(@TempDir Path dir) throws Exception {
    Path markdown = dir.resolve("BENCH.md");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BenchResult result = CipherBench.run(new String[] {"--quick", "--markdown", markdown.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
    String printed = out.toString(StandardCharsets.UTF_8);

    assertTrue(result.ok(), printed);
    assertTrue(printed.lines().filter(l -> !l.startsWith("Note:")).noneMatch(l -> l.contains(Report.FAILED)),
        printed);

    List<String> expected = new ArrayList<>(List.of("raw JCE", "Envelope cipher, default", "Tink"));
    for (int segment : CipherBench.SWEEP) {
      expected.add(CipherBench.sweepLabel(segment));
    }
    for (String path : CipherBench.PATHS) {
      expected.add(CipherBench.pathLabel(path));
    }
    assertEquals(2 * expected.size(), result.rows().size());
    for (int i = 0; i < expected.size(); i++) {
      Row encrypt = result.rows().get(2 * i);
      Row decrypt = result.rows().get(2 * i + 1);
      assertTrue(encrypt.contender().startsWith(expected.get(i)), encrypt.contender());
      assertEquals(CipherBench.ENCRYPT, encrypt.operation());
      assertEquals(CipherBench.DECRYPT, decrypt.operation());
      for (Row row : List.of(encrypt, decrypt)) {
        assertNull(row.failure(), row.contender());
        assertEquals(1, row.measurement().count(), "--quick measures one repetition");
        assertTrue(row.measurement().median() > 0 && Double.isFinite(row.ratio()), row.toString());
      }
    }
    assertEquals(CipherBench.SWEEP.length, result.rangeRows().size());
    for (RangeRow row : result.rangeRows()) {
      assertNull(row.failure());
      assertEquals(Options.QUICK_RANGE_READS, row.measurement().count());
    }

    assertEveryCellIsANumber(result.throughput(), 2, printed);
    assertEveryCellIsANumber(result.ranges(), 1, printed);
    assertEquals(2, result.verdicts().stream().filter(v -> v.startsWith("Verdict")).count());
    for (String verdict : result.verdicts()) {
      assertTrue(!verdict.startsWith("Verdict") || verdict.contains("meets") || verdict.contains("BEHIND by"),
          verdict);
    }

    String md = Files.readString(markdown);
    assertTrue(md.contains("| Contender |") && md.contains("JVM command line") && md.contains("CPU"), md);
  }

  @Test
  void helpAndUsageErrorsDoNotRunAnything() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BenchResult help = CipherBench.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream()));
    assertTrue(help.ok());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("--size-mib"));
    PrintStream sink = new PrintStream(new ByteArrayOutputStream());
    assertThrows(Options.UsageException.class, () -> CipherBench.run(new String[] {"--reps", "0"}, sink, sink));
    assertThrows(Options.UsageException.class, () -> CipherBench.run(new String[] {"--bogus"}, sink, sink));
    assertThrows(Options.UsageException.class, () -> CipherBench.run(new String[] {"--size-mib"}, sink, sink));
  }

  /** Cells from {@code firstFigure} on must be numbers or number ranges: FAILED, n/a or blanks fail. */
  private static void assertEveryCellIsANumber(Table table, int firstFigure, String printed) {
    assertNotNull(table);
    assertFalse(table.rows().isEmpty());
    for (String[] cells : table.rows()) {
      for (int c = firstFigure; c < cells.length; c++) {
        String cell = cells[c];
        assertTrue(NUMBER.matcher(cell).matches() || RANGE.matcher(cell).matches(),
            "row '" + cells[0] + "', column '" + table.headers().get(c) + "' is '" + cell + "'\n" + printed);
      }
      assertTrue(printed.contains(cells[0]), "row missing from the printed report: " + cells[0]);
    }
  }
}
