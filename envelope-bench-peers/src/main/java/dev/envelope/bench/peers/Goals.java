package dev.envelope.bench.peers;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 14's goals ("honest ceilings"), and issue 16's for the S3 API, each a ratio or a figure measured in the same run, never a timed test: the
 * parts of the benchmark record their outcome here, and the report prints one line per goal at its top, with the
 * figure, the goal, MET or NOT MET, and, where a goal is not met, what bounded it (a measured resource: the CPU of
 * the server or of the client in cores, the disk, the pass-through ceiling).
 */
final class Goals {
  /** The rows of the table, in its order; {@code %s} is the size measured. */
  enum Goal {
    WHOLE_PROCESS("`envelope encrypt` / `decrypt` %s, whole process, wall vs age", "<= 1.0x age's wall, both ways"),
    UPLOAD_TMPFS("Upload %s, home on tmpfs, vs HTTP pass-through upload", ">= 0.7x"),
    UPLOAD_DISK("Upload %s, home on disk, vs `dd conv=fsync`", ">= 1.0x"),
    DOWNLOAD("Download %s vs HTTP pass-through download", ">= 0.8x"),
    SMALL_UPLOADS("4 KiB uploads, 16 clients, durable", ">= 1000/s"),
    RANGE_READ("1 MiB range read at a random offset over HTTP, median", "< 3 ms"),
    CIPHER("Cipher vs raw JCE on the same JDK", ">= 0.95x, both ways"),
    MANY_UPLOADS("64 concurrent %s uploads on -Xmx256m", "all succeed, heap flat"),
    S3_TRANSFERS("S3 API: `PutObject` / `GetObject` %s vs the same transfer through /v1 on the same node",
        ">= 0.9x, both ways"),
    S3_SMALL_PUTS("S3 API: 4 KiB `PutObject`s, 16 clients, durable, vs 4 KiB /v1 uploads in the same run",
        ">= 0.9x");

    final String row;
    final String goal;

    Goal(String row, String goal) {
      this.row = row;
      this.goal = goal;
    }
  }

  /** What was found for one goal: {@code met} null when there is no figure (failed or not available). */
  private record Outcome(String figure, Boolean met, String bound) {}

  private final Map<Goal, Outcome> outcomes = new EnumMap<>(Goal.class);
  private final Map<Goal, String> sizes = new EnumMap<>(Goal.class);

  /** The size a goal's row was measured at ("1 GiB", "4 MiB"). */
  void size(Goal goal, int mib) {
    sizes.put(goal, mib % 1024 == 0 ? mib / 1024 + " GiB" : mib + " MiB");
  }

  /** A figure and whether it meets the goal; {@code bound} says what held it back (ignored when met). */
  void measured(Goal goal, String figure, boolean met, String bound) {
    outcomes.put(goal, new Outcome(figure, met, bound));
  }

  /** No figure: {@code why} (failed, not available, skipped). */
  void missing(Goal goal, String why) {
    outcomes.put(goal, new Outcome(why, null, null));
  }

  /** One line per goal, in the order; a goal nobody measured says so. */
  List<String> lines() {
    List<String> lines = new ArrayList<>();
    for (Goal goal : Goal.values()) {
      String row = goal.row.contains("%s") ? String.format(Locale.ROOT, goal.row, sizes.getOrDefault(goal, "1 GiB"))
          : goal.row;
      Outcome o = outcomes.getOrDefault(goal, new Outcome("not measured in this run", null, null));
      if (o.met() == null) {
        lines.add(row + ": " + o.figure() + "; the goal (" + goal.goal + ") is not judged");
      } else if (o.met()) {
        lines.add(row + ": " + o.figure() + ": the goal (" + goal.goal + ") is MET");
      } else {
        lines.add(row + ": " + o.figure() + ": the goal (" + goal.goal + ") is NOT MET; the bound: " + o.bound());
      }
    }
    return lines;
  }

  /**
   * What bounded a transfer, read from CPU: the machine when its cores are mostly busy (whoever keeps them so: on a
   * shared machine, other processes too), else the server's one request thread when it takes about a core, else
   * neither CPU (a wait: disk, fsync, the loopback). {@code machineCores} NaN: server and client are taken as all.
   */
  static String cpuBound(double serverCores, double clientCores, double machineCores, String serverWork) {
    int cpus = Runtime.getRuntime().availableProcessors();
    double machine = Double.isFinite(machineCores) ? Math.max(machineCores, serverCores + clientCores)
        : serverCores + clientCores;
    String split = String.format(Locale.ROOT, "%.2f of %d cores busy: server %.2f, client %.2f, other processes %.2f",
        machine, cpus, serverCores, clientCores, Math.max(0, machine - serverCores - clientCores));
    if (machine >= 0.85 * cpus) {
      return "the machine's CPU (" + split + ")";
    }
    if (serverCores >= 0.8 && serverCores < 1.3) {
      return String.format(Locale.ROOT, "the server's CPU on one thread (%.2f cores: %s; the machine %s)", serverCores,
          serverWork, split);
    }
    return "not the CPU (the machine " + split + "): the server waits";
  }
}
