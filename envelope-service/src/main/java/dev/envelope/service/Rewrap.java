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
 * </ul>
 * On AWS KMS a root key's version is always 0 (AWS keeps every backing key of a rotated key), so rows under the
 * tenant's key are current: a rewrap there moves rows between keys ({@code tenants set-key}).
 */
public final class Rewrap {
  /** Rows re-wrapped at once by default: enough to hide a key service's round trip and group a store's commits. */
  public static final int DEFAULT_PARALLELISM = 8;
  /** The most rows re-wrapped at once. */
  public static final int MAX_PARALLELISM = 64;
  private static final Logger LOG = LoggerFactory.getLogger(Rewrap.class);
  private static final int PAGE = 200;
  private static final int MAX_FAILURES_KEPT = 20;

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

    /** With {@link #DEFAULT_PARALLELISM} rows at once. */
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

  /** Told after every row, and once when the last row is done (before the run logs its summary). */
  public interface Progress {
    void update(Summary soFar);

    default void finished() {}
  }

  /** Runs a rewrap; only the operator may. The summary's {@code failed} says whether every row made it. */
  public Summary run(Principal caller, Options options, Progress progress) throws EnvelopeException {
    if (!caller.isOperator()) {
      throw new EnvelopeException(ErrorCode.FORBIDDEN, "only the operator re-wraps data keys");
    }
    Run run = new Run(options, progress == null ? s -> { } : progress);
    return run.all();
  }

  /** What became of a row; {@code ABORTED}: not looked at, because the run was stopping. */
  private enum Outcome { REWRAPPED, CURRENT, CHANGED, SKIPPED, FAILED, ABORTED }

  /**
   * One run. Rows of a page are re-wrapped by {@link Options#parallelism()} workers at once (each row on its own:
   * the conditional update makes them independent), so a store's commit and a key service's round trip overlap;
   * pages are taken one after the other, so memory stays bounded.
   */
  private final class Run {
    private final Options options;
    private final Progress progress;
    private final long started = System.nanoTime();
    private final Map<String, Optional<Target>> targets = new HashMap<>();
    private final List<String> failures = new ArrayList<>();
    /** Tenants whose target key cannot wrap now. */
    private final Map<String, Boolean> blocked = new java.util.concurrent.ConcurrentHashMap<>();
    private long scanned;
    private long rewrapped;
    private long current;
    private long changed;
    private long skipped;
    private long failed;
    private long nextSlot = System.nanoTime();
    /** Set when the key service or the store went away: rows not begun yet are not begun. */
    private volatile boolean stopping;

    Run(Options options, Progress progress) {
      this.options = options;
      this.progress = progress;
    }

    Summary all() throws EnvelopeException {
      java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(
          options.parallelism(), r -> {
            Thread t = new Thread(r, "envelope-rewrap");
            t.setDaemon(true);
            return t;
          });
      try {
        String cursor = null;
        do {
          FilePage page = files.metadata().scan(options.tenant(), cursor, PAGE);
          List<java.util.concurrent.Future<Outcome>> outcomes = new ArrayList<>();
          for (FileRecord row : page.files()) {
            outcomes.add(workers.submit(() -> {
              if (stopping) {
                return Outcome.ABORTED;
              }
              try {
                return one(row);
              } catch (EnvelopeException | RuntimeException e) {
                stopping = true;
                throw e;
              }
            }));
          }
          for (java.util.concurrent.Future<Outcome> outcome : outcomes) {
            count(await(outcome));
            progress.update(summary());
          }
          cursor = page.nextCursor().orElse(null);
        } while (cursor != null);
      } finally {
        workers.shutdownNow();
      }
      Summary done = summary();
      progress.finished();
      LOG.info("rewrap{}{}: {} rows, {} re-wrapped, {} current, {} changed meanwhile, {} skipped, {} failed in {} ms",
          options.dryRun() ? " (dry run)" : "", options.tenant() == null ? "" : " of tenant " + options.tenant(),
          done.scanned(), done.rewrapped(), done.current(), done.changed(), done.skipped(), done.failed(),
          done.elapsed().toMillis());
      return done;
    }

