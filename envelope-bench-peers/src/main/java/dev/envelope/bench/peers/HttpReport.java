package dev.envelope.bench.peers;

import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.BenchResult;
import dev.envelope.bench.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The two report sections of {@link HttpBench}: tables, verdicts against issue 3's goals, and notes. */
final class HttpReport {
  static final double THROUGHPUT_GOAL = 0.6;
  static final double UPLOADS_GOAL = 1000;
  static final double RANGE_MEDIAN_GOAL_MS = 20;
  private static final String FAILED = BenchResult.FAILED;

  private final HttpBench.Plan plan;
  private final Path jar;
  private String where = "";
  private String unavailable;
  private String serverFailure;
  private final List<String> bigFailures = new ArrayList<>();
  private final List<String> otherFailures = new ArrayList<>();
  private final List<String> bigLines = new ArrayList<>();
  private final List<String> otherLines = new ArrayList<>();
  private final Table big = new Table(1, "Row", "MB/s median", "min-max", "x in-process cipher",
      "x disk write+fsync", "server CPU cores", "client CPU cores");
  private final Table other = new Table(1, "Row", "Count", "per s", "median ms", "p99 ms", "max ms",
      "server CPU cores", "client CPU cores");
  private Baselines.SmallFiles fsync;
  private Baselines.SmallFiles blobStore;

  HttpReport(HttpBench.Plan plan, Path jar) {
    this.plan = plan;
    this.jar = jar;
  }

  void where(String where) {
    this.where = where;
  }

  void unavailable(String why) {
    this.unavailable = why;
  }

  void serverFailed(String why) {
    serverFailure = why;
  }

  void bigFailed(String why) {
    bigFailures.add("HTTP big transfers: " + why);
  }

  void big(HttpBench.Samples s, long size) {
    String[] labels = {"Envelope cipher in-process, encrypt (the baseline of upload)",
        "Envelope cipher in-process, decrypt (the baseline of download)",
        "Disk: write " + plan.fileMib() + " MiB to a new file + fsync, as dd conv=fsync (the baseline of upload)",
        "Upload over HTTP (curl -T FILE)", "Download over HTTP (curl -o /dev/null)"};
    if (!bigFailures.isEmpty() || s.upload.isEmpty()) {
      String cell = unavailable != null && bigFailures.isEmpty() ? ProcessBench.NOT_AVAILABLE : FAILED;
      for (String label : labels) {
        big.add(label, cell, "", "", "", "", "");
      }
      bigLines.add("Verdict, upload and download: " + cell + " (no figures"
          + (unavailable != null ? ": " + unavailable : "; see the failures above") + ")");
      return;
    }
    double enc = rate(size, median(s.encrypt));
    double dec = rate(size, median(s.decrypt));
    double disk = rate(size, median(s.disk));
    double up = rate(size, median(seconds(s.upload)));
    double down = rate(size, median(seconds(s.download)));
    big.add(labels[0], f0(enc), range(size, s.encrypt), "1.00", "", "", "");
    big.add(labels[1], f0(dec), range(size, s.decrypt), "1.00", "", "", "");
    big.add(labels[2], f0(disk), range(size, s.disk), "", "1.00", "", "");
    big.add(labels[3], f0(up), range(size, seconds(s.upload)), f2(up / enc), f2(up / disk),
        cores(s.upload, HttpLoad.Transfer::serverCpu), cores(s.upload, HttpLoad.Transfer::clientCpu));
    big.add(labels[4], f0(down), range(size, seconds(s.download)), f2(down / dec), "",
        cores(s.download, HttpLoad.Transfer::serverCpu), cores(s.download, HttpLoad.Transfer::clientCpu));

    bigLines.add(fmt("Verdict, upload: %.0f MB/s, %.2fx the in-process encrypt (%.0f MB/s): the goal of >= %.1fx is %s%s",
        up, up / enc, enc, THROUGHPUT_GOAL, met(up / enc >= THROUGHPUT_GOAL), paired(size, s.upload, s.encrypt)));
    bigLines.add(fmt("Upload against the disk: %.2fx its durable write rate (%.0f MB/s), which is %.2fx the in-process"
        + " encrypt", up / disk, disk, disk / enc));
    double write = median(s.diskWrite);
    double sync = median(s.diskFsync);
    bigLines.add(fmt("The disk baseline, split (medians): %.2f s writing the fresh file into the page cache, %.2f s in"
        + " fsync. A fresh file needs fresh page-cache memory, which on a virtual machine that hands freed memory"
        + " back to its host costs page faults; the upload's blob is a fresh file too", write, sync));
    if (up / enc < THROUGHPUT_GOAL) {
      double cores = cpu(s.upload, HttpLoad.Transfer::serverCpu);
      String pipeline = fmt("the server's serial pipeline: one request thread reads the socket, encrypts and writes"
          + " each 64 KiB into the page cache in turn, then fsyncs the blob (server %.2f cores, kernel included)", cores);
      bigLines.add(up / disk > 1.1
          ? fmt("What dominated the upload: not the disk (the upload beat the write + fsync baseline, %.2fx, whose"
              + " time went %s), so %s", up / disk, write >= sync ? "mostly to the page cache" : "mostly to fsync",
              pipeline)
          : up / disk >= 0.75
          ? fmt("What dominated the upload: the durable write of a fresh file (%.2fx the write + fsync baseline, whose"
              + " time went %s), not the cipher (server %.2f cores)", up / disk,
              write >= sync ? "mostly to the page cache" : "mostly to fsync", cores)
          : fmt("What dominated the upload: not the disk (%.2fx its rate) but %s", up / disk, pipeline));
    }
    bigLines.add(fmt("Verdict, download: %.0f MB/s, %.2fx the in-process decrypt (%.0f MB/s): the goal of >= %.1fx"
        + " is %s%s", down, down / dec, dec, THROUGHPUT_GOAL, met(down / dec >= THROUGHPUT_GOAL),
        paired(size, s.download, s.decrypt)));
  }

