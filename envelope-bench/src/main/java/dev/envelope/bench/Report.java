package dev.envelope.bench;

import dev.envelope.bench.BenchResult.RangeRow;
import dev.envelope.bench.BenchResult.Row;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns the rows of a run into the printed tables and the plain-text and Markdown reports. */
final class Report {
  static final String FAILED = BenchResult.FAILED;

  private final Map<String, String> machine;
  private final Options options;
  private final Table throughput;
  private final Table ranges;
  private final List<String> verdicts;
  private final List<BenchExtension.Section> sections;
  private final List<String> extraNotes;
  private final String generator;
  private final List<String> failures = new ArrayList<>();
  private final String footer;
  private final List<String> goals;
  private final Instant when = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  Report(Map<String, String> machine, Options options, List<Row> rows, List<RangeRow> rangeRows,
      List<String> verdicts, long checksum) {
    this(machine, options, rows, rangeRows, verdicts, List.of(), List.of(), CipherBench.class.getName(),
        checksum, List.of());
  }

  /**
   * @param sections what a {@link BenchExtension} measured, printed after the verdicts
   * @param extraNotes the extension's notes, printed after the built-in ones and before the sections' own
   * @param generator the main class named in the Markdown report
   * @param goals the lines of the Goals section, printed first (none: no section)
   */
  Report(Map<String, String> machine, Options options, List<Row> rows, List<RangeRow> rangeRows,
      List<String> verdicts, List<BenchExtension.Section> sections, List<String> extraNotes, String generator,
      long checksum, List<String> goals) {
    this.goals = List.copyOf(goals);
    this.machine = machine;
    this.options = options;
    this.verdicts = verdicts;
    this.sections = sections;
    this.extraNotes = extraNotes;
    this.generator = generator;
    this.throughput = throughputTable(rows);
    this.ranges = rangeTable(rangeRows);
    this.footer = String.format(Locale.ROOT, "Checksum of all outputs (keeps the JIT from discarding work;"
        + " differs every run): %016x", checksum);
  }

  Table throughput() {
    return throughput;
  }

  Table ranges() {
    return ranges;
  }

  private Table throughputTable(List<Row> rows) {
    Table t = new Table(2, "Contender", "Op", "MB/s median", "min-max", "x raw JCE", "alloc B/MiB", "GCs");
    for (Row r : rows) {
      if (r.failed()) {
        t.add(r.contender(), r.operation(), FAILED, "", "", "", "");
        failures.add(r.contender() + ", " + r.operation() + ": " + r.failure());
        continue;
      }
      Measurement m = r.measurement();
      t.add(r.contender(), r.operation(), fmt("%.0f", m.median()), fmt("%.0f-%.0f", m.min(), m.max()),
          Double.isFinite(r.ratio()) ? fmt("%.2f", r.ratio()) : "n/a", fmt("%.0f", m.allocatedPerMib()),
          Long.toString(m.collections()));
    }
    return t;
  }

  private Table rangeTable(List<RangeRow> rows) {
    Table t = new Table(1, "Segment size", "Reads", "median ms", "p99 ms", "min-max ms", "alloc KiB/read", "GCs");
    for (RangeRow r : rows) {
      String label = "Envelope, " + Sizes.format(r.segmentSize()) + " segments";
      if (r.failed()) {
        t.add(label, FAILED, "", "", "", "", "");
        failures.add("range reads, " + label + ": " + r.failure());
        continue;
      }
      Measurement m = r.measurement();
      t.add(label, Integer.toString(m.count()), fmt("%.2f", m.median()), fmt("%.2f", m.percentile(99)),
          fmt("%.2f-%.2f", m.min(), m.max()), fmt("%.0f", m.allocatedPerOperation() / Sizes.KIB),
          Long.toString(m.collections()));
    }
    return t;
  }

  private String settings() {
    return fmt("Plaintext %d MiB in memory (random), %d warm-up + %d measured repetitions per row,"
        + " stream chunks of %s, %d range reads of %s per segment size.", options.sizeMib, options.warmup,
        options.reps, Sizes.format(Contender.CHUNK), options.rangeReads, Sizes.format(CipherBench.RANGE_BYTES));
  }

