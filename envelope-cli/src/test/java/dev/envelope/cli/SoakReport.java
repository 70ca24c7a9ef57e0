package dev.envelope.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The soak's summary, for people: operations by kind and outcome, the faults, the vitals, the end checks. */
final class SoakReport {
  private final StringBuilder text = new StringBuilder();

  SoakReport line(String format, Object... args) {
    text.append(String.format(Locale.ROOT, format, args)).append('\n');
    return this;
  }

  SoakReport operations(SoakLedger ledger) {
    line("Operations (outcome: count)");
    for (Map.Entry<String, Map<String, Long>> op : ledger.counts().entrySet()) {
      StringBuilder outcomes = new StringBuilder();
      op.getValue().forEach((outcome, n) -> outcomes.append(outcomes.length() == 0 ? "" : ", ")
          .append(outcome).append(": ").append(n));
      line("  %-18s %s", op.getKey(), outcomes);
    }
    return this;
  }

  /** Size bands of the uploads: attempts, and how many of them were acknowledged. */
  static final long[] BANDS = {0, 1, 4096, 256 * 1024, 4 * SoakLoad.MIB, 16 * SoakLoad.MIB, 64 * SoakLoad.MIB,
      64 * SoakLoad.MIB + 1};
  static final String[] BAND_NAMES = {"0 B", "1 B-4 KiB", "4-256 KiB", "256 KiB-4 MiB", "4-16 MiB", "16-64 MiB",
      "64 MiB"};

  static int band(long size) {
    for (int i = BANDS.length - 2; i >= 0; i--) {
      if (size >= BANDS[i]) {
        return i;
      }
    }
    return 0;
  }

  SoakReport uploads(SoakLedger ledger) {
    long[] attempted = new long[BAND_NAMES.length];
    long[] acknowledged = new long[BAND_NAMES.length];
    for (SoakLedger.Upload u : ledger.uploads()) {
      if (u.state != SoakLedger.State.SLOW) {
        attempted[band(u.content.size())]++;
        if (u.id != null) {
          acknowledged[band(u.content.size())]++;
        }
      }
    }
    StringBuilder bands = new StringBuilder();
    for (int i = 0; i < BAND_NAMES.length; i++) {
      bands.append(i == 0 ? "" : ", ").append(BAND_NAMES[i]).append(": ").append(acknowledged[i]).append('/')
          .append(attempted[i]);
    }
    return line("Uploads by size (acknowledged/attempted): %s", bands);
  }

  SoakReport faults(SoakLedger ledger) {
    List<SoakLedger.Fault> faults = ledger.faults();
    line("Chaos: %d faults, one at a time", faults.size());
    for (SoakLedger.Fault f : faults) {
      double start = (f.start - ledger.started) / 1e9;
      double seconds = f.end == 0 ? Double.NaN : (f.end - f.start) / 1e9;
      line("  %-9s %-9s %-17s %s", String.format(Locale.ROOT, "t+%.1fs", start),
          String.format(Locale.ROOT, "%.1f s", seconds), f.kind, f.note);
    }
    return this;
  }

  SoakReport vitals(SoakLedger ledger, List<SoakVitals.Sample> samples) {
    line("Node vitals: live heap after a forced full GC (MiB), threads");
    for (SoakVitals.Sample s : samples) {
      line("  t+%-7.1f node %s#%d  %-8s heap %4d MiB  threads %3d (%d outside the elastic pools)",
          (s.at() - ledger.started) / 1e9, s.node(), s.lifetime(), s.label(), s.heapMiB(), s.threads(),
          SoakIT.settled(s));
    }
    for (String node : new String[] {"a", "b"}) {
      SoakVitals.Sample first = samples.stream().filter(s -> s.node().equals(node)).findFirst().orElse(null);
      SoakVitals.Sample last = samples.stream().filter(s -> s.node().equals(node)).reduce((x, y) -> y).orElse(null);
      if (first != null && last != null) {
        StringBuilder changed = new StringBuilder();
        java.util.Set<String> names = new java.util.TreeSet<>(first.byName().keySet());
        names.addAll(last.byName().keySet());
        for (String name : names) {
          int before = first.byName().getOrDefault(name, 0);
          int after = last.byName().getOrDefault(name, 0);
          if (before != after) {
            changed.append(changed.length() == 0 ? "" : ", ").append(name).append(' ').append(before).append("->")
                .append(after);
          }
        }
        line("  node %s threads that changed, first to last sample: %s", node,
            changed.length() == 0 ? "none" : changed);
      }
    }
    return this;
  }

  SoakReport facts(Map<String, Object> facts) {
    line("End checks");
    facts.forEach((k, v) -> line("  %-36s %s", k, v));
    return this;
  }

  SoakReport findings(SoakLedger ledger) {
    List<String> findings = ledger.findings();
    line("Findings: %s", findings.isEmpty() ? "none" : ledger.findingCount());
    findings.forEach(f -> line("  - %s", f));
    return this;
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
