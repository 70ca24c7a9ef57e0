package dev.envelope.bench.peers;

import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.BenchResult;
import dev.envelope.bench.Table;
import dev.envelope.bench.peers.HttpBench.Kind;
import dev.envelope.bench.peers.HttpBench.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The two report sections of {@link HttpBench}: the big transfers here (table, verdicts against issue 14's goals,
 * notes), the small uploads and range reads in {@link SmallReport}.
 */
final class HttpReport {
  /** The goals this report judges; without figures when the servers are skipped or did not start. */
  static final List<Goals.Goal> GOALS = List.of(Goals.Goal.UPLOAD_TMPFS, Goals.Goal.UPLOAD_DISK, Goals.Goal.DOWNLOAD,
      Goals.Goal.SMALL_UPLOADS, Goals.Goal.RANGE_READ, Goals.Goal.S3_TRANSFERS, Goals.Goal.S3_SMALL_PUTS);
  static final double TMPFS_UPLOAD_GOAL = 0.7;
  static final double DISK_UPLOAD_GOAL = 1.0;
  static final double DOWNLOAD_GOAL = 0.8;
  private static final String FAILED = BenchResult.FAILED;
  private static final String UPLOAD_WORK = "one request thread reads the socket, encrypts and writes each 64 KiB in"
      + " turn";
  private static final String DOWNLOAD_WORK = "one request thread reads, decrypts and writes each 64 KiB in turn";
  static final double S3_GOAL = 0.9;
  private static final String PUT_WORK = "one request thread reads the socket, hashes each aws-chunked chunk (SHA-256)"
      + " to check its signature, computes the CRC32 of the trailer, encrypts and writes each 64 KiB in turn";

  private final HttpBench.Plan plan;
  private final Path jar;
  private final List<Jdk> jdks;
  private final Goals goals;
  private final JdkTable perJdk;
  private final SmallReport small;
  private String where = "";
  private String tmpfs;
  private String unavailable;
  private String serverFailure;
  private final List<String> failures = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();
  private final Table table = new Table(1, "Row", "MB/s median", "min-max", "x in-process cipher",
      "x disk write+fsync", "x pass-through", "server CPU cores", "client CPU cores", "machine CPU cores");

  HttpReport(HttpBench.Plan plan, Path jar, List<Jdk> jdks, Goals goals, JdkTable perJdk) {
    this.plan = plan;
    this.jar = jar;
    this.jdks = List.copyOf(jdks);
    this.goals = goals;
    this.perJdk = perJdk;
    this.small = new SmallReport(plan, goals, perJdk);
    for (Goals.Goal g : List.of(Goals.Goal.UPLOAD_TMPFS, Goals.Goal.UPLOAD_DISK, Goals.Goal.DOWNLOAD,
        Goals.Goal.S3_TRANSFERS)) {
      goals.size(g, plan.fileMib());
    }
  }

  SmallReport small() {
    return small;
  }

  void where(String where) {
    this.where = where;
  }

  /** Where the tmpfs server's home is; null when there is no tmpfs with room. */
  void tmpfs(String tmpfs) {
    this.tmpfs = tmpfs;
  }

  void unavailable(String why) {
    this.unavailable = why;
  }

  void serverFailed(String why) {
    serverFailure = why;
  }

