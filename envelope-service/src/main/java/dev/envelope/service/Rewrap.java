package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.RootKeyAdmin;
import dev.envelope.core.WrappedKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code envelope admin rewrap}: re-wraps every stored data key under the current version of its tenant's root
 * key (the tenant's own, else the node's), inside the key service ({@link dev.envelope.core.KeyService#reEncrypt}:
 * on AWS KMS the plaintext data key never leaves it). No blob is read or written.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Idempotent and resumable.</b> A row already under the current version is left alone, so a run killed
 *       at any point ({@code kill -9} included) is finished by running it again: no state is kept between runs.
 *   <li><b>Safe beside live traffic.</b> Each row changes by {@link MetadataStore#replaceWrappedKey}, a
 *       compare-and-set on the wrapped key read: a row deleted or re-wrapped by someone else meanwhile stays as
 *       they left it (counted as {@code changed}), and a row is never wrapped twice from one read.
 *   <li>Rows of a shredded tenant, and rows wrapped by another key service, are skipped and counted.
 *   <li>A row whose key cannot be re-wrapped (damaged, or its key version destroyed) is counted as failed with
 *       its id logged; the run goes on. A key service or store that cannot be reached stops the run.
 *   <li><b>Several rows at a time</b> ({@link Options#parallelism()}, {@value #DEFAULT_PARALLELISM} by default): each
 *       row's {@code ReEncrypt} and conditional update are independent of every other row's, so up to that many run
 *       at once, within one page of the scan. A rewrap one row at a time waits for one key service round trip and
 *       one durable store write per row (an fsync of SQLite's WAL, a PostgreSQL commit); with several in flight the
 *       key service's latency overlaps and the store commits them in groups. {@code --rate} still caps the total.
 * </ul>
 * On AWS KMS a root key's version is always 0 (AWS keeps every backing key of a rotated key), so rows under the
 * tenant's key are current: a rewrap there moves rows between keys ({@code tenants set-key}).
 */
public final class Rewrap {
  private static final Logger LOG = LoggerFactory.getLogger(Rewrap.class);
  private static final int PAGE = 200;
  private static final int MAX_FAILURES_KEPT = 20;
  /** Rows re-wrapped at once unless {@link Options} says otherwise. */
  public static final int DEFAULT_PARALLELISM = 8;
  /** The most rows {@link Options} lets run at once. */
  public static final int MAX_PARALLELISM = 64;

  private final FileService files;
  private final RootKeyAdmin admin;

  public Rewrap(FileService files, RootKeyAdmin admin) {
    this.files = Objects.requireNonNull(files, "files");
    this.admin = Objects.requireNonNull(admin, "admin");
  }

  /**
   * What to do.
   *
   * @param tenant only this tenant's rows, or every tenant's when null
   * @param dryRun count what would be re-wrapped, change nothing (and call no key service but to name keys)
   * @param ratePerSecond at most this many re-wraps per second (0: as fast as the key service answers)
   * @param parallelism at most this many rows re-wrapped at once, 1 to {@value #MAX_PARALLELISM}
   */
  public record Options(String tenant, boolean dryRun, double ratePerSecond, int parallelism) {
    public Options {
      if (tenant != null && !Tenants.isValid(tenant)) {
        throw new IllegalArgumentException("invalid tenant name");
      }
      if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
        throw new IllegalArgumentException("the rate must be a positive number of rows per second");
      }
      if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
        throw new IllegalArgumentException("the parallelism must be 1 to " + MAX_PARALLELISM + " rows at once");
      }
    }

    /** {@value #DEFAULT_PARALLELISM} rows at once. */
    public Options(String tenant, boolean dryRun, double ratePerSecond) {
      this(tenant, dryRun, ratePerSecond, DEFAULT_PARALLELISM);
    }
  }

  /**
   * Where a run stands.
   *
   * @param scanned rows looked at
   * @param rewrapped rows re-wrapped (in a dry run: rows that would be)
   * @param current rows already under the current version of their tenant's key
   * @param changed rows deleted or re-wrapped by another writer between read and write: left as they are
   * @param skipped rows of shredded tenants, or wrapped by another key service
   * @param failed rows whose key could not be re-wrapped
   * @param failures the first few failures, as {@code id: code: message}
   * @param elapsed time since the run started
   */
  public record Summary(long scanned, long rewrapped, long current, long changed, long skipped, long failed,
      List<String> failures, Duration elapsed) {
    public Summary {
      failures = List.copyOf(failures);
    }

    /** Rows re-wrapped per second. */
    public double rate() {
      double seconds = elapsed.toNanos() / 1e9;
      return seconds <= 0 ? 0 : rewrapped / seconds;
    }
  }

  /** Told after every row. */
  public interface Progress {
    void update(Summary soFar);
  }

  /** Runs a rewrap; only the operator may. The summary's {@code failed} says whether every row made it. */
  public Summary run(Principal caller, Options options, Progress progress) throws EnvelopeException {
    if (!caller.isOperator()) {
      throw new EnvelopeException(ErrorCode.FORBIDDEN, "only the operator re-wraps data keys");
    }
    Run run = new Run(options, progress == null ? s -> { } : progress);
    return run.all();
  }

  /** What became of one row. */
  private enum Outcome { REWRAPPED, CURRENT, CHANGED, SKIPPED, FAILED }

  private final class Run {
    private final Options options;
    private final Progress progress;
    private final long started = System.nanoTime();
    /** Filled on the scanning thread only, before a page's rows go to the workers, who only read it. */
    private final Map<String, Optional<Target>> targets = new HashMap<>();
    // The counters and the failures are guarded by this Run; the pacing by its own lock.
    private final List<String> failures = new ArrayList<>();
    private long scanned;
    private long rewrapped;
    private long current;
    private long changed;
    private long skipped;
    private long failed;
    private final Object paceLock = new Object();
    private long nextSlot = System.nanoTime();
    /** The first failure that stops the run (a key service or store out of reach); rows not yet begun are left. */
    private volatile Throwable stop;

    Run(Options options, Progress progress) {
      this.options = options;
      this.progress = progress;
    }

    Summary all() throws EnvelopeException {
      int workers = options.dryRun() ? 1 : options.parallelism(); // a dry run calls nothing per row
      ExecutorService pool = workers == 1 ? null : Executors.newFixedThreadPool(workers, r -> {
        Thread t = new Thread(r, "envelope-rewrap");
        t.setDaemon(true);
        return t;
      });
      try {
        String cursor = null;
        do {
          FilePage page = files.metadata().scan(options.tenant(), cursor, PAGE);
          for (FileRecord row : page.files()) {
            target(row.tenant()); // resolved here, once per tenant, before any worker needs it
          }
          if (pool == null) {
            for (FileRecord row : page.files()) {
              record(one(row));
            }
          } else {
            inParallel(pool, page.files());
          }
          cursor = page.nextCursor().orElse(null);
        } while (cursor != null);
      } finally {
        if (pool != null) {
          pool.shutdownNow();
        }
      }
      Summary done = summary();
      LOG.info("rewrap{}{}: {} rows, {} re-wrapped, {} current, {} changed meanwhile, {} skipped, {} failed in {} ms",
          options.dryRun() ? " (dry run)" : "", options.tenant() == null ? "" : " of tenant " + options.tenant(),
          done.scanned(), done.rewrapped(), done.current(), done.changed(), done.skipped(), done.failed(),
          done.elapsed().toMillis());
      return done;
    }

    /**
     * The rows of one page on the pool, at most {@link Options#parallelism()} at once; returns when every row has
     * finished. The first failure that stops the run is thrown once the rows already begun have finished (their
     * updates are done or not done, each on its own, as in a run one row at a time); rows not yet begun are left.
     */
    private void inParallel(ExecutorService pool, List<FileRecord> rows) throws EnvelopeException {
      List<Future<?>> running = new ArrayList<>(rows.size());
      for (FileRecord row : rows) {
        running.add(pool.submit(() -> {
          if (stop != null) {
            return;
          }
          try {
            record(one(row));
          } catch (EnvelopeException | RuntimeException | Error e) {
            synchronized (this) {
              if (stop == null) {
                stop = e;
              }
            }
          }
        }));
      }
      boolean interrupted = false;
      for (Future<?> f : running) {
        while (true) {
          try {
            f.get();
            break;
          } catch (InterruptedException e) {
            interrupted = true; // the rows in flight finish first: each must know whether its write happened
          } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a rewrap task failed outside its row", e.getCause());
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      Throwable failure = stop;
      if (failure instanceof EnvelopeException e) {
        throw e;
      }
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
    }

    /** Counts one row's outcome and tells the progress listener (one row at a time, whichever thread did it). */
    private synchronized void record(Outcome outcome) {
      switch (outcome) {
        case REWRAPPED -> rewrapped++;
        case CURRENT -> current++;
        case CHANGED -> changed++;
        case SKIPPED -> skipped++;
        case FAILED -> failed++;
        default -> throw new IllegalStateException(outcome.toString());
      }
      scanned++;
      progress.update(summary());
    }

    private Outcome one(FileRecord row) throws EnvelopeException {
      Optional<Target> target = targets.get(row.tenant());
      if (target.isEmpty() || !row.keyService().equals(files.keys().name())) {
        return Outcome.SKIPPED;
      }
      Target t = target.get();
      WrappedKey wrapped = row.wrappedKey();
      if (wrapped.rootKeyId().equals(t.keyId()) && (t.version() == 0 || wrapped.rootKeyVersion() == t.version())) {
        return Outcome.CURRENT;
      }
      if (options.dryRun()) {
        return Outcome.REWRAPPED;
      }
      pace();
      WrappedKey next;
      try {
        next = files.keys().reEncrypt(wrapped, FileService.keyContextOf(row), t.keyId());
      } catch (EnvelopeException e) {
        if (e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.KEYRING_UNAVAILABLE
            || e.code() == ErrorCode.THROTTLED) {
          throw e; // the key service itself: rerun when it is back
        }
        if (!files.metadata().get(row.tenant(), row.id()).map(r -> r.wrappedKey().equals(wrapped)).orElse(false)) {
          return Outcome.CHANGED; // deleted or re-wrapped meanwhile: its old key may be gone with it
        }
        synchronized (this) {
          if (failures.size() < MAX_FAILURES_KEPT) {
            failures.add(row.id() + " (tenant " + row.tenant() + "): " + e.code().id() + ": " + e.getMessage());
          }
        }
        LOG.warn("rewrap: file {} of tenant {} could not be re-wrapped: {}: {}", row.id(), row.tenant(),
            e.code().id(), e.getMessage());
        return Outcome.FAILED;
      }
      return files.metadata().replaceWrappedKey(row, files.keys().name(), next) ? Outcome.REWRAPPED : Outcome.CHANGED;
    }

    /** The key and current version a tenant's rows belong under; empty for a shredded tenant. */
    private Optional<Target> target(String tenant) throws EnvelopeException {
      Optional<Target> known = targets.get(tenant);
      if (known != null) {
        return known;
      }
      TenantStore store = files.tenants().store();
      Optional<TenantRecord> record = store == null ? Optional.empty() : store.findTenant(tenant);
      Optional<Target> t;
      if (record.isPresent() && !record.get().active()) {
        t = Optional.empty();
      } else if (record.isPresent() && !record.get().keyService().equals(files.keys().name())) {
        t = Optional.empty();
      } else {
        String keyId = record.isPresent() ? record.get().rootKey() : admin.resolveRootKey(files.nodeRootKey());
        t = Optional.of(new Target(keyId, admin.currentVersion(keyId)));
      }
      targets.put(tenant, t);
      return t;
    }

    /** Waits for this row's slot under {@link Options#ratePerSecond()}; the workers take their slots in turn. */
    private void pace() {
      if (options.ratePerSecond() <= 0) {
        return;
      }
      long interval = (long) (1e9 / options.ratePerSecond());
      synchronized (paceLock) {
        long now = System.nanoTime();
        if (nextSlot - now > 0) {
          try {
            Thread.sleep(Duration.ofNanos(nextSlot - now).toMillis(), (int) ((nextSlot - now) % 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          now = System.nanoTime();
        }
        nextSlot = Math.max(nextSlot, now - interval) + interval;
      }
    }

    private synchronized Summary summary() {
      return new Summary(scanned, rewrapped, current, changed, skipped, failed, failures,
          Duration.ofNanos(System.nanoTime() - started));
    }
  }

  private record Target(String keyId, int version) {}
}
