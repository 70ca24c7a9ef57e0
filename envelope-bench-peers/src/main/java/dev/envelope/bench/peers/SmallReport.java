package dev.envelope.bench.peers;

import static dev.envelope.bench.peers.HttpReport.f0;
import static dev.envelope.bench.peers.HttpReport.f2;
import static dev.envelope.bench.peers.HttpReport.fmt;
import static dev.envelope.bench.peers.HttpReport.max;
import static dev.envelope.bench.peers.HttpReport.pct;

import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.BenchResult;
import dev.envelope.bench.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The second section of {@link HttpBench}: 4 KiB uploads from 16 concurrent clients ({@link LeanUploads}) to the disk
 * server of each JDK and to the pass-through, beside the disk's rate of small durable files, and 1 MiB range reads;
 * verdicts against issue 14's goals, and whether the client or the server bounded the rate; and issue 16's 4 KiB
 * {@code PutObject}s through the S3 API of the same disk servers, beside their /v1 uploads.
 */
final class SmallReport {
  static final double UPLOADS_GOAL = 1000;
  static final double RANGE_MEDIAN_GOAL_MS = 3;
  static final double PUTS_GOAL = 0.9;
  private static final String FAILED = BenchResult.FAILED;

  private final HttpBench.Plan plan;
  private final Goals goals;
  private final JdkTable perJdk;
  private final Table table = new Table(1, "Row", "Count", "not 201", "per s", "median ms", "p99 ms", "max ms",
      "server CPU cores", "client CPU cores", "machine CPU cores");
  private final List<String> failures = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();
  private final Map<Jdk, LeanUploads.Result> uploads = new LinkedHashMap<>();
  private final Map<Jdk, LeanUploads.Result> puts = new LinkedHashMap<>();
  private String s3Wire = "not seen (no S3 client ran)";
  private LeanUploads.Result passThrough;
  private Baselines.SmallFiles fsync;
  private Baselines.SmallFiles blobStore;
  private boolean fsyncRows;
  private Jdk rangeJdk;
  private String rangeClient = "JDK HttpClient";

  SmallReport(HttpBench.Plan plan, Goals goals, JdkTable perJdk) {
    this.plan = plan;
    this.goals = goals;
    this.perJdk = perJdk;
  }

  /** The disk's small-file rates: plain fsynced files, and the blob store's whole durable sequence. */
  void fsync(Baselines.SmallFiles plain, Baselines.SmallFiles asBlobStore) {
    fsync = plain;
    blobStore = asBlobStore;
  }

  void fsyncFailed(String why) {
    failures.add("HTTP, disk rate of small fsynced files: " + why);
  }

  void uploads(Jdk jdk, boolean toPassThrough, LeanUploads.Result u) {
    fsyncRows();
    double[] ms = u.sortedMillis();
    table.add(uploadsLabel(jdk, toPassThrough), Long.toString(u.count()), Long.toString(u.errors()), f0(u.perSecond()),
        f2(pct(ms, 50)), f2(pct(ms, 99)), f2(max(ms)), f2(u.serverCores()), f2(u.clientCores()), f2(u.machineCores()));
    if (u.errors() > 0) {
      failures.add(fmt("HTTP, 4 KiB uploads to %s: %d answers other than 201 with a file id, e.g. %s",
          target(jdk, toPassThrough), u.errors(), u.errorSamples()));
    }
    String cpu = fmt("the clients used %.2f cores (%.2f ms of CPU per upload), the server %.2f cores (%.2f ms per"
        + " upload)", u.clientCores(), perUpload(u.clientCores(), u), u.serverCores(), perUpload(u.serverCores(), u));
    if (toPassThrough) {
      passThrough = u;
      lines.add(fmt("The HTTP pass-through on %s with the same clients: %.0f uploads/s (p50 %.2f ms): the ceiling of"
          + " this HTTP stack and client on this machine; %s", jdk.label(), u.perSecond(), pct(ms, 50), cpu));
      return;
    }
    uploads.put(jdk, u);
    perJdk.put("4 KiB uploads/s, 16 clients, home on disk", "%.0f", jdk, u.perSecond());
    perJdk.put("server CPU ms per 4 KiB upload", "%.2f", jdk, perUpload(u.serverCores(), u));
    lines.add(fmt("Verdict, 4 KiB uploads with 16 concurrent clients, %s: %.0f uploads/s (p50 %.1f ms, p99 %.1f ms),"
        + " %d answers other than 201: the goal of %.0f/s is %s", jdk.label(), u.perSecond(), pct(ms, 50), pct(ms, 99),
        u.errors(), UPLOADS_GOAL, u.perSecond() >= UPLOADS_GOAL ? "met" : "NOT MET"));
    lines.add("Client or server, " + jdk.label() + ": " + cpu + ": " + (u.clientCores() < 0.5 * u.serverCores()
        ? "the server's work bounds the rate, not the client's" : "the client's CPU is a large part of the machine's"));
  }

