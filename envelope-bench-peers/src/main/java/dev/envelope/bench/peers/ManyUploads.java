package dev.envelope.bench.peers;

import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.BenchResult;
import dev.envelope.bench.Sizes;
import dev.envelope.bench.Table;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 14's memory goal: {@value #CONCURRENCY} uploads of one big file at once (64 MiB each by default) to an
 * {@code envelope serve} whose heap is {@code -Xmx256m}, its home on the real disk. All must succeed, and the heap
 * must stay flat: the heap in use right after a full collection ({@code jcmd PID GC.run}, read from the server's
 * own GC log, as the soak test's {@code SoakVitals} does) after the uploads is within {@value #FLAT_MARGIN_MIB} MiB
 * of the same reading before them (taken after one warm-up upload). Also reported: the highest heap left after any
 * collection during the uploads, and the server's peak resident memory. The clients are {@value #CONCURRENCY} curl
 * processes ({@code -T FILE}), started together; each answer must be 201 with a file id and the whole size.
 */
final class ManyUploads {
  static final int CONCURRENCY = 64;
  static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx256m", "-XX:+UseParallelGC");
  static final int FLAT_MARGIN_MIB = 16;
  private static final Pattern GC_LINE = Pattern.compile("Pause (Full|Young) \\(([^)]*)\\).*? (\\d+)([KMG])->(\\d+)([KMG])");
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private final Path envelopeJar;
  private final Jdk jdk;
  private final PrintStream log;

  ManyUploads(Path envelopeJar, Jdk jdk, PrintStream log) {
    this.envelopeJar = envelopeJar;
    this.jdk = jdk;
    this.log = log;
  }

  /** What one run found. */
  record Result(int uploads, int succeeded, List<String> failures, double seconds, long bytes, double heapBeforeMib,
      double heapAfterMib, int collections, double heapHighestMib, double peakRssMib, double serverCores,
      double clientCores) {
    boolean flat() {
      return heapAfterMib <= heapBeforeMib + FLAT_MARGIN_MIB;
    }
  }

  Section run(int mib, Goals goals) throws IOException {
    long size = (long) mib * Sizes.MIB;
    goals.size(Goals.Goal.MANY_UPLOADS, mib);
    String title = fmt("Server over HTTP: %d concurrent %d MiB uploads on -Xmx256m", CONCURRENCY, mib);
    Table table = new Table(1, "Row", "Uploads", "201 with id", "failed", "wall s", "MB/s, all together",
        "heap after full GC before, MiB", "after, MiB", "GCs during", "highest heap after a GC during, MiB",
        "server peak RSS MiB", "server CPU cores", "client CPU cores");
    String label = fmt("%d x %d MiB at once, curl -T, %s, home on disk", CONCURRENCY, mib, jdk.label());
    List<String> failures = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    Path dir = Files.createTempDirectory(HttpBench.parentDirectory(), "envelope-bench-many-");
    String server = "`java " + String.join(" ", JVM_OPTIONS) + " -Xlog:gc:file=GCLOG -jar " + envelopeJar
        + " serve` on " + jdk.label();
    String settings = fmt("%s, its home in a fresh directory under %s (%s). One random file of %d MiB; one upload"
        + " unmeasured, then a full collection (jcmd GC.run) and the heap it leaves; then %d curl processes upload the"
        + " file at once; then another full collection. The first and the last file uploaded are downloaded again and"
        + " compared by SHA-256; all are deleted afterwards.", server, HttpBench.parentDirectory(),
        Files.getFileStore(dir).type(), mib, CONCURRENCY);
    try {
      Path curl = ProcessBench.onPath("curl");
      if (curl == null) {
        table.add(label, ProcessBench.NOT_AVAILABLE, "", "", "", "", "", "", "", "", "", "", "");
        goals.missing(Goals.Goal.MANY_UPLOADS, "not available: curl is not on PATH");
        return new Section(title, settings, table, failures, List.of("Verdict: " + ProcessBench.NOT_AVAILABLE
            + " (curl is not on PATH)"), List.of());
      }
      Result r = measure(dir, curl, size);
      table.add(label, Integer.toString(r.uploads()), Integer.toString(r.succeeded()),
          Integer.toString(r.uploads() - r.succeeded()), fmt("%.2f", r.seconds()), fmt("%.0f", r.bytes() / 1e6 / r.seconds()),
          fmt("%.1f", r.heapBeforeMib()), fmt("%.1f", r.heapAfterMib()), Integer.toString(r.collections()),
          r.collections() == 0 ? "" : fmt("%.1f", r.heapHighestMib()),
          fmt("%.0f", r.peakRssMib()), fmt("%.2f", r.serverCores()), fmt("%.2f", r.clientCores()));
      boolean all = r.succeeded() == r.uploads();
      boolean met = all && r.flat();
      String heap = fmt("heap after a full collection %.1f MiB before and %.1f MiB after (%s the %d MiB margin; %s);"
          + " server peak RSS %.0f MiB", r.heapBeforeMib(), r.heapAfterMib(), r.flat() ? "within" : "beyond",
          FLAT_MARGIN_MIB, r.collections() == 0 ? "no collection during the uploads" : fmt("%d collections during"
          + " the uploads, the highest heap after one %.1f MiB", r.collections(), r.heapHighestMib()), r.peakRssMib());
      lines.add(fmt("Verdict, %d concurrent %d MiB uploads on -Xmx256m: %d of %d succeeded; %s: the goal (all succeed,"
          + " heap flat) is %s", CONCURRENCY, mib, r.succeeded(), r.uploads(), heap, met ? "met" : "NOT MET"));
      r.failures().forEach(f -> failures.add("concurrent uploads: " + f));
      String figure = fmt("%d of %d succeeded, heap after full GC %.1f -> %.1f MiB, peak RSS %.0f MiB (%s)",
          r.succeeded(), r.uploads(), r.heapBeforeMib(), r.heapAfterMib(), r.peakRssMib(), jdk.label());
      goals.measured(Goals.Goal.MANY_UPLOADS, figure, met, !all ? (r.uploads() - r.succeeded())
          + " uploads failed: " + r.failures().get(0) : fmt("the heap grew by %.1f MiB", r.heapAfterMib() - r.heapBeforeMib()));
    } catch (Exception e) {
      log.println("bench: concurrent uploads FAILED: " + ProcessBench.describe(e));
      table.add(label, BenchResult.FAILED, "", "", "", "", "", "", "", "", "", "", "");
      failures.add("concurrent uploads: " + ProcessBench.describe(e));
      lines.add("Verdict, concurrent uploads: " + BenchResult.FAILED + " (no figures; see the failures above)");
      goals.missing(Goals.Goal.MANY_UPLOADS, BenchResult.FAILED + " (" + ProcessBench.describe(e) + ")");
    } finally {
      ProcessBench.deleteTree(dir);
    }
    List<String> notes = List.of("Concurrent uploads: heap figures are the \"after\" of the server's own GC log lines"
        + " (-Xlog:gc); before and after are full collections asked for with jcmd GC.run, flat means the after is"
        + " within " + FLAT_MARGIN_MIB + " MiB of the before; peak RSS is VmHWM from /proc. MB/s, all together = the"
        + " bytes of every successful upload over the wall clock from the first curl's start to the last one's exit."
        + " Client CPU = the curl processes' CPU seconds over that wall clock.");
    return new Section(title, settings, table, failures, lines, notes);
  }

  private Result measure(Path dir, Path curl, long size) throws Exception {
    Path source = dir.resolve("source.bin");
    byte[] sha256 = HttpBench.writeRandom(source, size);
    Path gcLog = dir.resolve("gc.log");
    List<String> options = new ArrayList<>(JVM_OPTIONS);
    options.add("-Xlog:gc:file=" + gcLog);
    log.println("bench: concurrent uploads: starting envelope serve (" + String.join(" ", options) + ") on "
        + jdk.label());
    try (ServerProcess server = ServerProcess.start(envelopeJar, dir.resolve("home"), Map.of(), jdk, options)) {
      Path headers = Files.writeString(dir.resolve("curl-headers.txt"), "Authorization: Bearer " + server.token()
          + "\n", StandardCharsets.UTF_8);
      // Warm-up through curl, not the JDK client, whose kept-alive connection would count against the server's
      // limit of 64 connections per address.
      List<String> ids = new ArrayList<>();
      Process warm = curl(curl, headers, source, server.url(), dir.resolve("warm-up.json"));
      String warmId = answer(warm, dir.resolve("warm-up.json"), size, 120 + size / 5_000_000);
      ids.add(warmId);
      double before = liveHeapMib(server, gcLog);
      int gcLines = Files.readAllLines(gcLog).size();
      log.printf("bench: concurrent uploads: %d x %d MiB%n", CONCURRENCY, size / Sizes.MIB);
      double serverCpu = server.cpuSeconds();
      double clientCpu = HttpLoad.childrenCpuSeconds();
      long start = System.nanoTime();
      List<Process> clients = new ArrayList<>();
      for (int i = 0; i < CONCURRENCY; i++) {
        clients.add(curl(curl, headers, source, server.url(), dir.resolve("answer-" + i + ".json")));
      }
      long timeout = 120 + CONCURRENCY * size / 5_000_000;
      List<String> failures = new ArrayList<>();
      for (int i = 0; i < CONCURRENCY; i++) {
        try {
          ids.add(answer(clients.get(i), dir.resolve("answer-" + i + ".json"), size,
              Math.max(1, timeout - (System.nanoTime() - start) / 1_000_000_000)));
        } catch (IOException e) {
          failures.add(ProcessBench.describe(e));
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double serverCores = (server.cpuSeconds() - serverCpu) / seconds;
      double clientCores = (HttpLoad.childrenCpuSeconds() - clientCpu) / seconds;
      server.checkAlive();
      List<String> during = Files.readAllLines(gcLog);
      double[] afters = during.subList(gcLines, during.size()).stream().map(GC_LINE::matcher).filter(Matcher::find)
          .mapToDouble(m -> mib(Long.parseLong(m.group(5)), m.group(6))).toArray();
      double highest = java.util.Arrays.stream(afters).max().orElse(Double.NaN);
      double after = liveHeapMib(server, gcLog);
      double rss = server.peakRssMib();
      int succeeded = ids.size() - 1;
      HttpLoad load = new HttpLoad(server, curl, dir);
      if (succeeded > 0) {
        load.verify(ids.get(1), size, sha256);
        load.verify(ids.get(ids.size() - 1), size, sha256);
      }
      for (String id : ids) {
        load.delete(id);
      }
      return new Result(CONCURRENCY, succeeded, failures, seconds, succeeded * size, before, after, afters.length,
          highest, rss, serverCores, clientCores);
    }
  }

  private static Process curl(Path curl, Path headers, Path source, String url, Path answer) throws IOException {
    return new ProcessBuilder(curl.toString(), "-sS", "-H", "@" + headers, "-X", "POST", "-T", source.toString(),
        "-H", "Expect:", "-H", "Content-Type: application/octet-stream", "-o", answer.toString(), "-w",
        "%{http_code} %{size_upload}", url + "/v1/files?name=many.bin")
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true).start();
  }

  /** Waits for one curl; returns the file id of a 201 that took the whole file, else throws saying what came. */
  private static String answer(Process p, Path answer, long size, long timeoutSeconds) throws Exception {
    String written = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
      throw new IOException("curl timed out");
    }
    String body = Files.isRegularFile(answer) ? Files.readString(answer).strip() : "";
    String[] w = written.split(" ");
    Matcher id = ID.matcher(body);
    if (p.exitValue() != 0 || w.length < 2 || !w[0].equals("201") || !w[1].equals(Long.toString(size)) || !id.find()) {
      throw new IOException("curl exit " + p.exitValue() + ", " + written + ": " + body);
    }
    return id.group(1);
  }

  /** Heap in use right after a full collection the server is asked for, in MiB, from its GC log. */
  private static double liveHeapMib(ServerProcess server, Path gcLog) throws Exception {
    Process jcmd = new ProcessBuilder(server.jdk().tool("jcmd").toString(), Long.toString(server.pid()), "GC.run")
        .redirectErrorStream(true).start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      jcmd.destroyForcibly();
      throw new IOException("jcmd " + server.pid() + " GC.run failed: " + out.strip());
    }
    double last = Double.NaN;
    for (String line : Files.readAllLines(gcLog, StandardCharsets.UTF_8)) {
      Matcher m = GC_LINE.matcher(line);
      if (m.find() && m.group(1).equals("Full") && m.group(2).equals("Diagnostic Command")) {
        last = mib(Long.parseLong(m.group(5)), m.group(6));
      }
    }
    if (Double.isNaN(last)) {
      throw new IOException("no full collection in " + gcLog + " after jcmd GC.run");
    }
    return last;
  }

  private static double mib(long value, String unit) {
    return switch (unit) {
      case "K" -> value / 1024.0;
      case "G" -> value * 1024.0;
      default -> value;
    };
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
