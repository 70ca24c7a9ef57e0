package dev.envelope.bench.peers;

import dev.envelope.bench.Table;
import dev.envelope.service.Rewrap;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The figures of one {@link KeysBench} run and their Markdown section (framed by {@link #BEGIN} and {@link #END}, so
 * that a later run replaces it and bin/bench keeps it): the rewrap rates beside the key service's own, where a
 * rewrap's time went, 4 KiB uploads per second with the audit log on and off, and key service calls per 1,000
 * small uploads and downloads with and without the data-key cache.
 */
final class KeysReport {
  static final String TITLE = "## Keys over the life of the data (issue 13)";
  static final String BEGIN = "<!-- BEGIN keys (issue 13): written by bin/bench-keys, which replaces everything from"
      + " this line to the END line -->";
  static final String END = "<!-- END keys (issue 13) -->";
  /** The goal: the audit log costs at most this share of the uploads per second. */
  static final double AUDIT_GOAL = 0.10;
  static final String MET = "met";
  static final String NOT_MET = "NOT MET";

  private final KeysBench.Plan plan;
  private final String loadBefore;
  private final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final List<KeysBench.RewrapRun> rewraps = new ArrayList<>();
  private final List<KeysBench.AuditRound> audits = new ArrayList<>();
  private final List<KeysBench.CacheRound> caches = new ArrayList<>();
  private String where = "?";
  private String loadAfter = "n/a";
  private String postgresVersion = "?";
  private long auditLinesOn = -1;
  private long auditLinesOff = -1;
  private KmsCalls uploadsOff;
  private KmsCalls downloadsOff;
  private KmsCalls uploadsOn;
  private KmsCalls downloadsOn;

  KeysReport(KeysBench.Plan plan, String loadBefore) {
    this.plan = plan;
    this.loadBefore = loadBefore;
  }

  void where(String where) {
    this.where = where;
  }

  void loadAfter(String loadAfter) {
    this.loadAfter = loadAfter;
  }

  void postgresVersion(String version) {
    this.postgresVersion = version;
  }

  void add(KeysBench.RewrapRun run) {
    rewraps.add(run);
  }

  void audit(KeysBench.AuditRound round) {
    audits.add(round);
  }

  void auditLines(long on, long off) {
    auditLinesOn = on;
    auditLinesOff = off;
  }

  void cache(KeysBench.CacheRound round) {
    caches.add(round);
  }

  void cacheCalls(KmsCalls uploadsOff, KmsCalls downloadsOff, KmsCalls uploadsOn, KmsCalls downloadsOn) {
    this.uploadsOff = uploadsOff;
    this.downloadsOff = downloadsOff;
    this.uploadsOn = uploadsOn;
    this.downloadsOn = downloadsOn;
  }

  List<KeysBench.RewrapRun> rewraps() {
    return List.copyOf(rewraps);
  }

  KmsCalls uploadsOff() {
    return uploadsOff;
  }

  KmsCalls downloadsOff() {
    return downloadsOff;
  }

  KmsCalls uploadsOn() {
    return uploadsOn;
  }

  KmsCalls downloadsOn() {
    return downloadsOn;
  }

  // ---- part 1

  /**
   * Per store and key service: the key service alone (1 caller, and as many as the rewrap's workers), the rewrap one
   * row at a time and with its workers, and the ratios.
   */
  Table rewrapRates() {
    int p = plan.rewrapParallelism();
    List<String> headers = new ArrayList<>(List.of("Store", "Key service", "Rows",
        "Key service alone, 1 caller, rows/s"));
    if (p > 1) {
      headers.addAll(List.of(fmt("Key service alone, %d callers, rows/s", p), "Rewrap, 1 row at a time, rows/s",
          fmt("Rewrap, %d rows at once, rows/s", p), fmt("Rewrap (%d) / alone (%d)", p, p),
          fmt("Rewrap %d at once / 1 at a time", p)));
    } else {
      headers.addAll(List.of("Rewrap, 1 row at a time, rows/s", "Rewrap / alone"));
    }
    headers.add("Rows made and inserted per s (16 threads)");
    Table table = new Table(2, headers.toArray(String[]::new));
    for (KeysBench.RewrapRun r : rewraps) {
      List<String> cells = new ArrayList<>(List.of(r.store().label, r.keys().label, Integer.toString(r.rows()),
          fmt("%.0f", r.aloneOneRate())));
      if (p > 1) {
        double oneRate = r.rows() / r.oneAtATime().seconds();
        cells.addAll(List.of(fmt("%.0f", r.baselineRate()), fmt("%.0f", oneRate), fmt("%.0f", r.rewrapRate()),
            fmt("%.2f", r.rewrapRate() / r.baselineRate()), fmt("%.2f", r.rewrapRate() / oneRate)));
      } else {
        cells.addAll(List.of(fmt("%.0f", r.rewrapRate()), fmt("%.2f", r.rewrapRate() / r.baselineRate())));
      }
      cells.add(fmt("%.0f", r.rows() / r.fillSeconds()));
      table.add(cells.toArray(String[]::new));
    }
    return table;
  }

  /** Per store, key service and rewrap pass: the wall clock per row, and what each row waited on. */
  Table rewrapTime() {
    Table table = new Table(2, "Store", "Key service", "Rows at once", "Rewrap: wall µs/row",
        "ReEncrypt µs/call, alone (1 caller)", "ReEncrypt µs/call, rewrap", "conditional update µs/call",
        "scan µs/row", "rows in flight", "CPU cores, rewrap");
    for (KeysBench.RewrapRun r : rewraps) {
      double n = r.rows() / 1e6;
      for (KeysBench.Pass pass : r.passes()) {
        table.add(r.store().label, r.keys().label, Integer.toString(pass.parallelism()),
            fmt("%.0f", pass.seconds() / n), fmt("%.0f", r.aloneOneSeconds() / n),
            fmt("%.0f", pass.reEncryptSeconds() / n), fmt("%.0f", pass.replaceSeconds() / n),
            fmt("%.1f", pass.scanSeconds() / n), fmt("%.1f", inFlight(pass)), fmt("%.2f", pass.cpu() / pass.seconds()));
      }
    }
    return table;
  }

  /** Rows being re-wrapped at once, on average, outside the scans (which the workers wait for). */
  private static double inFlight(KeysBench.Pass p) {
    double working = p.seconds() - p.scanSeconds();
    return working <= 0 ? 0 : (p.reEncryptSeconds() + p.replaceSeconds() + p.getSeconds()) / working;
  }

  private List<String> rewrapVerdicts() {
    List<String> lines = new ArrayList<>();
    for (KeysBench.RewrapRun r : rewraps) {
      double us = 1e6 / r.rows();
      KeysBench.Pass m = r.main();
      String waits = fmt("each row waited %.0f µs for `ReEncrypt` and %.0f µs for its conditional update (%.1f rows"
          + " in flight), the scan took %.1f µs per row: %s", m.reEncryptSeconds() * us, m.replaceSeconds() * us,
          inFlight(m), m.scanSeconds() * us, m.replaceSeconds() > m.reEncryptSeconds()
              ? "the store's conditional update is the larger wait" : "the key service is the larger wait");
      if (r.oneAtATime() == null) {
        lines.add(fmt("- %s + %s: rewrap %.0f rows/s one row at a time, %.2fx the key service alone (%.0f rows/s);"
            + " %s.", r.store().label, r.keys().label, r.rewrapRate(), r.rewrapRate() / r.baselineRate(),
            r.baselineRate(), waits));
        continue;
      }
      KeysBench.Pass o = r.oneAtATime();
      double oneRate = r.rows() / o.seconds();
      lines.add(fmt("- %s + %s: rewrap %.0f rows/s with %d rows at once, %.2fx one row at a time (%.0f rows/s) and"
          + " %.2fx the key service alone with as many callers (%.0f rows/s; %.0f from 1 caller). One at a time,"
          + " each row waited %.0f µs for `ReEncrypt` and %.0f µs for its conditional update; %d at once, %s.",
          r.store().label, r.keys().label, r.rewrapRate(), m.parallelism(), r.rewrapRate() / oneRate, oneRate,
          r.rewrapRate() / r.baselineRate(), r.baselineRate(), r.aloneOneRate(), o.reEncryptSeconds() * us,
          o.replaceSeconds() * us, m.parallelism(), waits));
    }
    return lines;
  }

  // ---- part 2

  private List<KeysBench.AuditRound> audits(boolean on) {
    return audits.stream().filter(a -> a.auditOn() == on).toList();
  }

  /** Per node: uploads per second over the rounds, latency over every measured upload, server CPU. */
  Table auditRates() {
    Table table = new Table(1, "Node", "Rounds", "Uploads/s median", "min-max", "p50 ms", "p99 ms",
        "server CPU cores");
    for (boolean on : new boolean[] {true, false}) {
      List<KeysBench.AuditRound> mine = audits(on);
      double[] rates = mine.stream().mapToDouble(a -> a.result().perSecond()).sorted().toArray();
      double[] all = mine.stream().flatMapToDouble(a -> Arrays.stream(a.result().sortedMillis())).sorted().toArray();
      table.add(on ? "audit log on (default: each line fsynced before the answer)" : "audit-log = off",
          Integer.toString(mine.size()), fmt("%.0f", median(rates)),
          fmt("%.0f-%.0f", rates[0], rates[rates.length - 1]),
          fmt("%.1f", percentile(all, 50)), fmt("%.1f", percentile(all, 99)),
          fmt("%.2f", median(mine.stream().mapToDouble(a -> a.result().serverCores()).toArray())));
    }
    return table;
  }

  /** Per round: both rates and on / off. */
  Table auditRatios() {
    Table table = new Table(1, "Round", "audit on, uploads/s", "audit off, uploads/s", "on / off");
    List<KeysBench.AuditRound> on = audits(true);
    List<KeysBench.AuditRound> off = audits(false);
    for (int i = 0; i < on.size(); i++) {
      double a = on.get(i).result().perSecond();
      double b = off.get(i).result().perSecond();
      table.add(Integer.toString(i + 1), fmt("%.0f", a), fmt("%.0f", b), fmt("%.2f", a / b));
    }
    return table;
  }

  /** The median of the per-round ratios audit on / audit off. */
  double auditRatio() {
    List<KeysBench.AuditRound> on = audits(true);
    List<KeysBench.AuditRound> off = audits(false);
    double[] ratios = new double[on.size()];
    for (int i = 0; i < ratios.length; i++) {
      ratios[i] = on.get(i).result().perSecond() / off.get(i).result().perSecond();
    }
    return median(ratios);
  }

  boolean auditGoalMet() {
    return auditRatio() >= 1 - AUDIT_GOAL;
  }

  // ---- part 3

  private List<KeysBench.CacheRound> caches(boolean on) {
    return caches.stream().filter(c -> c.cacheOn() == on).toList();
  }

  /** Per node: calls per 1,000 uploads and downloads, uploads and downloads per second. */
  Table cacheCalls() {
    Table table = new Table(1, "Node", "Uploads", "GenerateDataKey", "per 1,000 uploads", "Uploads/s median",
        "min-max", "Downloads", "Decrypt", "per 1,000 downloads", "Downloads/s median", "Other KMS calls");
    for (boolean on : new boolean[] {false, true}) {
      List<KeysBench.CacheRound> mine = caches(on);
      KmsCalls up = on ? uploadsOn : uploadsOff;
      KmsCalls down = on ? downloadsOn : downloadsOff;
      double[] rates = mine.stream().mapToDouble(c -> c.uploads().perSecond()).sorted().toArray();
      Map<String, Long> others = new java.util.TreeMap<>(up.others());
      down.others().forEach((k, v) -> others.merge(k, v, Long::sum));
      table.add(on ? "data-key-cache = " + KeysBench.CACHE_SETTING : "data-key-cache = off (default)",
          Long.toString(up.files()), Long.toString(up.expectedCalls()),
          fmt("%.1f", 1000.0 * up.expectedCalls() / up.files()), fmt("%.0f", median(rates)),
          fmt("%.0f-%.0f", rates[0], rates[rates.length - 1]), Long.toString(down.files()),
          Long.toString(down.expectedCalls()), fmt("%.1f", 1000.0 * down.expectedCalls() / down.files()),
          fmt("%.0f", median(mine.stream().mapToDouble(c -> c.uploads().ids().size() / c.downloadSeconds())
              .toArray())),
          others.isEmpty() ? "none" : others.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
              .collect(Collectors.joining(", ")));
    }
    return table;
  }

  /** Per round: uploads per second of both nodes and on / off. */
  Table cacheRatios() {
    Table table = new Table(1, "Round", "cache off, uploads/s", "cache on, uploads/s", "on / off");
    List<KeysBench.CacheRound> off = caches(false);
    List<KeysBench.CacheRound> on = caches(true);
    for (int i = 0; i < off.size(); i++) {
      double a = off.get(i).uploads().perSecond();
      double b = on.get(i).uploads().perSecond();
      table.add(Integer.toString(i + 1), fmt("%.0f", a), fmt("%.0f", b), fmt("%.2f", b / a));
    }
    return table;
  }

  double cacheRatio() {
    List<KeysBench.CacheRound> off = caches(false);
    List<KeysBench.CacheRound> on = caches(true);
    double[] ratios = new double[off.size()];
    for (int i = 0; i < ratios.length; i++) {
      ratios[i] = on.get(i).uploads().perSecond() / off.get(i).uploads().perSecond();
    }
    return median(ratios);
  }

  // ---- the section

  String markdown() {
    String invocation = System.getProperty("bench.invocation", "KeysBench");
    StringBuilder out = new StringBuilder();
    out.append(BEGIN).append('\n').append(TITLE).append("\n\n");
    out.append("Generated by `").append(KeysBench.class.getName()).append("` at ").append(started).append(" (`")
        .append(invocation).append("`); every figure below was measured in that run, each beside a baseline from"
        + " the same run.");
    if (plan.quick()) {
      out.append(" Quick mode: a smoke test, not a measurement.");
    }
    out.append("\n\n");
    out.append(fmt("- Machine: %d cores, %s %s; load average (1, 5, 15 min) before the run %s, after it %s.%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"), loadBefore, loadAfter));
    if (plan.note() != null) {
      out.append("- ").append(plan.note().strip()).append('\n');
    }
    out.append("- Files under ").append(where).append(".\n\n");
    if (!rewraps.isEmpty()) {
      out.append("### Rewrap rate\n\n");
      int p = plan.rewrapParallelism();
      out.append(fmt("%d rows per store and key service, tenant `%s`, inserted straight into the store (no blobs:"
          + " a rewrap never reads one) with data keys made by the key service under a first root key; then the"
          + " root key rotates (the local keyring: `rotateKey`, rows under version 1 and the key at version 2; the"
          + " key server: the tenant moves to a second key with `TenantAdmin.setKey`, since an AWS KMS key's version"
          + " is always 0), and a `Rewrap` is timed, as `envelope admin rewrap` runs it. The baseline, *key service"
          + " alone*: the same %d wrapped keys re-wrapped to the same target by plain `keyService.reEncrypt` calls,"
          + " no store, %s, after %d unmeasured calls, just before the first rewrap.", plan.rows(), KeysBench.TENANT,
          plan.rows(), p > 1 ? fmt("from %d threads (the ceiling of a rewrap with as many workers) and from 1", p)
              : "from one thread", Math.min(plan.rows(), KeysBench.REENCRYPT_WARMUP)));
      if (p > 1) {
        out.append(fmt(" Two rewraps run, each after its own rotation (the local keyring to version 3, the key"
            + " server to a third key): first one row at a time (`new Rewrap.Options(null, false, 0, 1)`, as every"
            + " rewrap ran before `Rewrap` took several rows at once), then `new Rewrap(fileService,"
            + " keyAdmin).run(Principal.localOperator(), new Rewrap.Options(null, false, 0%s), null)`, %d rows at"
            + " once%s.", p == Rewrap.DEFAULT_PARALLELISM ? "" : ", " + p, p,
            p == Rewrap.DEFAULT_PARALLELISM ? " (its default)" : ""));
      }
      out.append("\n\n");
      out.append(rewrapRates().markdown()).append('\n');
      out.append("What a rewrap's rows waited on: pass-through wrappers around the file service's key service and"
          + " metadata store time every `ReEncrypt`, conditional update (`replaceWrappedKey`) and scan page. The"
          + " calls of rows in flight overlap, so per-call times add up to more than the wall clock; *rows in"
          + " flight* is their sum over the wall clock outside the scans. CPU cores: this JVM's CPU seconds (the key"
          + " server and the local keyring run in it, PostgreSQL does not) over the wall clock.\n\n");
      out.append(rewrapTime().markdown()).append('\n');
      rewrapVerdicts().forEach(l -> out.append(l).append('\n'));
      out.append('\n');
    }
    if (!audits.isEmpty()) {
      double ratio = auditRatio();
      out.append("### The audit log's cost on 4 KiB uploads\n\n");
      out.append(fmt("Two `envelope serve` nodes (processes, `%s`, embedded defaults: a directory, SQLite and the"
          + " local keyring), one with the default audit log (a hash-chained file under the home; each request's"
          + " line is written and fsynced, in groups, before the request goes on) and one with `audit-log = off`."
          + " %d clients (JDK `HttpClient`, kept-alive HTTP/1.1, in the benchmark's JVM) upload 4 KiB random files"
          + " one after another for %.1f s after %.1f s of warm-up; %d round(s), the two nodes alternating (audit"
          + " on first in odd rounds).%n%n", String.join(" ", ServerProcess.JVM_OPTIONS), plan.clients(),
          plan.seconds(), plan.warmupSeconds(), plan.rounds()));
      out.append(auditRates().markdown()).append('\n').append(auditRatios().markdown()).append('\n');
      out.append(fmt("Verdict, audit log: with it on, %.0f uploads/s against %.0f with it off (medians): %s"
          + " (median of the per-round ratios on / off, %.2f). The goal of at most %.0f%% fewer uploads/s is %s on"
          + " this machine.%n", median(audits(true).stream().mapToDouble(a -> a.result().perSecond()).toArray()),
          median(audits(false).stream().mapToDouble(a -> a.result().perSecond()).toArray()),
          ratio >= 1 ? fmt("no fewer, %.0f%% more", 100 * (ratio - 1)) : fmt("%.0f%% fewer", 100 * (1 - ratio)),
          ratio, 100 * AUDIT_GOAL, auditGoalMet() ? "**met**" : "**NOT MET**"));
      if (auditLinesOn >= 0) {
        out.append(fmt("%nThe audit-on node wrote %d audit lines in all (warm-ups and checks included); the"
            + " audit-off node %d.%n", auditLinesOn, auditLinesOff));
      }
      out.append('\n');
    }
    if (!caches.isEmpty()) {
      out.append("### Key service calls per 1,000 small uploads: the data-key cache\n\n");
      out.append(fmt("Two `envelope serve` nodes (processes, `keys = aws-kms` on Envelope's key server, in the"
          + " benchmark's JVM over a local keyring; blobs and SQLite under each home), one with the default"
          + " `data-key-cache = off` and one with `data-key-cache = %s`. After %d unmeasured uploads and downloads"
          + " per node, each round uploads exactly %d random 4 KiB files (declared size: `Content-Length`) from"
          + " %d clients, timed from the first request to the last answer, then downloads every one of them from"
          + " the same node (each compared with what went up); %d round(s), the nodes alternating. Calls are"
          + " counted where they happen: the key server's audit log, only while each node's uploads or downloads"
          + " ran.%n%n", KeysBench.CACHE_SETTING, plan.warmupUploads(), plan.uploads(), plan.clients(), plan.rounds()));
      out.append(cacheCalls().markdown()).append('\n').append(cacheRatios().markdown()).append('\n');
      out.append(fmt("Verdict, data-key cache: %.1f `GenerateDataKey` per 1,000 uploads with it against %.1f"
          + " without; downloads right after, on the same node, %.1f `Decrypt` per 1,000 against %.1f; uploads/s"
          + " %.2fx (median of the per-round ratios on / off).%n%n",
          1000.0 * uploadsOn.expectedCalls() / uploadsOn.files(),
          1000.0 * uploadsOff.expectedCalls() / uploadsOff.files(),
          1000.0 * downloadsOn.expectedCalls() / downloadsOn.files(),
          1000.0 * downloadsOff.expectedCalls() / downloadsOff.files(), cacheRatio()));
    }
    out.append("Notes:\n\n");
    if (!rewraps.isEmpty()) {
      out.append(fmt("- SQLite: Envelope's embedded store (WAL, `synchronous=FULL`: every commit waits for an fsync"
          + " of the WAL; writes from concurrent callers are committed in groups by one writer thread), its file"
          + " on the disk above. PostgreSQL %s: a throwaway cluster (`PostgresFixture`, the tests' stand-in) on"
          + " loopback with `fsync=off`, `synchronous_commit=off` and `full_page_writes=off`, so its commits"
          + " never wait for the disk, unlike SQLite's and unlike a production server's; the store's pool has"
          + " %d connections.%n", postgresVersion, KeysBench.FILL_THREADS));
      out.append("- The key server: `envelope keyserver` (Javalin, the AWS KMS JSON API, SigV4, an audit line per"
          + " request, not fsynced) over a local keyring, in this JVM on loopback; the client is"
          + " `AwsKmsKeyService` (AWS SDK v2, Apache HTTP client, kept-alive connections). A rewrap calls it once"
          + " per row.\n");
      out.append("- Checks: every run re-wraps every row exactly once (no row current, changed, skipped or failed);"
          + " afterwards every row in the store is under the target key (and version), and the wrapped keys of"
          + " 50 rows, kept in plaintext when they were made, still unwrap to the same data key. Anything else"
          + " fails the run.\n");
    }
    if (!audits.isEmpty() || !caches.isEmpty()) {
      out.append("- Uploads/s counts answered 201s over the measured window (or the batch's wall clock); the"
          + " clients, the nodes and (for the cache part) the key server share the machine's 2 cores.\n");
    }
    out.append(END).append('\n');
    return out.toString();
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
