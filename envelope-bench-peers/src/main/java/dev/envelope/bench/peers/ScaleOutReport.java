package dev.envelope.bench.peers;

import dev.envelope.bench.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The figures of one {@link ScaleOutBench} run and their Markdown: the big transfers per configuration and
 * direction (medians over the measured rounds), the scale-out/embedded ratio per direction (the median of the
 * per-round ratios: each round's two transfers ran next to each other, so the pair shares the machine's noise),
 * and the KMS calls per file. The section is framed by {@link #BEGIN} and {@link #END} lines so that a later
 * run can replace it in a file that holds other reports too ({@link #replaceSection}).
 */
final class ScaleOutReport {
  static final String TITLE = "## Scale-out (issue 5)";
  static final String BEGIN = "<!-- BEGIN scale-out (issue 5): written by bin/bench-scaleout, which replaces"
      + " everything from this line to the END line -->";
  static final String END = "<!-- END scale-out (issue 5) -->";
  static final String MET = "met";
  static final String MISSED = "MISSED";

  private final ScaleOutBench.Plan plan;
  private final String loadBefore;
  private final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final List<ScaleOutBench.Round> rounds = new ArrayList<>();
  private String where = "?";
  private String loadAfter = "n/a";
  private KmsCalls uploads;
  private KmsCalls downloads;

  ScaleOutReport(ScaleOutBench.Plan plan, String loadBefore) {
    this.plan = plan;
    this.loadBefore = loadBefore;
  }

  void where(String where) {
    this.where = where;
  }

  void add(ScaleOutBench.Round round) {
    rounds.add(round);
  }

  void kms(KmsCalls uploads, KmsCalls downloads) {
    this.uploads = uploads;
    this.downloads = downloads;
  }

  void loadAfter(String loadAfter) {
    this.loadAfter = loadAfter;
  }

  /** Whether every file cost exactly one KMS call (the transfers themselves either all passed or threw). */
  boolean ok() {
    return uploads != null && uploads.exactlyOnePerFile() && downloads.exactlyOnePerFile();
  }

  KmsCalls uploads() {
    return uploads;
  }

  KmsCalls downloads() {
    return downloads;
  }

  /** Configuration, direction, MB/s median, min-max, and the median CPU seconds of node, stand-ins and curl. */
  Table transfers() {
    Table table = new Table(2, "Configuration", "Direction", "MB/s median", "min-max", "node CPU s",
        "S3Proxy + key server CPU s", "curl CPU s");
    for (boolean up : new boolean[] {true, false}) {
      for (ScaleOutBench.Config config : ScaleOutBench.Config.values()) {
        List<ScaleOutBench.Round> mine = measured(config);
        double[] rates = mine.stream().mapToDouble(r -> rate((up ? r.up() : r.down()).seconds())).sorted().toArray();
        table.add(config.label, up ? "upload" : "download", fmt("%.0f", median(rates)),
            fmt("%.0f-%.0f", rates[0], rates[rates.length - 1]),
            fmt("%.1f", median(mine, r -> (up ? r.up() : r.down()).serverCpu())),
            fmt("%.1f", median(mine, r -> up ? r.benchCpuUp() : r.benchCpuDown())),
            fmt("%.1f", median(mine, r -> (up ? r.up() : r.down()).clientCpu())));
      }
    }
    return table;
  }

  /** Per direction: both medians, and the median of the per-round ratios scale-out / embedded. */
  Table ratios() {
    Table table = new Table(1, "Direction", "embedded MB/s", "scale-out MB/s", "scale-out / embedded",
        "per round");
    List<String[]> rows = transfers().rows();
    for (boolean up : new boolean[] {true, false}) {
      double[] ratios = ratios(up);
      table.add(up ? "upload" : "download", rows.get(up ? 0 : 2)[2], rows.get(up ? 1 : 3)[2], fmt("%.2f", median(ratios.clone())),
          Arrays.stream(ratios).mapToObj(r -> fmt("%.2f", r)).collect(Collectors.joining(" ")));
    }
    return table;
  }

  /** The per-round ratios scale-out / embedded of the rates, in round order. */
  double[] ratios(boolean up) {
    List<ScaleOutBench.Round> embedded = measured(ScaleOutBench.Config.EMBEDDED);
    List<ScaleOutBench.Round> scaled = measured(ScaleOutBench.Config.SCALE_OUT);
    double[] ratios = new double[embedded.size()];
    for (int i = 0; i < ratios.length; i++) {
      ToDoubleFunction<ScaleOutBench.Round> seconds = r -> (up ? r.up() : r.down()).seconds();
      ratios[i] = seconds.applyAsDouble(embedded.get(i)) / seconds.applyAsDouble(scaled.get(i));
    }
    return ratios;
  }

  /** Uploads and downloads through the scale-out node: KMS calls by operation, per file, and the goal. */
  Table kms() {
    Table table = new Table(1, "Transfers (scale-out node)", "Files", "GenerateDataKey", "Decrypt",
        "Other KMS operations", "Calls per file", "Goal: exactly 1");
    int big = plan.warmups() + plan.rounds();
    row(table, uploads, fmt("uploads: %d x %d KiB, %d x %d MiB", plan.smallFiles(), plan.smallKib(), big, plan.mib()));
    row(table, downloads, fmt("downloads: %d x %d KiB, %d x %d MiB (timed + SHA-256 check)", plan.smallFiles(),
        plan.smallKib(), 2 * big, plan.mib()));
    return table;
  }

  private static void row(Table table, KmsCalls calls, String label) {
    Map<String, Long> others = calls.others();
    long all = calls.expectedCalls() + others.values().stream().mapToLong(Long::longValue).sum();
    boolean generate = calls.expected().equals("GenerateDataKey");
    table.add(label, Long.toString(calls.files()), Long.toString(generate ? calls.expectedCalls() : 0),
        Long.toString(generate ? 0 : calls.expectedCalls()),
        others.isEmpty() ? "none" : others.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", ")),
        fmt("%.2f", (double) all / calls.files()), calls.exactlyOnePerFile() ? MET : MISSED);
  }

  /** The whole section, framed by {@link #BEGIN} and {@link #END}. */
  String markdown() {
    String invocation = System.getProperty("bench.invocation", "ScaleOutBench");
    StringBuilder out = new StringBuilder();
    out.append(BEGIN).append("\n").append(TITLE).append("\n\n");
    out.append("Generated by `").append(ScaleOutBench.class.getName()).append("` at ").append(started)
        .append(" (`").append(invocation).append("`); every figure below was measured in that run.\n\n");
    out.append(fmt("- One `envelope serve` node per configuration, each a process (`%s`) on loopback, both up for the"
        + " whole run.%n", String.join(" ", ServerProcess.JVM_OPTIONS)));
    out.append("- Embedded: `blob = fs`, `metadata = sqlite`, `keys = local`; its home under ").append(where)
        .append(".\n");
    out.append(fmt("- Scale-out: `blob = s3` on S3Proxy 4.1 (in the benchmark's JVM, its filesystem backend on the"
        + " same disk), `metadata = dynamodb` on dynalite 4 (a Node.js process), `keys = aws-kms` on Envelope's key"
        + " server (in the benchmark's JVM, over a local keyring); `s3-part-size` %d MiB, `s3-parallelism` %d.%n",
        plan.partMib(), plan.parallelism()));
    out.append(fmt("- One random file of %d MiB: `curl -T` up, `curl -o /dev/null` down; %d warm-up + %d measured"
        + " round(s), the two nodes alternating (embedded first in even rounds, scale-out first in odd ones); every"
        + " upload downloaded again, untimed, and compared by SHA-256.%s%n", plan.mib(), plan.warmups(), plan.rounds(),
        plan.quick() ? " Quick mode: a smoke test, not a measurement." : ""));
    out.append(fmt("- Machine: %d cores; load average (1, 5, 15 min) before the run %s, after it %s.%n%n",
        Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
    out.append(transfers().markdown()).append('\n').append(ratios().markdown()).append('\n');
    out.append(kms().markdown()).append('\n');
    out.append(fmt("Verdict, KMS calls: the goal of exactly one `GenerateDataKey` per uploaded file and one `Decrypt`"
        + " per downloaded file, and no other call, is %s for uploads and %s for downloads.%n%n",
        uploads.exactlyOnePerFile() ? MET : MISSED, downloads.exactlyOnePerFile() ? MET : MISSED));
    out.append("Notes:\n\n");
    out.append("- MB/s = 10^6 bytes of plaintext per second of curl's own `time_total`. The ratio is the median of"
        + " the per-round ratios (each round's two transfers ran back to back).\n");
    out.append("- CPU seconds (user + system) during each transfer, medians: the node's process; the benchmark's JVM,"
        + " which runs S3Proxy and the key server (for the embedded node it only waits); curl. dynalite, a separate"
        + " process, is not counted. All of them share the machine's cores.\n");
    out.append("- The embedded node fsyncs each blob before it answers; S3Proxy 4.1's filesystem backend writes its"
        + " objects without fsync (its nio2 store never calls `FileChannel.force`), so the scale-out upload is not"
        + " held to the disk's durable write rate the way the embedded one is. Against real S3 the network decides.\n");
    out.append("- KMS calls are counted from the key server's audit log (one line per request, written before it"
        + " answers), only while the transfers ran: the nodes' start (a `DescribeKey` of the root key) is outside.\n");
    out.append(END).append('\n');
    return out.toString();
  }

  /**
   * Replaces the text from the {@link #BEGIN} line to the {@link #END} line of {@code file} with {@code section}
   * (appends it after a blank line when the file has no such section; creates the file when missing). The rest of
   * the file is kept byte for byte. Written to a sibling temporary file and moved into place.
   */
  static void replaceSection(Path file, String section) throws IOException {
    replaceSection(file, BEGIN, END, section);
  }

  /**
   * As {@link #replaceSection(Path, String)}, for the section another benchmark owns, framed by its own {@code
   * beginLine} and {@code endLine} (each a whole {@code <!-- BEGIN ...} or {@code <!-- END ...} line, as
   * bin/bench keeps them).
   */
  static void replaceSection(Path file, String beginLine, String endLine, String section) throws IOException {
    String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    int begin = text.indexOf(beginLine);
    int end = begin < 0 ? -1 : text.indexOf(endLine, begin);
    String updated;
    if (begin >= 0 && end >= 0) {
      int after = end + endLine.length();
      if (after < text.length() && text.charAt(after) == '\n') {
        after++;
      }
      updated = text.substring(0, begin) + section + text.substring(after);
    } else {
      String gap = text.isEmpty() || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
      updated = text + gap + section;
    }
    Path parent = file.toAbsolutePath().getParent();
    Path temporary = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try {
      Files.writeString(temporary, updated, StandardCharsets.UTF_8);
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "n/a". */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private List<ScaleOutBench.Round> measured(ScaleOutBench.Config config) {
    return rounds.stream().filter(r -> r.measured() && r.config() == config).toList();
  }

  private double rate(double seconds) {
    return (double) plan.mib() * (1 << 20) / 1e6 / seconds;
  }

  private static double median(List<ScaleOutBench.Round> rounds, ToDoubleFunction<ScaleOutBench.Round> value) {
    return median(rounds.stream().mapToDouble(value).toArray());
  }

  private static double median(double[] values) {
    Arrays.sort(values);
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
