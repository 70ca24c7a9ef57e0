package dev.envelope.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.bench.Table;
import dev.envelope.service.Rewrap;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole key-management benchmark of issue 13 in quick mode (200 rows per store and key service, 1 s of
 * uploads per node, 100 small files per node) against the real servers it measures (SQLite, a PostgreSQL cluster,
 * the key server, four {@code envelope serve} processes), so that the code cannot rot, and checks that every table
 * has figures. Nothing about speed is asserted; two things are, because they are the product's claims: every row
 * is re-wrapped exactly once (the bench itself checks the rows afterwards), and without the data-key cache every
 * small upload costs exactly one {@code GenerateDataKey} and every download one {@code Decrypt}, while with it the
 * downloads right after, on the same node, cost none. PostgreSQL must be installed (bin/test does it).
 */
class KeysBenchSmokeTest {
  /** Built by envelope-cli's package phase, before this module (it is a test-scope dependency). */
  private static final Path CLI_JAR = Path.of("..", "envelope-cli", "target", "envelope.jar");
  private static final Pattern FIGURE = Pattern.compile("\\d+(\\.\\d+)?(-\\d+(\\.\\d+)?)?");

  @Test
  void quickRunHasEveryRow_rewrapsEveryRowOnce_andCountsOneCallPerFileWithoutTheCache() throws Exception {
    assertTrue(Files.isRegularFile(CLI_JAR), CLI_JAR + " is missing: build envelope-cli first (mvn verify does)");
    KeysBench.Plan plan = KeysBench.parse(new String[] {"--quick"}).plan();
    assertEquals(new KeysBench.Plan(200, Rewrap.DEFAULT_PARALLELISM, 1, 1, 2, 100, 16,
        EnumSet.allOf(KeysBench.Part.class), null, true), plan);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    KeysReport report = new KeysBench(CLI_JAR, new PrintStream(progress, true, StandardCharsets.UTF_8)).run(plan);
    String markdown = report.markdown();
    String context = markdown + "\n" + progress.toString(StandardCharsets.UTF_8);

    assertEquals(4, report.rewraps().size(), context);
    for (KeysBench.RewrapRun r : report.rewraps()) {
      assertEquals(2, r.passes().size(), "one row at a time, then several: " + context);
      assertEquals(List.of(1, Rewrap.DEFAULT_PARALLELISM), r.passes().stream().map(KeysBench.Pass::parallelism)
          .toList());
      for (KeysBench.Pass pass : r.passes()) {
        assertEquals(200, pass.summary().rewrapped(), context);
        assertEquals(200, pass.reEncryptCalls(), "one ReEncrypt per row: " + context);
        assertEquals(200, pass.replaceCalls(), "one conditional update per row: " + context);
      }
    }
    Table rates = report.rewrapRates();
    assertEquals(List.of("SQLite", "SQLite", "PostgreSQL", "PostgreSQL"),
        rates.rows().stream().map(r -> r[0]).toList());
    rates.rows().forEach(r -> assertFigures(rates, r, 2, context));
    Table time = report.rewrapTime();
    assertEquals(8, time.rows().size(), context);
    time.rows().forEach(r -> assertFigures(time, r, 2, context));

    Table audit = report.auditRates();
    assertEquals(2, audit.rows().size(), context);
    audit.rows().forEach(r -> assertFigures(audit, r, 1, context));
    assertTrue(markdown.matches("(?s).*The audit-on node wrote [1-9]\\d* audit lines.*the audit-off node 0\\..*"),
        context);

    assertEquals(100, report.uploadsOff().files(), context);
    assertEquals(100, report.uploadsOff().expectedCalls(), context);
    assertEquals(Map.of(), report.uploadsOff().others(), context);
    assertEquals(100, report.downloadsOff().expectedCalls(), context);
    assertEquals(Map.of(), report.downloadsOff().others(), context);
    assertTrue(report.uploadsOn().expectedCalls() < 100, context);
    assertEquals(0, report.downloadsOn().expectedCalls(), "downloads on the node that made the keys: " + context);
    Table cache = report.cacheCalls();
    cache.rows().forEach(r -> assertFigures(cache, new String[] {r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
        r[9]}, 1, context));

    assertTrue(markdown.startsWith(KeysReport.BEGIN + "\n" + KeysReport.TITLE + "\n"), markdown);
    assertTrue(markdown.endsWith(KeysReport.END + "\n"), markdown);
    assertTrue(markdown.contains("Quick mode: a smoke test"), markdown);
    assertTrue(!markdown.contains("NaN") && !markdown.contains("Infinity"), markdown);
    Matcher where = Pattern.compile("working in (\\S+)").matcher(context);
    assertTrue(where.find(), context);
    assertTrue(Files.notExists(Path.of(where.group(1))), "the run's directory is deleted: " + where.group(1));
  }

