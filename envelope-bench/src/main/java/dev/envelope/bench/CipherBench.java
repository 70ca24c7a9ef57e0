package dev.envelope.bench;

import dev.envelope.bench.BenchResult.RangeRow;
import dev.envelope.bench.BenchResult.Row;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.core.WrappedKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The cipher benchmark: in one run, stream throughput of raw JCE AES-GCM (the baseline), Envelope's cipher,
 * Tink used directly, a segment-size sweep and Envelope's parallel and sequential engines each forced (the
 * cipher itself picks one by its rule), then range-read latency per segment size, every output checked
 * against the input. {@link #run} does the work and returns a {@link BenchResult}; {@link #main} only maps
 * it to an exit status, so tests can call {@code run} in-process. A {@link BenchExtension} adds contenders,
 * sections and options to a run (the peers benchmark does, from its own module and main class).
 */
public final class CipherBench {
  /**
   * Envelope's cipher must reach this fraction of raw JCE's median throughput on the same JDK, in both directions
   * (issue 14's goal; issue 1's was 0.90).
   */
  static final double TARGET = 0.95;
  static final int RANGE_BYTES = Sizes.MIB;
  static final int[] SWEEP = {64 * Sizes.KIB, 256 * Sizes.KIB, Sizes.MIB, 4 * Sizes.MIB};
  static final String ENCRYPT = "encrypt";
  static final String DECRYPT = "decrypt";
  /** Contender order in the list: the baseline first, then the rows the verdict is about. */
  private static final int RAW = 0;
  private static final int ENVELOPE = 1;
  private static final int TINK = 2;

  private final Options options;
  private final PrintStream log;
  private final BenchExtension extension;

  private final RoundTrip roundTrip;

  private CipherBench(Options options, PrintStream log, BenchExtension extension) {
    this.options = options;
    this.log = log;
    this.extension = extension;
    this.roundTrip = new RoundTrip(options.settleMillis);
  }

  public static void main(String[] args) {
    System.exit(exitStatus(args, BenchExtension.NONE));
  }

  /**
   * Runs with {@code extension} on stdout and stderr and returns the exit status: 0 if every row passed,
   * 1 if any failed (or the run broke), 2 on a usage error. For the main methods of extensions.
   */
  public static int exitStatus(String[] args, BenchExtension extension) {
    try {
      return run(args, System.out, System.err, extension).ok() ? 0 : 1;
    } catch (Options.UsageException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(Options.usage(extension));
      return 2;
    } catch (Exception e) {
      e.printStackTrace();
      return 1;
    }
  }

  /**
   * Runs the benchmark described by {@code args}, printing the report to {@code out} and progress to
   * {@code log}; writes the Markdown file if asked.
   */
  public static BenchResult run(String[] args, PrintStream out, PrintStream log) throws Exception {
    return run(args, out, log, BenchExtension.NONE);
  }

  /** As {@link #run(String[], PrintStream, PrintStream)}, with what {@code extension} adds. */
  public static BenchResult run(String[] args, PrintStream out, PrintStream log, BenchExtension extension)
      throws Exception {
    Options options = Options.parse(args, extension.options());
    if (options.help) {
      String usage = Options.usage(extension);
      out.print(usage);
      out.flush();
      return BenchResult.help(usage);
    }
    return new CipherBench(options, log, extension).run(args, out);
  }

  private BenchResult run(String[] args, PrintStream out) throws Exception {
    int size = options.sizeMib * Sizes.MIB;
    byte[] rawKey = new byte[DataKey.SIZE_BYTES];
    new SecureRandom().nextBytes(rawKey);
    DataKey key = DataKey.of(rawKey, WrappedKey.of("bench", 1, new byte[] {1}));
    EncryptionContext context = EncryptionContext.of("bench", "1");
    List<Contender> peers = extension.contenders(options, rawKey, context);
    List<Contender> contenders = contenders(rawKey, key, context, peers);
    long ciphertextMax = 0;
    for (Contender c : contenders) {
      ciphertextMax = Math.max(ciphertextMax, c.ciphertextSize(size));
    }
    checkHeap(size, ciphertextMax);
    // Before the big arrays exist: child processes measured here should not compete with them for memory.
    List<BenchExtension.Section> sections = extension.sections(options, log);

    log.println("bench: generating " + options.sizeMib + " MiB of random data");
    byte[] data = new byte[size];
    new SplittableRandom().nextBytes(data);
    byte[] ciphertext = new byte[(int) ciphertextMax]; // reused by every row
    byte[] decrypted = new byte[size];

    List<Row> rows = throughput(contenders, data, ciphertext, decrypted);
    List<RangeRow> rangeRows = rangeReads(key, context, data, ciphertext, decrypted);
    List<String> verdicts = verdicts(rows, peers.size());
    boolean ok = rows.stream().noneMatch(Row::failed) && rangeRows.stream().noneMatch(RangeRow::failed)
        && sections.stream().allMatch(BenchExtension.Section::ok);

    List<String> goals = extension.goals(figures(rows, rangeRows));
    Report report = new Report(MachineInfo.describe(args, extension.machine()), options, rows, rangeRows, verdicts,
        sections, extension.notes(), extension.program(), roundTrip.checksum(), goals);
    String text = report.text();
    out.print(text);
    out.flush();
    if (options.markdown != null) {
      Files.writeString(options.markdown, report.markdown() + keptSections(options.markdown));
      log.println("bench: wrote " + options.markdown);
    }
    return new BenchResult(ok, rows, rangeRows, report.throughput(), report.ranges(), verdicts, sections, goals,
        text);
  }

  /** What the goals are read against: the medians of the first rows, and the default segment size's range reads. */
  private static CipherFigures figures(List<Row> rows, List<RangeRow> rangeRows) {
    double[] median = new double[2 * (TINK + 1)];
    for (int i = 0; i < median.length; i++) {
      median[i] = rows.get(i).failed() ? Double.NaN : rows.get(i).measurement().median();
    }
    RangeRow range = rangeRows.stream().filter(r -> r.segmentSize() == EnvelopeCipher.DEFAULT_SEGMENT_SIZE)
        .findFirst().orElse(null);
    double rangeMedian = range == null || range.failed() ? Double.NaN : range.measurement().median();
    return new CipherFigures(median[ENVELOPE * 2], median[RAW * 2], median[ENVELOPE * 2 + 1], median[RAW * 2 + 1],
        median[TINK * 2], median[TINK * 2 + 1], rangeMedian, TARGET);
  }

  /**
   * The sections of an existing report that other benchmarks own (framed by a {@code <!-- BEGIN ...} line and a
   * {@code <!-- END ... -->} line, such as bin/bench-scaleout's), so that rewriting the report keeps them.
   */
  static String keptSections(java.nio.file.Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return "";
    }
    String text = Files.readString(file);
    StringBuilder kept = new StringBuilder();
    int from = 0;
    while (true) {
      int begin = text.indexOf("<!-- BEGIN ", from);
      if (begin < 0 || (begin > 0 && text.charAt(begin - 1) != '\n')) {
        return kept.toString();
      }
      int end = text.indexOf("<!-- END ", begin);
      int endOfLine = end < 0 ? -1 : text.indexOf('\n', end);
      if (endOfLine < 0) {
        return kept.toString();
      }
      kept.append('\n').append(text, begin, endOfLine + 1);
      from = endOfLine + 1;
    }
  }

  /** The built-in contenders, with the extension's {@code peers} right after Tink's row. */
  private static List<Contender> contenders(byte[] rawKey, DataKey key, EncryptionContext context,
      List<Contender> peers) throws GeneralSecurityException {
    int defaultSegment = EnvelopeCipher.DEFAULT_SEGMENT_SIZE;
    List<Contender> list = new ArrayList<>();
    list.add(new RawJce(rawKey));
    list.add(StreamContender.envelope("Envelope cipher, default " + Sizes.format(defaultSegment) + " segments",
        EnvelopeCipher.create(), key, context));
    list.add(StreamContender.tinkDirect("Tink streaming AEAD direct, " + Sizes.format(defaultSegment)
        + " segments", rawKey, defaultSegment, context));
    list.addAll(peers);
    for (int segment : SWEEP) {
      list.add(StreamContender.envelope(sweepLabel(segment), EnvelopeCipher.withSegmentSize(segment), key, context));
    }
    for (String path : PATHS) {
      list.add(StreamContender.envelopePath(pathLabel(path), EnvelopeCipher.create(), key, context, path));
    }
    return list;
  }

  /** The engines forced one at a time, at the default segment size: parallel, then sequential. */
  static final List<String> PATHS = List.of("always", "off");

  static String pathLabel(String path) {
    return "Envelope " + (path.equals("always") ? "parallel (" + Runtime.getRuntime().availableProcessors()
        + " threads)" : "sequential") + " engine, " + Sizes.format(EnvelopeCipher.DEFAULT_SEGMENT_SIZE) + " segments";
  }

  static String sweepLabel(int segmentSize) {
    return "Envelope sweep, " + Sizes.format(segmentSize) + " segments";
  }

  /** Round-robin: each round runs every contender once, starting one further along each time. */
  private List<Row> throughput(List<Contender> contenders, byte[] data, byte[] ciphertext, byte[] decrypted) {
    int k = contenders.size();
    Measurement[] enc = new Measurement[k];
    Measurement[] dec = new Measurement[k];
    String[] failure = new String[k];
    for (int i = 0; i < k; i++) {
      enc[i] = new Measurement();
      dec[i] = new Measurement();
    }
    int rounds = options.warmup + options.reps;
    for (int round = 0; round < rounds; round++) {
      boolean measured = round >= options.warmup;
      log.printf("bench: %s round %d of %d%n", measured ? "measured" : "warm-up", round + 1, rounds);
      for (int j = 0; j < k; j++) {
        int i = (round + j) % k;
        if (failure[i] == null) {
          try {
            roundTrip.run(contenders.get(i), data, ciphertext, decrypted, measured ? enc[i] : null,
                measured ? dec[i] : null);
          } catch (Exception e) {
            failure[i] = describe(e);
            log.println("bench: " + contenders.get(i).name() + " FAILED: " + failure[i]);
          }
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      String name = contenders.get(i).name();
      for (String op : List.of(ENCRYPT, DECRYPT)) {
        Measurement m = op.equals(ENCRYPT) ? enc[i] : dec[i];
        Measurement base = op.equals(ENCRYPT) ? enc[RAW] : dec[RAW];
        boolean baseOk = failure[RAW] == null;
        rows.add(failure[i] != null ? new Row(name, op, null, Double.NaN, failure[i])
            : new Row(name, op, m, baseOk ? m.median() / base.median() : Double.NaN, null));
      }
    }
    return rows;
  }

  private List<RangeRow> rangeReads(DataKey key, EncryptionContext context, byte[] data, byte[] ciphertext,
      byte[] decrypted) {
    List<RangeRow> rows = new ArrayList<>();
    for (int segment : SWEEP) {
      log.println("bench: range reads, " + Sizes.format(segment) + " segments");
      EnvelopeCipher cipher = EnvelopeCipher.withSegmentSize(segment);
      try {
        // A checked round trip (untimed) leaves this segment size's ciphertext in the array.
        int length = roundTrip.run(StreamContender.envelope(sweepLabel(segment), cipher, key, context),
            data, ciphertext, decrypted, null, null);
        roundTrip.settle();
        Measurement m = new RangeReads(cipher, key, context).measure(data, data.length, ciphertext, length,
            RANGE_BYTES, options.warmup * 10, options.rangeReads);
        roundTrip.consume(m.count());
        rows.add(new RangeRow(segment, RANGE_BYTES, m, null));
      } catch (Exception e) {
        String why = describe(e);
        log.println("bench: range reads at " + Sizes.format(segment) + " FAILED: " + why);
        rows.add(new RangeRow(segment, RANGE_BYTES, null, why));
      }
    }
    return rows;
  }

  /** The verdicts against the target, then one comparison per op with each of the {@code peers} rows. */
  private List<String> verdicts(List<Row> rows, int peers) {
    List<String> lines = new ArrayList<>();
    for (String op : List.of(ENCRYPT, DECRYPT)) {
      Row raw = rows.get(RAW * 2 + (op.equals(ENCRYPT) ? 0 : 1));
      Row envelope = rows.get(ENVELOPE * 2 + (op.equals(ENCRYPT) ? 0 : 1));
      Row tink = rows.get(TINK * 2 + (op.equals(ENCRYPT) ? 0 : 1));
      if (raw.failed() || envelope.failed()) {
        lines.add("Verdict, " + op + ": " + Report.FAILED + " (no figures; see the failures above)");
        continue;
      }
      double ratio = envelope.ratio();
      String head = Report.fmt("Verdict, %s: Envelope cipher at %.2fx raw JCE (%.0f vs %.0f MB/s, medians): ", op,
          ratio, envelope.measurement().median(), raw.measurement().median());
      lines.add(head + (ratio >= TARGET
          ? Report.fmt("meets the target of >= %.2fx", TARGET)
          : Report.fmt("BEHIND by %.1f%% (the target, %.2fx, is %.0f MB/s)", (1 - ratio / TARGET) * 100, TARGET,
              TARGET * raw.measurement().median()))
          + pairedRatios(envelope.measurement(), raw.measurement()));
      if (!tink.failed()) {
        lines.add(Report.fmt("Layer cost, %s: Envelope cipher at %.2fx Tink used directly (same segment size)",
            op, envelope.measurement().median() / tink.measurement().median()));
      }
    }
    Row[] envelopeRows = {rows.get(ENVELOPE * 2), rows.get(ENVELOPE * 2 + 1)};
    for (int p = 0; p < peers; p++) {
      for (int o = 0; o < 2; o++) {
        Row peer = rows.get((TINK + 1 + p) * 2 + o);
        lines.add(peerComparison(envelopeRows[o], peer));
      }
    }
    return lines;
  }

  /** One line: how Envelope's cipher compares with a peer's row in the same direction, ahead or behind. */
  static String peerComparison(Row envelope, Row peer) {
    String head = "Versus " + peer.contender() + ", " + peer.operation() + ": ";
    if (envelope.failed() || peer.failed()) {
      return head + Report.FAILED + " (no comparison; see the failures above)";
    }
    double e = envelope.measurement().median();
    double p = peer.measurement().median();
    String figures = Report.fmt(" (%.0f vs %.0f MB/s, medians; allocation %.0f vs %.0f B/MiB)", e, p,
        envelope.measurement().allocatedPerMib(), peer.measurement().allocatedPerMib());
    return head + (e >= p
        ? Report.fmt("Envelope cipher ahead, at %.2fx its throughput", e / p)
        : Report.fmt("Envelope cipher BEHIND by %.1f%%, at %.2fx its throughput", (1 - e / p) * 100, e / p))
        + figures;
  }

  /**
   * The spread of the per-round ratios: both rows ran once per round, close together in time, so these
   * show how far machine noise could move the verdict.
   */
  private static String pairedRatios(Measurement row, Measurement base) {
    double[] a = row.samples();
    double[] b = base.samples();
    if (a.length != b.length || a.length < 2) {
      return "";
    }
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      min = Math.min(min, a[i] / b[i]);
      max = Math.max(max, a[i] / b[i]);
    }
    return Report.fmt("; per-round ratios %.2f-%.2f", min, max);
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /** Fails early, with advice, instead of an OutOfMemoryError halfway through. */
  private void checkHeap(int size, long ciphertextMax) throws Options.UsageException {
    long segmentBuffers = 4L * EnvelopeCipher.MAX_SEGMENT_SIZE;
    long needed = 2L * size + ciphertextMax + segmentBuffers + 64L * Sizes.MIB;
    long max = Runtime.getRuntime().maxMemory();
    if (needed > max) {
      throw new Options.UsageException(Report.fmt("--size-mib %d needs about %d MiB of heap, but the maximum"
          + " is %d MiB: lower --size-mib or raise -Xmx", options.sizeMib, needed / Sizes.MIB, max / Sizes.MIB));
    }
  }
}
