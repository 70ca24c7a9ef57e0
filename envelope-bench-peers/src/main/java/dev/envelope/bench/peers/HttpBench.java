package dev.envelope.bench.peers;

import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.Sizes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The file service over HTTP, as issues 3 and 14 ask: real {@code envelope serve} processes ({@link ServerProcess})
 * on loopback, on each {@link Jdk} measured, and in one run (1) upload and download of one big random file (1 GiB by
 * default) with curl, to a server whose home is on the real disk and to one whose home is on tmpfs, beside the same
 * transfers through the {@link PassThroughServer} (the HTTP stack alone: the ceiling), Envelope's cipher in-process
 * and the disk's durable write rate, all measured round by round; (2) 4 KiB uploads from 16 concurrent clients
 * ({@link LeanUploads}) for a fixed time, to the disk server of each JDK and to the pass-through, beside the disk's
 * rate of small fsynced files; (3) 1 MiB range reads at random offsets of the big file; and, as issue 16 asks, the S3
 * API of the same servers ({@code --s3-port}) through the AWS SDK's {@code S3Client} ({@link S3Load}): the big file's
 * {@code PutObject} to the tmpfs server and {@code GetObject} from the disk server, each right after the same
 * transfer through /v1 on the same server, and 4 KiB {@code PutObject}s from 16 clients right after the /v1 ones.
 * The disk server's home
 * lives in a temporary directory on the real disk (an upload is fsynced before it is acknowledged, so the disk is
 * part of what is measured); the tmpfs server's under /dev/shm, so that only the disk is left out.
 */
final class HttpBench {
  static final int CLIENTS = 16;
  static final int SMALL_BYTES = 4 * Sizes.KIB;
  static final int RANGE_BYTES = Sizes.MIB;
  /** The environment variable naming the directory for the disk server's home and the big file. */
  static final String DIR_VARIABLE = "ENVELOPE_BENCH_HTTP_DIR";
  private static final Path SHM = Path.of("/dev/shm");

  /** What to run: sizes, rounds and durations. */
  record Plan(int fileMib, int warmups, int reps, double smallWarmupSeconds, double smallSeconds,
      double fsyncSeconds, int rangeWarmup, int rangeReads) {
    static Plan of(int fileMib, int smallSeconds, boolean quick) {
      return quick
          ? new Plan(fileMib, 0, 1, 0.5, smallSeconds, 0.5, 0, 5)
          : new Plan(fileMib, 1, 3, 3, smallSeconds, 2, 20, 200);
    }
  }

  /** The big transfers of one JDK, each against one of its servers. */
  enum Kind {
    PASS_UP, PASS_DOWN, TMPFS_UP, DISK_UP, DOWN, S3_PUT, S3_GET
  }

  /** The S3 API's object key of the big file. */
  static final String BIG_KEY = "big.bin";

  /** The samples of the bench JVM's baselines, one per measured round (seconds). */
  static final class Baseline {
    final List<Double> encrypt = new ArrayList<>();
    final List<Double> decrypt = new ArrayList<>();
    final List<Double> disk = new ArrayList<>();
    final List<Double> diskWrite = new ArrayList<>();
    final List<Double> diskFsync = new ArrayList<>();
  }

  /**
   * The servers of one JDK (disk home, tmpfs home, pass-through) and what they measured: samples per kind of
   * transfer, and why a kind has none (a server that did not start, a transfer that failed, no tmpfs).
   */
  static final class Node {
    final Jdk jdk;
    final Map<Kind, List<HttpLoad.Transfer>> samples = new EnumMap<>(Kind.class);
    final Map<Kind, String> failures = new EnumMap<>(Kind.class);
    final Map<Kind, String> unavailable = new EnumMap<>(Kind.class);
    ServerProcess disk;
    ServerProcess tmpfs;
    ServerProcess passThrough;
    HttpLoad diskLoad;
    HttpLoad tmpfsLoad;
    HttpLoad passLoad;
    S3Load tmpfsS3;
    S3Load diskS3;
    String lastId;
    boolean diskObject;

    Node(Jdk jdk) {
      this.jdk = jdk;
      for (Kind k : Kind.values()) {
        samples.put(k, new ArrayList<>());
      }
    }

    boolean ok(Kind kind) {
      return !failures.containsKey(kind) && !unavailable.containsKey(kind);
    }

