package dev.envelope.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.BenchResult;
import dev.envelope.bench.CipherBench;
import dev.envelope.bench.Options;
import dev.envelope.bench.Table;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs everything {@code bin/bench} runs, in-process at {@code --quick} sizes (a 2 MiB array, a 4 MiB file,
 * one repetition; real servers, disk and tmpfs homes and the HTTP pass-through, for a 4 MiB file, 1 s of small
 * uploads and 5 range reads; the same servers' S3 API through the AWS SDK's S3Client, a 4 MiB PutObject and GetObject
 * and 1 s of 4 KiB PutObjects; 64 concurrent 1 MiB uploads; the cipher in a child JVM), on this JDK and on the one
 * bin/bench would measure beside it when there is one, and checks that the goals, the peers', the servers' and
 * the JDKs' rows are there with numbers and that nothing FAILED. It asserts nothing about speed. Every peer tool
 * must be installed ({@code bin/test} installs them): a missing one fails the test rather than leave its rows "not
 * available", which would measure nothing.
 */
class PeersBenchSmokeTest {
  /** Built by envelope-cli's package phase, before this module (it is a test-scope dependency). */
  private static final Path CLI_JAR = Path.of("..", "envelope-cli", "target", "envelope.jar");
  private static final Pattern FIGURE = Pattern.compile("\\d+(\\.\\d+)?(-\\d+(\\.\\d+)?)?");
  private static final Pattern JUDGED = Pattern.compile(": the goal \\([^)]*\\) is (MET|NOT MET; the bound: .+)$");
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
  void quickRunHasTheEsdkWholeProcessHttpAndJdkRowsWithNumbersAndTheGoalsFirst(@TempDir Path dir) throws Exception {
    assertTrue(Files.isRegularFile(CLI_JAR), CLI_JAR + " is missing: build envelope-cli first (mvn verify does)");
    Path markdown = dir.resolve("BENCH.md");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String other = otherJdk();
    BenchResult result = CipherBench.run(new String[] {"--quick", "--markdown", markdown.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
        new PeersBench(CLI_JAR, other));
    String printed = out.toString(StandardCharsets.UTF_8);
    List<String> jdks = new ArrayList<>(List.of("JDK " + Runtime.version().feature()));
    if (other != null) {
      jdks.add("JDK " + Jdk.at(Path.of(other)).feature());
    }

    assertTrue(result.ok(), printed);
    assertTrue(printed.lines().filter(l -> !l.startsWith("Note:"))
        .noneMatch(l -> l.contains(BenchResult.FAILED)), printed);

    // The goals come first, one line per row of issue 14's table, each judged.
    assertEquals(Goals.Goal.values().length, result.goals().size(), printed);
    for (int i = 0; i < result.goals().size(); i++) {
      String goal = result.goals().get(i);
      String row = Goals.Goal.values()[i].row;
      assertTrue(goal.startsWith(row.contains("%s") ? row.substring(0, row.indexOf("%s")) : row), goal);
      assertTrue(JUDGED.matcher(goal).find(), goal);
    }
    assertTrue(printed.indexOf("Goals") < printed.indexOf("CPU:"), "the goals come before the machine");

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

    // The sections: whole-process, the two HTTP sections, the concurrent uploads, the JDKs side by side.
    assertEquals(List.of("Whole-process file encryption", "Server over HTTP: upload and download",
        "Server over HTTP: small uploads and range reads", "Server over HTTP: 64 concurrent 1 MiB uploads on -Xmx256m",
        "JDK side by side"), result.sections().stream().map(Section::title).toList(), printed);
    result.sections().forEach(s -> assertTrue(s.ok(), s.title() + ": " + s.failures()));

    // The whole-process table: openssl (the baseline), envelope on each JDK, age, all measured, with peak RSS
    // and CPU (through /usr/bin/time) in every row.
    Section process = result.sections().get(0);
    List<String[]> rows = process.table().rows();
    assertEquals(4 + 2 * jdks.size(), rows.size(), printed);
    assertTrue(rows.get(0)[0].startsWith("openssl enc") && rows.get(rows.size() - 1)[0].startsWith("age"), printed);
    for (int j = 0; j < jdks.size(); j++) {
      assertTrue(rows.get(2 + 2 * j)[0].startsWith("envelope on " + jdks.get(j)), rows.get(2 + 2 * j)[0]);
    }
    for (String[] row : rows) {
      assertFigures(process.table(), row, 2, printed);
    }
    assertEquals("1.00", rows.get(0)[5], "openssl is the baseline of the whole-process table");
    assertEquals(jdks.size(), process.lines().stream().filter(l -> l.startsWith("Start-up of envelope on")).count());

    // The big transfers: the baselines, then per JDK the pass-through, the tmpfs home and the disk home, then the
    // S3 API's PutObject (tmpfs home) and GetObject (disk home).
    boolean tmpfs = HttpBench.tmpfsUnavailable(4L << 20) == null;
    Section big = result.sections().get(1);
    List<String[]> bigRows = big.table().rows();
    int kinds = HttpBench.Kind.values().length;
    assertEquals(3 + kinds * jdks.size(), bigRows.size(), printed);
    for (int j = 0; j < jdks.size(); j++) {
      List<String> labels = bigRows.subList(3 + kinds * j, 3 + kinds * (j + 1)).stream().map(r -> r[0]).toList();
      assertEquals(List.of(jdks.get(j) + ": HTTP pass-through, upload", jdks.get(j) + ": HTTP pass-through, download",
          jdks.get(j) + ": upload, home on tmpfs", jdks.get(j) + ": upload, home on disk",
          jdks.get(j) + ": download, home on disk", jdks.get(j) + ": S3 PutObject, home on tmpfs",
          jdks.get(j) + ": S3 GetObject, home on disk"),
          labels.stream().map(l -> l.substring(0, l.indexOf(" ("))).toList());
    }
    for (String[] row : bigRows) {
      if (!tmpfs && row[0].contains("home on tmpfs")) {
        assertEquals(ProcessBench.NOT_AVAILABLE, row[1]);
        continue;
      }
      assertFigures(big.table(), blanksAsZero(row, 3), 1, printed);
    }
    for (String verdict : List.of("Verdict, upload with the home on disk, ", "Verdict, download, ",
        "Verdict, S3 GetObject, home on disk, ")
        .stream().flatMap(v -> jdks.stream().map(j -> v + j)).toList()) {
      assertTrue(big.lines().stream().anyMatch(l -> l.startsWith(verdict + ":")), verdict + "\n" + printed);
    }
    assertEquals(tmpfs ? jdks.size() : 0,
        big.lines().stream().filter(l -> l.startsWith("Verdict, upload with the home on tmpfs")).count(), printed);
    assertEquals(tmpfs ? jdks.size() : 0,
        big.lines().stream().filter(l -> l.startsWith("Verdict, S3 PutObject, home on tmpfs")).count(), printed);
    // What the SDK put on the wire is read off its requests, not assumed.
    assertTrue(big.notes().stream().anyMatch(n -> n.startsWith("S3 rows") && n.contains("PutObject sent"
        + " x-amz-content-sha256: ") && n.contains("GetObject sent")), big.notes().toString());

    // Small uploads (lean client) to each JDK's server, each followed by the S3 API's PutObjects to the same server,
    // then to the pass-through; the range reads.
    Section small = result.sections().get(2);
    List<String[]> smallRows = small.table().rows();
    int n = jdks.size();
    assertEquals(4 + 2 * n, smallRows.size(), printed);
    for (int j = 0; j < n; j++) {
      assertTrue(smallRows.get(2 + 2 * j)[0].startsWith("4 KiB uploads, 16 concurrent clients (lean client)")
          && smallRows.get(2 + 2 * j)[0].endsWith("to envelope serve on " + jdks.get(j) + ", home on disk"), printed);
      assertEquals("0", smallRows.get(2 + 2 * j)[2], "every small upload answered 201 with an id");
      assertTrue(smallRows.get(3 + 2 * j)[0].startsWith("4 KiB S3 PutObjects, 16 concurrent clients (AWS SDK S3Client)")
          && smallRows.get(3 + 2 * j)[0].endsWith("to envelope serve on " + jdks.get(j) + ", home on disk"), printed);
      assertEquals("0", smallRows.get(3 + 2 * j)[2], "every PutObject answered 200");
    }
    assertTrue(smallRows.get(2 + 2 * n)[0].endsWith("to the HTTP pass-through on " + jdks.get(0)), printed);
    assertTrue(smallRows.get(3 + 2 * n)[0].startsWith("1 MiB range reads"), printed);
    for (String[] row : smallRows) {
      assertFigures(small.table(), blanksAsZero(row, 2), 1, printed); // disk and range rows: no "not 201", no CPU
    }
    assertEquals("5", smallRows.get(3 + 2 * n)[1], "--quick reads 5 ranges");
    for (String j : jdks) {
      assertTrue(small.lines().stream().anyMatch(l -> l.startsWith("Verdict, 4 KiB uploads with 16 concurrent clients, "
          + j + ":")) && small.lines().stream().anyMatch(l -> l.startsWith("Client or server, " + j + ":")), printed);
      assertTrue(small.lines().stream().anyMatch(l -> l.startsWith("Verdict, 4 KiB S3 PutObjects with 16 concurrent"
          + " clients, " + j + ": ") && l.contains("the same server's /v1 uploads just before")), printed);
    }
    assertTrue(small.lines().stream().anyMatch(l -> l.startsWith("The HTTP pass-through on " + jdks.get(0)))
        && small.lines().stream().anyMatch(l -> l.startsWith("Verdict, 1 MiB range reads")), printed);

    // The concurrent uploads on a small heap: all 64 succeeded, heap and memory measured.
    Section many = result.sections().get(3);
    assertEquals(1, many.table().rows().size(), printed);
    String[] manyRow = many.table().rows().get(0);
    assertEquals("64", manyRow[1]);
    assertEquals("64", manyRow[2], "every concurrent upload answered 201 with an id");
    assertFigures(many.table(), blanksAsZero(manyRow, 9), 1, printed); // no GC during: no highest heap after one
    assertTrue(many.lines().get(0).startsWith("Verdict, 64 concurrent 1 MiB uploads on -Xmx256m: 64 of 64 succeeded"),
        many.lines().toString());

    // The JDKs side by side: a column each, figures from every part (the cipher from child JVMs).
    Section side = result.sections().get(4);
    assertEquals(jdks, side.table().headers().subList(1, 1 + jdks.size()));
    List<String> sideRows = side.table().rows().stream().map(r -> r[0]).toList();
    for (String row : List.of("envelope encrypt, whole process, wall s", "upload, home on disk, MB/s",
        "download / pass-through download", "4 KiB uploads/s, 16 clients, home on disk",
        "4 KiB S3 PutObjects/s, 16 clients, home on disk", "S3 GetObject / /v1 download (disk home)",
        "Envelope cipher / raw JCE, encrypt")) {
      assertTrue(sideRows.contains(row), row + " in " + sideRows);
    }
    for (String[] row : side.table().rows()) {
      assertFigures(side.table(), row, 1, printed);
    }
    assertEquals(jdks.size(), side.lines().stream().filter(l -> l.startsWith("Cipher on JDK")).count(), printed);

    String md = Files.readString(markdown);
    assertTrue(md.indexOf("## Goals") > 0 && md.indexOf("## Goals") < md.indexOf("## Machine"), md);
    assertTrue(md.contains("## Server over HTTP: upload and download")
        && md.contains("## Server over HTTP: small uploads and range reads") && md.contains("## JDK side by side"), md);
    assertTrue(md.contains("## Whole-process file encryption") && md.contains("| AWS ESDK")
        && md.contains("JVM command line") && md.contains("CPU"), md);
    if (other != null) {
      assertTrue(md.contains("Beside it, " + jdks.get(1)), md);
    }
  }

  @Test
  void theLeanClientCountsAnswersOtherThan201AndGoesOn() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger requests = new AtomicInteger();
    server.createContext("/v1/files", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      // Every third answer fails: with every second, two clients taking turns could meet only failures (one of
      // them did, 20 in a row, on a loaded machine).
      boolean ok = requests.incrementAndGet() % 3 != 0 && body.length == 4096;
      byte[] answer = (ok ? "{\"id\":\"f" + requests.get() + "\"}" : "{\"status\":503}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(ok ? 201 : 503, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
    try {
      LeanUploads.Result r = LeanUploads.run(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
          "token", () -> 0, 2, 4096, 0.1, 0.5);
      assertTrue(r.count() > 0 && r.errors() > 0, r.toString());
      assertTrue(r.errorSamples().get(0).startsWith("HTTP 503"), r.errorSamples().toString());
      assertEquals(2, r.lastFiles().size());
      r.lastFiles().forEach(f -> assertEquals(4096, f.content().length));
    } finally {
      server.stop(0);
    }
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
  void zeroSkipsTheServersSectionsAndAnHttpMibOfOneIsAUsageError() throws Exception {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    BenchResult skipped = CipherBench.run(new String[] {"--quick", "--http-mib", "0", "--concurrent-mib", "0",
        "--file-mib", "1"}, quiet, quiet, new PeersBench(CLI_JAR, null));
    assertTrue(skipped.ok());
    assertEquals(List.of("Whole-process file encryption", "JDK side by side"),
        skipped.sections().stream().map(Section::title).toList());
    assertTrue(skipped.goals().stream().filter(g -> g.contains("skipped (--http-mib 0)")).count()
        == HttpReport.GOALS.size()
        && skipped.goals().stream().anyMatch(g -> g.contains("skipped (--concurrent-mib 0)")), skipped.goals()
        .toString());
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
    assertTrue(usage.contains(PeersBench.HTTP_MIB + " N") && usage.contains(PeersBench.HTTP_SECONDS + " N")
        && usage.contains(PeersBench.CONCURRENT_MIB + " N"), usage);
    assertTrue(usage.contains(PeersBench.PROCESS_REPS + " N") && usage.contains(PeersBench.FILE_MIB + " N")
        && usage.contains("--size-mib N"), usage);
    assertFalse(usage.contains("null"), usage);
  }

  /**
   * The JDK bin/bench would measure beside this one (bin/lib/java.sh's rule: a 17 beside a newer JDK, else the newest
   * other), or null when there is none.
   */
  private static String otherJdk() throws Exception {
    Process p = new ProcessBuilder("bash", "-c", ". ../bin/lib/java.sh && java_homes").redirectErrorStream(true).start();
    List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    p.waitFor();
    int feature = Runtime.version().feature();
    for (String line : lines) {
      String[] f = line.split(" ", 2);
      boolean wanted = feature != 17 ? f[0].equals("17") : !f[0].equals("17");
      if (f.length == 2 && wanted) {
        return f[1];
      }
    }
    return null;
  }

  /** The row with blanks from column {@code from} on read as 0: columns that do not apply to every row. */
  private static String[] blanksAsZero(String[] row, int from) {
    String[] figures = row.clone();
    for (int c = from; c < figures.length; c++) {
      figures[c] = figures[c].isEmpty() ? "0" : figures[c];
    }
    return figures;
  }

  /** Cells from {@code first} on must be figures or figure ranges: FAILED, n/a or blanks fail. */
  private static void assertFigures(Table table, String[] row, int first, String printed) {
    for (int c = first; c < row.length; c++) {
      assertTrue(FIGURE.matcher(row[c]).matches(),
          "row '" + row[0] + "', column '" + table.headers().get(c) + "' is '" + row[c] + "'\n" + printed);
    }
  }
}