  /** The disk's small-file rates: plain fsynced files, and the blob store's whole durable sequence. */
  void fsync(Baselines.SmallFiles plain, Baselines.SmallFiles asBlobStore) {
    fsync = plain;
    blobStore = asBlobStore;
  }

  void fsyncFailed(String why) {
    otherFailures.add("HTTP, disk rate of small fsynced files: " + why);
  }

  void small(HttpLoad.SmallUploads u) {
    fsyncRow();
    other.add(smallLabel(), Long.toString(u.count()), f0(u.perSecond()), f2(pct(u.sortedMillis(), 50)),
        f2(pct(u.sortedMillis(), 99)), f2(max(u.sortedMillis())), f2(u.serverCores()), f2(u.clientCores()));
    otherLines.add(fmt("Verdict, %d KiB uploads with %d concurrent clients: %.0f uploads/s (p50 %.1f ms, p99 %.1f ms):"
        + " the goal of %.0f/s is %s", HttpBench.SMALL_BYTES / 1024, HttpBench.CLIENTS, u.perSecond(),
        pct(u.sortedMillis(), 50), pct(u.sortedMillis(), 99), UPLOADS_GOAL, met(u.perSecond() >= UPLOADS_GOAL)));
    if (u.perSecond() < UPLOADS_GOAL) {
      int cpus = Runtime.getRuntime().availableProcessors();
      boolean saturated = u.serverCores() + u.clientCores() >= 0.85 * cpus;
      String cpu = fmt("server %.2f + clients %.2f of %d cores, kernel included; %.1f ms of server CPU per upload",
          u.serverCores(), u.clientCores(), cpus, u.serverCores() / u.perSecond() * 1000);
      String disk = blobStore == null ? "" : fmt("; the blob store's durable sequence alone (no HTTP, crypto or"
          + " SQLite) ran at %.0f/s with %d threads, %s the goal, using %.2f cores (%.1f ms of CPU per file, mostly"
          + " the kernel's file-system calls); the rest of the server's CPU per upload, about %.1f ms, is HTTP, the"
          + " token check, the data key, the cipher's set-up and the SQLite insert", blobStore.perSecond(),
          HttpBench.CLIENTS, blobStore.perSecond() < UPLOADS_GOAL ? "below" : "above", blobStore.cores(),
          blobStore.cores() / blobStore.perSecond() * 1000,
          u.serverCores() / u.perSecond() * 1000 - blobStore.cores() / blobStore.perSecond() * 1000);
      String fsyncs = "each upload waits for two fsyncs of the blob store (the blob, then its directory after the"
          + " link) and a share of SQLite's grouped commit";
      otherLines.add(saturated
          ? "What dominated the small uploads: the CPU, the machine is saturated (" + cpu + "); " + fsyncs + disk
          : "What dominated the small uploads: waiting on fsync, not the CPU (" + cpu + "); " + fsyncs + disk);
    }
  }

