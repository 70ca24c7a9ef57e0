package dev.envelope.bench.peers;

import dev.envelope.bench.Sizes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The scale-out benchmark of issue 5, in one run: one {@code envelope serve} node on the embedded defaults (a
 * directory, SQLite and the local keyring, its home on the real disk) and one node on the scale-out backends
 * ({@link ScaleOutBackends}: S3Proxy and the key server in this JVM, dynalite), both real processes started by
 * {@link ServerProcess}. Each round uploads one random file with {@code curl -T} and downloads it with {@code
 * curl -o /dev/null} on each node, the two nodes in alternating order so that machine noise hits both, and checks
 * every upload by downloading it again (untimed) and comparing SHA-256. Warm-up rounds are done and not counted.
 * Then small files go up and come down through the scale-out node. Every KMS call the key server handles during
 * the transfers is counted from its audit log ({@link KmsCalls}): the goal is exactly one {@code GenerateDataKey}
 * per upload and one {@code Decrypt} per download, and nothing else.
 *
 * <p>Usage: {@code ScaleOutBench [--mib N] [--warmups N] [--rounds N] [--small N] [--quick] [--s3-part-mib N]
 * [--s3-parallelism N] [--markdown FILE]}. The report (Markdown) goes to stdout; progress to stderr; with
 * {@code --markdown FILE} the report also replaces its own marked section in FILE (appended if absent), the rest
 * of the file left as it is. Exit status 0 when every transfer went through and every file cost exactly one KMS
 * call; 1 otherwise; 2 on a usage error. The directory is {@code ENVELOPE_BENCH_HTTP_DIR} or java.io.tmpdir (never
 * tmpfs on purpose: the embedded node fsyncs each upload, so the disk is part of what is measured).
 */
public final class ScaleOutBench {
  /** The system property naming the CLI jar (default: envelope-cli/target/envelope.jar, from the repo root). */
  static final String JAR_PROPERTY = PeersBench.JAR_PROPERTY;

  /** What to run. Part size in MiB and parallelism are the scale-out node's {@code s3-*} settings. */
  record Plan(int mib, int warmups, int rounds, int smallFiles, int smallKib, int partMib, int parallelism,
      boolean quick) {
    static Plan defaults(int mib, boolean quick) {
      return quick ? new Plan(mib, 0, 1, 10, 64, 8, 4, true) : new Plan(mib, 1, 3, 20, 64, 8, 4, false);
    }
  }

  /** The configurations, in the order of the even rounds. */
  enum Config {
    EMBEDDED("embedded (fs + sqlite + local keyring)"),
    SCALE_OUT("scale-out (S3Proxy + dynalite + key server)");

    final String label;

    Config(String label) {
      this.label = label;
    }
  }

  /** One timed big upload and download on one node, with the CPU the stand-ins in this JVM used meanwhile. */
  record Round(int round, boolean measured, Config config, HttpLoad.Transfer up, HttpLoad.Transfer down,
      double benchCpuUp, double benchCpuDown) {}

  private final Path envelopeJar;
  private final PrintStream log;

  ScaleOutBench(Path envelopeJar, PrintStream log) {
    this.envelopeJar = envelopeJar;
    this.log = log;
  }