  void big(HttpBench.Baseline b, List<Node> nodes, long size) {
    String[] baselineLabels = {"Envelope cipher in-process, encrypt (the baseline of upload), " + jdks.get(0).label(),
        "Envelope cipher in-process, decrypt (the baseline of download), " + jdks.get(0).label(),
        "Disk: write " + plan.fileMib() + " MiB to a new file + fsync, as dd conv=fsync (the baseline of upload on"
            + " disk)"};
    if (unavailable != null || b.encrypt.isEmpty()) {
      String cell = unavailable != null ? ProcessBench.NOT_AVAILABLE : FAILED;
      for (String label : baselineLabels) {
        table.add(label, cell, "", "", "", "", "", "", "");
      }
      for (Node node : nodes) {
        for (Kind kind : Kind.values()) {
          table.add(label(node, kind), cell, "", "", "", "", "", "", "");
          if (unavailable == null && node.failures.containsKey(kind)) {
            failures.add(node.jdk.label() + ": " + node.failures.get(kind));
          }
        }
      }
      String why = unavailable != null ? ProcessBench.NOT_AVAILABLE + ": " + unavailable : FAILED;
      lines.add("Verdict, upload and download: " + why + " (no figures)");
      for (Goals.Goal g : List.of(Goals.Goal.UPLOAD_TMPFS, Goals.Goal.UPLOAD_DISK, Goals.Goal.DOWNLOAD,
          Goals.Goal.S3_TRANSFERS)) {
        goals.missing(g, why);
      }
      return;
    }
    double enc = rate(size, median(b.encrypt));
    double dec = rate(size, median(b.decrypt));
    double disk = rate(size, median(b.disk));
    table.add(baselineLabels[0], f0(enc), range(size, b.encrypt), "1.00", "", "", "", "", "");
    table.add(baselineLabels[1], f0(dec), range(size, b.decrypt), "1.00", "", "", "", "", "");
    table.add(baselineLabels[2], f0(disk), range(size, b.disk), "", "1.00", "", "", "", "");
    for (Node node : nodes) {
      rows(node, size, enc, dec, disk);
    }
    lines.add(fmt("The disk baseline, split (medians): %.2f s writing the fresh file into the page cache, %.2f s in"
        + " fsync. A fresh file needs fresh page-cache memory, which on a virtual machine that hands freed memory"
        + " back to its host costs page faults; the upload's blob is a fresh file too", median(b.diskWrite),
        median(b.diskFsync)));
    goals(nodes, size, b, disk);
  }

  /** One JDK's five rows, its verdicts, and its figures for the side-by-side table. */
  private void rows(Node node, long size, double enc, double dec, double disk) {
    double passUp = mbps(node, Kind.PASS_UP, size);
    double passDown = mbps(node, Kind.PASS_DOWN, size);
    for (Kind kind : Kind.values()) {
      String label = label(node, kind);
      if (node.unavailable.containsKey(kind)) {
        table.add(label, ProcessBench.NOT_AVAILABLE, "", "", "", "", "", "", "");
        continue;
      }
      if (!node.ok(kind) || node.samples.get(kind).isEmpty()) {
        table.add(label, FAILED, "", "", "", "", "", "", "");
        failures.add(node.jdk.label() + ": " + node.failures.getOrDefault(kind, "no sample"));
        continue;
      }
      List<HttpLoad.Transfer> t = node.samples.get(kind);
      double v = rate(size, median(seconds(t)));
      String vsCipher = switch (kind) {
        case TMPFS_UP, DISK_UP, S3_PUT -> f2(v / enc);
        case DOWN, S3_GET -> f2(v / dec);
        default -> "";
      };
      String vsPass = switch (kind) {
        case PASS_UP, PASS_DOWN -> "1.00";
        case TMPFS_UP, DISK_UP, S3_PUT -> ratio(v, passUp);
        case DOWN, S3_GET -> ratio(v, passDown);
      };
      table.add(label, f0(v), range(size, seconds(t)), vsCipher, kind == Kind.DISK_UP ? f2(v / disk) : "", vsPass,
          cores(t, HttpLoad.Transfer::serverCpu), cores(t, HttpLoad.Transfer::clientCpu), f2(machine(t)));
      perJdk.put(sideLabel(kind), "%.0f", node.jdk, v);
    }
    String jdk = node.jdk.label();
    if (ok(node, Kind.TMPFS_UP) && ok(node, Kind.PASS_UP)) {
      double up = mbps(node, Kind.TMPFS_UP, size);
      perJdk.put("upload (tmpfs home) / pass-through upload", "%.2f", node.jdk, up / passUp);
      lines.add(fmt("Verdict, upload with the home on tmpfs, %s: %.0f MB/s, %.2fx the pass-through upload (%.0f MB/s):"
          + " the goal of >= %.1fx is %s%s", jdk, up, up / passUp, passUp, TMPFS_UPLOAD_GOAL,
          met(up / passUp >= TMPFS_UPLOAD_GOAL), paired(node.samples.get(Kind.TMPFS_UP), node.samples.get(Kind.PASS_UP))));
    }
    if (ok(node, Kind.DISK_UP)) {
      double up = mbps(node, Kind.DISK_UP, size);
      perJdk.put("upload (disk home) / dd conv=fsync", "%.2f", node.jdk, up / disk);
      lines.add(fmt("Verdict, upload with the home on disk, %s: %.0f MB/s, %.2fx the disk's durable write (%.0f MB/s,"
          + " as dd conv=fsync): the goal of >= %.1fx is %s", jdk, up, up / disk, disk, DISK_UPLOAD_GOAL,
          met(up / disk >= DISK_UPLOAD_GOAL)));
    }
    if (ok(node, Kind.DOWN) && ok(node, Kind.PASS_DOWN)) {
      double down = mbps(node, Kind.DOWN, size);
      perJdk.put("download / pass-through download", "%.2f", node.jdk, down / passDown);
      lines.add(fmt("Verdict, download, %s: %.0f MB/s, %.2fx the pass-through download (%.0f MB/s): the goal of >="
          + " %.1fx is %s%s", jdk, down, down / passDown, passDown, DOWNLOAD_GOAL, met(down / passDown >= DOWNLOAD_GOAL),
          paired(node.samples.get(Kind.DOWN), node.samples.get(Kind.PASS_DOWN))));
    }
    s3Verdict(node, Kind.S3_PUT, Kind.TMPFS_UP, size, "S3 PutObject / /v1 upload (tmpfs home)",
        "S3 PutObject, home on tmpfs");
    s3Verdict(node, Kind.S3_GET, Kind.DOWN, size, "S3 GetObject / /v1 download (disk home)",
        "S3 GetObject, home on disk");
  }

