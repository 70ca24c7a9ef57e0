package dev.envelope.bench.peers;

import dev.envelope.bench.BenchExtension;
import dev.envelope.bench.BenchResult;
import dev.envelope.bench.CipherBench;
import dev.envelope.bench.CipherFigures;
import dev.envelope.bench.Contender;
import dev.envelope.bench.Options;
import dev.envelope.bench.Sizes;
import dev.envelope.core.EncryptionContext;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything {@code bin/bench} measures, in one run: the whole {@link CipherBench} (raw JCE, Envelope's
 * cipher, Tink, the segment-size sweep, range reads), plus the AWS Encryption SDK's rows in its stream table,
 * the whole-process table of {@code envelope}, {@code age} and {@code openssl enc}, the file service over HTTP
 * beside the HTTP stack alone, its S3 API beside its /v1 (issue 16), 64 concurrent uploads on a small heap, the same on every other JDK named in
 * {@value Jdk#PROPERTY}, and issue 14's goals at the top of the report. Lives in its own module so the SDK's
 * jars reach nothing else.
 */
public final class PeersBench implements BenchExtension {
  static final String PROCESS_REPS = "--process-reps";
  static final String FILE_MIB = "--file-mib";
  static final int DEFAULT_PROCESS_REPS = 3;
  static final int DEFAULT_FILE_MIB = 1024;
  static final int QUICK_FILE_MIB = 4;
  static final String HTTP_MIB = "--http-mib";
  static final String HTTP_SECONDS = "--http-seconds";
  static final int DEFAULT_HTTP_MIB = 1024;
  static final int QUICK_HTTP_MIB = 4;
  static final int DEFAULT_HTTP_SECONDS = 10;
  static final String CONCURRENT_MIB = "--concurrent-mib";
  static final int DEFAULT_CONCURRENT_MIB = 64;
  static final int QUICK_CONCURRENT_MIB = 1;
  /** The system property naming the CLI jar; bin/bench runs from the repository root, where the default is. */
  static final String JAR_PROPERTY = "bench.envelope.jar";
  static final Path DEFAULT_JAR = Path.of("envelope-cli", "target", "envelope.jar");

  private final Path envelopeJar;
  private final List<Jdk> jdks;
  private final List<String> skippedJdks = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Goals goals = new Goals();
  private final Map<Jdk, CipherOnJdk.Result> cipherOnJdk = new LinkedHashMap<>();
  private String loadBefore = loadAverage();

  /** @param envelopeJar the shaded CLI jar the whole-process rows run; on the JDKs of {@value Jdk#PROPERTY} */
  public PeersBench(Path envelopeJar) {
    this(envelopeJar, System.getProperty(Jdk.PROPERTY));
  }

  /** @param otherJdks the homes of the JDKs to measure beside this one, comma-separated (null or blank: none) */
  PeersBench(Path envelopeJar, String otherJdks) {
    this.envelopeJar = envelopeJar;
    this.jdks = Jdk.sideBySide(otherJdks, skippedJdks);
  }

  public static void main(String[] args) {
    Path jar = Path.of(System.getProperty(JAR_PROPERTY, DEFAULT_JAR.toString()));
    System.exit(CipherBench.exitStatus(args, new PeersBench(jar)));
  }

  @Override
  public String program() {
    return PeersBench.class.getName();
  }

  @Override
  public List<String> description() {
    return List.of(
        "With the peers: the AWS Encryption SDK for Java (its default suite, and the unsigned committing",
        "suite; raw AES keyring) in the stream table, and whole-process encryption and decryption of a file",
        "by `envelope` (the CLI jar), `age` and `openssl enc -aes-256-ctr` (the baseline of that table), with",
        "peak resident memory. Tools that are not installed print \"not available\".",
        "And the file service over HTTP: real `envelope serve` processes on loopback, a home on the real disk and",
        "one on tmpfs, beside an HTTP pass-through server (the same HTTP stack, no crypto, no disk): upload and",
        "download of a big file with curl against the pass-through, the in-process cipher and the disk's durable",
        "write rate; 4 KiB uploads per second from 16 concurrent clients (a lean raw-socket client), and 1 MiB",
        "range-read latency; the same servers' S3 API (--s3-port) through the AWS SDK's S3Client: the big file's",
        "PutObject and GetObject beside /v1's, 4 KiB PutObjects from 16 clients beside /v1's 4 KiB uploads;",
        "64 concurrent uploads to a server on -Xmx256m (all must succeed, heap flat). The",
        "whole-process rows, the server's rows and the cipher (a child JVM) again on every JDK named in",
        "-D" + Jdk.PROPERTY + "=HOME,... (bin/bench names a JDK 17 beside a newer one). Issue 14's goals first.");
  }

  @Override
  public List<ExtraOption> options() {
    return List.of(
        new ExtraOption(FILE_MIB, 1, 16 * 1024, "file size of the whole-process rows in MiB (default "
            + DEFAULT_FILE_MIB + "; --quick: " + QUICK_FILE_MIB + "); 3x N MiB of files"),
        new ExtraOption(PROCESS_REPS, 1, 100, "measured whole-process rounds after 1 warm-up (default "
            + DEFAULT_PROCESS_REPS + "; --quick: 1, no warm-up)"),
        new ExtraOption(HTTP_MIB, 0, 16 * 1024, "HTTP rows' file in MiB (default " + DEFAULT_HTTP_MIB + "; --quick: "
            + QUICK_HTTP_MIB + "; min 2; 0 skips them); N MiB of heap, 6x N of disk"),
        new ExtraOption(HTTP_SECONDS, 1, 600, "measured seconds of the 4 KiB uploads (default "
            + DEFAULT_HTTP_SECONDS + "; --quick: 1)"),
        new ExtraOption(CONCURRENT_MIB, 0, 1024, "size in MiB of each of the 64 concurrent uploads on -Xmx256m"
            + " (default " + DEFAULT_CONCURRENT_MIB + "; --quick: " + QUICK_CONCURRENT_MIB + "; 0 skips them);"
            + " 64x N MiB of disk"));
  }

  @Override
  public List<Contender> contenders(Options options, byte[] rawKey, EncryptionContext context) {
    List<Contender> list = new ArrayList<>();
    for (Esdk.Peer peer : List.of(Esdk.defaults(context.asMap()), Esdk.unsignedCommitting(context.asMap()))) {
      list.add(peer.contender());
      notes.add(peer.note());
    }
    return list;
  }

  @Override
  public List<String> notes() {
    return List.copyOf(notes);
  }

  @Override
  public List<Section> sections(Options options, PrintStream log) throws Exception {
    int fileMib = options.extra(FILE_MIB).orElse(options.quick() ? QUICK_FILE_MIB : DEFAULT_FILE_MIB);
    int reps = options.extra(PROCESS_REPS).orElse(options.quick() ? 1 : DEFAULT_PROCESS_REPS);
    int warmups = options.quick() ? 0 : 1;
    int httpMib = options.extra(HTTP_MIB).orElse(options.quick() ? QUICK_HTTP_MIB : DEFAULT_HTTP_MIB);
    int httpSeconds = options.extra(HTTP_SECONDS).orElse(options.quick() ? 1 : DEFAULT_HTTP_SECONDS);
    int concurrentMib = options.extra(CONCURRENT_MIB).orElse(options.quick() ? QUICK_CONCURRENT_MIB
        : DEFAULT_CONCURRENT_MIB);
    checkHttp(httpMib);
    loadBefore = loadAverage();
    skippedJdks.forEach(s -> log.println("bench: -D" + Jdk.PROPERTY + ": skipped " + s));
    JdkTable perJdk = new JdkTable(jdks);
    List<Section> sections = new ArrayList<>();
    sections.add(new ProcessBench(envelopeJar, jdks, log).run(fileMib, reps, warmups, goals, perJdk));
    if (httpMib > 0) {
      sections.addAll(new HttpBench(envelopeJar, log).run(HttpBench.Plan.of(httpMib, httpSeconds, options.quick()),
          jdks, goals, perJdk));
    } else {
      log.println("bench: HTTP sections skipped (" + HTTP_MIB + " 0)");
      for (Goals.Goal g : HttpReport.GOALS) {
        goals.missing(g, "skipped (" + HTTP_MIB + " 0)");
      }
    }
    if (concurrentMib > 0) {
      sections.add(new ManyUploads(envelopeJar, jdks.get(0), log).run(concurrentMib, goals));
    } else {
      goals.missing(Goals.Goal.MANY_UPLOADS, "skipped (" + CONCURRENT_MIB + " 0)");
    }
    sections.add(cipherOnEachJdk(options.quick(), perJdk, log));
    return sections;
  }

  /** The cipher benchmark in a child JVM on each JDK, in the same configuration; then the side-by-side section. */
  private Section cipherOnEachJdk(boolean quick, JdkTable perJdk, PrintStream log) throws IOException {
    List<String> failures = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    Path stderr = Files.createTempFile("envelope-bench-cipher-", ".log");
    try {
      for (Jdk jdk : jdks) {
        log.println("bench: the cipher benchmark on " + jdk.label() + " in a child JVM (" + CipherOnJdk.command(quick)
            + ")");
        try {
          CipherOnJdk.Result r = CipherOnJdk.run(jdk, quick, stderr);
          cipherOnJdk.put(jdk, r);
          perJdk.put("raw JCE AES/GCM, encrypt, MB/s (child JVM)", "%.0f", jdk, r.rawEncrypt());
          perJdk.put("Envelope cipher, encrypt, MB/s (child JVM)", "%.0f", jdk, r.envelopeEncrypt());
          perJdk.put("raw JCE AES/GCM, decrypt, MB/s (child JVM)", "%.0f", jdk, r.rawDecrypt());
          perJdk.put("Envelope cipher, decrypt, MB/s (child JVM)", "%.0f", jdk, r.envelopeDecrypt());
          perJdk.put("Envelope cipher / raw JCE, encrypt", "%.2f", jdk, r.encryptRatio());
          perJdk.put("Envelope cipher / raw JCE, decrypt", "%.2f", jdk, r.decryptRatio());
          lines.add(String.format(Locale.ROOT, "Cipher on %s (child JVM): Envelope / raw JCE %.2fx encrypting (%.0f vs"
              + " %.0f MB/s), %.2fx decrypting (%.0f vs %.0f MB/s)", jdk.label(), r.encryptRatio(), r.envelopeEncrypt(),
              r.rawEncrypt(), r.decryptRatio(), r.envelopeDecrypt(), r.rawDecrypt()));
        } catch (Exception e) {
          failures.add("the cipher benchmark on " + jdk.label() + ": " + ProcessBench.describe(e));
          lines.add("Cipher on " + jdk.label() + ": " + BenchResult.FAILED);
        }
      }
    } finally {
      Files.deleteIfExists(stderr);
    }
    skippedJdks.forEach(s -> lines.add("Not measured: " + s));
    Section table = perJdk.section(lines, List.of("JDK side by side: the cipher rows come from the cipher benchmark's"
        + " own main run in a child JVM on each JDK (`java " + CipherOnJdk.command(quick) + "`), the same configuration"
        + " on every JDK; the stream table above is the bench's own JVM, " + jdks.get(0).label() + ", at full size."));
    return new Section(table.title(), table.settings(), table.table(), failures, table.lines(), table.notes());
  }

  @Override
  public Map<String, String> machine() {
    Map<String, String> machine = new LinkedHashMap<>();
    machine.put("JDK home", jdks.get(0).home().toString());
    for (Jdk jdk : jdks.subList(1, jdks.size())) {
      machine.put("Beside it, " + jdk.label(), jdk.description() + " (" + jdk.home() + ")");
    }
    if (jdks.size() == 1) {
      machine.put("Other JDKs", "none measured (-D" + Jdk.PROPERTY + " names none)");
    }
    machine.put("Load average (1, 5, 15 min)", "before the peers' and the server's measurements " + loadBefore
        + ", after them " + loadAverage() + " (on a shared machine, other work shows here and in the machine CPU"
        + " columns)");
    return machine;
  }

  /** The 1, 5 and 15 minute load averages, from /proc/loadavg. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  @Override
  public List<String> goals(CipherFigures cipher) {
    boolean failed = !Double.isFinite(cipher.encryptRatio()) || !Double.isFinite(cipher.decryptRatio());
    if (failed) {
      goals.missing(Goals.Goal.CIPHER, BenchResult.FAILED + " (see the stream table)");
    } else {
      List<String> others = new ArrayList<>();
      cipherOnJdk.forEach((jdk, r) -> others.add(String.format(Locale.ROOT, "%s in a child JVM: %.2fx and %.2fx",
          jdk.label(), r.encryptRatio(), r.decryptRatio())));
      String figure = String.format(Locale.ROOT, "%.2fx encrypting (%.0f vs %.0f MB/s), %.2fx decrypting (%.0f vs %.0f"
          + " MB/s), medians, on %s%s", cipher.encryptRatio(), cipher.envelopeEncrypt(), cipher.rawEncrypt(),
          cipher.decryptRatio(), cipher.envelopeDecrypt(), cipher.rawDecrypt(), jdks.get(0).label(),
          others.isEmpty() ? "" : " (" + String.join("; ", others) + ")");
      String bound = String.format(Locale.ROOT, "the CPU of the one thread that runs the cipher: Tink's streaming AEAD"
          + " used directly runs at %.2fx and %.2fx raw JCE, so Tink's segment handling and the stream's copies cost"
          + " the rest", cipher.tinkEncrypt() / cipher.rawEncrypt(), cipher.tinkDecrypt() / cipher.rawDecrypt());
      goals.measured(Goals.Goal.CIPHER, figure, cipher.encryptRatio() >= cipher.target()
          && cipher.decryptRatio() >= cipher.target(), bound);
    }
    return goals.lines();
  }

  /** Fails early, with advice: the range reads need 2 MiB, the in-process baseline holds the ciphertext. */
  private static void checkHttp(int httpMib) throws Options.UsageException {
    if (httpMib == 1) {
      throw new Options.UsageException(HTTP_MIB + " must be 0 (skip) or at least 2, not 1");
    }
    long needed = (httpMib + 256L) * Sizes.MIB;
    if (httpMib > 0 && needed > Runtime.getRuntime().maxMemory()) {
      throw new Options.UsageException(String.format(java.util.Locale.ROOT, "%s %d needs about %d MiB of heap,"
          + " but the maximum is %d MiB: lower %s or raise -Xmx", HTTP_MIB, httpMib, needed / Sizes.MIB,
          Runtime.getRuntime().maxMemory() / Sizes.MIB, HTTP_MIB));
    }
  }
}
