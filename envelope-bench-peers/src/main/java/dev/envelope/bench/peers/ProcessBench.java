package dev.envelope.bench.peers;

import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.BenchResult;
import dev.envelope.bench.Sizes;
import dev.envelope.bench.Table;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Whole-process file encryption: {@code envelope encrypt}/{@code decrypt} (the shaded CLI jar, as
 * {@code bin/envelope} runs it, on a 64 MiB heap, on each {@link Jdk} measured with that JDK's start-up cache)
 * beside {@code age} and {@code openssl enc -aes-256-ctr}, each a fresh process over the same random file, timed
 * by wall clock with its CPU and peak resident memory, and {@code envelope --version} alone (start-up). Every
 * ciphertext is decrypted and the result compared byte for byte with the input; a difference, a non-zero
 * exit status or a timeout prints FAILED. A tool that is not installed prints "not available".
 *
 * <p>Every tool reads its input file by path and writes to its stdout, which is a file in the same directory
 * opened for writing without truncation ({@code 1<>FILE} in sh): the outputs are written over the previous
 * round's in place, and cut to the length written afterwards (read from the shell's {@code fdinfo}). The same
 * for all, so the difference is the tool. Why not fresh files: on the virtual machines this runs on, memory
 * freed for a few seconds goes back to the host (free page reporting), and touching it again costs page faults
 * that made writing a fresh 1 GiB file take anywhere from 0.4 to 2.5 s, whichever the tool, more than some
 * tools' encryption. The files live on {@code /dev/shm} when that is a tmpfs with room, so the disk plays no
 * part either; {@value #DIR_VARIABLE} chooses another directory.
 */
final class ProcessBench {
  static final String NOT_AVAILABLE = "not available";
  static final String ENCRYPT = "encrypt";
  static final String DECRYPT = "decrypt";
  private static final Path TIME = Path.of("/usr/bin/time");
  /** The environment variable naming the directory for the file and its outputs. */
  static final String DIR_VARIABLE = "ENVELOPE_BENCH_DIR";
  private static final Path SHM = Path.of("/dev/shm");

  private final Path envelopeJar;
  /** The jar as given (usually relative to the repository root), for the notes. */
  private final Path envelopeJarAsGiven;
  private final PrintStream log;
  private final List<Jdk> jdks;
  private final boolean timeAvailable = Files.isExecutable(TIME);
  /** Start-up rounds: {@code envelope --version} this many times per JDK, after the measured rounds. */
  private static final int STARTUP_RUNS = 3;

  ProcessBench(Path envelopeJar, PrintStream log) {
    this(envelopeJar, List.of(Jdk.current()), log);
  }

  /** @param jdks the JDKs to run envelope on, each a row pair (the bench's own first) */
  ProcessBench(Path envelopeJar, List<Jdk> jdks, PrintStream log) {
    this.envelopeJar = envelopeJar.toAbsolutePath().normalize();
    this.envelopeJarAsGiven = envelopeJar;
    this.log = log;
    this.jdks = List.copyOf(jdks);
  }

  /**
   * Runs {@code "$@"} with stdout on {@code $1}, opened without truncation, and then writes the stdout
   * offset (the length written) to {@code $2}; exits with the command's status.
   */
  private static final String IN_PLACE = String.join("\n",
      "out=\"$1\"; length_file=\"$2\"; shift 2",
      "exec 1<>\"$out\" || exit 125",
      "\"$@\"",
      "status=$?",
      "while read -r key value; do",
      "  if [ \"$key\" = pos: ]; then echo \"$value\" > \"$length_file\"; fi",
      "done < /proc/$$/fdinfo/1",
      "exit $status");

  /** One command line; the caller sends its stdout to the output file. */
  record Command(List<String> argv, Map<String, String> env) {}

  /** A tool under test: how to set it up in a directory and how to run it there. */
  private abstract static class Tool {
    final Measured enc = new Measured();
    final Measured dec = new Measured();
    String failure;
    String unavailable;

    /** The row label. */
    abstract String label();

    /** The name in comparison lines. */
    abstract String shortName();

    /** Prepares keys in {@code dir}; sets {@link #unavailable} when the tool is not installed. */
    abstract void setUp(Path dir) throws Exception;

    /** Encrypts the file {@code in} to stdout. */
    abstract Command encrypt(Path in);

    /** Decrypts the file {@code in} to stdout. */
    abstract Command decrypt(Path in);

    /** The commands for the notes, with secrets elided. */
    abstract String commands();

    boolean runnable() {
      return unavailable == null && failure == null;
    }
  }

  /**
   * Samples of one row: seconds per run, the peak RSS of each run in KiB (-1 when unknown) and its CPU cores (user +
   * system CPU seconds over the wall clock; NaN when unknown).
   */
  static final class Measured {
    final List<Double> seconds = new ArrayList<>();
    final List<Long> rssKib = new ArrayList<>();
    final List<Double> cores = new ArrayList<>();

    double medianSeconds() {
      return median(seconds);
    }

    double medianCores() {
      return median(cores);
    }

    static double median(List<Double> values) {
      double[] s = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      if (s.length == 0) {
        return Double.NaN;
      }
      return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    void add(Run run) {
      seconds.add(run.seconds());
      rssKib.add(run.rssKib());
      cores.add(run.cpuSeconds() / run.seconds());
    }

    long maxRssKib() {
      return rssKib.stream().mapToLong(Long::longValue).max().orElse(-1);
    }
  }

  /** The result of one process: wall seconds, peak RSS (KiB, -1 if unknown), user + system CPU seconds (NaN). */
  record Run(double seconds, long rssKib, double cpuSeconds) {}

  /**
   * Measures every tool on a random file of {@code fileMib} MiB: {@code warmups} unmeasured rounds, then
   * {@code reps} measured ones, each round running every tool once (encrypt, decrypt, compare), starting
   * one tool further along each round so that drift hits every row alike.
   */
  Section run(int fileMib, int reps, int warmups) throws IOException {
    return run(fileMib, reps, warmups, new Goals(), new JdkTable(jdks));
  }

  /** As {@link #run(int, int, int)}, recording issue 14's goal and the per-JDK figures. */
  Section run(int fileMib, int reps, int warmups, Goals goals, JdkTable perJdk) throws IOException {
    long size = (long) fileMib * Sizes.MIB;
    List<Tool> tools = new ArrayList<>(List.of(new OpenSsl()));
    List<EnvelopeCli> envelopes = new ArrayList<>();
    for (Jdk jdk : jdks) {
      envelopes.add(new EnvelopeCli(jdk));
    }
    tools.addAll(envelopes);
    Age age = new Age();
    tools.add(age);
    Path parent = parentDirectory(size);
    Path dir = Files.createTempDirectory(parent, "envelope-bench-");
    String where = parent + " (" + Files.getFileStore(dir).type() + ")";
    try {
      for (Tool t : tools) {
        try {
          t.setUp(dir);
        } catch (Exception e) {
          t.failure = "set-up failed: " + describe(e);
        }
        if (t.unavailable != null) {
          log.println("bench: " + t.label() + ": " + NOT_AVAILABLE + " (" + t.unavailable + ")");
        }
      }
      log.println("bench: writing a " + fileMib + " MiB random file to " + dir);
      Path input = dir.resolve("input.bin");
      writeRandom(input, size);
      // The outputs, written in place every time: allocate their memory once, before anything is timed.
      Path encrypted = dir.resolve("output.enc");
      Path decrypted = dir.resolve("output.dec");
      writeRandom(encrypted, size);
      writeRandom(decrypted, size);
      long timeoutSeconds = 120 + size / 5_000_000; // 5 MB/s would be broken, not slow
      for (int round = 0; round < warmups + reps; round++) {
        boolean measured = round >= warmups;
        log.printf("bench: whole-process %s round %d of %d%n", measured ? "measured" : "warm-up", round + 1,
            warmups + reps);
        for (int j = 0; j < tools.size(); j++) {
          Tool t = tools.get((round + j) % tools.size());
          if (!t.runnable()) {
            continue;
          }
          try {
            Run e = execute(t.encrypt(input), encrypted, dir, timeoutSeconds, "encrypt");
            if (Files.mismatch(input, encrypted) == -1L) {
              throw new IOException("the ciphertext equals the plaintext");
            }
            Run d = execute(t.decrypt(encrypted), decrypted, dir, timeoutSeconds, "decrypt");
            long at = Files.mismatch(input, decrypted);
            if (at != -1L) {
              throw new IOException(at == Math.min(size, Files.size(decrypted))
                  ? "decrypted output is " + Files.size(decrypted) + " bytes, expected " + size
                  : "decrypted output differs from the input at byte " + at);
            }
            if (measured) {
              t.enc.add(e);
              t.dec.add(d);
            }
          } catch (Exception e) {
            t.failure = describe(e);
            log.println("bench: " + t.label() + " FAILED: " + t.failure);
          }
        }
      }
      for (EnvelopeCli envelope : envelopes) {
        envelope.startUp(dir, timeoutSeconds);
      }
      Section section = section(tools, fileMib, reps, warmups, where);
      record(envelopes, age, size, fileMib, goals, perJdk);
      return section;
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * {@value #DIR_VARIABLE} if set; else /dev/shm if it is a tmpfs with room for the file and two outputs;
   * else java.io.tmpdir.
   */
  private static Path parentDirectory(long size) throws IOException {
    String chosen = System.getenv(DIR_VARIABLE);
    if (chosen != null && !chosen.isBlank()) {
      return Path.of(chosen);
    }
    if (Files.isDirectory(SHM) && Files.isWritable(SHM) && Files.getFileStore(SHM).type().equals("tmpfs")
        && Files.getFileStore(SHM).getUsableSpace() > 3 * size + 256L * Sizes.MIB) {
      return SHM;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  private Section section(List<Tool> tools, int fileMib, int reps, int warmups, String where) {
    long size = (long) fileMib * Sizes.MIB;
    Tool base = tools.get(0);
    Table table = new Table(2, "Tool", "Op", "MB/s median", "min-max", "wall s median", "x openssl",
        "peak RSS MiB", "CPU cores");
    List<String> failures = new ArrayList<>();
    for (Tool t : tools) {
      for (String op : List.of(ENCRYPT, DECRYPT)) {
        Measured m = op.equals(ENCRYPT) ? t.enc : t.dec;
        Measured b = op.equals(ENCRYPT) ? base.enc : base.dec;
        if (t.unavailable != null) {
          table.add(t.label(), op, NOT_AVAILABLE, "", "", "", "", "");
        } else if (t.failure != null) {
          table.add(t.label(), op, BenchResult.FAILED, "", "", "", "", "");
        } else {
          double[] rates = m.seconds.stream().mapToDouble(s -> size / 1e6 / s).sorted().toArray();
          boolean baseOk = base.runnable();
          table.add(t.label(), op, fmt("%.0f", size / 1e6 / m.medianSeconds()),
              fmt("%.0f-%.0f", rates[0], rates[rates.length - 1]), fmt("%.2f", m.medianSeconds()),
              baseOk ? fmt("%.2f", b.medianSeconds() / m.medianSeconds()) : "n/a",
              m.maxRssKib() < 0 ? "n/a" : fmt("%.0f", m.maxRssKib() / 1024.0),
              Double.isFinite(m.medianCores()) ? fmt("%.2f", m.medianCores()) : "n/a");
        }
      }
      if (t.failure != null) {
        failures.add("whole-process, " + t.label() + ": " + t.failure);
      }
    }
    List<String> lines = new ArrayList<>();
    for (Tool envelope : tools.subList(1, tools.size() - 1)) {
      for (Tool peer : List.of(tools.get(tools.size() - 1), base)) {
        for (String op : List.of(ENCRYPT, DECRYPT)) {
          lines.add(compare(envelope, peer, op, size));
        }
      }
      EnvelopeCli cli = (EnvelopeCli) envelope;
      if (cli.startUp.seconds.size() == STARTUP_RUNS) {
        lines.add(fmt("Start-up of %s: `envelope --version` takes %.2f s (median of %d runs; peak RSS %.0f MiB), part"
            + " of every wall clock above", cli.shortName(), cli.startUp.medianSeconds(), STARTUP_RUNS,
            cli.startUp.maxRssKib() / 1024.0));
      }
    }
    String settings = fmt("A random file of %d MiB in a temporary directory under %s; %d unmeasured warm-up and %d"
        + " measured rounds, each running every tool once (encrypt, decrypt, compare), in rotating order. Wall"
        + " clock of the whole process, start-up included; every tool reads its input by path and writes to"
        + " stdout, a file in the same directory written over in place.", fileMib, where, warmups, reps);
    List<String> notes = new ArrayList<>(List.of(
        "Whole-process rows: MB/s = 10^6 bytes of plaintext per second of wall clock, median over the measured"
            + " rounds; x openssl = openssl's median time / the row's (higher is faster); peak RSS is the"
            + " largest maximum resident set size of the process over the rounds, and CPU cores the median of"
            + " (user + system CPU seconds) / wall seconds, "
            + (timeAvailable ? "as reported by /usr/bin/time (%M, %U, %S)." : "not measured: /usr/bin/time is missing"
            + " (Debian package time)."),
        "Whole-process correctness: each decrypted file is compared byte for byte with the input (and each"
            + " ciphertext checked to differ from it); a mismatch, a non-zero exit status or a timeout prints"
            + " FAILED.",
        "Whole-process outputs are written over the previous round's in place (stdout opened with sh's 1<>,"
            + " then cut to the length written), because on this kind of virtual machine memory freed for a few"
            + " seconds returns to the host, and writing a fresh 1 GiB file then cost 0.4-2.5 s of page faults,"
            + " whichever the tool. Cold files would add that to every row.",
        "openssl enc -aes-256-ctr is a speed floor, not a peer: no authentication and no envelope (one key"
            + " given on the command line); openssl enc does not support GCM.",
        "`envelope encrypt IN OUT` with a file OUT also fsyncs and renames (atomic output); these rows write"
            + " to stdout, like the other tools, so no row pays for durability."));
    for (Tool t : tools) {
      notes.add("Commands, " + t.label() + ": " + t.commands()
          + (t.unavailable != null ? " (" + NOT_AVAILABLE + ": " + t.unavailable + ")" : ""));
    }
    return new Section("Whole-process file encryption", settings, table, failures, lines, notes);
  }

  /**
   * Issue 14's goal (envelope's wall no longer than age's, both ways, on the bench's JDK; the others' ratios in
   * brackets) and the per-JDK figures.
   */
  private void record(List<EnvelopeCli> envelopes, Age age, long size, int fileMib, Goals goals, JdkTable perJdk) {
    goals.size(Goals.Goal.WHOLE_PROCESS, fileMib);
    for (EnvelopeCli e : envelopes) {
      if (e.runnable()) {
        perJdk.put("envelope encrypt, whole process, wall s", "%.2f", e.jdk, e.enc.medianSeconds());
        perJdk.put("envelope decrypt, whole process, wall s", "%.2f", e.jdk, e.dec.medianSeconds());
        perJdk.put("envelope --version (start-up), wall s", "%.2f", e.jdk, e.startUp.medianSeconds());
        if (age.runnable()) {
          perJdk.put("envelope encrypt wall / age's", "%.2f", e.jdk, e.enc.medianSeconds() / age.enc.medianSeconds());
          perJdk.put("envelope decrypt wall / age's", "%.2f", e.jdk, e.dec.medianSeconds() / age.dec.medianSeconds());
        }
      }
    }
    EnvelopeCli main = envelopes.get(0);
    if (age.unavailable != null) {
      goals.missing(Goals.Goal.WHOLE_PROCESS, "age " + NOT_AVAILABLE + " (" + age.unavailable + ")");
      return;
    }
    if (!main.runnable() || !age.runnable()) {
      goals.missing(Goals.Goal.WHOLE_PROCESS, BenchResult.FAILED + " (see the whole-process section)");
      return;
    }
    double enc = main.enc.medianSeconds() / age.enc.medianSeconds();
    double dec = main.dec.medianSeconds() / age.dec.medianSeconds();
    List<String> others = new ArrayList<>();
    for (EnvelopeCli e : envelopes.subList(1, envelopes.size())) {
      others.add(e.runnable() ? fmt("%s: %.2fx and %.2fx", e.jdk.label(), e.enc.medianSeconds()
          / age.enc.medianSeconds(), e.dec.medianSeconds() / age.dec.medianSeconds()) : e.jdk.label() + " FAILED");
    }
    String figure = fmt("envelope's wall %.2fx age's encrypting (%.2f vs %.2f s), %.2fx decrypting (%.2f vs %.2f s),"
        + " medians, on %s%s", enc, main.enc.medianSeconds(), age.enc.medianSeconds(), dec, main.dec.medianSeconds(),
        age.dec.medianSeconds(), main.jdk.label(), others.isEmpty() ? "" : " (" + String.join("; ", others) + ")");
    String bound = fmt("the CPU of envelope's one process: %.2f cores encrypting and %.2f decrypting (age %.2f and"
        + " %.2f; the cipher runs on one thread, the JIT and the collector beside it), start-up (`--version`) %.2f s of"
        + " the wall", main.enc.medianCores(), main.dec.medianCores(), age.enc.medianCores(), age.dec.medianCores(),
        main.startUp.medianSeconds());
    goals.measured(Goals.Goal.WHOLE_PROCESS, figure, enc <= 1.0 && dec <= 1.0, bound);
  }

  /** One line: Envelope against {@code peer} in {@code op}: speed and peak memory, ahead or behind. */
  private static String compare(Tool envelope, Tool peer, String op, long size) {
    String head = "Whole-process, " + op + ", " + envelope.shortName() + " versus " + peer.shortName() + ": ";
    if (peer.unavailable != null) {
      return head + "no comparison (" + NOT_AVAILABLE + ")";
    }
    if (!envelope.runnable() || !peer.runnable()) {
      return head + BenchResult.FAILED + " (no comparison; see the failures above)";
    }
    Measured e = op.equals(ENCRYPT) ? envelope.enc : envelope.dec;
    Measured p = op.equals(ENCRYPT) ? peer.enc : peer.dec;
    double ratio = p.medianSeconds() / e.medianSeconds();
    String speed = ratio >= 1
        ? fmt("envelope ahead, at %.2fx its throughput", ratio)
        : fmt("envelope BEHIND by %.1f%%, at %.2fx its throughput", (1 - ratio) * 100, ratio);
    String figures = fmt(" (%.0f vs %.0f MB/s, medians)", size / 1e6 / e.medianSeconds(),
        size / 1e6 / p.medianSeconds());
    String memory = "";
    if (e.maxRssKib() > 0 && p.maxRssKib() > 0) {
      memory = fmt("; peak RSS %.0f vs %.0f MiB", e.maxRssKib() / 1024.0, p.maxRssKib() / 1024.0);
    }
    return head + speed + figures + memory;
  }

  /**
   * Runs {@code command} with its stdout written over {@code out} in place, then cuts {@code out} to the
   * length written. Throws unless the process exits 0 within the timeout. The time is from start to exit.
   */
  Run execute(Command command, Path out, Path dir, long timeoutSeconds, String what) throws Exception {
    Path timeFile = dir.resolve("time.txt");
    Path errFile = dir.resolve("stderr.txt");
    Path lengthFile = dir.resolve("length.txt");
    Files.deleteIfExists(lengthFile);
    poison(out);
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", IN_PLACE, "sh", out.toString(),
        lengthFile.toString()));
    if (timeAvailable) {
      argv.addAll(List.of(TIME.toString(), "-f", "%e %M %U %S", "-o", timeFile.toString()));
    }
    argv.addAll(command.argv());
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(errFile.toFile());
    pb.environment().putAll(command.env());
    long start = System.nanoTime();
    Process p = pb.start();
    boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    long nanos = System.nanoTime() - start;
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
      throw new IOException(what + " timed out after " + timeoutSeconds + " s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(what + " exited with status " + p.exitValue() + ": " + lastLine(errFile));
    }
    if (!Files.isRegularFile(lengthFile)) {
      throw new IOException(what + ": could not read the output length from /proc/PID/fdinfo/1");
    }
    long length = Long.parseLong(Files.readString(lengthFile).trim());
    try (FileChannel channel = FileChannel.open(out, StandardOpenOption.WRITE)) {
      channel.truncate(length);
    }
    long rss = -1;
    double cpu = Double.NaN;
    if (timeAvailable) {
      // The last line: time prints "Command exited with non-zero status" lines before it.
      String[] fields = Files.readString(timeFile).trim().replaceAll("(?s).*\n", "").split("\\s+");
      rss = Long.parseLong(fields[1]);
      cpu = Double.parseDouble(fields[2]) + Double.parseDouble(fields[3]);
    }
    return new Run(nanos / 1e9, rss, cpu);
  }

  /** Runs a set-up command and returns its stdout; throws unless it exits 0. */
  private static String capture(List<String> argv, Map<String, String> env, Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", argv) + " timed out");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", argv) + " exited with status " + p.exitValue() + ": "
          + output.strip());
    }
    return output;
  }

  /** The executable's absolute path if it is on PATH, else null. */
  static Path onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(File.pathSeparator)) {
      Path candidate = Path.of(d.isEmpty() ? "." : d, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    return null;
  }

  /** The baseline: OpenSSL's enc command, AES-256 in CTR mode with a raw key and IV. */
  private static final class OpenSsl extends Tool {
    private Path openssl;
    private String version = "";
    private String keyHex;
    private String ivHex;

    @Override
    String label() {
      return "openssl enc -aes-256-ctr (no GCM in enc: unauthenticated, no envelope)";
    }

    @Override
    String shortName() {
      return "openssl enc";
    }

    @Override
    void setUp(Path dir) throws Exception {
      openssl = onPath("openssl");
      if (openssl == null) {
        unavailable = "openssl is not on PATH";
        return;
      }
      version = capture(List.of(openssl.toString(), "version"), Map.of(), dir).strip();
      byte[] key = new byte[32];
      byte[] iv = new byte[16];
      SecureRandom random = new SecureRandom();
      random.nextBytes(key);
      random.nextBytes(iv);
      keyHex = HexFormat.of().formatHex(key);
      ivHex = HexFormat.of().formatHex(iv);
    }

    @Override
    Command encrypt(Path in) {
      return new Command(List.of(openssl.toString(), "enc", "-aes-256-ctr", "-K", keyHex, "-iv", ivHex, "-in",
          in.toString()), Map.of());
    }

    @Override
    Command decrypt(Path in) {
      return new Command(List.of(openssl.toString(), "enc", "-d", "-aes-256-ctr", "-K", keyHex, "-iv", ivHex,
          "-in", in.toString()), Map.of());
    }

    @Override
    String commands() {
      return "`openssl enc [-d] -aes-256-ctr -K KEYHEX -iv IVHEX -in IN 1<>OUT` (" + version + ")";
    }
  }

  /**
   * Envelope's CLI: the shaded jar on one JDK, with the JVM options bin/envelope uses (the serial collector, and its
   * start-up cache when bin/envelope has made one for this jar and that JDK), a 64 MiB heap and a throwaway keyring.
   */
  private final class EnvelopeCli extends Tool {
    private final Jdk jdk;
    private final Map<String, String> env = new HashMap<>();
    private final String java;
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx64m", "-XX:+UseSerialGC"));
    /** As bin/envelope: the JVM's own warnings to stderr, never into the ciphertext on stdout. */
    private final List<String> logOptions = List.of("-Xlog:disable", "-Xlog:all=warning:stderr");
    /** {@code envelope --version}: the start-up alone. */
    final Measured startUp = new Measured();

    EnvelopeCli(Jdk jdk) {
      this.jdk = jdk;
      this.java = jdk.java().toString();
    }

    @Override
    String label() {
      return "envelope on " + jdk.label() + " (java " + String.join(" ", jvmOptions).replaceAll("=\\S*/", "=")
          + " -jar envelope.jar)";
    }

    @Override
    String shortName() {
      return "envelope on " + jdk.label();
    }

    @Override
    void setUp(Path dir) throws Exception {
      if (!Files.isRegularFile(envelopeJar)) {
        throw new IOException(envelopeJar + " is missing: build it with mvn -pl envelope-cli -am package");
      }
      // bin/envelope's start-up cache for this JDK: an AOT cache on 24+, a class-data-sharing archive before.
      String cache = jdk.startupCacheOption(envelopeJar);
      if (cache != null) {
        jvmOptions.add(cache);
      }
      byte[] master = new byte[32];
      new SecureRandom().nextBytes(master);
      env.put("ENVELOPE_HOME", dir.resolve("envelope-home-jdk" + jdk.feature()).toString());
      env.put("ENVELOPE_MASTER_KEY", Base64.getEncoder().encodeToString(master));
      capture(List.of(java, "-jar", envelopeJar.toString(), "keys", "create", "--alias", "bench"), env, dir);
    }

    @Override
    Command encrypt(Path in) {
      return new Command(command("encrypt", "--key", "bench", "--context", "bench=whole-process",
          in.toString(), "-"), env);
    }

    @Override
    Command decrypt(Path in) {
      return new Command(command("decrypt", "--context", "bench=whole-process", in.toString(), "-"), env);
    }

    /** Times {@code envelope --version} {@value #STARTUP_RUNS} times, when the tool ran; a failure is its own. */
    void startUp(Path dir, long timeoutSeconds) {
      if (!runnable()) {
        return;
      }
      try {
        Path out = dir.resolve("version.txt");
        Files.write(out, new byte[0]);
        for (int i = 0; i < STARTUP_RUNS; i++) {
          startUp.add(execute(new Command(command("--version"), env), out, dir, timeoutSeconds, "--version"));
        }
      } catch (Exception e) {
        log.println("bench: " + label() + " --version FAILED: " + describe(e));
        startUp.seconds.clear();
      }
    }

    private List<String> command(String... args) {
      List<String> command = new ArrayList<>();
      command.add(java);
      command.addAll(jvmOptions);
      command.addAll(logOptions);
      command.add("-jar");
      command.add(envelopeJar.toString());
      command.addAll(List.of(args));
      return command;
    }

    @Override
    String commands() {
      return "`envelope keys create --alias bench` once (throwaway ENVELOPE_HOME and ENVELOPE_MASTER_KEY), then"
          + " `" + java + " " + String.join(" ", jvmOptions) + " -jar " + envelopeJarAsGiven + " encrypt --key bench"
          + " --context bench=whole-process IN - 1<>OUT` and `... decrypt --context bench=whole-process IN - 1<>OUT` ("
          + jdk.description() + ")";
    }
  }

  /** age, with a native X25519 recipient from age-keygen. */
  private static final class Age extends Tool {
    private Path age;
    private String version = "";
    private Path identity;
    private String recipient;

    @Override
    String label() {
      return "age" + version + " (X25519 recipient)";
    }

    @Override
    String shortName() {
      return "age";
    }

    @Override
    void setUp(Path dir) throws Exception {
      age = onPath("age");
      Path keygen = onPath("age-keygen");
      if (age == null || keygen == null) {
        unavailable = "age or age-keygen is not on PATH (Debian package age)";
        return;
      }
      version = " " + capture(List.of(age.toString(), "--version"), Map.of(), dir).strip();
      identity = dir.resolve("age-identity.txt");
      capture(List.of(keygen.toString(), "-o", identity.toString()), Map.of(), dir);
      recipient = capture(List.of(keygen.toString(), "-y", identity.toString()), Map.of(), dir).strip();
    }

    @Override
    Command encrypt(Path in) {
      return new Command(List.of(age.toString(), "-r", recipient, in.toString()), Map.of());
    }

    @Override
    Command decrypt(Path in) {
      return new Command(List.of(age.toString(), "-d", "-i", identity.toString(), in.toString()), Map.of());
    }

    @Override
    String commands() {
      return "`age-keygen -o KEYFILE` once, then `age -r RECIPIENT IN 1<>OUT` and `age -d -i KEYFILE IN 1<>OUT`";
    }
  }

  /**
   * Inverts one byte in every 64 KiB of {@code file}, so that anything a tool leaves of the previous round's
   * output can never pass for its own: the length written is what decides, and this makes sure of it.
   */
  private static void poison(Path file) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      for (long position = 0; position < channel.size(); position += 64 * Sizes.KIB) {
        one.clear();
        channel.read(one, position);
        one.put(0, (byte) ~one.get(0)).rewind();
        channel.write(one, position);
      }
    }
  }

  /** Writes random bytes and syncs them, so that no writeback of the input overlaps the timed runs. */
  private static void writeRandom(Path file, long size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(Sizes.MIB);
    SplittableRandom random = new SplittableRandom();
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long left = size; left > 0; left -= buffer.capacity()) {
        random.nextBytes(buffer.array());
        buffer.clear().limit((int) Math.min(buffer.capacity(), left));
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
      out.force(true);
    }
  }

  private static String lastLine(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return lines.isEmpty() ? "(nothing on stderr)" : lines.get(lines.size() - 1).strip();
    } catch (IOException e) {
      return "(stderr unreadable)";
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String describe(Exception e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
