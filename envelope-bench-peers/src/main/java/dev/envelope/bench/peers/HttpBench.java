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
import java.util.List;
import java.util.SplittableRandom;

/**
 * The file service over HTTP, as issue 3 asks: a real {@code envelope serve} process ({@link ServerProcess}) on
 * loopback, and in one run (1) upload and download of one big random file (1 GiB by default) with curl, against
 * Envelope's cipher in-process and the disk's durable write rate, measured round by round beside them; (2) 4 KiB
 * uploads from 16 concurrent clients for a fixed time, beside the disk's rate of small fsynced files; (3) 1 MiB
 * range reads at random offsets of the big file. Everything lives in a temporary directory on the real disk
 * (never tmpfs: an upload is fsynced before it is acknowledged, so the disk is part of what is measured).
 */
final class HttpBench {
  static final int CLIENTS = 16;
  static final int SMALL_BYTES = 4 * Sizes.KIB;
  static final int RANGE_BYTES = Sizes.MIB;
  /** The environment variable naming the directory for the server's home and the big file. */
  static final String DIR_VARIABLE = "ENVELOPE_BENCH_HTTP_DIR";

  /** What to run: sizes, rounds and durations. */
  record Plan(int fileMib, int warmups, int reps, double smallWarmupSeconds, double smallSeconds,
      double fsyncSeconds, int rangeWarmup, int rangeReads) {
    static Plan of(int fileMib, int smallSeconds, boolean quick) {
      return quick
          ? new Plan(fileMib, 0, 1, 0.5, smallSeconds, 0.5, 0, 5)
          : new Plan(fileMib, 1, 3, 3, smallSeconds, 2, 20, 200);
    }
  }

  /** The samples of the big-transfer rows, one per measured round (seconds, CPU seconds). */
  static final class Samples {
    final List<Double> encrypt = new ArrayList<>();
    final List<Double> decrypt = new ArrayList<>();
    final List<Double> disk = new ArrayList<>();
    final List<Double> diskWrite = new ArrayList<>();
    final List<Double> diskFsync = new ArrayList<>();
    final List<HttpLoad.Transfer> upload = new ArrayList<>();
    final List<HttpLoad.Transfer> download = new ArrayList<>();
  }

  private final Path envelopeJar;
  private final PrintStream log;

  HttpBench(Path envelopeJar, PrintStream log) {
    this.envelopeJar = envelopeJar;
    this.log = log;
  }

  /** Two sections: big transfers, then small uploads and range reads. Failures fail the rows, not the run. */
  List<Section> run(Plan plan) throws IOException {
    long size = (long) plan.fileMib() * Sizes.MIB;
    HttpReport report = new HttpReport(plan, envelopeJar);
    Path parent = parentDirectory();
    Path dir = Files.createTempDirectory(parent, "envelope-bench-http-");
    report.where(parent + " (" + Files.getFileStore(dir).type() + ")");
    Path curl = ProcessBench.onPath("curl");
    try {
      if (curl == null) {
        report.unavailable("curl is not on PATH (Debian package curl)");
      }
      log.println("bench: http: writing a " + plan.fileMib() + " MiB random file to " + dir);
      Path source = dir.resolve("source.bin");
      byte[] sha256 = writeRandom(source, size);
      Samples samples = new Samples();
      String bigId = null;
      log.println("bench: http: starting envelope serve (" + String.join(" ", ServerProcess.JVM_OPTIONS) + ")");
      try (ServerProcess server = ServerProcess.start(envelopeJar, dir.resolve("home"))) {
        HttpLoad load = new HttpLoad(server, curl, dir);
        if (curl != null) {
          try {
            bigId = bigTransfers(plan, size, dir, source, sha256, load, samples);
          } catch (Exception e) {
            report.bigFailed(ProcessBench.describe(e));
            log.println("bench: http: big transfers FAILED: " + ProcessBench.describe(e));
          }
        }
        report.big(samples, size);
        try {
          log.println("bench: http: disk rate of small fsynced files, " + CLIENTS + " threads");
          report.fsync(Baselines.smallFiles(dir, CLIENTS, plan.fsyncSeconds(), false),
              Baselines.smallFiles(dir, CLIENTS, plan.fsyncSeconds(), true));
        } catch (Exception e) {
          report.fsyncFailed(ProcessBench.describe(e));
        }
        try {
          log.printf("bench: http: %d KiB uploads, %d clients, %.0f s warm-up + %.0f s%n", SMALL_BYTES / Sizes.KIB,
              CLIENTS, plan.smallWarmupSeconds(), plan.smallSeconds());
          report.small(load.smallUploads(CLIENTS, SMALL_BYTES, plan.smallWarmupSeconds(), plan.smallSeconds()));
        } catch (Exception e) {
          report.smallFailed(ProcessBench.describe(e));
          log.println("bench: http: small uploads FAILED: " + ProcessBench.describe(e));
        }
        try {
          log.println("bench: http: range reads");
          if (bigId == null) {
            // Without curl (or after a failed big upload) the range reads still need the file on the server.
            bigId = load.uploadWithJdk(source, size);
          }
          report.ranges(load.rangeReads(bigId, source, size, RANGE_BYTES, plan.rangeWarmup(), plan.rangeReads()));
        } catch (Exception e) {
          report.rangesFailed(ProcessBench.describe(e));
          log.println("bench: http: range reads FAILED: " + ProcessBench.describe(e));
        }
      } catch (IOException | InterruptedException e) {
        report.serverFailed(ProcessBench.describe(e));
        log.println("bench: http: FAILED: " + ProcessBench.describe(e));
      }
    } finally {
      ProcessBench.deleteTree(dir);
    }
    return report.sections();
  }

  /**
   * Warm-up then measured rounds; each runs, one after the other, the in-process encrypt and decrypt, the
   * disk's durable write, the upload and the download (and an untimed SHA-256 check of the uploaded file), so
   * that the baselines are measured next to what they are baselines of. Returns the last uploaded file's id.
   */
  private String bigTransfers(Plan plan, long size, Path dir, Path source, byte[] sha256, HttpLoad load,
      Samples samples) throws Exception {
    Baselines baselines = new Baselines(size);
    String id = null;
    for (int round = 0; round < plan.warmups() + plan.reps(); round++) {
      boolean measured = round >= plan.warmups();
      log.printf("bench: http: %s round %d of %d%n", measured ? "measured" : "warm-up", round + 1,
          plan.warmups() + plan.reps());
      double encrypt = baselines.encrypt();
      double decrypt = baselines.decrypt();
      System.gc(); // the baselines' garbage is collected here, not inside the client's or disk's timing
      double[] disk = baselines.durableWrite(dir);
      HttpLoad.Transfer up = load.upload(source, size);
      HttpLoad.Transfer down = load.download(up.id(), size);
      load.verify(up.id(), size, sha256);
      id = up.id();
      if (measured) {
        samples.encrypt.add(encrypt);
        samples.decrypt.add(decrypt);
        samples.disk.add(disk[0] + disk[1]);
        samples.diskWrite.add(disk[0]);
        samples.diskFsync.add(disk[1]);
        samples.upload.add(up);
        samples.download.add(down);
      }
    }
    return id;
  }

  /** {@value #DIR_VARIABLE} if set, else java.io.tmpdir; never /dev/shm on purpose. */
  static Path parentDirectory() {
    String chosen = System.getenv(DIR_VARIABLE);
    return Path.of(chosen != null && !chosen.isBlank() ? chosen : System.getProperty("java.io.tmpdir"));
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