  /** What the S3 client sent and got ({@link S3Load#wire()}), for the notes; null when none ran. */
  void s3Client(String wire) {
    if (wire != null) {
      s3Wire = wire;
    }
  }

  String s3Wire() {
    return s3Wire;
  }

  /** The 4 KiB PutObjects to {@code jdk}'s disk server, beside its /v1 uploads (measured just before). */
  void puts(Jdk jdk, LeanUploads.Result u) {
    double[] ms = u.sortedMillis();
    table.add(putsLabel(jdk), Long.toString(u.count()), Long.toString(u.errors()), f0(u.perSecond()),
        f2(pct(ms, 50)), f2(pct(ms, 99)), f2(max(ms)), f2(u.serverCores()), f2(u.clientCores()), f2(u.machineCores()));
    if (u.errors() > 0) {
      failures.add(fmt("HTTP, 4 KiB S3 PutObjects to envelope serve on %s: %d answers other than 200, e.g. %s",
          jdk.label(), u.errors(), u.errorSamples()));
    }
    puts.put(jdk, u);
    perJdk.put("4 KiB S3 PutObjects/s, 16 clients, home on disk", "%.0f", jdk, u.perSecond());
    LeanUploads.Result v1 = uploads.get(jdk);
    lines.add(fmt("Verdict, 4 KiB S3 PutObjects with 16 concurrent clients, %s: %.0f PutObjects/s (p50 %.1f ms, p99"
        + " %.1f ms), %d answers other than 200%s; the SDK clients used %.2f cores (%.2f ms of CPU per PutObject), the"
        + " server %.2f cores (%.2f ms per PutObject)", jdk.label(), u.perSecond(), pct(ms, 50), pct(ms, 99),
        u.errors(), v1 == null ? ": no /v1 figure to compare with" : fmt(", %.2fx the same server's /v1 uploads just"
        + " before (%.0f/s): the goal of >= %.1fx is %s", u.perSecond() / v1.perSecond(), v1.perSecond(), PUTS_GOAL,
        u.perSecond() / v1.perSecond() >= PUTS_GOAL ? "met" : "NOT MET"), u.clientCores(),
        perUpload(u.clientCores(), u), u.serverCores(), perUpload(u.serverCores(), u)));
  }

  void putsFailed(Jdk jdk, String why) {
    table.add(putsLabel(jdk), FAILED, "", "", "", "", "", "", "", "");
    failures.add("HTTP, 4 KiB S3 PutObjects to envelope serve on " + jdk.label() + ": " + why);
    lines.add("Verdict, 4 KiB S3 PutObjects to envelope serve on " + jdk.label() + ": " + FAILED
        + " (no figures; see the failures above)");
  }

  void uploadsFailed(Jdk jdk, boolean toPassThrough, String why) {
    fsyncRows();
    table.add(uploadsLabel(jdk, toPassThrough), FAILED, "", "", "", "", "", "", "", "");
    failures.add("HTTP, 4 KiB uploads to " + target(jdk, toPassThrough) + ": " + why);
    lines.add("Verdict, 4 KiB uploads to " + target(jdk, toPassThrough) + ": " + FAILED
        + " (no figures; see the failures above)");
  }

  void ranges(Jdk jdk, HttpLoad.RangeReads r) {
    rangeJdk = jdk;
    rangeClient = r.client();
    double[] ms = r.sortedMillis();
    double median = pct(ms, 50);
    table.add(rangeLabel(), Integer.toString(ms.length), "", f0(1000 / median), f2(median), f2(pct(ms, 99)),
        f2(max(ms)), f2(r.serverCores()), f2(r.clientCores()), f2(r.machineCores()));
    boolean met = median < RANGE_MEDIAN_GOAL_MS;
    lines.add(fmt("Verdict, 1 MiB range reads at random offsets of the %d MiB file: median %.2f ms, p99 %.2f ms: the"
        + " goal of a median under %.0f ms is %s", plan.fileMib(), median, pct(ms, 99), RANGE_MEDIAN_GOAL_MS,
        met ? "met" : "NOT MET"));
    double serverMs = r.serverCores() * median;
    double clientMs = r.clientCores() * median;
    goals.measured(Goals.Goal.RANGE_READ, fmt("median %.2f ms, p99 %.2f ms (%d reads, %s)", median, pct(ms, 99),
        ms.length, jdk.label()), met, fmt("CPU, one read at a time: about %.2f ms of the server's CPU per read (%.2f cores) and %.2f"
        + " ms of the client's (%.2f cores, %s): each read opens the file's key, reads"
        + " and decrypts whole segments and sends 1 MiB over loopback", serverMs, r.serverCores(), clientMs,
        r.clientCores(), r.client()));
  }