    void fail(String why, Kind... kinds) {
      for (Kind k : kinds) {
        failures.putIfAbsent(k, why);
      }
    }

    void closeServers() throws InterruptedException {
      for (S3Load s3 : new S3Load[] {tmpfsS3, diskS3}) {
        if (s3 != null) {
          s3.close();
        }
      }
      for (ServerProcess s : new ServerProcess[] {disk, tmpfs, passThrough}) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  private final Path envelopeJar;
  private final PrintStream log;

  HttpBench(Path envelopeJar, PrintStream log) {
    this.envelopeJar = envelopeJar;
    this.log = log;
  }

  /** On the bench's JDK only. */
  List<Section> run(Plan plan) throws IOException {
    List<Jdk> jdks = List.of(Jdk.current());
    return run(plan, jdks, new Goals(), new JdkTable(jdks));
  }

  /**
   * Two sections: big transfers, then small uploads and range reads; the servers run on each of {@code jdks} (the
   * bench's own first). Failures fail the rows, not the run.
   */
  List<Section> run(Plan plan, List<Jdk> jdks, Goals goals, JdkTable perJdk) throws IOException {
    long size = (long) plan.fileMib() * Sizes.MIB;
    HttpReport report = new HttpReport(plan, envelopeJar, jdks, goals, perJdk);
    Path parent = parentDirectory();
    Path dir = Files.createTempDirectory(parent, "envelope-bench-http-");
    report.where(parent + " (" + Files.getFileStore(dir).type() + ")");
    Path shm = null;
    String noTmpfs = tmpfsUnavailable(size);
    if (noTmpfs == null) {
      shm = Files.createTempDirectory(SHM, "envelope-bench-http-");
      report.tmpfs(SHM + " (tmpfs)");
    } else {
      report.tmpfs(null);
    }
    Path curl = ProcessBench.onPath("curl");
    List<Node> nodes = new ArrayList<>();
    try {
      if (curl == null) {
        report.unavailable("curl is not on PATH (Debian package curl)");
      }
      log.println("bench: http: writing a " + plan.fileMib() + " MiB random file to " + dir);
      Path source = dir.resolve("source.bin");
      byte[] sha256 = writeRandom(source, size);
      for (Jdk jdk : jdks) {
        Node node = new Node(jdk);
        nodes.add(node);
        startServers(node, dir, shm, noTmpfs, curl, node == nodes.get(0));
      }
      Node main = nodes.get(0);
      Baseline baseline = new Baseline();
      if (curl != null) {
        bigTransfers(plan, size, dir, source, sha256, nodes, baseline);
      }
      report.big(baseline, nodes, size);
      S3Load wire = main.diskS3 != null ? main.diskS3 : main.tmpfsS3;
      report.small().s3Client(wire != null ? wire.wire() : null);
      try {
        log.println("bench: http: disk rate of small fsynced files, " + CLIENTS + " threads");
        report.small().fsync(Baselines.smallFiles(dir, CLIENTS, plan.fsyncSeconds(), false),
            Baselines.smallFiles(dir, CLIENTS, plan.fsyncSeconds(), true));
      } catch (Exception e) {
        report.small().fsyncFailed(ProcessBench.describe(e));
      }
      for (Node node : nodes) {
        smallUploads(plan, node, report.small(), false);
        smallPuts(plan, node, report.small());
      }
      if (main.passThrough != null) {
        smallUploads(plan, main, report.small(), true);
      }
      try {
        log.println("bench: http: range reads");
        String id = main.lastId != null ? main.lastId : main.diskLoad.uploadWithJdk(source, size);
        report.small().ranges(main.jdk, main.diskLoad.rangeReadsWithCurl(id, source, size, RANGE_BYTES,
            plan.rangeWarmup(), plan.rangeReads(), shm != null ? shm : dir));
      } catch (Exception e) {
        report.small().rangesFailed(main.jdk, ProcessBench.describe(e));
        log.println("bench: http: range reads FAILED: " + ProcessBench.describe(e));
      }
    } catch (ServerFailure e) {
      report.serverFailed(e.getMessage());
      log.println("bench: http: FAILED: " + e.getMessage());
    } finally {
      for (Node node : nodes) {
        try {
          node.closeServers();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      ProcessBench.deleteTree(dir);
      if (shm != null) {
        ProcessBench.deleteTree(shm);
      }
    }
    return report.sections();
  }

  /** The bench's JDK's disk server did not start: nothing else can be measured. */
  private static final class ServerFailure extends Exception {
    ServerFailure(String message) {
      super(message);
    }
  }

  /**
   * Starts the three servers of {@code node}, each with its own directory for curl's files; a server that does not
   * start fails its rows, except the first JDK's disk server, without which nothing runs.
   */
  private void startServers(Node node, Path dir, Path shm, String noTmpfs, Path curl, boolean first)
      throws ServerFailure, IOException {
    String name = "jdk" + node.jdk.feature();
    log.println("bench: http: starting envelope serve (" + String.join(" ", ServerProcess.JVM_OPTIONS) + ") on "
        + node.jdk.label() + ", home on disk, with the S3 API");
    Path diskDir = Files.createDirectories(dir.resolve(name + "-disk"));
    try {
      node.disk = ServerProcess.startWithS3(envelopeJar, diskDir.resolve("home"), node.jdk, ServerProcess.JVM_OPTIONS);
      node.diskLoad = new HttpLoad(node.disk, curl, diskDir);
      node.diskS3 = s3(node, node.disk, Kind.S3_GET);
    } catch (IOException e) {
      if (first) {
        throw new ServerFailure(ProcessBench.describe(e));
      }
      node.fail("envelope serve: " + ProcessBench.describe(e), Kind.DISK_UP, Kind.DOWN, Kind.S3_GET);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerFailure("interrupted");
    }
    if (noTmpfs != null) {
      node.unavailable.put(Kind.TMPFS_UP, noTmpfs);
      node.unavailable.put(Kind.S3_PUT, noTmpfs);
    } else {
      try {
        log.println("bench: http: starting envelope serve on " + node.jdk.label() + ", home on tmpfs, with the S3 API");
        Path tmpfsDir = Files.createDirectories(dir.resolve(name + "-tmpfs"));
        node.tmpfs = ServerProcess.startWithS3(envelopeJar, shm.resolve(name + "-home"), node.jdk,
            ServerProcess.JVM_OPTIONS);
        node.tmpfsLoad = new HttpLoad(node.tmpfs, curl, tmpfsDir);
        node.tmpfsS3 = s3(node, node.tmpfs, Kind.S3_PUT);
      } catch (IOException | InterruptedException e) {
        node.fail("envelope serve, home on tmpfs: " + ProcessBench.describe(e), Kind.TMPFS_UP, Kind.S3_PUT);
      }
    }
    try {
      log.println("bench: http: starting the pass-through server on " + node.jdk.label());
      Path passDir = Files.createDirectories(dir.resolve(name + "-pass-through"));
      node.passThrough = ServerProcess.passThrough(node.jdk, passDir.resolve("stderr.log"));
      node.passLoad = new HttpLoad(node.passThrough, curl, passDir);
    } catch (IOException | InterruptedException e) {
      node.fail("pass-through server: " + ProcessBench.describe(e), Kind.PASS_UP, Kind.PASS_DOWN);
    }
  }

  /** The S3 client of {@code server}, with its bucket; null, and {@code kind} failed, when the SDK cannot make it. */
  private S3Load s3(Node node, ServerProcess server, Kind kind) {
    try {
      return new S3Load(server);
    } catch (RuntimeException e) {
      failed(node, "the S3 API's client and bucket: " + ProcessBench.describe(e), kind);
      return null;
    }
  }

  /**
   * Warm-up then measured rounds; each runs, one after the other, the in-process encrypt and decrypt, the disk's
   * durable write, then for each JDK (starting one further along each round) the pass-through's upload and download,
   * the tmpfs server's upload and its S3 {@code PutObject}, the disk server's upload, download and S3
   * {@code GetObject}; every upload is downloaded again (untimed) and its SHA-256 checked, then deleted (the disk
   * server keeps its last, for the range reads; the object its {@code GetObject}s read is put once, untimed).
   */
  private void bigTransfers(Plan plan, long size, Path dir, Path source, byte[] sha256, List<Node> nodes,
      Baseline baseline) {
    Baselines baselines = new Baselines(size);
    for (int round = 0; round < plan.warmups() + plan.reps(); round++) {
      boolean measured = round >= plan.warmups();
      log.printf("bench: http: %s round %d of %d%n", measured ? "measured" : "warm-up", round + 1,
          plan.warmups() + plan.reps());
      try {
        double encrypt = baselines.encrypt();
        double decrypt = baselines.decrypt();
        System.gc(); // the baselines' garbage is collected here, not inside the client's or disk's timing
        double[] disk = baselines.durableWrite(dir);
        if (measured) {
          baseline.encrypt.add(encrypt);
          baseline.decrypt.add(decrypt);
          baseline.disk.add(disk[0] + disk[1]);
          baseline.diskWrite.add(disk[0]);
          baseline.diskFsync.add(disk[1]);
        }
      } catch (IOException e) {
        for (Node node : nodes) {
          node.fail("the in-process or disk baseline: " + ProcessBench.describe(e), Kind.values());
        }
        return;
      }
      for (int j = 0; j < nodes.size(); j++) {
        Node node = nodes.get((round + j) % nodes.size());
        transfers(node, size, source, sha256, measured);
      }
    }
  }

  /** One round of one JDK's transfers; a failure fails that server's rows from then on. */
  private void transfers(Node node, long size, Path source, byte[] sha256, boolean measured) {
    if (node.ok(Kind.PASS_UP) && node.ok(Kind.PASS_DOWN)) {
      try {
        HttpLoad.Transfer up = node.passLoad.upload(source, size);
        HttpLoad.Transfer down = node.passLoad.download(up.id(), size);
        if (measured) {
          node.samples.get(Kind.PASS_UP).add(up);
          node.samples.get(Kind.PASS_DOWN).add(down);
        }
      } catch (Exception e) {
        failed(node, "pass-through transfers: " + ProcessBench.describe(e), Kind.PASS_UP, Kind.PASS_DOWN);
      }
    }
    if (node.ok(Kind.TMPFS_UP)) {
      try {
        HttpLoad.Transfer up = node.tmpfsLoad.upload(source, size);
        node.tmpfsLoad.verify(up.id(), size, sha256);
        node.tmpfsLoad.delete(up.id());
        if (measured) {
          node.samples.get(Kind.TMPFS_UP).add(up);
        }
      } catch (Exception e) {
        failed(node, "upload, home on tmpfs: " + ProcessBench.describe(e), Kind.TMPFS_UP);
      }
    }
    if (node.ok(Kind.S3_PUT)) {
      try {
        HttpLoad.Transfer put = node.tmpfsS3.put(BIG_KEY, source, size);
        node.tmpfsS3.verify(BIG_KEY, size, sha256);
        node.tmpfsS3.delete(BIG_KEY);
        if (measured) {
          node.samples.get(Kind.S3_PUT).add(put);
        }
      } catch (Exception e) {
        failed(node, "S3 PutObject, home on tmpfs: " + ProcessBench.describe(e), Kind.S3_PUT);
      }
    }
    if (node.ok(Kind.DISK_UP) && node.ok(Kind.DOWN)) {
      try {
        HttpLoad.Transfer up = node.diskLoad.upload(source, size);
        HttpLoad.Transfer down = node.diskLoad.download(up.id(), size);
        node.diskLoad.verify(up.id(), size, sha256);
        if (node.lastId != null) {
          node.diskLoad.delete(node.lastId);
        }
        node.lastId = up.id();
        if (measured) {
          node.samples.get(Kind.DISK_UP).add(up);
          node.samples.get(Kind.DOWN).add(down);
        }
      } catch (Exception e) {
        failed(node, "upload and download, home on disk: " + ProcessBench.describe(e), Kind.DISK_UP, Kind.DOWN);
      }
    }
    if (node.ok(Kind.S3_GET)) {
      try {
        if (!node.diskObject) {
          node.diskS3.put(BIG_KEY, source, size);
          node.diskS3.verify(BIG_KEY, size, sha256);
          node.diskObject = true;
        }
        HttpLoad.Transfer get = node.diskS3.get(BIG_KEY, size);
        if (measured) {
          node.samples.get(Kind.S3_GET).add(get);
        }
      } catch (Exception e) {
        failed(node, "S3 GetObject, home on disk: " + ProcessBench.describe(e), Kind.S3_GET);
      }
    }
  }

  private void failed(Node node, String why, Kind... kinds) {
    log.println("bench: http: " + node.jdk.label() + ", " + why + ": FAILED");
    node.fail(why, kinds);
  }

  /** The 4 KiB uploads to {@code node}'s disk server, or to its pass-through; the disk server's files read back. */
  private void smallUploads(Plan plan, Node node, SmallReport report, boolean passThrough) {
    ServerProcess server = passThrough ? node.passThrough : node.disk;
    String label = (passThrough ? "the pass-through" : "envelope serve") + " on " + node.jdk.label();
    if (server == null) {
      report.uploadsFailed(node.jdk, passThrough, "the server did not start");
      return;
    }
    try {
      log.printf("bench: http: %d KiB uploads to %s, %d clients, %.1f s warm-up + %.0f s%n",
          SMALL_BYTES / Sizes.KIB, label, CLIENTS, plan.smallWarmupSeconds(), plan.smallSeconds());
      LeanUploads.Result r = LeanUploads.run(server, CLIENTS, SMALL_BYTES, plan.smallWarmupSeconds(),
          plan.smallSeconds());
      if (!passThrough) {
        node.diskLoad.verify(r.lastFiles());
      }
      report.uploads(node.jdk, passThrough, r);
    } catch (Exception e) {
      report.uploadsFailed(node.jdk, passThrough, ProcessBench.describe(e));
      log.println("bench: http: small uploads to " + label + " FAILED: " + ProcessBench.describe(e));
    }
  }

  /** The 4 KiB {@code PutObject}s to {@code node}'s disk server, right after its /v1 uploads; read back after. */
  private void smallPuts(Plan plan, Node node, SmallReport report) {
    if (node.diskS3 == null) {
      report.putsFailed(node.jdk, node.failures.getOrDefault(Kind.S3_GET, "the server did not start"));
      return;
    }
    try {
      log.printf("bench: http: %d KiB S3 PutObjects to envelope serve on %s, %d clients, %.1f s warm-up + %.0f s%n",
          SMALL_BYTES / Sizes.KIB, node.jdk.label(), CLIENTS, plan.smallWarmupSeconds(), plan.smallSeconds());
      LeanUploads.Result r = node.diskS3.smallPuts(CLIENTS, SMALL_BYTES, plan.smallWarmupSeconds(),
          plan.smallSeconds());
      node.diskS3.verify(r.lastFiles());
      report.puts(node.jdk, r);
    } catch (Exception e) {
      report.putsFailed(node.jdk, ProcessBench.describe(e));
      log.println("bench: http: S3 PutObjects to envelope serve on " + node.jdk.label() + " FAILED: "
          + ProcessBench.describe(e));
    }
  }

  /** {@value #DIR_VARIABLE} if set, else java.io.tmpdir; never /dev/shm on purpose. */
  static Path parentDirectory() {
    String chosen = System.getenv(DIR_VARIABLE);
    return Path.of(chosen != null && !chosen.isBlank() ? chosen : System.getProperty("java.io.tmpdir"));
  }

  /** Null when /dev/shm is a tmpfs with room for two uploads and a margin; else why not. */
  static String tmpfsUnavailable(long size) throws IOException {
    if (!Files.isDirectory(SHM) || !Files.isWritable(SHM)) {
      return SHM + " is not a writable directory";
    }
    if (!Files.getFileStore(SHM).type().equals("tmpfs")) {
      return SHM + " is not a tmpfs (" + Files.getFileStore(SHM).type() + ")";
    }
    long free = Files.getFileStore(SHM).getUsableSpace();
    if (free < 2 * size + 256L * Sizes.MIB) {
      return SHM + " has " + free / Sizes.MIB + " MiB free, less than two uploads and 256 MiB";
    }
    return null;
  }

  /** Writes random bytes, fsyncs them (no writeback overlaps the timed runs) and returns their SHA-256. */
  static byte[] writeRandom(Path file, long size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(Sizes.MIB);
    SplittableRandom random = new SplittableRandom();
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long left = size; left > 0; left -= buffer.capacity()) {
        random.nextBytes(buffer.array());
        buffer.clear().limit((int) Math.min(buffer.capacity(), left));
        digest.update(buffer.array(), 0, buffer.limit());
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
      out.force(true);
    }
    return digest.digest();
  }
}