  void smallFailed(String why) {
    fsyncRow();
    other.add(smallLabel(), FAILED, "", "", "", "", "", "");
    otherFailures.add("HTTP, small uploads: " + why);
    otherLines.add("Verdict, small uploads: " + FAILED + " (no figures; see the failures above)");
  }

  void ranges(HttpLoad.RangeReads r) {
    double[] ms = r.sortedMillis();
    other.add(rangeLabel(), Integer.toString(ms.length), f0(1000 / pct(ms, 50)), f2(pct(ms, 50)), f2(pct(ms, 99)),
        f2(max(ms)), f2(r.serverCores()), f2(r.clientCores()));
    otherLines.add(fmt("Verdict, 1 MiB range reads at random offsets of the %d MiB file: median %.2f ms, p99 %.2f ms:"
        + " the goal of a median under %.0f ms is %s", plan.fileMib(), pct(ms, 50), pct(ms, 99), RANGE_MEDIAN_GOAL_MS,
        met(pct(ms, 50) < RANGE_MEDIAN_GOAL_MS)));
  }

  void rangesFailed(String why) {
    other.add(rangeLabel(), FAILED, "", "", "", "", "", "");
    otherFailures.add("HTTP, range reads: " + why);
    otherLines.add("Verdict, range reads: " + FAILED + " (no figures; see the failures above)");
  }

  private void fsyncRow() {
    diskRow(fmt("Disk: new file, write 4 KiB, fsync; %d threads", HttpBench.CLIENTS), fsync);
    diskRow(fmt("Disk: the blob store's durable write of 4 KiB (new file, fsync, link, fsync directory); %d threads"
        + " (the blob store's part of an upload)", HttpBench.CLIENTS), blobStore);
  }

  private void diskRow(String label, Baselines.SmallFiles files) {
    if (files == null) {
      other.add(label, FAILED, "", "", "", "", "", "");
      return;
    }
    double[] ms = files.sortedMillis();
    other.add(label, Integer.toString(ms.length), f0(files.perSecond()), f2(pct(ms, 50)), f2(pct(ms, 99)),
        f2(max(ms)), "", f2(files.cores()));
  }

  private String smallLabel() {
    return fmt("%d KiB uploads, %d concurrent clients (JDK HttpClient), %.0f s", HttpBench.SMALL_BYTES / 1024,
        HttpBench.CLIENTS, plan.smallSeconds());
  }

  private String rangeLabel() {
    return fmt("1 MiB range reads at random offsets of the %d MiB file, 1 client (JDK HttpClient)", plan.fileMib());
  }