  void rangesFailed(Jdk jdk, String why) {
    rangeJdk = jdk;
    table.add(rangeLabel(), FAILED, "", "", "", "", "", "", "", "");
    failures.add("HTTP, range reads: " + why);
    lines.add("Verdict, range reads: " + FAILED + " (no figures; see the failures above)");
    goals.missing(Goals.Goal.RANGE_READ, FAILED + " (" + why + ")");
  }

  /** The section, and the goal of the small uploads (on the bench's JDK, the others' in brackets). */
  Section section(boolean serverFailed, List<String> more) {
    if (serverFailed && table.rows().isEmpty()) {
      table.add("Small uploads and range reads over HTTP", FAILED, "", "", "", "", "", "", "", "");
    }
    List<String> all = new ArrayList<>(failures);
    all.addAll(more);
    if (!serverFailed) {
      smallGoal();
      putsGoal();
    }
    String settings = fmt("The same servers. %d clients (the lean client) upload %d KiB random files one after another"
        + " for %.0f s after %.1f s of warm-up, to the disk server of each JDK, then to the pass-through; before"
        + " that, the disk's own rate for small durable files, %d threads for %.1f s each way, in the same directory;"
        + " then %d range reads of 1 MiB at random offsets of the big file, one at a time, after %d unmeasured. Right"
        + " after each disk server's /v1 uploads, the same through its S3 API: 16 threads put 4 KiB random objects"
        + " (a fresh key each) through one S3Client (" + S3Load.client() + ", up to 32 pooled connections) for the"
        + " same time after the same warm-up."
        + " Percentiles are nearest-rank.", HttpBench.CLIENTS, HttpBench.SMALL_BYTES / 1024, plan.smallSeconds(),
        plan.smallWarmupSeconds(), HttpBench.CLIENTS, plan.fsyncSeconds(), plan.rangeReads(), plan.rangeWarmup());
    List<String> notes = List.of("Small uploads: the lean client (LeanUploads) is 16 threads in the bench's JVM, each"
        + " with one kept-alive connection on a plain socket, writing the request line and headers (built once) and a"
        + " fresh random 4 KiB body in one write, and reading the answer's status line, headers and body; an answer"
        + " other than 201 with a file id is counted in \"not 201\" (and fails the run). The JDK HttpClient, used"
        + " before, cost about 1.8 ms of client CPU per upload on this kind of machine: the client was a bound.");
    return new Section("Server over HTTP: small uploads and range reads", settings, table, all, lines, notes);
  }

  private void smallGoal() {
    if (uploads.isEmpty()) {
      goals.missing(Goals.Goal.SMALL_UPLOADS, FAILED + " (see the small uploads)");
      return;
    }
    Map.Entry<Jdk, LeanUploads.Result> first = uploads.entrySet().iterator().next();
    LeanUploads.Result u = first.getValue();
    List<String> others = new ArrayList<>();
    uploads.forEach((jdk, r) -> {
      if (r != u) {
        others.add(fmt("%s: %.0f/s", jdk.label(), r.perSecond()));
      }
    });
    String figure = fmt("%.0f uploads/s on %s, p50 %.1f ms, %d answers other than 201%s", u.perSecond(),
        first.getKey().label(), pct(u.sortedMillis(), 50), u.errors(), others.isEmpty() ? ""
        : " (" + String.join("; ", others) + ")");
    int cpus = Runtime.getRuntime().availableProcessors();
    String ceiling = passThrough == null ? "" : fmt("; the pass-through's ceiling with the same clients %.0f/s at"
        + " %.2f ms of server CPU per upload", passThrough.perSecond(), perUpload(passThrough.serverCores(),
        passThrough));
    String disk = blobStore == null ? "" : fmt("; the blob store's durable sequence alone (file, fsync, link, fsync"
        + " directory) ran at %.0f/s with %d threads", blobStore.perSecond(), HttpBench.CLIENTS);
    double machine = machine(u);
    String split = split(u);
    String bound = machine >= 0.85 * cpus
        ? fmt("the machine's CPU (%s), %.2f ms of server CPU per upload%s%s", split, perUpload(u.serverCores(), u),
            ceiling, disk)
        : fmt("not the CPU (the machine %s): each upload waits on the blob store's two fsyncs, a share of SQLite's"
            + " grouped commit and the audit log's%s%s", split, disk, ceiling);
    goals.measured(Goals.Goal.SMALL_UPLOADS, figure, u.perSecond() >= UPLOADS_GOAL && u.errors() == 0, bound);
  }

