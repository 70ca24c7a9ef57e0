package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The soak (issue 11): two {@code envelope serve} nodes on the scale-out stand-ins (S3Proxy, PostgreSQL, the key
 * server as AWS KMS) under a mixed, bounded load while a chaos loop breaks things, and at the end the proof that
 * nothing broke that may not.
 *
 * <h2>The run</h2>
 * <ol>
 *   <li>An upload of exactly 64 MiB (never deleted: the stalled reader reads it), 5 s of load with no faults,
 *       then a baseline of each node's heap and threads (quiet, after a full GC).
 *   <li>Load ({@link SoakLoad}: {@value #WORKERS} threads; uploads 0 B to 64 MiB, downloads, ranges, metadata,
 *       listings, deletes; {@link SoakHostileClients}: bad tokens, a trickling uploader and a stalled reader) for
 *       {@code soak.minutes} (default {@value #DEFAULT_MINUTES}: the run inside {@code bin/test};
 *       {@code bin/soak [minutes]} runs it longer). The chaos loop ({@link SoakChaos}) starts 3 s in and stops
 *       {@value #CALM_SECONDS} s before the end (later if a kind of fault has not happened yet): the load's calm tail
 *       shows the nodes recovered by themselves, under load.
 *   <li>The end checks ({@link SoakEndChecks}), then each node's heap and threads again, quiet.
 * </ol>
 *
 * <h2>What it proves</h2>
 * Every acknowledged upload reads back byte for byte, every deleted file is gone, an upload that was not
 * acknowledged is either absent or whole; no row points at a missing blob, and after a sweep no blob lacks its
 * row; no request was ever answered 500 (only 503 with {@code Retry-After}, and only during an outage: see
 * {@link SoakLedger}); bad tokens get 401 and then 429, never 500; slow clients are cut, never hang; and heap
 * and threads of node a, which lives through every fault, stay flat:
 * <ul>
 *   <li>heap: live heap after a forced full GC at the end is at most {@value #HEAP_FACTOR} times the baseline plus
 *       {@value #HEAP_SLACK_MIB} MiB. A leak of a few KiB per request, or of a buffer per failed upload, passes that
 *       within minutes; pools that fill up to their bound once (Jetty's buffers, the S3 and PostgreSQL connection
 *       pools, the JIT's code) stay under it;
 *   <li>threads: at most {@value #THREAD_SLACK} more than at the baseline in all, and at most
 *       {@value #SETTLED_THREAD_SLACK} more outside the elastic pools ({@link #ELASTIC}: Jetty's request threads,
 *       the S3 upload threads, the JIT's compiler threads and the common fork-join pool, which grow with the
 *       load's concurrency and linger up to a minute after it). A thread leaked per request passes the first;
 *       one leaked per outage or reconnect (a connection pool made again, a scheduler not shut down) passes the
 *       second within a few minutes of faults.
 * </ul>
 * Node b is killed and started again, so its samples are only reported. Nothing here asserts speed.
 *
 * <p>{@code -Dsoak.seed=N} repeats a run's choices (sizes, operations, fault order and timing; not the machine's
 * timing). The summary goes to stdout and {@code target/soak/summary.txt}, the nodes' logs to {@code
 * target/soak/}; the stand-ins' data stays in a temporary directory when the soak fails.
 */
class SoakIT extends ClusterBase {
  static final String DEFAULT_MINUTES = "1";
  static final int WORKERS = 6;
  static final int CALM_SECONDS = 15;
  static final int HEAP_FACTOR = 2;
  static final int HEAP_SLACK_MIB = 32;
  static final int THREAD_SLACK = 40;
  static final int SETTLED_THREAD_SLACK = 8;
  /** Thread names (as {@code /proc} shows them, digits as #) of the pools that grow and shrink with the load. */
  static final List<String> ELASTIC = List.of("envelope-http-", "envelope-s#-upl", "C# CompilerThre",
      "ForkJoinPool.co");
  private static final Duration GRACE = Duration.ofSeconds(3);
  private static final Path OUT = Path.of("target", "soak");

  private final AtomicBoolean passed = new AtomicBoolean();
  /** What runs while the test does: stopped in any case before the nodes are. */
  private final List<AutoCloseable> running = new ArrayList<>();

  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.POSTGRES;
  }

  @Test
  void underLoadAndFaults_nothingAcknowledgedIsLost_nothingIsHalfStored_no500_andTheNodesStayFlat()
      throws Throwable {
    double minutes = Double.parseDouble(System.getProperty("soak.minutes", DEFAULT_MINUTES));
    long seed = Long.getLong("soak.seed", new SecureRandom().nextLong());
    Duration load = Duration.ofMillis((long) (minutes * 60_000));
    Path soak = Files.createDirectories(dir.resolve("soak"));
    String[] args = {"--min-data-rate-grace", GRACE.toSeconds() + "s", "--orphan-grace", "2m", "--s3-max-upload-time", "1m",
        "--sweep-interval", "15s"};
    List<SoakNode> nodes = new ArrayList<>();
    SoakLedger ledger = new SoakLedger();
    SoakVitals vitals = new SoakVitals();
    SoakReport report = new SoakReport().line("Envelope soak: %.1f min of load, seed %d, %d workers, nodes on "
        + "S3Proxy, PostgreSQL and the key server (%s)", minutes, seed, WORKERS, dir);
    try {
      nodes.add(SoakNode.start("a", soak.resolve("a"), backends.env(), args));
      rememberToken(nodes.get(0).process());
      nodes.add(SoakNode.start("b", soak.resolve("b"), backends.env(), args));
      List<String> urls = List.of(nodes.get(0).url(), nodes.get(1).url());
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();

      SoakApi api = new SoakApi(ledger, http, urls, token);
      SoakLoad warmUp = new SoakLoad(api, "warm-up/", seed ^ 0x3A3A, WORKERS, 0);
      SoakLedger.Upload kept = warmUp.keep(64 * SoakLoad.MIB);
      warmUp.start();
      running.add(() -> warmUp.stop(Duration.ofSeconds(10)));
      Thread.sleep(5_000);
      warmUp.stop(Duration.ofSeconds(200));
      Thread.sleep(2_000);
      nodes.forEach(n -> vitals.sample(n, "baseline"));

      SoakLoad work = new SoakLoad(api, "", seed, WORKERS, hugeUploads(minutes));
      SoakHostileClients hostile = new SoakHostileClients(ledger,
          List.of(nodes.get(0).port(), nodes.get(1).port()), token, kept, GRACE, seed + 1);
      SoakChaos chaos = new SoakChaos(ledger, backends, nodes.get(1), 1, seed + 2, Duration.ofSeconds(3),
          Duration.ofSeconds(8));
      long started = System.nanoTime();
      work.start();
      running.add(() -> work.stop(Duration.ofSeconds(10)));
      hostile.start();
      running.add(() -> hostile.stop(Duration.ofSeconds(10)));
      Thread.sleep(3_000);
      chaos.start(started + load.toNanos() - Duration.ofSeconds(CALM_SECONDS).toNanos());
      // The load runs its full time, and on until a calm tail has followed the last fault (the chaos loop may
      // run late when a kind of fault had not happened yet).
      long loadEnd = started + load.toNanos();
      long calm = Duration.ofSeconds(CALM_SECONDS).toNanos();
      long lastSample = System.nanoTime();
      while (chaos.running() || System.nanoTime() < Math.max(loadEnd, lastFaultEnd(ledger) + calm)) {
        Thread.sleep(500);
        if (System.nanoTime() - lastSample > Duration.ofSeconds(10).toNanos()) {
          nodes.forEach(n -> vitals.sample(n, "load"));
          lastSample = System.nanoTime();
        }
      }
      chaos.awaitEnd(Duration.ofMinutes(3));
      work.stop(Duration.ofSeconds(240));
      hostile.stop(Duration.ofSeconds(90));

      SoakEndChecks end = new SoakEndChecks(api, backends);
      end.run(nodes);
      Thread.sleep(2_000);
      nodes.forEach(n -> vitals.sample(n, "end"));

      report.operations(ledger).uploads(ledger).faults(ledger).vitals(ledger, vitals.samples()).facts(end.facts);
      checkCoverage(ledger);
      checkFlat(ledger, vitals.samples(), nodes.get(0).name);
      report.findings(ledger);
    } finally {
      for (AutoCloseable r : running) {
        r.close(); // no-ops when they were stopped already
      }
      for (SoakNode node : nodes) {
        node.stop();
      }
      save(report, nodes);
    }
    assertTrue(ledger.findingCount() == 0, ledger.findingCount() + " finding(s); the summary:\n" + report);
    passed.set(true);
  }

  private static long lastFaultEnd(SoakLedger ledger) {
    return ledger.faults().stream().mapToLong(f -> f.end).max().orElse(0);
  }

  /** How many uploads of 16 to 64 MiB: two in the short run, two more a minute in a long one. */
  private static int hugeUploads(double minutes) {
    return 2 + (int) Math.max(0, 2 * (minutes - 1.5));
  }

  /** The soak did what it says: every fault, every operation, every hostile client, each at least once. */
  private static void checkCoverage(SoakLedger ledger) {
    for (SoakChaos.Kind kind : SoakChaos.Kind.values()) {
      if (ledger.faults().stream().noneMatch(f -> f.kind.equals(kind.label))) {
        ledger.finding("the chaos loop never did: " + kind.label);
      }
    }
    String[][] wanted = {{"upload", "201"}, {"download", "200"}, {"range", "206"}, {"range", "416"},
        {"metadata", "200"}, {"head", "200"}, {"list", "200"}, {"delete", "204"}, {"bad token", "401"},
        {"bad token", "burst 429"}};
    for (String[] w : wanted) {
      if (ledger.countOf(w[0], w[1]) == 0) {
        ledger.finding("never saw " + w[0] + " answered " + w[1]);
      }
    }
    for (long size : new long[] {0, 64 * SoakLoad.MIB}) {
      if (ledger.uploads().stream().noneMatch(u -> u.id != null && u.content.size() == size)) {
        ledger.finding("no upload of exactly " + size + " bytes was acknowledged");
      }
    }
    Map<String, Map<String, Long>> counts = ledger.counts();
    for (String slow : new String[] {"slow upload", "slow reader"}) {
      boolean cut = counts.getOrDefault(slow, Map.of()).keySet().stream().anyMatch(o -> o.startsWith("cut"));
      if (!cut) {
        ledger.finding("never saw a " + slow + " cut: " + counts.get(slow));
      }
    }
  }

  /** Node a's heap and threads at the end against its baseline (see the class comment for the bounds). */
  private static void checkFlat(SoakLedger ledger, List<SoakVitals.Sample> samples, String node) {
    SoakVitals.Sample base = find(samples, node, "baseline");
    SoakVitals.Sample end = find(samples, node, "end");
    if (base == null || end == null || base.heapMiB() < 0 || end.heapMiB() < 0) {
      ledger.finding("node " + node + "'s vitals could not be read: " + base + ", " + end);
      return;
    }
    if (end.lifetime() != base.lifetime()) {
      ledger.finding("node " + node + " restarted during the soak (it should never be killed)");
      return;
    }
    if (end.heapMiB() > HEAP_FACTOR * base.heapMiB() + HEAP_SLACK_MIB) {
      ledger.finding("node " + node + "'s live heap grew from " + base.heapMiB() + " MiB to " + end.heapMiB()
          + " MiB (bound " + HEAP_FACTOR + "x + " + HEAP_SLACK_MIB + " MiB)");
    }
    if (end.threads() > base.threads() + THREAD_SLACK
        || settled(end) > settled(base) + SETTLED_THREAD_SLACK) {
      ledger.finding("node " + node + "'s threads grew from " + base.threads() + " to " + end.threads()
          + " (bound +" + THREAD_SLACK + "), outside the elastic pools from " + settled(base) + " to "
          + settled(end) + " (bound +" + SETTLED_THREAD_SLACK + "): baseline " + base.byName() + ", end "
          + end.byName());
    }
  }

  /** Threads outside the pools that grow with the load and shrink when idle (see the class comment). */
  static int settled(SoakVitals.Sample s) {
    return s.byName().entrySet().stream().filter(e -> ELASTIC.stream().noneMatch(e.getKey()::startsWith))
        .mapToInt(Map.Entry::getValue).sum();
  }

  private static SoakVitals.Sample find(List<SoakVitals.Sample> samples, String node, String label) {
    return samples.stream().filter(s -> s.node().equals(node) && s.label().equals(label)).findFirst().orElse(null);
  }

  private static void save(SoakReport report, List<SoakNode> nodes) throws Exception {
    Files.createDirectories(OUT);
    Files.writeString(OUT.resolve("summary.txt"), report.toString(), StandardCharsets.UTF_8);
    for (SoakNode node : nodes) {
      int i = 0;
      for (Path log : node.stderrFiles()) {
        Files.copy(log, OUT.resolve("node-" + node.name + "-" + ++i + ".log"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    System.out.println(report);
  }

  /** The stand-ins' data (gigabytes after a long run) goes when the soak passed, and stays when it failed. */
  @AfterAll
  void deleteDataIfPassed() throws Exception {
    if (backends != null) {
      backends.close();
    }
    if (passed.get() && dir != null) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    } else if (dir != null) {
      System.out.println("soak: the stand-ins' data and the nodes' logs stay in " + dir);
    }
  }
}