  /** The S3 API's transfer against the same through /v1, on the same server, in the same rounds. */
  private void s3Verdict(Node node, Kind kind, Kind v1, long size, String side, String what) {
    if (!ok(node, kind) || !ok(node, v1)) {
      return;
    }
    double s3 = mbps(node, kind, size);
    double base = mbps(node, v1, size);
    perJdk.put(side, "%.2f", node.jdk, s3 / base);
    lines.add(fmt("Verdict, %s, %s: %.0f MB/s, %.2fx the same server's /v1 (%.0f MB/s): the goal of >= %.1fx is %s%s;"
        + " the SDK client took %.2f cores, curl %.2f", what, node.jdk.label(), s3, s3 / base, base, S3_GOAL,
        met(s3 / base >= S3_GOAL), paired(node.samples.get(kind), node.samples.get(v1)),
        cpu(node, kind, HttpLoad.Transfer::clientCpu), cpu(node, v1, HttpLoad.Transfer::clientCpu)));
  }

  /** Issue 14's three transfer goals, read on the bench's JDK, the others' ratios in brackets. */
  private void goals(List<Node> nodes, long size, HttpBench.Baseline b, double disk) {
    Node main = nodes.get(0);
    List<Node> others = nodes.subList(1, nodes.size());
    // Upload with the home on tmpfs against the pass-through upload.
    if (main.unavailable.containsKey(Kind.TMPFS_UP)) {
      goals.missing(Goals.Goal.UPLOAD_TMPFS, ProcessBench.NOT_AVAILABLE + ": " + main.unavailable.get(Kind.TMPFS_UP));
    } else if (!ok(main, Kind.TMPFS_UP) || !ok(main, Kind.PASS_UP)) {
      goals.missing(Goals.Goal.UPLOAD_TMPFS, FAILED + " (see the HTTP sections)");
    } else {
      double up = mbps(main, Kind.TMPFS_UP, size);
      double pass = mbps(main, Kind.PASS_UP, size);
      goals.measured(Goals.Goal.UPLOAD_TMPFS, fmt("%.2fx (%.0f vs %.0f MB/s, medians) on %s%s", up / pass, up, pass,
          main.jdk.label(), others(others, Kind.TMPFS_UP, Kind.PASS_UP, size)), up / pass >= TMPFS_UPLOAD_GOAL,
          bound(main, Kind.TMPFS_UP, UPLOAD_WORK) + fmt("; the pass-through's server took %.2f cores",
              cpu(main, Kind.PASS_UP, HttpLoad.Transfer::serverCpu)));
    }
    // Upload with the home on disk against dd conv=fsync.
    if (!ok(main, Kind.DISK_UP)) {
      goals.missing(Goals.Goal.UPLOAD_DISK, FAILED + " (see the HTTP sections)");
    } else {
      double up = mbps(main, Kind.DISK_UP, size);
      List<String> o = new ArrayList<>();
      for (Node n : others) {
        o.add(ok(n, Kind.DISK_UP) ? fmt("%s: %.2fx", n.jdk.label(), mbps(n, Kind.DISK_UP, size) / disk)
            : n.jdk.label() + ": " + FAILED);
      }
      double server = cpu(main, Kind.DISK_UP, HttpLoad.Transfer::serverCpu);
      goals.measured(Goals.Goal.UPLOAD_DISK, fmt("%.2fx (%.0f vs %.0f MB/s, medians) on %s%s", up / disk, up, disk,
          main.jdk.label(), o.isEmpty() ? "" : " (" + String.join("; ", o) + ")"), up / disk >= DISK_UPLOAD_GOAL,
          server >= 0.8 ? bound(main, Kind.DISK_UP, UPLOAD_WORK)
              : fmt("the disk: the durable write of a fresh file (dd's took %.2f s into the page cache and %.2f s in"
                  + " fsync; the server used %.2f cores)", median(b.diskWrite), median(b.diskFsync), server));
    }
    // Download against the pass-through download.
    if (!ok(main, Kind.DOWN) || !ok(main, Kind.PASS_DOWN)) {
      goals.missing(Goals.Goal.DOWNLOAD, FAILED + " (see the HTTP sections)");
    } else {
      double down = mbps(main, Kind.DOWN, size);
      double pass = mbps(main, Kind.PASS_DOWN, size);
      goals.measured(Goals.Goal.DOWNLOAD, fmt("%.2fx (%.0f vs %.0f MB/s, medians) on %s%s", down / pass, down, pass,
          main.jdk.label(), others(others, Kind.DOWN, Kind.PASS_DOWN, size)), down / pass >= DOWNLOAD_GOAL,
          bound(main, Kind.DOWN, DOWNLOAD_WORK) + fmt("; the pass-through's server took %.2f cores",
              cpu(main, Kind.PASS_DOWN, HttpLoad.Transfer::serverCpu)));
    }
    s3Goal(main, others, size);
  }

