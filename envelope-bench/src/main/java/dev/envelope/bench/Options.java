package dev.envelope.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The command-line options of {@link CipherBench}, plus those a {@link BenchExtension} declares. Options may
 * be given as {@code --name value} or {@code --name=value}.
 */
public final class Options {
  static final int DEFAULT_SIZE_MIB = 512;
  static final int DEFAULT_REPS = 5;
  static final int DEFAULT_WARMUP = 2;
  static final int DEFAULT_RANGE_READS = 200;
  /** Fewer range reads than this make a p99 meaningless. */
  static final int MIN_RANGE_READS = 50;
  static final int QUICK_SIZE_MIB = 2;
  /** --quick is a smoke test: enough reads to exercise the path, too few for a meaningful p99. */
  static final int QUICK_RANGE_READS = 5;
  /** The range reads read this much, so the data must be at least twice as large. */
  static final int MIN_SIZE_MIB = 2;

  int sizeMib = DEFAULT_SIZE_MIB;
  int reps = DEFAULT_REPS;
  int warmup = DEFAULT_WARMUP;
  int rangeReads = DEFAULT_RANGE_READS;
  long settleMillis = 100;
  Path markdown;
  boolean quick;
  boolean help;
  private final Map<String, Integer> extra = new HashMap<>();

  /** A usage error: the message says what is wrong; the caller prints it with {@link #usage()}. */
  public static final class UsageException extends Exception {
    public UsageException(String message) {
      super(message);
    }
  }

  /** True with {@code --quick}: a smoke run, whose figures mean nothing. */
  public boolean quick() {
    return quick;
  }

  /** The value of an extension's option, if it was given. */
  public OptionalInt extra(String name) {
    Integer value = extra.get(name);
    return value == null ? OptionalInt.empty() : OptionalInt.of(value);
  }

  static Options parse(String[] args) throws UsageException {
    return parse(args, List.of());
  }

  static Options parse(String[] args, List<BenchExtension.ExtraOption> extraOptions) throws UsageException {
    Options o = new Options();
    Integer size = null;
    Integer reps = null;
    Integer warmup = null;
    Integer rangeReads = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      String inline = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
      switch (name) {
        case "-h":
        case "--help":
          o.help = true;
          break;
        case "--quick":
          o.quick = true;
          break;
        case "--size-mib":
        case "--reps":
        case "--warmup":
        case "--range-reads":
        case "--markdown":
          String value = inline != null ? inline : (++i < args.length ? args[i] : null);
          if (value == null || value.isEmpty()) {
            throw new UsageException(name + " needs a value");
          }
          if (name.equals("--markdown")) {
            o.markdown = Path.of(value);
          } else if (name.equals("--size-mib")) {
            size = number(name, value, MIN_SIZE_MIB, 2000);
          } else if (name.equals("--reps")) {
            reps = number(name, value, 1, 1000);
          } else if (name.equals("--warmup")) {
            warmup = number(name, value, 0, 1000);
          } else {
            rangeReads = number(name, value, MIN_RANGE_READS, 1_000_000);
          }
          break;
        default:
          BenchExtension.ExtraOption option = extraOptions.stream().filter(x -> x.name().equals(name))
              .findFirst().orElseThrow(() -> new UsageException("unknown argument: " + arg));
          String v = inline != null ? inline : (++i < args.length ? args[i] : null);
          if (v == null || v.isEmpty()) {
            throw new UsageException(name + " needs a value");
          }
          o.extra.put(name, number(name, v, option.min(), option.max()));
      }
    }
    // --quick only changes the defaults: explicit options win, whatever their order.
    o.sizeMib = size != null ? size : o.quick ? QUICK_SIZE_MIB : DEFAULT_SIZE_MIB;
    o.reps = reps != null ? reps : o.quick ? 1 : DEFAULT_REPS;
    o.warmup = warmup != null ? warmup : o.quick ? 0 : DEFAULT_WARMUP;
    o.rangeReads = rangeReads != null ? rangeReads : o.quick ? QUICK_RANGE_READS : DEFAULT_RANGE_READS;
    o.settleMillis = o.quick ? 0 : 100;
    return o;
  }

  private static int number(String name, String value, int min, int max) throws UsageException {
    try {
      int n = Integer.parseInt(value);
      if (n < min || n > max) {
        throw new UsageException(name + " must be between " + min + " and " + max + ", not " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(name + " needs a whole number, not '" + value + "'");
    }
  }

  static String usage() {
    return usage(BenchExtension.NONE);
  }

  static String usage(BenchExtension extension) {
    List<String> lines = new java.util.ArrayList<>(List.of(
        "Usage: " + extension.program().substring(extension.program().lastIndexOf('.') + 1) + " [options]",
        "",
        "Measures, in one run, stream encryption and decryption throughput of raw JCE AES/GCM (the baseline),",
        "Envelope's cipher and Tink's streaming AEAD used directly, a segment-size sweep of Envelope's cipher,",
        "its parallel and sequential engines each forced, and the latency of 1 MiB range reads; checks every",
        "ciphertext by decrypting and comparing it."));
    lines.addAll(extension.description());
    lines.addAll(List.of("", "Options:"));
    lines.addAll(List.of(
        "  --size-mib N      plaintext size in MiB, held in memory (default " + DEFAULT_SIZE_MIB
            + "; min " + MIN_SIZE_MIB + "). Needs about 3x N MiB of heap.",
        "  --reps N          measured repetitions per row (default " + DEFAULT_REPS + ")",
        "  --warmup N        unmeasured warm-up repetitions per row (default " + DEFAULT_WARMUP + ")",
        "  --range-reads N   timed 1 MiB range reads per segment size (default " + DEFAULT_RANGE_READS
            + "; min " + MIN_RANGE_READS + ")",
        "  --markdown FILE   also write the report as Markdown to FILE",
        "  --quick           smoke test, figures meaningless: " + QUICK_SIZE_MIB + " MiB, 1 repetition, no warm-up,",
        "                    " + QUICK_RANGE_READS + " range reads, no pause after GC (explicit options still win)"));
    for (BenchExtension.ExtraOption option : extension.options()) {
      lines.add(String.format(java.util.Locale.ROOT, "  %-18s%s", option.name() + " N", option.help()));
    }
    lines.addAll(List.of(
        "  -h, --help        this help",
        "",
        "Exit status: 0 if every row passed its correctness check, 1 if any printed FAILED, 2 on a usage error.",
        "Throughput is MB/s (10^6 bytes of plaintext per second), median over the repetitions, with min-max.",
        ""));
    return String.join(System.lineSeparator(), lines);
  }
}
