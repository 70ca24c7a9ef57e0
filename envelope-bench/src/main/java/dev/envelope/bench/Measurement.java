package dev.envelope.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;

/**
 * The samples of one row: throughput per repetition (MB/s, 10^6 bytes of plaintext per second) or latency
 * per operation, plus the bytes allocated on the measuring thread and the collections that happened inside
 * the timed regions (a GC there would explain an outlier).
 */
final class Measurement {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final List<GarbageCollectorMXBean> COLLECTORS = ManagementFactory.getGarbageCollectorMXBeans();

  private double[] samples = new double[0];
  private long bytes;
  private long allocated;
  private long collections;

  /** Starts a timed region: counters first, the clock last, so reading them is not timed. */
  static Probe start() {
    Probe probe = new Probe();
    probe.collections = collectionCount();
    probe.allocated = THREADS.getCurrentThreadAllocatedBytes();
    probe.start = System.nanoTime();
    return probe;
  }

  /** Records a throughput sample: {@code bytes} of plaintext processed within the stopped {@code probe}. */
  void addThroughput(Probe probe, long bytes) {
    add(bytes / 1e6 / (probe.nanos() / 1e9), probe, bytes);
  }

  /** Records a latency sample, in milliseconds, of an operation on {@code bytes} plaintext bytes. */
  void addLatency(Probe probe, long bytes) {
    add(probe.nanos() / 1e6, probe, bytes);
  }

  private void add(double sample, Probe probe, long processed) {
    samples = Arrays.copyOf(samples, samples.length + 1);
    samples[samples.length - 1] = sample;
    bytes += processed;
    allocated += probe.allocated;
    collections += probe.collections;
  }

  /** The samples in the order they were recorded (one per measured round for throughput rows). */
  double[] samples() {
    return samples.clone();
  }

  int count() {
    return samples.length;
  }

  double median() {
    return percentile(50);
  }

  double min() {
    return sorted()[0];
  }

  double max() {
    double[] s = sorted();
    return s[s.length - 1];
  }

  /** Nearest-rank percentile; the median of an even count is the mean of the two middle samples. */
  double percentile(double p) {
    double[] s = sorted();
    if (p == 50 && s.length % 2 == 0) {
      return (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
    int rank = (int) Math.ceil(p / 100 * s.length);
    return s[Math.max(0, Math.min(s.length, rank) - 1)];
  }

  /** Bytes allocated per MiB of plaintext processed, over all recorded samples. */
  double allocatedPerMib() {
    return bytes == 0 ? 0 : allocated / (bytes / (double) Sizes.MIB);
  }

  /** Bytes allocated per recorded operation. */
  double allocatedPerOperation() {
    return samples.length == 0 ? 0 : allocated / (double) samples.length;
  }

  long collections() {
    return collections;
  }

  private double[] sorted() {
    if (samples.length == 0) {
      throw new IllegalStateException("no samples");
    }
    double[] s = samples.clone();
    Arrays.sort(s);
    return s;
  }

  private static long collectionCount() {
    long total = 0;
    for (GarbageCollectorMXBean bean : COLLECTORS) {
      total += Math.max(0, bean.getCollectionCount());
    }
    return total;
  }

  /** One timed region: stop it right after the timed work, record it (or not) after checking the result. */
  static final class Probe {
    private long start;
    private long nanos = -1;
    private long allocated;
    private long collections;

    /** Ends the region: the clock first, then the counters. */
    void stop() {
      long end = System.nanoTime();
      if (nanos >= 0) {
        throw new IllegalStateException("probe already stopped");
      }
      nanos = Math.max(1, end - start);
      allocated = THREADS.getCurrentThreadAllocatedBytes() - allocated;
      collections = collectionCount() - collections;
    }

    long nanos() {
      if (nanos < 0) {
        throw new IllegalStateException("probe not stopped");
      }
      return nanos;
    }
  }
}
