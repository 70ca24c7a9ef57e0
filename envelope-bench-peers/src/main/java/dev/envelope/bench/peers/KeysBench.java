package dev.envelope.bench.peers;

import dev.envelope.api.EnvelopeException;
import dev.envelope.awskms.AwsKmsKeyService;
import dev.envelope.awskms.KmsFixture;
import dev.envelope.core.DataKey;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.KeyService;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKeyAdmin;
import dev.envelope.core.WrappedKey;
import dev.envelope.keyring.KeyringConfig;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.keyring.MasterKey;
import dev.envelope.postgres.PostgresConfig;
import dev.envelope.postgres.PostgresFixture;
import dev.envelope.postgres.PostgresMetadataStore;
import dev.envelope.service.BlobStore;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileId;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.Principal;
import dev.envelope.service.Rewrap;
import dev.envelope.service.TenantAdmin;
import dev.envelope.service.TenantStore;
import dev.envelope.service.TokenStore;
import dev.envelope.service.local.LocalStores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The key-management benchmarks of issue 13, in one run, each figure beside a baseline measured in the same run:
 *
 * <ol>
 *   <li><b>Rewrap rate.</b> N rows (no blobs: a rewrap never reads one) inserted straight into a metadata store
 *       (SQLite, the embedded store, on the real disk; PostgreSQL, a throwaway cluster from {@link PostgresFixture})
 *       with data keys wrapped by a key service (the local keyring in this JVM; the key server, {@code envelope
 *       keyserver} in this JVM through {@link KmsFixture}, reached over HTTP by {@link AwsKmsKeyService}) under a
 *       first root key (version); then the root key rotates (the key server: the tenant moves to a second key
 *       with {@link TenantAdmin#setKey}, since an AWS KMS key's version is always 0), and {@link Rewrap} runs as
 *       {@code envelope admin rewrap} does ({@link Rewrap#DEFAULT_PARALLELISM} rows at once). The baseline: the
 *       same N wrapped keys re-wrapped by plain {@link KeyService#reEncrypt} calls with no store, from as many
 *       threads as the rewrap has workers (the key service's own ceiling for it), and from one. {@link Timed}
 *       wrappers say where the rewrap's time went.
 *   <li><b>The audit log's cost</b>: 4 KiB uploads per second from 16 clients for a fixed time to an {@code
 *       envelope serve} node with {@code audit-log = off} and to one with the default (audit on, each line
 *       fsynced before the request goes on), in alternating rounds.
 *   <li><b>The data-key cache</b>: key service calls per 1,000 small uploads (counted on the key server, from its
 *       audit log: {@link KmsCalls}) through a node without and one with {@code data-key-cache = 5m,1000,1G}, their
 *       uploads per second, and the {@code Decrypt} calls of downloading those files right after, on the same node.
 * </ol>
 *
 * <p>Usage: {@code KeysBench [--rows N] [--rewrap-parallelism N] [--seconds S] [--warmup S] [--rounds N]
 * [--uploads N] [--clients N] [--parts rewrap,audit,cache] [--note TEXT] [--quick] [--markdown FILE]}. The report
 * (Markdown) goes to stdout, progress to stderr; with {@code --markdown FILE} it also replaces its own section of FILE
 * ({@link KeysReport#BEGIN} to {@link KeysReport#END}; appended if absent), the rest left as it is. Exit status 0
 * when every step ran and checked out, 1 otherwise, 2 on a usage error.
 */
public final class KeysBench {
  static final String TENANT = "bench";
  static final int SMALL_BYTES = 4096;
  static final String CACHE_SETTING = "5m,1000,1G";
  /** Unmeasured {@code ReEncrypt} calls before the baseline loop (JIT, connections). */
  static final int REENCRYPT_WARMUP = 2000;
  /** Threads that make and insert the rows: SQLite then commits them in groups, PostgreSQL on several connections. */
  static final int FILL_THREADS = 16;
  /** Rows whose data key is kept to check, after the rewrap, that it still unwraps to the same key. */
  static final int SAMPLES = 50;

  /** What to measure. */
  enum Part {
    REWRAP, AUDIT, CACHE;

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The metadata stores of part 1. */
  enum Store {
    SQLITE("SQLite"),
    POSTGRES("PostgreSQL");

    final String label;

    Store(String label) {
      this.label = label;
    }
  }

  /** The key services of part 1. */
  enum Keys {
    LOCAL("local keyring"),
    KEY_SERVER("key server");

    final String label;

    Keys(String label) {
      this.label = label;
    }
  }

  /** The run's sizes. */
  record Plan(int rows, int rewrapParallelism, int rounds, double seconds, double warmupSeconds, int uploads,
      int clients, Set<Part> parts, String note, boolean quick) {
    Plan {
      parts = Collections.unmodifiableSet(parts.isEmpty() ? EnumSet.noneOf(Part.class) : EnumSet.copyOf(parts));
    }

    /** Unmeasured uploads (and downloads) per node before the cache part's rounds. */
    int warmupUploads() {
      return quick ? Math.min(20, uploads) : uploads;
    }

    static Plan defaults(boolean quick) {
      int p = Rewrap.DEFAULT_PARALLELISM;
      // Quick: 2 s of warm-up, so that a node just started on a loaded machine (a test run beside others) has
      // answered its first uploads before the counted second (with 0.5 s, one such run counted none, a NaN).
      return quick ? new Plan(200, p, 1, 1, 2, 100, 16, EnumSet.allOf(Part.class), null, true)
          : new Plan(100_000, p, 3, 10, 3, 1000, 16, EnumSet.allOf(Part.class), null, false);
    }
  }

  /**
   * One timed {@link Rewrap} over every row, {@code parallelism} rows at once: wall clock, this JVM's CPU (which holds
   * the key server too), the summary, and what the rows waited on (the {@link Timed} wrappers' sums).
   */
  record Pass(int parallelism, double seconds, double cpu, Rewrap.Summary summary, double reEncryptSeconds,
      long reEncryptCalls, double replaceSeconds, long replaceCalls, double scanSeconds, long scanCalls,
      double getSeconds) {}

  /**
   * One store and key service: seconds to make and insert the rows, the key service alone (one caller, and as many
   * as the rewrap has workers), and the rewrap passes: one row at a time first when the rewrap runs several (the
   * comparison), then as many at once as asked.
   */
  record RewrapRun(Store store, Keys keys, int rows, double fillSeconds, double aloneOneSeconds, double aloneOneCpu,
      double baselineSeconds, double baselineCpu, Pass oneAtATime, Pass main) {
    /** The key service alone with as many callers as the rewrap has workers: the rewrap's ceiling. */
    double baselineRate() {
      return rows / baselineSeconds;
    }

    /** The key service alone with one caller. */
    double aloneOneRate() {
      return rows / aloneOneSeconds;
    }

    double rewrapRate() {
      return rows / main.seconds();
    }

    /** Every pass, one row at a time first (if it ran). */
    List<Pass> passes() {
      return oneAtATime == null ? List.of(main) : List.of(oneAtATime, main);
    }
  }

  /** One timed window of 4 KiB uploads to the node with the audit log on or off. */
  record AuditRound(int round, boolean auditOn, HttpLoad.SmallUploads result) {}

  /** One round of the cache part on one node: the uploads (timed, counted) and their downloads. */
  record CacheRound(int round, boolean cacheOn, HttpLoad.Batch uploads, double downloadSeconds) {}

  private final Path envelopeJar;
  private final PrintStream log;

  KeysBench(Path envelopeJar, PrintStream log) {
    this.envelopeJar = envelopeJar;
    this.log = log;
  }

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
        System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    Args parsed;
    try {
      parsed = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("KeysBench: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (parsed.plan() == null) {
      System.out.println(USAGE);
      System.exit(0);
      return;
    }
    Path jar = Path.of(System.getProperty(PeersBench.JAR_PROPERTY, PeersBench.DEFAULT_JAR.toString()));
    int status;
    try {
      KeysReport report = new KeysBench(jar, System.err).run(parsed.plan());
      System.out.print(report.markdown());
      if (parsed.markdown() != null) {
        ScaleOutReport.replaceSection(parsed.markdown(), KeysReport.BEGIN, KeysReport.END, report.markdown());
        System.err.println("bench: keys: wrote its section of " + parsed.markdown());
      }
      status = 0;
    } catch (Exception e) {
      System.err.println("bench: keys: FAILED: " + ProcessBench.describe(e));
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  static final String USAGE = String.join("\n",
      "Usage: KeysBench [--rows N] [--rewrap-parallelism N] [--seconds S] [--warmup S] [--rounds N] [--uploads N]",
      "                 [--clients N] [--parts rewrap,audit,cache] [--note TEXT] [--quick] [--markdown FILE]",
      "  --rows N       rows re-wrapped per store and key service (default 100000; --quick: 200)",
      "  --rewrap-parallelism N  rows Rewrap re-wraps at once, and callers of the key service alone beside it",
      "                 (default " + Rewrap.DEFAULT_PARALLELISM + ", Rewrap's own default; 1: one row at a time)",
      "  --seconds S    measured seconds of each round of 4 KiB uploads, audit on and off (default 10; --quick: 1)",
      "  --warmup S     unmeasured seconds of uploads before each of those rounds (default 3; --quick: 0.5)",
      "  --rounds N     rounds of the audit and cache parts, the two nodes alternating (default 3; --quick: 1)",
      "  --uploads N    small uploads per node and round in the cache part (default 1000; --quick: 100)",
      "  --clients N    concurrent HTTP clients (default 16)",
      "  --parts LIST   which parts to run, comma-separated: rewrap, audit, cache (default: all)",
      "  --note TEXT    a line about the machine's state, printed in the report (e.g. other work running)",
      "  --quick        a smoke run: every part, tiny sizes (not a measurement)",
      "  --markdown F   also replace the report's section in F (appended if F has none)");

  /** The parsed command line: a null plan means --help. */
  record Args(Plan plan, Path markdown) {}

  static Args parse(String[] args) {
    boolean quick = List.of(args).contains("--quick");
    Plan d = Plan.defaults(quick);
    int rows = d.rows();
    int parallelism = d.rewrapParallelism();
    int rounds = d.rounds();
    double seconds = d.seconds();
    double warmup = d.warmupSeconds();
    int uploads = d.uploads();
    int clients = d.clients();
    Set<Part> parts = d.parts();
    String note = null;
    Path markdown = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> { }
        case "-h", "--help" -> {
          return new Args(null, null);
        }
        case "--markdown" -> markdown = Path.of(value(args, ++i, a));
        case "--rows" -> rows = whole(args, ++i, a, 1, 10_000_000);
        case "--rewrap-parallelism" -> parallelism = whole(args, ++i, a, 1, Rewrap.MAX_PARALLELISM);
        case "--rounds" -> rounds = whole(args, ++i, a, 1, 100);
        case "--seconds" -> seconds = seconds(args, ++i, a, 0.1, 3600);
        case "--warmup" -> warmup = seconds(args, ++i, a, 0, 600);
        case "--uploads" -> uploads = whole(args, ++i, a, 1, 1_000_000);
        case "--clients" -> clients = whole(args, ++i, a, 1, 256);
        case "--note" -> note = value(args, ++i, a);
        case "--parts" -> parts = parts(value(args, ++i, a));
        default -> throw new IllegalArgumentException("unknown option '" + a + "'");
      }
    }
    return new Args(new Plan(rows, parallelism, rounds, seconds, warmup, uploads, clients, parts, note, quick),
        markdown);
  }

  private static Set<Part> parts(String text) {
    Set<Part> parts = EnumSet.noneOf(Part.class);
    for (String p : text.split(",")) {
      Part part = Arrays.stream(Part.values()).filter(x -> x.id().equals(p.strip())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("--parts takes rewrap, audit and cache, not '" + p + "'"));
      parts.add(part);
    }
    return parts;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int whole(String[] args, int i, String option, int min, int max) {
    String text = value(args, i, option);
    try {
      int n = Integer.parseInt(text);
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a whole number from " + min + " to " + max + ", not '"
          + text + "'");
    }
  }

  private static double seconds(String[] args, int i, String option, double min, double max) {
    String text = value(args, i, option);
    try {
      double n = Double.parseDouble(text);
      if (!(n >= min && n <= max)) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number of seconds from " + min + " to " + max
          + ", not '" + text + "'");
    }
  }

  /** Runs the plan; throws when a server, a store or a check fails (nothing is reported half-measured). */
  KeysReport run(Plan plan) throws Exception {
    Path parent = HttpBench.parentDirectory();
    KeysReport report = new KeysReport(plan, ScaleOutReport.loadAverage());
    Path dir = Files.createTempDirectory(parent, "envelope-bench-keys-");
    report.where(parent + " (" + Files.getFileStore(dir).type() + ")");
    log.println("bench: keys: working in " + dir);
    try {
      if (plan.parts().contains(Part.REWRAP)) {
        rewrap(plan, Files.createDirectories(dir.resolve("rewrap")), report);
      }
      if (plan.parts().contains(Part.AUDIT)) {
        audit(plan, Files.createDirectories(dir.resolve("audit")), report);
      }
      if (plan.parts().contains(Part.CACHE)) {
        cache(plan, Files.createDirectories(dir.resolve("cache")), report);
      }
    } finally {
      ProcessBench.deleteTree(dir);
    }
    report.loadAfter(ScaleOutReport.loadAverage());
    return report;
  }

  // ---- part 1: rewrap

  private void rewrap(Plan plan, Path dir, KeysReport report) throws Exception {
    log.println("bench: keys: starting the key server (in this JVM) and a PostgreSQL cluster");
    // initdb and the cluster's start take seconds: meanwhile the key server starts here.
    java.util.concurrent.CompletableFuture<PostgresFixture> starting = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> PostgresFixture.start(dir.resolve("postgres")));
    try (KmsFixture kms = startKms(starting);
        PostgresFixture postgres = join(starting);
        AwsKmsKeyService aws = AwsKmsKeyService.create(kms.config())) {
      report.postgresVersion(postgresVersion(postgres));
      for (Store store : Store.values()) {
        for (Keys keys : Keys.values()) {
          Path home = Files.createDirectories(dir.resolve(store + "-" + keys));
          report.add(rewrapOne(plan.rows(), plan.rewrapParallelism(), store, keys, home, kms, aws, postgres));
        }
      }
    }
  }

  /** Starts a key server in this JVM; if it fails, stops what {@code other} started. */
  private static KmsFixture startKms(java.util.concurrent.CompletableFuture<? extends AutoCloseable> other)
      throws Exception {
    try {
      return KmsFixture.start();
    } catch (Exception | Error e) {
      try {
        join(other).close();
      } catch (Exception | Error suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The future's value, or what it failed with. */
  private static <T> T join(java.util.concurrent.CompletableFuture<T> future) throws Exception {
    try {
      return future.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      if (e.getCause() instanceof Error x) {
        throw x;
      }
      throw e;
    }
  }

  /**
   * Starts two {@code envelope serve} processes at once (each start is mostly a JVM warming up: on 2 cores, doing
   * both together still saves seconds); if either fails, the other is stopped.
   */
  private static ServerProcess[] startBoth(Path jar, Path homeA, Map<String, String> envA, Path homeB,
      Map<String, String> envB) throws Exception {
    java.util.concurrent.CompletableFuture<ServerProcess> b = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> {
          try {
            return ServerProcess.start(jar, homeB, envB);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        });
    ServerProcess a;
    try {
      a = ServerProcess.start(jar, homeA, envA);
    } catch (Exception | Error e) {
      try {
        join(b).close(); // its start failing too is reported as suppressed
      } catch (Exception | Error suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    try {
      return new ServerProcess[] {a, join(b)};
    } catch (java.io.UncheckedIOException e) {
      a.close();
      throw e.getCause();
    } catch (Exception | Error e) {
      a.close();
      throw e;
    }
  }

  private RewrapRun rewrapOne(int n, int parallelism, Store store, Keys keys, Path dir, KmsFixture kms,
      AwsKmsKeyService aws, PostgresFixture postgres) throws Exception {
    String what = store.label + " + " + keys.label;
    KeyService plain;
    RootKeyAdmin admin;
    ManagedKeyService keyring = null;
    String root;
    if (keys == Keys.LOCAL) {
      keyring = LocalKeyring.open(KeyringConfig.builder(dir.resolve("keyring")).masterKey(MasterKey.generate())
          .build(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      root = keyring.createKey("bench root key").id();
      plain = keyring;
      admin = keyring;
    } else {
      root = kms.createKey();
      plain = aws;
      admin = aws;
    }
    MetadataStore raw;
    BlobStore blobs;
    if (store == Store.SQLITE) {
      LocalStores stores = LocalStores.open(dir.resolve("home"));
      raw = stores.metadata();
      blobs = stores.blobs();
    } else {
      String database = postgres.createDatabase();
      raw = PostgresMetadataStore.open(PostgresConfig.builder(postgres.jdbcUrl(database)).user(postgres.user())
          .password(postgres.password()).maxPoolSize(FILL_THREADS).build());
      blobs = LocalStores.openBlobs(dir.resolve("home"));
    }
    try {
      Timed.Store timedStore = new Timed.Store(raw);
      Timed.Keys timedKeys = new Timed.Keys(plain);
      FileService files = FileService.builder().keyService(timedKeys, root).blobStore(blobs)
          .metadataStore(timedStore).tenantStore((TenantStore) raw).build();

      log.printf(Locale.ROOT, "bench: keys: rewrap, %s: making and inserting %d rows under %s%n", what, n,
          keys == Keys.LOCAL ? "version 1 of a root key" : "a first root key");
      Map<String, byte[]> samples = new ConcurrentHashMap<>();
      long t0 = System.nanoTime();
      FileRecord[] rows = fill(n, plain, root, raw, samples);
      double fillSeconds = (System.nanoTime() - t0) / 1e9;

      Pass oneAtATime = null;
      Pass main = null;
      double[] one = null;
      double[] many = null;
      for (int pass : parallelism == 1 ? new int[] {1} : new int[] {1, parallelism}) {
        String target;
        int targetVersion;
        if (keys == Keys.LOCAL) {
          targetVersion = keyring.rotateKey(root).currentVersion();
          target = root;
        } else {
          target = kms.createKey();
          new TenantAdmin(files, (TokenStore) raw, admin).setKey(Principal.localOperator(), TENANT, target);
          targetVersion = -1; // AWS KMS: whatever version the key server names; rows move between keys
        }
        if (one == null) {
          log.printf(Locale.ROOT, "bench: keys: rewrap, %s: the key service alone, %d ReEncrypt calls from 1 caller"
              + "%s (after %d unmeasured)%n", what, n, parallelism > 1 ? " and from " + parallelism : "",
              Math.min(n, REENCRYPT_WARMUP));
          reEncryptAll(plain, rows, Math.min(n, REENCRYPT_WARMUP), parallelism, target);
          one = reEncryptAll(plain, rows, n, 1, target);
          many = parallelism == 1 ? one : reEncryptAll(plain, rows, n, parallelism, target);
        }
        log.printf(Locale.ROOT, "bench: keys: rewrap, %s: Rewrap.run over %d rows, %d at once%n", what, n, pass);
        timedStore.reset();
        timedKeys.reEncrypt.reset();
        double cpu0 = HttpLoad.ownCpuSeconds();
        long r0 = System.nanoTime();
        Rewrap.Options options = pass == Rewrap.DEFAULT_PARALLELISM ? new Rewrap.Options(null, false, 0)
            : new Rewrap.Options(null, false, 0, pass);
        Rewrap.Summary summary = new Rewrap(files, admin).run(Principal.localOperator(), options, null);
        double seconds = (System.nanoTime() - r0) / 1e9;
        double cpu = HttpLoad.ownCpuSeconds() - cpu0;
        log.printf(Locale.ROOT, "bench: keys: rewrap, %s: %d re-wrapped in %.1f s (%.0f rows/s, %d at once); the key"
            + " service alone %.0f rows/s from %d callers, %.0f from 1%n", what, summary.rewrapped(), seconds,
            n / seconds, pass, n / many[0], parallelism, n / one[0]);
        check(what, n, summary, raw, plain, target, targetVersion, samples);
        Pass done = new Pass(pass, seconds, cpu, summary, timedKeys.reEncrypt.seconds(), timedKeys.reEncrypt.calls(),
            timedStore.replace.seconds(), timedStore.replace.calls(), timedStore.scan.seconds(),
            timedStore.scan.calls(), timedStore.get.seconds());
        if (pass == parallelism) {
          main = done;
        } else {
          oneAtATime = done;
        }
      }
      return new RewrapRun(store, keys, n, fillSeconds, one[0], one[1], many[0], many[1], oneAtATime, main);
    } finally {
      raw.close();
      blobs.close();
    }
  }

  /**
   * The baseline: re-wraps the wrapped keys of the first {@code count} rows to {@code target} with plain {@link
   * KeyService#reEncrypt} calls from {@code callers} threads taking the next row from a shared counter, no store;
   * {wall seconds, this JVM's CPU seconds}.
   */
  private static double[] reEncryptAll(KeyService keys, FileRecord[] rows, int count, int callers, String target)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      threads.add(new Thread(() -> {
        for (int i = next.getAndIncrement(); i < count && failures.isEmpty(); i = next.getAndIncrement()) {
          try {
            keys.reEncrypt(rows[i].wrappedKey(), FileService.keyContextOf(rows[i]), target);
          } catch (Exception e) {
            failures.add(e);
          }
        }
      }, "bench-reencrypt-" + t));
    }
    double cpu = HttpLoad.ownCpuSeconds();
    long started = System.nanoTime();
    if (callers == 1) {
      threads.get(0).run(); // on this thread, as a one-row-at-a-time loop runs
    } else {
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double used = HttpLoad.ownCpuSeconds() - cpu;
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    return new double[] {seconds, used};
  }

  /**
   * Makes {@code n} rows of tenant {@link #TENANT} on {@link #FILL_THREADS} threads, each with a fresh data key
   * wrapped under {@code root} in its own file's context, as an upload would make it, and inserts them; keeps the
   * plaintext data key of {@link #SAMPLES} of them.
   */
  private static FileRecord[] fill(int n, KeyService keys, String root, MetadataStore store,
      Map<String, byte[]> samples) throws Exception {
    FileRecord[] rows = new FileRecord[n];
    int every = Math.max(1, n / SAMPLES);
    AtomicInteger next = new AtomicInteger();
    List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < FILL_THREADS; t++) {
      threads.add(new Thread(() -> {
        for (int i = next.getAndIncrement(); i < n && failures.isEmpty(); i = next.getAndIncrement()) {
          try {
            String id = FileId.random();
            WrappedKey wrapped;
            try (DataKey key = keys.generateDataKey(root,
                FileService.contextOf(TENANT, id, FileRecord.FORMAT_VERSION))) {
              wrapped = key.wrapped();
              if (i % every == 0) {
                samples.put(id, key.copyPlaintext(InsecureKeyAccess.get()));
              }
            }
            FileRecord row = new FileRecord(id, TENANT, "file-" + i + ".bin", "application/octet-stream",
                SMALL_BYTES, Instant.ofEpochMilli(System.currentTimeMillis()), keys.name(), wrapped,
                FileRecord.FORMAT_VERSION, EnvelopeCipher.DEFAULT_SEGMENT_SIZE);
            store.insert(row);
            rows[i] = row;
          } catch (Exception e) {
            failures.add(e);
          }
        }
      }, "bench-fill-" + t));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    return rows;
  }

  /**
   * Every row was re-wrapped, once; the store now holds every row under the target key (and version), and the
   * sampled rows' wrapped keys still unwrap, in their file's context, to the data key they were made with.
   */
  private static void check(String what, int n, Rewrap.Summary s, MetadataStore store, KeyService keys,
      String target, int targetVersion, Map<String, byte[]> samples) throws Exception {
    if (s.scanned() != n || s.rewrapped() != n || s.current() != 0 || s.changed() != 0 || s.skipped() != 0
        || s.failed() != 0) {
      throw new IOException("rewrap, " + what + ": " + s.scanned() + " rows scanned, " + s.rewrapped()
          + " re-wrapped, " + s.current() + " current, " + s.changed() + " changed, " + s.skipped() + " skipped, "
          + s.failed() + " failed (" + s.failures() + "); expected all " + n + " re-wrapped");
    }
    long seen = 0;
    int checked = 0;
    String cursor = null;
    do {
      FilePage page = store.scan(null, cursor, MetadataStore.MAX_PAGE);
      for (FileRecord row : page.files()) {
        seen++;
        WrappedKey w = row.wrappedKey();
        if (!w.rootKeyId().equals(target) || (targetVersion >= 0 && w.rootKeyVersion() != targetVersion)) {
          throw new IOException("rewrap, " + what + ": row " + row.id() + " is under " + w.rootKeyId() + " version "
              + w.rootKeyVersion() + ", not the target");
        }
        byte[] expected = samples.get(row.id());
        if (expected != null) {
          try (DataKey key = keys.decrypt(w, FileService.keyContextOf(row))) {
            if (!Arrays.equals(expected, key.copyPlaintext(InsecureKeyAccess.get()))) {
              throw new IOException("rewrap, " + what + ": row " + row.id() + " unwraps to another data key");
            }
          }
          checked++;
        }
      }
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
    if (seen != n || checked != samples.size()) {
      throw new IOException("rewrap, " + what + ": the store holds " + seen + " rows (expected " + n + "), "
          + checked + " of " + samples.size() + " sampled keys checked");
    }
  }

  private static String postgresVersion(PostgresFixture postgres) {
    try (var c = java.sql.DriverManager.getConnection(postgres.jdbcUrl("postgres"), postgres.user(),
        postgres.password()); var s = c.createStatement(); var r = s.executeQuery("SHOW server_version")) {
      return r.next() ? r.getString(1).split(" ")[0] : "?";
    } catch (java.sql.SQLException e) {
      return "?";
    }
  }

  // ---- part 2: the audit log

  private void audit(Plan plan, Path dir, KeysReport report) throws Exception {
    log.println("bench: keys: audit: starting two nodes, audit log on (the default) and off");
    ServerProcess[] nodes = startBoth(envelopeJar, dir.resolve("audit-on"), Map.of(), dir.resolve("audit-off"),
        Map.of("ENVELOPE_AUDIT_LOG", "off"));
    try (ServerProcess on = nodes[0]; ServerProcess off = nodes[1]) {
      HttpLoad onLoad = new HttpLoad(on, null, Files.createDirectories(dir.resolve("on-client")));
      HttpLoad offLoad = new HttpLoad(off, null, Files.createDirectories(dir.resolve("off-client")));
      for (int round = 0; round < plan.rounds(); round++) {
        for (int k = 0; k < 2; k++) {
          boolean auditOn = (round + k) % 2 == 0; // even rounds audit on first, odd rounds off first
          log.printf(Locale.ROOT, "bench: keys: audit: round %d of %d, audit log %s: %d clients, %.1f s + %.1f s"
              + " warm-up%n", round + 1, plan.rounds(), auditOn ? "on" : "off", plan.clients(), plan.seconds(),
              plan.warmupSeconds());
          HttpLoad.SmallUploads r = (auditOn ? onLoad : offLoad).smallUploads(plan.clients(), SMALL_BYTES,
              plan.warmupSeconds(), plan.seconds());
          report.audit(new AuditRound(round, auditOn, r));
        }
      }
      on.checkAlive();
      off.checkAlive();
      report.auditLines(lines(dir.resolve("audit-on").resolve("audit")), lines(dir.resolve("audit-off")
          .resolve("audit")));
    }
  }

  /** Lines in the files under {@code dir} (0 if it is missing). */
  private static long lines(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long lines = 0;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".jsonl")).toList()) {
        try (Stream<String> l = Files.lines(f)) {
          lines += l.count();
        }
      }
    }
    return lines;
  }

  // ---- part 3: the data-key cache

  private void cache(Plan plan, Path dir, KeysReport report) throws Exception {
    log.println("bench: keys: cache: starting the key server (in this JVM) and two nodes on it, data-key cache off"
        + " and " + CACHE_SETTING);
    try (KmsFixture kms = KmsFixture.start()) {
      String root = kms.createKey();
      Path aws = Files.createDirectories(dir.resolve("aws"));
      Files.writeString(aws.resolve("credentials"), String.join("\n", "[keys]",
          "aws_access_key_id = " + kms.accessKeyId(), "aws_secret_access_key = " + kms.secretKey(), ""),
          StandardCharsets.UTF_8);
      Files.writeString(aws.resolve("config"), "", StandardCharsets.UTF_8);
      Map<String, String> env = new HashMap<>();
      env.put("AWS_SHARED_CREDENTIALS_FILE", aws.resolve("credentials").toString());
      env.put("AWS_CONFIG_FILE", aws.resolve("config").toString());
      env.put("ENVELOPE_AWS_REGION", kms.region());
      env.put("ENVELOPE_KEYS", "aws-kms");
      env.put("ENVELOPE_KMS_ENDPOINT", kms.endpoint().toString());
      env.put("ENVELOPE_KMS_PROFILE", "keys");
      env.put("ENVELOPE_ROOT_KEY", root);
      Map<String, String> cached = new HashMap<>(env);
      cached.put("ENVELOPE_DATA_KEY_CACHE", CACHE_SETTING);
      ServerProcess[] nodes = startBoth(envelopeJar, dir.resolve("cache-off"), env, dir.resolve("cache-on"), cached);
      try (ServerProcess off = nodes[0]; ServerProcess on = nodes[1]) {
        HttpLoad offLoad = new HttpLoad(off, null, Files.createDirectories(dir.resolve("off-client")));
        HttpLoad onLoad = new HttpLoad(on, null, Files.createDirectories(dir.resolve("on-client")));
        int warmup = plan.warmupUploads();
        log.printf(Locale.ROOT, "bench: keys: cache: warm-up, %d uploads and downloads per node (not counted)%n",
            warmup);
        for (HttpLoad load : List.of(offLoad, onLoad)) {
          load.downloadMany(load.uploadMany(plan.clients(), SMALL_BYTES, warmup, -1), plan.clients());
        }
        KmsCalls[] uploads = {new KmsCalls(kms, "GenerateDataKey"), new KmsCalls(kms, "GenerateDataKey")};
        KmsCalls[] downloads = {new KmsCalls(kms, "Decrypt"), new KmsCalls(kms, "Decrypt")};
        for (int round = 0; round < plan.rounds(); round++) {
          for (int k = 0; k < 2; k++) {
            boolean cacheOn = (round + k) % 2 == 1; // even rounds cache off first, odd rounds on first
            int c = cacheOn ? 1 : 0;
            HttpLoad load = cacheOn ? onLoad : offLoad;
            log.printf(Locale.ROOT, "bench: keys: cache: round %d of %d, cache %s: %d uploads from %d clients, then"
                + " their downloads%n", round + 1, plan.rounds(), cacheOn ? "on" : "off", plan.uploads(),
                plan.clients());
            uploads[c].begin();
            HttpLoad.Batch batch = load.uploadMany(plan.clients(), SMALL_BYTES, plan.uploads(), round * 2L + k);
            uploads[c].end(plan.uploads());
            downloads[c].begin();
            double[] down = load.downloadMany(batch, plan.clients());
            downloads[c].end(plan.uploads());
            report.cache(new CacheRound(round, cacheOn, batch, down[0]));
          }
        }
        off.checkAlive();
        on.checkAlive();
        report.cacheCalls(uploads[0], downloads[0], uploads[1], downloads[1]);
      }
    }
  }
}
