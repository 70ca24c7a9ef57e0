package dev.envelope.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Heap and threads of the soak's nodes, read from outside the process so that measuring adds nothing to it:
 * {@code jcmd <pid> GC.run} forces a full collection, and the node's own GC log then says how much heap is live
 * (the "after" of that {@code Pause Full (Diagnostic Command)}); {@code /proc/<pid>/task} gives the threads and their
 * names. A sample is tied to one lifetime of a node: a node killed and started again starts from scratch.
 */
final class SoakVitals {
  private static final Pattern FULL_GC = Pattern.compile(
      "Pause Full \\((?:System\\.gc\\(\\)|Diagnostic Command)\\) (\\d+)([KMG])->(\\d+)([KMG])");
  private static final Path JCMD = Path.of(System.getProperty("java.home"), "bin", "jcmd");

  /**
   * One reading.
   *
   * @param at when (nanoTime)
   * @param node the node's name
   * @param lifetime which start of that node
   * @param label why it was taken ("baseline", "load", "end")
   * @param heapMiB heap in use right after a forced full collection, in MiB (-1 if it could not be read)
   * @param threads the process's threads, JVM's own included
   * @param byName thread counts by name, digits dropped ({@code envelope-http-} for the request threads)
   */
  record Sample(long at, String node, int lifetime, String label, long heapMiB, int threads,
      Map<String, Integer> byName) {}

  private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());

  /** Reads {@code node} now; returns null when it is not running (killed meanwhile). */
  Sample sample(SoakNode node, String label) {
    ServeProcess p = node.process();
    int lifetime = node.lifetime();
    if (!p.process().isAlive()) {
      return null;
    }
    long pid = p.process().pid();
    try {
      long heap = liveHeapMiB(pid, node.gcLog(lifetime));
      Map<String, Integer> byName = threadsByName(pid);
      int threads = byName.values().stream().mapToInt(Integer::intValue).sum();
      if (threads == 0 || !p.process().isAlive()) {
        return null;
      }
      Sample s = new Sample(System.nanoTime(), node.name, lifetime, label, heap, threads, byName);
      samples.add(s);
      return s;
    } catch (IOException e) {
      return null; // the process went away between the reads
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  private static long liveHeapMiB(long pid, Path gcLog) throws IOException, InterruptedException {
    Process jcmd = new ProcessBuilder(JCMD.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
        .start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      jcmd.destroyForcibly();
      throw new IOException("jcmd " + pid + " GC.run failed: " + out.strip());
    }
    long last = -1;
    for (String line : Files.readAllLines(gcLog, StandardCharsets.UTF_8)) {
      Matcher m = FULL_GC.matcher(line);
      if (m.find()) {
        last = mib(Long.parseLong(m.group(3)), m.group(4));
      }
    }
    return last;
  }

  private static long mib(long value, String unit) {
    return switch (unit) {
      case "K" -> value / 1024;
      case "G" -> value * 1024;
      default -> value;
    };
  }

  /** Thread names from {@code /proc/<pid>/task/<tid>/comm} (15 characters at most), counted, digits dropped. */
  private static Map<String, Integer> threadsByName(long pid) throws IOException {
    Map<String, Integer> byName = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip()
              .replaceAll("\\d+", "#");
          byName.merge(name, 1, Integer::sum);
        } catch (IOException gone) {
          // the thread ended between the listing and the read
        }
      }
    }
    return byName;
  }
}