  public static void main(String[] args) {
    // S3Proxy, Jetty and the key server log through slf4j-simple: warnings only, unless asked otherwise.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
        System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    Plan plan;
    Path markdown;
    try {
      Args parsed = parse(args);
      plan = parsed.plan();
      markdown = parsed.markdown();
    } catch (IllegalArgumentException e) {
      System.err.println("ScaleOutBench: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (plan == null) {
      System.out.println(USAGE);
      System.exit(0);
      return;
    }
    Path jar = Path.of(System.getProperty(JAR_PROPERTY, PeersBench.DEFAULT_JAR.toString()));
    int status;
    try {
      ScaleOutReport report = new ScaleOutBench(jar, System.err).run(plan);
      System.out.print(report.markdown());
      if (markdown != null) {
        ScaleOutReport.replaceSection(markdown, report.markdown());
        System.err.println("bench: scale-out: wrote its section of " + markdown);
      }
      status = report.ok() ? 0 : 1;
    } catch (Exception e) {
      System.err.println("bench: scale-out: FAILED: " + ProcessBench.describe(e));
      status = 1;
    }
    System.exit(status);
  }

  static final String USAGE = String.join("\n",
      "Usage: ScaleOutBench [--mib N] [--warmups N] [--rounds N] [--small N] [--quick] [--s3-part-mib N]",
      "                     [--s3-parallelism N] [--markdown FILE]",
      "  --mib N             the big file in MiB (default 1024; --quick: 16); about 2 x N x (rounds + warm-ups)",
      "                      MiB of disk",
      "  --warmups N         unmeasured rounds first (default 1; --quick: 0)",
      "  --rounds N          measured rounds (default 3; --quick: 1)",
      "  --small N           small files (64 KiB) up and down through the scale-out node (default 20; --quick: 10)",
      "  --s3-part-mib N     the scale-out node's s3-part-size in MiB (default 8, the product's default)",
      "  --s3-parallelism N  the scale-out node's s3-parallelism (default 4, the product's default)",
      "  --markdown FILE     also replace the report's section in FILE (appended if FILE has none)");

  /** The parsed command line: a null plan means --help; a null markdown, no file to write. */
  record Args(Plan plan, Path markdown) {}

  static Args parse(String[] args) {
    boolean quick = List.of(args).contains("--quick");
    Plan d = Plan.defaults(quick ? 16 : 1024, quick);
    int mib = d.mib();
    int warmups = d.warmups();
    int rounds = d.rounds();
    int small = d.smallFiles();
    int partMib = d.partMib();
    int parallelism = d.parallelism();
    Path markdown = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> { }
        case "-h", "--help" -> {
          return new Args(null, null);
        }
        case "--markdown" -> markdown = Path.of(value(args, ++i, a));
        case "--mib" -> mib = number(args, ++i, a, 1, 16 * 1024);
        case "--warmups" -> warmups = number(args, ++i, a, 0, 100);
        case "--rounds" -> rounds = number(args, ++i, a, 1, 100);
        case "--small" -> small = number(args, ++i, a, 1, 10_000);
        case "--s3-part-mib" -> partMib = number(args, ++i, a, 5, 5 * 1024);
        case "--s3-parallelism" -> parallelism = number(args, ++i, a, 1, 64);
        default -> throw new IllegalArgumentException("unknown option '" + a + "'");
      }
    }
    return new Args(new Plan(mib, warmups, rounds, small, d.smallKib(), partMib, parallelism, quick), markdown);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int number(String[] args, int i, String option, int min, int max) {
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

  /** Runs the plan; throws when a stand-in, a node or a transfer fails (nothing is measured half-way). */
  ScaleOutReport run(Plan plan) throws Exception {
    long size = (long) plan.mib() * Sizes.MIB;
    Path curl = ProcessBench.onPath("curl");
    if (curl == null) {
      throw new IOException("curl is not on PATH (Debian package curl)");
    }
    Path parent = HttpBench.parentDirectory();
    ScaleOutReport report = new ScaleOutReport(plan, ScaleOutReport.loadAverage());
    Path dir = Files.createTempDirectory(parent, "envelope-bench-scaleout-");
    report.where(parent + " (" + Files.getFileStore(dir).type() + ")");
    try {
      log.println("bench: scale-out: writing a " + plan.mib() + " MiB random file to " + dir);
      Path source = dir.resolve("source.bin");
      byte[] sha256 = HttpBench.writeRandom(source, size);
      log.println("bench: scale-out: starting S3Proxy, the key server and dynalite; envelope admin init-dynamodb");
      try (ScaleOutBackends backends = ScaleOutBackends.start(Files.createDirectories(dir.resolve("backends")),
          envelopeJar, (long) plan.partMib() * Sizes.MIB, plan.parallelism())) {
        log.println("bench: scale-out: starting the two nodes (" + String.join(" ", ServerProcess.JVM_OPTIONS) + ")");
        try (ServerProcess embedded = ServerProcess.start(envelopeJar, dir.resolve("embedded-home"));
            ServerProcess scaled = ServerProcess.start(envelopeJar, dir.resolve("scaleout-home"), backends.env())) {
          HttpLoad[] loads = {
              new HttpLoad(embedded, curl, Files.createDirectories(dir.resolve("embedded-client"))),
              new HttpLoad(scaled, curl, Files.createDirectories(dir.resolve("scaleout-client")))};
          KmsCalls uploads = new KmsCalls(backends.kms, "GenerateDataKey");
          KmsCalls downloads = new KmsCalls(backends.kms, "Decrypt");
          for (int round = 0; round < plan.warmups() + plan.rounds(); round++) {
            boolean measured = round >= plan.warmups();
            for (int k = 0; k < 2; k++) {
              Config config = Config.values()[(round + k) % 2]; // even rounds embedded first, odd rounds scale-out
              log.printf(Locale.ROOT, "bench: scale-out: %s round %d of %d, %s%n", measured ? "measured" : "warm-up",
                  round + 1, plan.warmups() + plan.rounds(), config.label);
              report.add(bigRound(round, measured, config, loads[config.ordinal()], source, size, sha256,
                  config == Config.SCALE_OUT ? uploads : null, config == Config.SCALE_OUT ? downloads : null));
            }
          }
          log.println("bench: scale-out: " + plan.smallFiles() + " small files up and down through the scale-out node");
          smallFiles(plan, loads[1], dir, uploads, downloads);
          report.kms(uploads, downloads);
          embedded.checkAlive();
          scaled.checkAlive();
        }
      }
    } finally {
      ProcessBench.deleteTree(dir);
    }
    report.loadAfter(ScaleOutReport.loadAverage());
    return report;
  }

  /** Upload, download (both timed) and an untimed SHA-256 check; KMS calls counted when the counters are given. */
  private static Round bigRound(int round, boolean measured, Config config, HttpLoad load, Path source, long size,
      byte[] sha256, KmsCalls uploads, KmsCalls downloads) throws Exception {
    if (uploads != null) {
      uploads.begin();
    }
    double cpu0 = HttpLoad.ownCpuSeconds();
    HttpLoad.Transfer up = load.upload(source, size);
    double cpu1 = HttpLoad.ownCpuSeconds();
    if (uploads != null) {
      uploads.end(1);
      downloads.begin();
    }
    HttpLoad.Transfer down = load.download(up.id(), size);
    double cpu2 = HttpLoad.ownCpuSeconds();
    load.verify(up.id(), size, sha256); // a second download: byte for byte what went up
    if (downloads != null) {
      downloads.end(2);
    }
    return new Round(round, measured, config, up, down, cpu1 - cpu0, cpu2 - cpu1);
  }

  /** {@code plan.smallFiles()} distinct random files up, then each down and compared. */
  private static void smallFiles(Plan plan, HttpLoad load, Path dir, KmsCalls uploads, KmsCalls downloads)
      throws Exception {
    int bytes = plan.smallKib() * Sizes.KIB;
    SplittableRandom random = new SplittableRandom();
    List<Path> files = new ArrayList<>();
    List<byte[]> digests = new ArrayList<>();
    for (int i = 0; i < plan.smallFiles(); i++) {
      byte[] content = new byte[bytes];
      random.nextBytes(content);
      files.add(Files.write(dir.resolve("small-" + i + ".bin"), content));
      digests.add(MessageDigest.getInstance("SHA-256").digest(content));
    }
    List<String> ids = new ArrayList<>();
    uploads.begin();
    for (Path file : files) {
      ids.add(load.uploadWithJdk(file, bytes));
    }
    uploads.end(files.size());
    downloads.begin();
    for (int i = 0; i < ids.size(); i++) {
      load.verify(ids.get(i), bytes, digests.get(i));
    }
    downloads.end(ids.size());
  }
}