  /** Issue 16's: PutObject against the /v1 upload to the tmpfs home, GetObject against the /v1 download. */
  private void s3Goal(Node main, List<Node> others, long size) {
    if (main.unavailable.containsKey(Kind.S3_PUT)) {
      goals.missing(Goals.Goal.S3_TRANSFERS, ProcessBench.NOT_AVAILABLE + ": " + main.unavailable.get(Kind.S3_PUT));
      return;
    }
    if (!ok(main, Kind.S3_PUT) || !ok(main, Kind.TMPFS_UP) || !ok(main, Kind.S3_GET) || !ok(main, Kind.DOWN)) {
      goals.missing(Goals.Goal.S3_TRANSFERS, FAILED + " (see the HTTP sections)");
      return;
    }
    double put = mbps(main, Kind.S3_PUT, size);
    double up = mbps(main, Kind.TMPFS_UP, size);
    double get = mbps(main, Kind.S3_GET, size);
    double down = mbps(main, Kind.DOWN, size);
    List<String> o = new ArrayList<>();
    for (Node n : others) {
      o.add(ok(n, Kind.S3_PUT) && ok(n, Kind.TMPFS_UP) && ok(n, Kind.S3_GET) && ok(n, Kind.DOWN)
          ? fmt("%s: %.2fx and %.2fx", n.jdk.label(), mbps(n, Kind.S3_PUT, size) / mbps(n, Kind.TMPFS_UP, size),
              mbps(n, Kind.S3_GET, size) / mbps(n, Kind.DOWN, size)) : n.jdk.label() + ": " + FAILED);
    }
    List<String> bounds = new ArrayList<>();
    if (put / up < S3_GOAL) {
      bounds.add("PutObject: " + bound(main, Kind.S3_PUT, PUT_WORK) + s3Client(main, Kind.S3_PUT, Kind.TMPFS_UP));
    }
    if (get / down < S3_GOAL) {
      bounds.add("GetObject: " + bound(main, Kind.S3_GET, DOWNLOAD_WORK) + s3Client(main, Kind.S3_GET, Kind.DOWN));
    }
    goals.measured(Goals.Goal.S3_TRANSFERS, fmt("PutObject %.2fx the /v1 upload, home on tmpfs (%.0f vs %.0f MB/s),"
        + " GetObject %.2fx the /v1 download, home on disk (%.0f vs %.0f MB/s), medians, on %s%s; S3 through the AWS"
        + " SDK's S3Client in the bench's JVM, /v1 through curl", put / up, put, up, get / down, get, down,
        main.jdk.label(), o.isEmpty() ? "" : " (" + String.join("; ", o) + ")"), bounds.isEmpty(),
        String.join("; ", bounds));
  }