    private Outcome await(java.util.concurrent.Future<Outcome> outcome) throws EnvelopeException {
      try {
        return outcome.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EnvelopeException(ErrorCode.UNAVAILABLE, "the rewrap was interrupted", e);
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof EnvelopeException cause) {
          throw cause;
        }
        if (e.getCause() instanceof RuntimeException cause) {
          throw cause;
        }
        throw new IllegalStateException(e.getCause());
      }
    }

    private synchronized void count(Outcome outcome) {
      if (outcome == Outcome.ABORTED) {
        return;
      }
      scanned++;
      switch (outcome) {
        case REWRAPPED -> rewrapped++;
        case CURRENT -> current++;
        case CHANGED -> changed++;
        case SKIPPED -> skipped++;
        case FAILED -> failed++;
        default -> { }
      }
    }

    private synchronized void failure(String text) {
      if (failures.size() < MAX_FAILURES_KEPT) {
        failures.add(text);
      }
    }

    private Outcome one(FileRecord row) throws EnvelopeException {
      Optional<Target> target = target(row.tenant());
      if (target.isEmpty() || !row.keyService().equals(files.keys().name())) {
        return Outcome.SKIPPED;
      }
      Target t = target.get();
      WrappedKey wrapped = row.wrappedKey();
      boolean isCurrent = wrapped.rootKeyId().equals(t.keyId())
          && (t.version() == 0 || wrapped.rootKeyVersion() == t.version());
      if (isCurrent) {
        return Outcome.CURRENT;
      }
      if (blocked.containsKey(row.tenant())) {
        return Outcome.FAILED;
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
        if (!targetUsable(t)) {
          // The tenant's key itself cannot wrap (disabled, pending deletion, gone): every row of the tenant would
          // fail the same way. Count them all, but name the key once instead of every row.
          if (blocked.putIfAbsent(row.tenant(), Boolean.TRUE) == null) {
            failure("tenant " + row.tenant() + ": its root key " + t.keyId() + " cannot wrap keys now: "
                + e.code().id() + ": " + e.getMessage());
            LOG.warn("rewrap: tenant {}: its root key {} cannot wrap keys now ({}): its rows are not re-wrapped",
                row.tenant(), t.keyId(), e.code().id());
          }
          return Outcome.FAILED;
        }
        failure(row.id() + " (tenant " + row.tenant() + "): " + e.code().id() + ": " + e.getMessage());
        LOG.warn("rewrap: file {} of tenant {} could not be re-wrapped: {}: {}", row.id(), row.tenant(),
            e.code().id(), e.getMessage());
        return Outcome.FAILED;
      }
      return files.metadata().replaceWrappedKey(row, files.keys().name(), next) ? Outcome.REWRAPPED
          : Outcome.CHANGED;
    }

    private boolean targetUsable(Target t) {
      try {
        admin.resolveRootKey(t.keyId());
        return true;
      } catch (EnvelopeException e) {
        return false;
      }
    }

    /** The key and current version a tenant's rows belong under; empty for a shredded tenant. */
    private synchronized Optional<Target> target(String tenant) throws EnvelopeException {
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

    /** Waits for this row's slot when a rate is set: slots are handed out in turn across the workers. */
    private void pace() {
      if (options.ratePerSecond() <= 0) {
        return;
      }
      long interval = (long) (1e9 / options.ratePerSecond());
      long slot;
      synchronized (this) {
        long now = System.nanoTime();
        slot = Math.max(nextSlot, now);
        nextSlot = slot + interval;
      }
      long wait = slot - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private synchronized Summary summary() {
      return new Summary(scanned, rewrapped, current, changed, skipped, failed, failures,
          Duration.ofNanos(System.nanoTime() - started));
    }
  }

  private record Target(String keyId, int version) {}
}
