package dev.envelope.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.bench.Table;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole scale-out benchmark in quick mode (a 16 MiB file, one round, 10 small files) against real
 * stand-ins (S3Proxy, dynalite, the key server) and two real {@code envelope serve} processes, and checks that
 * every row has figures. It asserts nothing about speed, but one thing for real, because it is the product's
 * claim: every upload through the scale-out node costs exactly one {@code GenerateDataKey}, every download
 * exactly one {@code Decrypt}, and the transfers call nothing else on KMS. dynalite must be installed (bin/test
 * does it); a missing one fails the test with how to get it.
 */
class ScaleOutBenchSmokeTest {
  /** Built by envelope-cli's package phase, before this module (it is a test-scope dependency). */
  private static final Path CLI_JAR = Path.of("..", "envelope-cli", "target", "envelope.jar");
  private static final Pattern FIGURE = Pattern.compile("\\d+(\\.\\d+)?(-\\d+(\\.\\d+)?)?");

  @Test
  void quickRunHasEveryRowAndExactlyOneKmsCallPerFile(@TempDir Path dir) throws Exception {
    assertTrue(Files.isRegularFile(CLI_JAR), CLI_JAR + " is missing: build envelope-cli first (mvn verify does)");
    ScaleOutBench.Plan plan = ScaleOutBench.parse(new String[] {"--quick"}).plan();
    assertEquals(new ScaleOutBench.Plan(16, 0, 1, 10, 64, 8, 4, true), plan);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    ScaleOutReport report = new ScaleOutBench(CLI_JAR, new PrintStream(progress, true, StandardCharsets.UTF_8))
        .run(plan);
    String markdown = report.markdown();
    String context = markdown + "\n" + progress.toString(StandardCharsets.UTF_8);

    // The product's claim, counted from the key server's audit log: 10 small + 1 big upload, 10 small + 2 big
    // downloads (the timed one and the SHA-256 check), one call each, nothing else.
    assertEquals(11, report.uploads().files(), context);
    assertEquals(11, report.uploads().expectedCalls(), context);
    assertEquals(Map.of(), report.uploads().others(), context);
    assertEquals(12, report.downloads().files(), context);
    assertEquals(12, report.downloads().expectedCalls(), context);
    assertEquals(Map.of(), report.downloads().others(), context);
    assertTrue(report.ok(), context);

    Table transfers = report.transfers();
    List<String[]> rows = transfers.rows();
    assertEquals(4, rows.size(), context);
    assertEquals(List.of("upload", "upload", "download", "download"), rows.stream().map(r -> r[1]).toList());
    assertTrue(rows.get(0)[0].startsWith("embedded") && rows.get(1)[0].startsWith("scale-out"), context);
    rows.forEach(r -> assertFigures(transfers, r, 2, context));
    Table ratios = report.ratios();
    assertEquals(2, ratios.rows().size(), context);
    ratios.rows().forEach(r -> assertFigures(ratios, r, 1, context));
    Table kms = report.kms();
    assertEquals(List.of("1.00", "1.00"), kms.rows().stream().map(r -> r[5]).toList(), context);
    assertEquals(List.of(ScaleOutReport.MET, ScaleOutReport.MET), kms.rows().stream().map(r -> r[6]).toList());

    assertTrue(markdown.startsWith(ScaleOutReport.BEGIN + "\n" + ScaleOutReport.TITLE + "\n"), markdown);
    assertTrue(markdown.endsWith(ScaleOutReport.END + "\n"), markdown);
    assertTrue(markdown.contains("`s3-part-size` 8 MiB, `s3-parallelism` 4"), markdown);
    assertTrue(markdown.contains("is met for uploads and met for downloads"), markdown);
    assertTrue(!markdown.contains("NaN") && !markdown.contains("MISSED"), markdown);
    java.util.regex.Matcher where = Pattern.compile("random file to (\\S+)").matcher(context);
    assertTrue(where.find(), context);
    assertTrue(Files.notExists(Path.of(where.group(1))), "the run's directory is deleted: " + where.group(1));
  }

  @Test
  void theSectionIsReplacedInPlaceAndTheRestOfTheFileKept(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("BENCHMARKS.md");
    String section1 = ScaleOutReport.BEGIN + "\n## Scale-out (issue 5)\n\nfirst\n" + ScaleOutReport.END + "\n";
    String section2 = ScaleOutReport.BEGIN + "\n## Scale-out (issue 5)\n\nsecond\n" + ScaleOutReport.END + "\n";

    ScaleOutReport.replaceSection(file, section1);
    assertEquals(section1, Files.readString(file), "a missing file is created");

    Files.writeString(file, "# Envelope cipher benchmark\n\n## Notes\n\n- a note");
    ScaleOutReport.replaceSection(file, section1);
    assertEquals("# Envelope cipher benchmark\n\n## Notes\n\n- a note\n\n" + section1, Files.readString(file),
        "appended after a blank line");

    Files.writeString(file, "head\n\n" + section1 + "\n## Later section\n\ntail\n");
    ScaleOutReport.replaceSection(file, section2);
    assertEquals("head\n\n" + section2 + "\n## Later section\n\ntail\n", Files.readString(file));
    ScaleOutReport.replaceSection(file, section2);
    assertEquals("head\n\n" + section2 + "\n## Later section\n\ntail\n", Files.readString(file), "idempotent");
    try (var files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left");
    }
  }

  @Test
  void badArgumentsAreUsageErrorsAndHelpHasNoPlan() {
    assertNull(ScaleOutBench.parse(new String[] {"--help"}).plan());
    ScaleOutBench.Args args = ScaleOutBench.parse(new String[] {"--mib", "1024", "--markdown", "B.md"});
    assertEquals(new ScaleOutBench.Plan(1024, 1, 3, 20, 64, 8, 4, false), args.plan());
    assertEquals(Path.of("B.md"), args.markdown());
    assertEquals(2, ScaleOutBench.parse(new String[] {"--quick", "--mib", "2", "--rounds", "2"}).plan().rounds());
    for (String[] bad : List.of(new String[] {"--mib", "0"}, new String[] {"--mib", "x"}, new String[] {"--mib"},
        new String[] {"--s3-part-mib", "4"}, new String[] {"--s3-parallelism", "65"}, new String[] {"--rounds", "0"},
        new String[] {"--what"}, new String[] {"--mib", "99999999999"})) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScaleOutBench.parse(bad),
          String.join(" ", bad));
      assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
    }
  }

  /** Cells from {@code first} on must be figures or figure ranges: FAILED, n/a, NaN or blanks fail. */
  private static void assertFigures(Table table, String[] row, int first, String context) {
    for (int c = first; c < row.length; c++) {
      String cell = row[c];
      for (String figure : cell.split(" ")) {
        assertTrue(FIGURE.matcher(figure).matches(),
            "row '" + row[0] + "', column '" + table.headers().get(c) + "' is '" + cell + "'\n" + context);
      }
    }
  }
}