  /** Issue 16's: the S3 API's 4 KiB PutObjects against the /v1 uploads to the same server, on the bench's JDK. */
  private void putsGoal() {
    if (puts.isEmpty() || uploads.isEmpty()) {
      goals.missing(Goals.Goal.S3_SMALL_PUTS, FAILED + " (see the small uploads)");
      return;
    }
    Jdk main = uploads.keySet().iterator().next();
    LeanUploads.Result u = puts.get(main);
    LeanUploads.Result v1 = uploads.get(main);
    if (u == null) {
      goals.missing(Goals.Goal.S3_SMALL_PUTS, FAILED + " (see the small uploads)");
      return;
    }
    List<String> others = new ArrayList<>();
    puts.forEach((jdk, r) -> {
      if (r != u && uploads.containsKey(jdk)) {
        others.add(fmt("%s: %.0f/s, %.2fx", jdk.label(), r.perSecond(), r.perSecond() / uploads.get(jdk).perSecond()));
      }
    });
    double ratio = u.perSecond() / v1.perSecond();
    String figure = fmt("%.0f PutObjects/s on %s, %.2fx the /v1 uploads to the same server just before (%.0f/s), p50"
        + " %.1f ms, %d answers other than 200%s", u.perSecond(), main.label(), ratio, v1.perSecond(),
        pct(u.sortedMillis(), 50), u.errors(), others.isEmpty() ? "" : " (" + String.join("; ", others) + ")");
    String perRequest = fmt("%.2f ms of server CPU per PutObject against %.2f per /v1 upload, %.2f ms of client CPU"
        + " per PutObject (the SDK) against %.2f (the lean client)", perUpload(u.serverCores(), u),
        perUpload(v1.serverCores(), v1), perUpload(u.clientCores(), u), perUpload(v1.clientCores(), v1));
    String bound = machine(u) >= 0.85 * Runtime.getRuntime().availableProcessors()
        ? "the machine's CPU (" + split(u) + "): " + perRequest
        : "not the CPU (the machine " + split(u) + "): " + perRequest;
    goals.measured(Goals.Goal.S3_SMALL_PUTS, figure, ratio >= PUTS_GOAL && u.errors() == 0, bound);
  }

  /** The machine's busy cores over a run, at least its server's and clients'. */
  private static double machine(LeanUploads.Result u) {
    return Double.isFinite(u.machineCores()) ? Math.max(u.machineCores(), u.serverCores() + u.clientCores())
        : u.serverCores() + u.clientCores();
  }

  private static String split(LeanUploads.Result u) {
    double machine = machine(u);
    return fmt("%.2f of %d cores busy: server %.2f, clients %.2f, other processes %.2f", machine,
        Runtime.getRuntime().availableProcessors(), u.serverCores(), u.clientCores(),
        Math.max(0, machine - u.serverCores() - u.clientCores()));
  }

  private static double perUpload(double cores, LeanUploads.Result u) {
    return cores / u.perSecond() * 1000;
  }

  private void fsyncRows() {
    if (fsyncRows) {
      return;
    }
    fsyncRows = true;
    diskRow(fmt("Disk: new file, write 4 KiB, fsync; %d threads", HttpBench.CLIENTS), fsync);
    diskRow(fmt("Disk: the blob store's durable write of 4 KiB (new file, fsync, link, fsync directory); %d threads"
        + " (the blob store's part of an upload)", HttpBench.CLIENTS), blobStore);
  }

  private void diskRow(String label, Baselines.SmallFiles files) {
    if (files == null) {
      table.add(label, FAILED, "", "", "", "", "", "", "", "");
      return;
    }
    double[] ms = files.sortedMillis();
    table.add(label, Integer.toString(ms.length), "", f0(files.perSecond()), f2(pct(ms, 50)), f2(pct(ms, 99)),
        f2(max(ms)), "", f2(files.cores()), "");
  }

  private String uploadsLabel(Jdk jdk, boolean toPassThrough) {
    return fmt("4 KiB uploads, %d concurrent clients (lean client), %.0f s, to %s", HttpBench.CLIENTS,
        plan.smallSeconds(), target(jdk, toPassThrough));
  }

  private static String target(Jdk jdk, boolean toPassThrough) {
    return toPassThrough ? "the HTTP pass-through on " + jdk.label() : "envelope serve on " + jdk.label()
        + ", home on disk";
  }

  private String putsLabel(Jdk jdk) {
    return fmt("4 KiB S3 PutObjects, %d concurrent clients (AWS SDK S3Client), %.0f s, to envelope serve on %s, home"
        + " on disk", HttpBench.CLIENTS, plan.smallSeconds(), jdk.label());
  }

  private String rangeLabel() {
    return fmt("1 MiB range reads at random offsets of the %d MiB file, 1 client (%s), envelope serve on %s",
        plan.fileMib(), rangeClient, rangeJdk.label());
  }
}