  private static final String[] NOTES = {
    "MB/s = 10^6 bytes of plaintext per second (both directions), median over the measured repetitions;"
        + " min-max is their spread.",
    "x raw JCE = this row's median / raw JCE's median in the same direction.",
    "alloc B/MiB = bytes allocated on the measuring thread per MiB of plaintext, measured repetitions only.",
    "GCs = collections that happened inside timed regions (0 is what you want).",
    "Repetitions run round-robin across contenders (GC and a pause between timed regions), so drift on a"
        + " shared machine hits every row alike.",
    "Per-round ratios (verdicts) pair the Envelope and raw JCE repetitions of each round, which ran close"
        + " together: their spread shows how far machine noise could move the verdict.",
    "Envelope's cipher picks its engine: the parallel one (segments on a pool of one thread per processor)"
        + " for streams of more than two segments of at least 64 KiB on two or more processors, else Tink's"
        + " segment code on the caller's thread; the default and sweep rows show that choice, the two engine rows"
        + " force each engine (system property envelope.cipher.parallel).",
    "Stream rows pay the stream API's copies (into the stream's segment buffer, and between it and the"
        + " sink or source); the raw JCE loop encrypts array to array.",
    "Range reads: each opens a fresh seekable channel at a random offset and reads through it; the time"
        + " includes opening (header and key derivation). p99 is nearest-rank.",
    "Correctness: every ciphertext produced (warm-up included) is decrypted and compared byte for byte with"
        + " the input, and every range read with the plaintext at its offset; a mismatch prints FAILED.",
  };

  String text() {
    StringBuilder out = new StringBuilder();
    String nl = System.lineSeparator();
    out.append("Envelope cipher benchmark, ").append(when).append(nl);
    if (!goals.isEmpty()) {
      out.append(nl).append("Goals").append(nl);
      goals.forEach(g -> out.append("  ").append(g).append(nl));
      out.append(nl);
    }
    machine.forEach((k, v) -> out.append("  ").append(k).append(": ").append(v).append(nl));
    out.append(nl).append(settings()).append(nl).append(nl);
    out.append("Stream throughput").append(nl).append(throughput.text()).append(nl);
    out.append("Range reads").append(nl).append(ranges.text()).append(nl);
    for (String f : failures) {
      out.append(FAILED).append(": ").append(f).append(nl);
    }
    verdicts.forEach(v -> out.append(v).append(nl));
    out.append(nl);
    for (BenchExtension.Section s : sections) {
      out.append(s.title()).append(nl).append(s.settings()).append(nl).append(s.table().text());
      for (String f : s.failures()) {
        out.append(FAILED).append(": ").append(f).append(nl);
      }
      s.lines().forEach(l -> out.append(l).append(nl));
      out.append(nl);
    }
    for (String note : notes()) {
      out.append("Note: ").append(note).append(nl);
    }
    return out.append(footer).append(nl).toString();
  }

  String markdown() {
    StringBuilder out = new StringBuilder("# Envelope cipher benchmark\n\n");
    out.append("Generated by `").append(generator).append("` at ").append(when)
        .append(". Every figure below was measured in that run; re-run `bin/bench` to reproduce.\n\n");
    if (!goals.isEmpty()) {
      out.append("## Goals\n\n");
      goals.forEach(g -> out.append("- ").append(g).append('\n'));
      out.append('\n');
    }
    out.append("## Machine\n\n");
    machine.forEach((k, v) -> {
      boolean command = k.equals("Invoked as") || k.equals("JVM command line") || k.equals("Benchmark arguments");
      out.append("- ").append(k).append(": ").append(command ? "`" + v + "`" : v).append('\n');
    });
    out.append('\n').append(settings()).append("\n\n## Stream throughput\n\n").append(throughput.markdown());
    out.append("\n## Range reads\n\n").append(ranges.markdown()).append('\n');
    for (String f : failures) {
      out.append("- **").append(FAILED).append("**: ").append(f).append('\n');
    }
    out.append("## Verdict\n\n");
    verdicts.forEach(v -> out.append("- ").append(v).append('\n'));
    for (BenchExtension.Section s : sections) {
      out.append("\n## ").append(s.title()).append("\n\n").append(s.settings()).append("\n\n")
          .append(s.table().markdown()).append('\n');
      for (String f : s.failures()) {
        out.append("- **").append(FAILED).append("**: ").append(f).append('\n');
      }
      s.lines().forEach(l -> out.append("- ").append(l).append('\n'));
    }
    out.append("\n## Notes\n\n");
    for (String note : notes()) {
      out.append("- ").append(note).append('\n');
    }
    return out.append('\n').append(footer).append('\n').toString();
  }

  private List<String> notes() {
    List<String> all = new ArrayList<>(List.of(NOTES));
    all.addAll(extraNotes);
    sections.forEach(s -> all.addAll(s.notes()));
    return all;
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
