package dev.envelope.bench.peers;

import dev.envelope.bench.BenchExtension.Section;
import dev.envelope.bench.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The same measurements on each JDK, side by side: the whole-process rows, the big transfers, the small uploads and
 * the cipher. Each part of the benchmark puts its per-JDK figures here as it reports them; the section is one table,
 * a column per JDK (the bench's own first) and, with two JDKs, the second's figure over the first's.
 */
final class JdkTable {
  private final List<Jdk> jdks;
  private final Map<String, Map<Jdk, Double>> rows = new LinkedHashMap<>();
  private final Map<String, String> formats = new LinkedHashMap<>();

  JdkTable(List<Jdk> jdks) {
    this.jdks = List.copyOf(jdks);
  }

  List<Jdk> jdks() {
    return jdks;
  }

  /** {@code value} of {@code row} on {@code jdk}, printed with {@code format} ({@code "%.0f"}); NaN prints n/a. */
  void put(String row, String format, Jdk jdk, double value) {
    rows.computeIfAbsent(row, r -> new LinkedHashMap<>()).put(jdk, value);
    formats.put(row, format);
  }

  /** The figure of {@code row} on {@code jdk}, NaN if none. */
  double get(String row, Jdk jdk) {
    return rows.getOrDefault(row, Map.of()).getOrDefault(jdk, Double.NaN);
  }

  Section section(List<String> lines, List<String> notes) {
    List<String> headers = new ArrayList<>(List.of("Row"));
    jdks.forEach(j -> headers.add(j.label()));
    boolean ratio = jdks.size() == 2;
    if (ratio) {
      headers.add(jdks.get(1).label() + " / " + jdks.get(0).label());
    }
    Table table = new Table(1, headers.toArray(String[]::new));
    rows.forEach((row, values) -> {
      List<String> cells = new ArrayList<>(List.of(row));
      for (Jdk jdk : jdks) {
        double v = values.getOrDefault(jdk, Double.NaN);
        cells.add(Double.isFinite(v) ? String.format(Locale.ROOT, formats.get(row), v) : "n/a");
      }
      if (ratio) {
        double r = values.getOrDefault(jdks.get(1), Double.NaN) / values.getOrDefault(jdks.get(0), Double.NaN);
        cells.add(Double.isFinite(r) ? String.format(Locale.ROOT, "%.2f", r) : "n/a");
      }
      table.add(cells.toArray(String[]::new));
    });
    List<String> described = new ArrayList<>();
    for (Jdk jdk : jdks) {
      described.add(jdk.label() + ": " + jdk.description() + " (" + jdk.home() + ")");
    }
    String settings = jdks.size() == 1
        ? "Only the bench's JDK was measured (" + described.get(0) + "): bin/bench names the others in -D"
            + Jdk.PROPERTY + " (a JDK 17 under /usr/lib/jvm beside a newer one), and none was given."
        : "The same measurements on each JDK, from the sections above (medians), each JDK with its own processes: "
            + String.join("; ", described) + ". The bench's own JVM (the in-process baselines, the clients) runs on "
            + jdks.get(0).label() + ".";
    return new Section("JDK side by side", settings, table, List.of(), lines, notes);
  }
}
