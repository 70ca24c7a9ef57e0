package dev.envelope.bench.peers;

import dev.envelope.bench.BenchExtension;
import dev.envelope.bench.CipherBench;
import dev.envelope.bench.Contender;
import dev.envelope.bench.Options;
import dev.envelope.bench.Sizes;
import dev.envelope.core.EncryptionContext;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything {@code bin/bench} measures, in one run: the whole {@link CipherBench} (raw JCE, Envelope's
 * cipher, Tink, the segment-size sweep, range reads), plus the AWS Encryption SDK's rows in its stream table
 * and the whole-process table of {@code envelope}, {@code age} and {@code openssl enc}. Lives in its own
 * module so the SDK's jars reach nothing else.
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
  /** The system property naming the CLI jar; bin/bench runs from the repository root, where the default is. */
  static final String JAR_PROPERTY = "bench.envelope.jar";
  static final Path DEFAULT_JAR = Path.of("envelope-cli", "target", "envelope.jar");

  private final Path envelopeJar;
  private final List<String> notes = new ArrayList<>();

  /** @param envelopeJar the shaded CLI jar the whole-process rows run */
  public PeersBench(Path envelopeJar) {
    this.envelopeJar = envelopeJar;
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
        "And the file service over HTTP: a real `envelope serve` process on loopback, its data on the real disk;",
        "upload and download of a big file with curl against the in-process cipher and the disk's durable write",
        "rate, 4 KiB uploads per second from 16 concurrent clients, and 1 MiB range-read latency.");
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
            + DEFAULT_HTTP_SECONDS + "; --quick: 1)"));
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
    checkHttp(httpMib);
    List<Section> sections = new ArrayList<>();
    sections.add(new ProcessBench(envelopeJar, log).run(fileMib, reps, warmups));
    if (httpMib > 0) {
      sections.addAll(new HttpBench(envelopeJar, log).run(HttpBench.Plan.of(httpMib, httpSeconds, options.quick())));
    } else {
      log.println("bench: HTTP sections skipped (" + HTTP_MIB + " 0)");
    }
    return sections;
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
