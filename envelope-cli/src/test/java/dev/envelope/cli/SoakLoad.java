package dev.envelope.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The soak's well-behaved clients: a few threads, each doing a weighted random mix against the two nodes in
 * turn, with the JDK's HTTP client: uploads 30%, downloads 20%, range reads 15%, listings 8%, metadata or
 * {@code HEAD} 8%, deletes 19% ({@link SoakWrites}, {@link SoakReads}). After an expected failure (a 503, a
 * dead node) a worker backs off for 100 to 500 ms: soon, not at once, and not the 5 s of {@code Retry-After},
 * which would idle the load through every outage.
 */
final class SoakLoad {
  static final long MIB = 1024 * 1024;

  private final SoakLedger ledger;
  private final SoakReads reads;
  private final SoakWrites writes;
  private final String names;
  private final long seed;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final String[] current;

  /**
   * @param names what the names of this load's uploads start with (unique per load: names trace files back)
   * @param hugeBudget how many uploads of 16 to 64 MiB at most
   */
  SoakLoad(SoakApi api, String names, long seed, int workers, int hugeBudget) {
    this.ledger = api.ledger;
    this.reads = new SoakReads(api);
    this.writes = new SoakWrites(api, hugeBudget);
    this.names = names;
    this.seed = seed;
    this.current = new String[workers];
  }

  /** Uploads a file that no delete takes (the slow reader's), and returns it once acknowledged. */
  SoakLedger.Upload keep(long size) throws InterruptedException {
    Random random = new Random(seed ^ 0x5EED);
    for (int attempt = 0; attempt < 20; attempt++) {
      SoakLedger.Upload u = writes.upload(random, attempt % 2, names + "kept-" + attempt + ".bin", size, false);
      if (u != null) {
        ledger.keep(u);
        return u;
      }
    }
    throw new AssertionError("no upload of the kept file was acknowledged");
  }

  void start() {
    for (int w = 0; w < current.length; w++) {
      int worker = w;
      Thread t = new Thread(() -> work(worker), "soak-worker-" + w);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** Stops the workers; a worker still busy after {@code patience} is a finding (it hangs on a request). */
  void stop(Duration patience) throws InterruptedException {
    stop.set(true);
    long deadline = System.nanoTime() + patience.toNanos();
    for (int w = 0; w < threads.size(); w++) {
      threads.get(w).join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (threads.get(w).isAlive()) {
        ledger.finding("worker " + w + " still busy " + patience.toSeconds() + " s after the load stopped: "
            + current[w]);
        threads.get(w).interrupt();
      }
    }
  }

  private void work(int worker) {
    Random random = new Random(seed + worker);
    for (int n = 0; !stop.get(); n++) {
      int node = (worker + n) % 2;
      int pick = random.nextInt(100);
      boolean backOff;
      try {
        if (pick < 30) {
          String name = names + SoakWrites.name(random, worker, n);
          backOff = writes.upload(random, node, name, what -> current[worker] = what);
        } else if (pick < 50) {
          backOff = reads.download(random, node, what -> current[worker] = what);
        } else if (pick < 65) {
          backOff = reads.range(random, node, what -> current[worker] = what);
        } else if (pick < 73) {
          backOff = reads.list(random, node, what -> current[worker] = what);
        } else if (pick < 81) {
          backOff = reads.describe(random, node, what -> current[worker] = what);
        } else {
          backOff = writes.delete(random, node, what -> current[worker] = what);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | IOException e) {
        ledger.finding("worker " + worker + " failed on " + current[worker] + ": " + e);
        backOff = true;
      }
      if (backOff) {
        try {
          Thread.sleep(100 + random.nextInt(400));
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
