package dev.envelope.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole machine's CPU time, from the first line of {@code /proc/stat}: on a shared machine the server and the
 * client are not alone, and a rate is only bounded by the CPU when the machine's cores are busy, whoever keeps them
 * so. Take one reading before and one after; {@link #coresSince} is then the cores busy in between (every process,
 * kernel included; NaN where /proc/stat cannot be read).
 */
record MachineCpu(long busy, long total) {
  private static final MachineCpu UNKNOWN = new MachineCpu(-1, -1);

  static MachineCpu now() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      // user nice system idle iowait irq softirq steal (guest time is already in user)
      for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
      return new MachineCpu(total - idle, total);
    } catch (IOException | RuntimeException e) {
      return UNKNOWN;
    }
  }

  /** Cores busy on average since {@code earlier} (0 to the number of cores). */
  double coresSince(MachineCpu earlier) {
    if (total < 0 || earlier.total < 0 || total == earlier.total) {
      return Double.NaN;
    }
    return (double) (busy - earlier.busy) / (total - earlier.total) * Runtime.getRuntime().availableProcessors();
  }
}
