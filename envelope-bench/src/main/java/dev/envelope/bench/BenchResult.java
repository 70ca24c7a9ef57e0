package dev.envelope.bench;

import java.util.List;

/**
 * What one run measured and printed. {@link CipherBench#main} turns {@link #ok()} into the exit status;
 * tests inspect the rest.
 *
 * @param ok true when every row passed its correctness check
 * @param rows the throughput rows, contender by contender, encrypt before decrypt
 * @param rangeRows the range-read rows, one per segment size of the sweep
 * @param throughput the throughput table as printed
 * @param ranges the range-read table as printed
 * @param verdicts the verdict lines against the target, and the comparisons with extension contenders
 * @param sections the sections a {@link BenchExtension} added, as measured
 * @param goals the lines of the Goals section, first in the report (empty when the extension has none)
 * @param report the whole plain-text report
 */
public record BenchResult(boolean ok, List<Row> rows, List<RangeRow> rangeRows, Table throughput, Table ranges,
    List<String> verdicts, List<BenchExtension.Section> sections, List<String> goals, String report) {
  /** What a failed row prints instead of figures. */
  public static final String FAILED = "FAILED";

  /** The result of {@code --help}: nothing measured, nothing failed. */
  static BenchResult help(String usage) {
    return new BenchResult(true, List.of(), List.of(), null, null, List.of(), List.of(), List.of(), usage);
  }

  /** One throughput row; {@code measurement} is null when {@code failure} is set. */
  record Row(String contender, String operation, Measurement measurement, double ratio, String failure) {
    boolean failed() {
      return failure != null;
    }
  }

  /** The range reads at one segment size; {@code measurement} is null when {@code failure} is set. */
  record RangeRow(int segmentSize, int readBytes, Measurement measurement, String failure) {
    boolean failed() {
      return failure != null;
    }
  }
}