  /** The S3 client's CPU beside curl's and both servers', for the same transfer. */
  private static String s3Client(Node node, Kind s3, Kind v1) {
    return fmt(" (the SDK client %.2f cores against curl's %.2f; the server %.2f cores against %.2f for /v1)",
        cpu(node, s3, HttpLoad.Transfer::clientCpu), cpu(node, v1, HttpLoad.Transfer::clientCpu),
        cpu(node, s3, HttpLoad.Transfer::serverCpu), cpu(node, v1, HttpLoad.Transfer::serverCpu));
  }

  /** " (JDK 17: 0.41x)": the other JDKs' ratios of {@code kind} to {@code base}. */
  private static String others(List<Node> others, Kind kind, Kind base, long size) {
    List<String> o = new ArrayList<>();
    for (Node n : others) {
      o.add(ok(n, kind) && ok(n, base) ? fmt("%s: %.2fx", n.jdk.label(), mbps(n, kind, size) / mbps(n, base, size))
          : n.jdk.label() + ": " + FAILED);
    }
    return o.isEmpty() ? "" : " (" + String.join("; ", o) + ")";
  }

  private static boolean ok(Node node, Kind kind) {
    return node.ok(kind) && !node.samples.get(kind).isEmpty();
  }

  private static double mbps(Node node, Kind kind, long size) {
    return ok(node, kind) ? rate(size, median(seconds(node.samples.get(kind)))) : Double.NaN;
  }

  private static double cpu(Node node, Kind kind, ToDoubleFunction<HttpLoad.Transfer> which) {
    return cpu(node.samples.get(kind), which);
  }

  private static String bound(Node node, Kind kind, String work) {
    List<HttpLoad.Transfer> t = node.samples.get(kind);
    return Goals.cpuBound(cpu(t, HttpLoad.Transfer::serverCpu), cpu(t, HttpLoad.Transfer::clientCpu), machine(t), work);
  }

  /** The machine's busy cores over the transfers, weighted by their durations. */
  private static double machine(List<HttpLoad.Transfer> transfers) {
    return transfers.stream().mapToDouble(t -> t.machineCores() * t.seconds()).sum()
        / transfers.stream().mapToDouble(HttpLoad.Transfer::seconds).sum();
  }

  private static String label(Node node, Kind kind) {
    String jdk = node.jdk.label() + ": ";
    return switch (kind) {
      case PASS_UP -> jdk + "HTTP pass-through, upload (no crypto, no disk; curl -T FILE)";
      case PASS_DOWN -> jdk + "HTTP pass-through, download (curl -o /dev/null)";
      case TMPFS_UP -> jdk + "upload, home on tmpfs (curl -T FILE)";
      case DISK_UP -> jdk + "upload, home on disk (curl -T FILE)";
      case DOWN -> jdk + "download, home on disk (curl -o /dev/null)";
      case S3_PUT -> jdk + "S3 PutObject, home on tmpfs (AWS SDK S3Client, RequestBody.fromFile)";
      case S3_GET -> jdk + "S3 GetObject, home on disk (AWS SDK S3Client, body read and discarded)";
    };
  }