  @Test
  void itsSectionIsReplacedInPlace_besideTheScaleOutSection(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("BENCHMARKS.md");
    String scaleOut = ScaleOutReport.BEGIN + "\n## Scale-out (issue 5)\n\nkept\n" + ScaleOutReport.END + "\n";
    String keys1 = KeysReport.BEGIN + "\n" + KeysReport.TITLE + "\n\nfirst\n" + KeysReport.END + "\n";
    String keys2 = KeysReport.BEGIN + "\n" + KeysReport.TITLE + "\n\nsecond\n" + KeysReport.END + "\n";
    Files.writeString(file, "head\n\n" + scaleOut);
    ScaleOutReport.replaceSection(file, KeysReport.BEGIN, KeysReport.END, keys1);
    assertEquals("head\n\n" + scaleOut + "\n" + keys1, Files.readString(file));
    ScaleOutReport.replaceSection(file, KeysReport.BEGIN, KeysReport.END, keys2);
    assertEquals("head\n\n" + scaleOut + "\n" + keys2, Files.readString(file));
    ScaleOutReport.replaceSection(file, scaleOut.replace("kept", "new"));
    assertEquals("head\n\n" + scaleOut.replace("kept", "new") + "\n" + keys2, Files.readString(file));
  }

  @Test
  void optionsParse_andBadOnesAreUsageErrors() {
    assertNull(KeysBench.parse(new String[] {"--help"}).plan());
    KeysBench.Args args = KeysBench.parse(new String[] {"--rows", "200", "--seconds", "1", "--markdown", "B.md"});
    assertEquals(200, args.plan().rows());
    assertEquals(1.0, args.plan().seconds());
    assertEquals(3, args.plan().rounds());
    assertEquals(Path.of("B.md"), args.markdown());
    KeysBench.Plan d = KeysBench.parse(new String[0]).plan();
    assertEquals(new KeysBench.Plan(100_000, Rewrap.DEFAULT_PARALLELISM, 3, 10, 3, 1000, 16,
        EnumSet.allOf(KeysBench.Part.class), null, false), d);
    assertEquals(1, KeysBench.parse(new String[] {"--rewrap-parallelism", "1"}).plan().rewrapParallelism());
    KeysBench.Plan some = KeysBench.parse(new String[] {"--parts", "audit,cache", "--note", "busy"}).plan();
    assertEquals(EnumSet.of(KeysBench.Part.AUDIT, KeysBench.Part.CACHE), some.parts());
    assertEquals("busy", some.note());
    for (String[] bad : List.of(new String[] {"--rows", "0"}, new String[] {"--rows", "1.5"}, new String[] {"--rows"},
        new String[] {"--seconds", "0"}, new String[] {"--seconds", "x"}, new String[] {"--parts", "audit,nope"},
        new String[] {"--clients", "0"}, new String[] {"--rewrap-parallelism", "65"}, new String[] {"--what"})) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeysBench.parse(bad),
          String.join(" ", bad));
      assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
    }
  }

  /** Cells from {@code first} on must be figures, figure ranges or "a / b" pairs: FAILED, n/a, NaN or blanks fail. */
  private static void assertFigures(Table table, String[] row, int first, String context) {
    for (int c = first; c < row.length; c++) {
      String cell = row[c];
      for (String figure : cell.split(" / ")) {
        assertTrue(FIGURE.matcher(figure).matches(),
            "row '" + row[0] + "', column '" + table.headers().get(c) + "' is '" + cell + "'\n" + context);
      }
    }
  }
}