  List<Section> sections() {
    if (serverFailure != null) {
      // The rows that need the server have no figures: make sure every section says so.
      if (big.rows().isEmpty()) {
        big.add("Upload and download over HTTP", FAILED, "", "", "", "", "");
      }
      if (other.rows().isEmpty()) {
        other.add("Small uploads and range reads over HTTP", FAILED, "", "", "", "", "", "");
      }
      bigFailures.add("HTTP: envelope serve: " + serverFailure);
      otherFailures.add("HTTP: envelope serve: " + serverFailure);
    }
    String server = "`java " + String.join(" ", ServerProcess.JVM_OPTIONS) + " -jar " + jar
        + " serve --host 127.0.0.1 --port 0`";
    String bigSettings = fmt("%s on loopback, its home in a fresh temporary directory under %s (the real disk, not"
        + " tmpfs: an upload is fsynced before it is acknowledged). A random file of %d MiB in the same directory;"
        + " %d unmeasured and %d measured rounds, each running one after the other the in-process encrypt and decrypt"
        + " of %d MiB, the disk's durable write of %d MiB, the upload and the download; medians over the rounds.",
        server, where, plan.fileMib(), plan.warmups(), plan.reps(), plan.fileMib(), plan.fileMib());
    String otherSettings = fmt("The same server. %d clients upload %d KiB random files one after another for %.0f s"
        + " after %.1f s of warm-up; before that, the disk's own rate for small durable files, %d threads for %.1f s"
        + " each way, in the same directory; then %d range reads of 1 MiB at random offsets of the big file, one at a time, after"
        + " %d unmeasured. Percentiles are nearest-rank.", HttpBench.CLIENTS, HttpBench.SMALL_BYTES / 1024,
        plan.smallSeconds(), plan.smallWarmupSeconds(), HttpBench.CLIENTS, plan.fsyncSeconds(), plan.rangeReads(),
        plan.rangeWarmup());
    List<String> notes = List.of(
        "HTTP rows: MB/s = 10^6 bytes of plaintext per second; upload and download times are curl's own"
            + " (time_total: connect to last byte, 201 or 200 included). Clients: curl for the big transfers, a"
            + " native process that streams the file (-T) and discards the download, so that no Java client's"
            + " copies, JIT or GC are in the figure; the JDK HttpClient (HTTP/1.1, kept-alive connections) for the"
            + " small uploads and range reads, in the bench's own JVM, on the same 2 cores as the server.",
        "HTTP server JVM: " + String.join(" ", ServerProcess.JVM_OPTIONS) + ": a fixed heap (memory stays flat"
            + " whatever the file size) and the parallel collector, for throughput with 16 clients on 2 cores;"
            + " bin/envelope's serial collector suits its short, single-threaded commands instead.",
        "HTTP checks: every upload answers 201 and every download 200 with the full length; each round's"
            + " uploaded file is downloaded once more (untimed, JDK HttpClient) and its SHA-256 compared with the"
            + " original's; the last 4 KiB file of each client is downloaded and compared; every range read is 206"
            + " and compared byte for byte with the same slice of the original. Anything else prints FAILED.",
        "HTTP CPU cores = CPU seconds (user + system) of the process over the row's wall clock: the server's from"
            + " /proc, curl's as this JVM's reaped children, the JDK client's as this JVM's own (range-read"
            + " client figures include the checks; the disk rows' figure, in the client column, is this JVM doing"
            + " the disk work). 2 cores in all: when server + client approach 2, the machine,"
            + " not the server, is the limit.",
        "HTTP baselines: the in-process rows stream through Envelope's cipher (64 KiB segments, the server's)"
            + " in 64 KiB writes and reads, from 16 MiB of random data repeated, into and out of memory; the disk"
            + " rows write through the page cache and fsync, as the server's blob store does (the file source of"
            + " the upload, and the blob read by the download, are in the page cache: the machine has the RAM).");
    Section first = new Section("Server over HTTP: upload and download", bigSettings, big, bigFailures, bigLines,
        notes);
    Section second = new Section("Server over HTTP: small uploads and range reads", otherSettings, other,
        otherFailures, otherLines, List.of());
    return List.of(first, second);
  }

  private static String met(boolean met) {
    return met ? "met" : "NOT MET";
  }

  /** The per-round ratios of a transfer to its baseline (both ran close together in each round). */
  private static String paired(long size, List<HttpLoad.Transfer> transfers, List<Double> baseline) {
    if (transfers.size() < 2) {
      return "";
    }
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < transfers.size(); i++) {
      double ratio = baseline.get(i) / transfers.get(i).seconds();
      min = Math.min(min, ratio);
      max = Math.max(max, ratio);
    }
    return fmt("; per-round ratios %.2f-%.2f", min, max);
  }

  private static List<Double> seconds(List<HttpLoad.Transfer> transfers) {
    return transfers.stream().map(HttpLoad.Transfer::seconds).toList();
  }

  private static double cpu(List<HttpLoad.Transfer> transfers, ToDoubleFunction<HttpLoad.Transfer> cpu) {
    return transfers.stream().mapToDouble(cpu).sum() / transfers.stream().mapToDouble(HttpLoad.Transfer::seconds).sum();
  }

  private static String cores(List<HttpLoad.Transfer> transfers, ToDoubleFunction<HttpLoad.Transfer> cpu) {
    double c = cpu(transfers, cpu);
    return Double.isFinite(c) ? f2(c) : "n/a";
  }

  private static String range(long size, List<Double> seconds) {
    double slowest = seconds.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    double fastest = seconds.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    return fmt("%.0f-%.0f", rate(size, slowest), rate(size, fastest));
  }

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static double rate(long bytes, double seconds) {
    return bytes / 1e6 / seconds;
  }

  /** Nearest-rank percentile of sorted values. */
  static double pct(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.max(0, (int) Math.ceil(p / 100 * sorted.length) - 1)];
  }

  private static double max(double[] sorted) {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
  }

  private static String f0(double v) {
    return fmt("%.0f", v);
  }

  private static String f2(double v) {
    return fmt("%.2f", v);
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