  private static String sideLabel(Kind kind) {
    return switch (kind) {
      case PASS_UP -> "HTTP pass-through upload, MB/s";
      case PASS_DOWN -> "HTTP pass-through download, MB/s";
      case TMPFS_UP -> "upload, home on tmpfs, MB/s";
      case DISK_UP -> "upload, home on disk, MB/s";
      case DOWN -> "download, MB/s";
      case S3_PUT -> "S3 PutObject, home on tmpfs, MB/s";
      case S3_GET -> "S3 GetObject, home on disk, MB/s";
    };
  }

  List<Section> sections() {
    List<String> smallFailures = new ArrayList<>();
    if (serverFailure != null) {
      // The rows that need the server have no figures: make sure every section says so.
      if (table.rows().isEmpty()) {
        table.add("Upload and download over HTTP", FAILED, "", "", "", "", "", "", "");
      }
      failures.add("HTTP: envelope serve: " + serverFailure);
      smallFailures.add("HTTP: envelope serve: " + serverFailure);
      for (Goals.Goal g : GOALS) {
        goals.missing(g, FAILED + " (envelope serve did not start)");
      }
    }
    String jdkNames = String.join(" and ", jdks.stream().map(Jdk::label).toList());
    String server = "`java " + String.join(" ", ServerProcess.JVM_OPTIONS) + " -jar " + jar
        + " serve --host 127.0.0.1 --port 0 --s3-port 0`";
    String settings = fmt("On each JDK (%s), three servers on loopback: %s with its home in a fresh temporary directory"
        + " under %s (the real disk: an upload is fsynced before it is acknowledged); the same with its home under %s;"
        + " and the HTTP pass-through (`java %s -cp envelope-bench-peers.jar %s`: the same Javalin and Jetty set up"
        + " by the same guards and limits, no token check, no crypto, no disk). A random file of %d MiB on the disk;"
        + " %d unmeasured and %d measured rounds, each running one after the other the in-process encrypt and"
        + " decrypt of %d MiB and the disk's durable write of %d MiB (in the bench's JVM, %s), then on each JDK in"
        + " turn the pass-through's upload and download, the tmpfs server's upload then its S3 PutObject, and the"
        + " disk server's upload and download then its S3 GetObject; medians over the rounds.", jdkNames, server, where,
        tmpfs != null ? tmpfs : "tmpfs (" + ProcessBench.NOT_AVAILABLE + ")", String.join(" ",
        ServerProcess.JVM_OPTIONS), PassThroughServer.class.getName(), plan.fileMib(), plan.warmups(), plan.reps(),
        plan.fileMib(), plan.fileMib(), jdks.get(0).label());
    List<String> notes = new ArrayList<>(List.of(
        "HTTP rows: MB/s = 10^6 bytes of plaintext per second; upload and download times are curl's own"
            + " (time_total: connect to last byte, 201 or 200 included). Clients: curl for the big transfers and"
            + " the concurrent uploads, a native process that streams the file (-T) and discards the download, so"
            + " that no Java client's copies, JIT or GC are in the figure; for the 4 KiB uploads, the lean client"
            + " (raw sockets, kept-alive HTTP/1.1, the request's bytes built once) in the bench's own JVM; for the"
            + " range reads curl too (one process per phase, one kept-alive connection, each body to its own file on"
            + " tmpfs, checked after the phase; the JDK HttpClient when there is no curl); all on the same cores as"
            + " the servers.",
        "HTTP server JVM: " + String.join(" ", ServerProcess.JVM_OPTIONS) + ": a fixed heap (memory stays flat"
            + " whatever the file size) and the parallel collector, for throughput with 16 clients on 2 cores;"
            + " bin/envelope's serial collector suits its short, single-threaded commands instead. The pass-through"
            + " runs with the same options on the same JDK as the server it is the ceiling of.",
        "HTTP pass-through: reads an upload's body in 64 KiB reads (Jetty reading 64 KiB from the connection at a"
            + " time, as envelope serve's connector does) into one buffer and throws it away, then answers 201 with"
            + " a JSON like the real one; a download writes N bytes from a random array in memory in 64 KiB writes"
            + " with Content-Length. What it leaves out is what Envelope adds: the token check, the data key, the"
            + " cipher, the blob store, the metadata store and the audit log.",
        "HTTP checks: every upload answers 201 and every download 200 with the full length; each round's"
            + " uploaded file (disk and tmpfs homes) is downloaded once more (untimed, JDK HttpClient) and its"
            + " SHA-256 compared with the original's, then deleted (the disk server keeps the last, for the range"
            + " reads); the last 4 KiB file of each client is downloaded and compared; every range read is 206 and"
            + " compared byte for byte with the same slice of the original. Anything else prints FAILED.",
        "HTTP CPU cores = CPU seconds (user + system) of the process over the row's wall clock: the server's from"
            + " /proc, curl's as this JVM's reaped children, the lean, JDK and S3 clients' as this JVM's own (range-read"
            + " client figures include the checks; the disk rows' figure, in the client column, is this JVM doing"
            + " the disk work); machine CPU cores = the cores busy meanwhile in all (/proc/stat: every process, the"
            + " kernel's too), so that other work on a shared machine shows. " + Runtime.getRuntime()
            .availableProcessors() + " cores in all: when the machine's approach that, the machine, not the server,"
            + " is the limit.",
        "HTTP baselines: the in-process rows stream through Envelope's cipher (64 KiB segments, the server's)"
            + " in 64 KiB writes and reads, from 16 MiB of random data repeated, into and out of memory; the disk"
            + " rows write through the page cache and fsync, as the server's blob store does (the file source of"
            + " the upload, and the blob read by the download, are in the page cache: the machine has the RAM)."));
    notes.add("S3 rows (issue 16): the same servers' S3 API (`--s3-port 0`, an access key of tenant default from"
        + " `envelope s3 credentials create`, bucket " + S3Load.BUCKET + "), through the " + S3Load.client() + " in the"
        + " bench's JVM: PutObject streams the file (`RequestBody.fromFile`), GetObject's body is read into a 64 KiB"
        + " buffer and thrown away, timed around the SDK call. Each round's PutObject is read back through the S3 API"
        + " (untimed, SHA-256 compared) and deleted; the object the GetObjects read is put once before the first"
        + " round and checked the same way. On the wire: " + small.s3Wire() + ". The /v1 figures beside them are"
        + " curl's, on the same server in the same round.");
    Section first = new Section("Server over HTTP: upload and download", settings, table, failures, lines, notes);
    return List.of(first, small.section(serverFailure != null, smallFailures));
  }

  private static String met(boolean met) {
    return met ? "met" : "NOT MET";
  }

  private static String ratio(double v, double base) {
    return Double.isFinite(base) ? f2(v / base) : "n/a";
  }

  /** The per-round ratios of two transfers (both ran close together in each round). */
  private static String paired(List<HttpLoad.Transfer> transfers, List<HttpLoad.Transfer> baseline) {
    if (transfers.size() < 2 || transfers.size() != baseline.size()) {
      return "";
    }
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < transfers.size(); i++) {
      double ratio = baseline.get(i).seconds() / transfers.get(i).seconds();
      min = Math.min(min, ratio);
      max = Math.max(max, ratio);
    }
    return fmt("; per-round ratios %.2f-%.2f", min, max);
  }

  static List<Double> seconds(List<HttpLoad.Transfer> transfers) {
    return transfers.stream().map(HttpLoad.Transfer::seconds).toList();
  }

  static double cpu(List<HttpLoad.Transfer> transfers, ToDoubleFunction<HttpLoad.Transfer> cpu) {
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

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
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

  static double max(double[] sorted) {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
  }

  static String f0(double v) {
    return fmt("%.0f", v);
  }

  static String f2(double v) {
    return fmt("%.2f", v);
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
