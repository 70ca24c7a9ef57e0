package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.DataKey;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.WrappedKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The opt-in data-key cache (as the AWS Encryption SDK's caching materials manager): one data key per tenant and
 * root key is reused for several uploads within limits of age, file count and bytes, which cuts the key service's
 * calls (and AWS KMS's cost and quota) for small files. Off by default.
 *
 * <h2>What stays per file</h2>
 * Files that share a data key still each get their own content key and nonce space: the stream's HKDF derives
 * the content key from the data key, a random 32-byte salt and the file's associated data (its id, tenant and a
 * digest of its name, type and creation time: {@link FileService#streamContext}), and each stream has its own
 * random nonce prefix. Such rows are blob format 2; their wrapped key is bound to the tenant only (it serves many
 * files), so a row's other columns are what the associated data binds.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>The limits are exact: a key serves at most {@code maxFiles} uploads, at most {@code maxBytes} plaintext
 *       bytes (an upload declares its size before it starts; one of unknown size, or larger than the limit, gets
 *       a fresh key and format 1), and no upload starts on it {@code maxAge} or more after it was made.
 *   <li>Keys live in memory only. An evicted key is zeroed at once; each upload works on its own copy, which it
 *       zeroes when done.
 *   <li>Keys this node made also serve downloads of their files within {@code maxAge}, without a key service call.
 * </ul>
 * Thread-safe.
 */
public final class DataKeyCache implements AutoCloseable {
  /** Most entries kept for downloads; the oldest goes first. */
  private static final int MAX_ENTRIES = 1024;

  /**
   * The cache's limits.
   *
   * @param maxAge how long a data key may start uploads after it was made (at most a day)
   * @param maxFiles how many uploads one data key may serve
   * @param maxBytes how many plaintext bytes one data key may encrypt in all
   */
  public record Limits(Duration maxAge, long maxFiles, long maxBytes) {
    public Limits {
      Objects.requireNonNull(maxAge, "maxAge");
      if (maxAge.isNegative() || maxAge.isZero() || maxAge.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("the data-key cache's age limit must be more than 0 and at most 1 day");
      }
      if (maxFiles < 1 || maxFiles > 1L << 32) {
        throw new IllegalArgumentException("the data-key cache's file limit must be 1 to 2^32");
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("the data-key cache's byte limit must be at least 1");
      }
    }

    /**
     * Parses {@code AGE,FILES,BYTES}, such as {@code 5m,1000,1G}: age with a unit ({@code ms}, {@code s}, {@code
     * m}, {@code h}), a count, and bytes with an optional binary unit ({@code K}, {@code M}, {@code G}, {@code T}).
     */
    public static Limits parse(String text) {
      String[] parts = text.strip().split(",", -1);
      if (parts.length != 3) {
        throw new IllegalArgumentException("a data-key cache is AGE,FILES,BYTES, such as 5m,1000,1G");
      }
      try {
        return new Limits(age(parts[0].strip()), Long.parseLong(parts[1].strip()), bytes(parts[2].strip()));
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException("a data-key cache is AGE,FILES,BYTES, such as 5m,1000,1G: '" + text
            + "' is not");
      }
    }

    private static Duration age(String s) {
      String lower = s.toLowerCase(Locale.ROOT);
      if (lower.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2)));
      }
      long n = Long.parseLong(lower.substring(0, Math.max(0, lower.length() - 1)));
      return switch (lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new NumberFormatException(s);
      };
    }

    private static long bytes(String s) {
      String upper = s.toUpperCase(Locale.ROOT);
      int shift = switch (upper.isEmpty() ? ' ' : upper.charAt(upper.length() - 1)) {
        case 'K' -> 10;
        case 'M' -> 20;
        case 'G' -> 30;
        case 'T' -> 40;
        default -> 0;
      };
      long n = Long.parseLong(shift == 0 ? upper : upper.substring(0, upper.length() - 1));
      if (n < 0 || n > Long.MAX_VALUE >> shift) {
        throw new ArithmeticException("overflow");
      }
      return n << shift;
    }

    @Override
    public String toString() {
      return maxAge.toMillis() + "ms," + maxFiles + "," + maxBytes;
    }
  }

  /** Makes a fresh data key when the cache has none to give. */
  @FunctionalInterface
  public interface KeyMaker {
    DataKey make() throws EnvelopeException;
  }

  private final Limits limits;
  private final Clock clock;
  /** The key uploads of each tenant and root key take now. */
  private final Map<String, Entry> current = new HashMap<>();
  /** Every live key by its wrapped form, for downloads; oldest first. */
  private final LinkedHashMap<WrappedKey, Entry> byWrapped = new LinkedHashMap<>();
  /** Keys being made now, by slot: one key service call per slot at a time. */
  private final Map<String, java.util.concurrent.CompletableFuture<Void>> inFlight = new HashMap<>();
  private final AtomicLong made = new AtomicLong();
  private final AtomicLong reused = new AtomicLong();
  private boolean closed;

  public DataKeyCache(Limits limits, Clock clock) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public Limits limits() {
    return limits;
  }

  /** Whether an upload of {@code size} bytes ({@code -1}: unknown) may take a cached key at all. */
  public boolean covers(long size) {
    return size >= 0 && size <= limits.maxBytes();
  }

  /**
   * A copy of the data key an upload of {@code size} bytes of {@code tenant} under {@code rootKey} uses, counted
   * against the limits: the cached one if it has room, else a new one from {@code maker}. The caller closes it.
   *
   * @throws IllegalArgumentException if the cache does not {@link #covers cover} {@code size}
   */
  public DataKey lease(String tenant, String rootKey, long size, KeyMaker maker) throws EnvelopeException {
    if (!covers(size)) {
      throw new IllegalArgumentException("the cache does not cover an upload of " + size + " bytes");
    }
    String slot = tenant + "\0" + rootKey;
    while (true) {
      java.util.concurrent.CompletableFuture<Void> making;
      boolean leader = false;
      synchronized (this) {
        evictExpired();
        Entry e = current.get(slot);
        if (e != null && e.files < limits.maxFiles() && e.bytes + size <= limits.maxBytes()) {
          e.files++;
          e.bytes += size;
          reused.incrementAndGet();
          return e.copy();
        }
        if (e != null) {
          current.remove(slot); // used up: downloads may still use it until it is too old
        }
        making = inFlight.get(slot);
        if (making == null) {
          // This upload makes the next key; uploads that come meanwhile wait for it instead of making their own.
          making = new java.util.concurrent.CompletableFuture<>();
          inFlight.put(slot, making);
          leader = true;
        }
      }
      if (!leader) {
        awaitKey(making);
        continue; // the new key (or, if it is full already, a turn to make the next one)
      }
      DataKey fresh;
      try {
        fresh = maker.make(); // outside the lock: a slow key service must not stall other tenants
      } catch (EnvelopeException | RuntimeException e) {
        synchronized (this) {
          inFlight.remove(slot);
        }
        making.completeExceptionally(e);
        throw e;
      }
      synchronized (this) {
        inFlight.remove(slot);
        making.complete(null);
        if (closed) {
          return fresh;
        }
        made.incrementAndGet();
        Entry e = new Entry(fresh, clock.instant(), tenant);
        e.files = 1;
        e.bytes = size;
        current.put(slot, e);
        byWrapped.put(fresh.wrapped(), e);
        trim();
        return e.copy();
      }
    }
  }

  /** Waits for another upload's key; its failure is this upload's too (the key service refused or is away). */
  private static void awaitKey(java.util.concurrent.CompletableFuture<Void> making) throws EnvelopeException {
    try {
      making.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EnvelopeException(dev.envelope.api.ErrorCode.UNAVAILABLE, "interrupted while waiting for a data key",
          e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof EnvelopeException cause) {
        throw new EnvelopeException(cause.code(), cause.getMessage(), cause);
      }
      throw new IllegalStateException("making a data key failed", e.getCause());
    }
  }

  /** A copy of the data key {@code wrapped} stands for, if this cache holds it and it is not too old. */
  public synchronized Optional<DataKey> unwrapped(WrappedKey wrapped) {
    evictExpired();
    Entry e = byWrapped.get(wrapped);
    return e == null ? Optional.empty() : Optional.of(e.copy());
  }

  /** Keeps a key a download of {@code tenant} unwrapped, for later downloads of files under it (until too old). */
  public synchronized void remember(String tenant, DataKey key) {
    if (closed || byWrapped.containsKey(key.wrapped())) {
      return;
    }
    byWrapped.put(key.wrapped(), new Entry(copyOf(key), clock.instant(), tenant));
    trim();
  }

  /** Zeroes and drops every key of {@code tenant} (it was shredded); returns how many. */
  public synchronized int forget(String tenant) {
    int n = 0;
    for (Iterator<Entry> it = byWrapped.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.tenant.equals(tenant)) {
        it.remove();
        e.key.close();
        n++;
      }
    }
    current.values().removeIf(e -> {
      if (e.tenant.equals(tenant)) {
        e.key.close();
        return true;
      }
      return false;
    });
    return n;
  }

  /** Data keys made (each one call to the key service). */
  public long made() {
    return made.get();
  }

  /** Uploads served by a cached key (each one call saved). */
  public long reused() {
    return reused.get();
  }

  /** How many keys it holds now. */
  public synchronized int size() {
    evictExpired();
    return byWrapped.size();
  }

  /** Zeroes and drops every key; later leases make fresh keys and keep none. */
  @Override
  public synchronized void close() {
    closed = true;
    for (Entry e : byWrapped.values()) {
      e.key.close();
    }
    for (Entry e : current.values()) {
      e.key.close();
    }
    byWrapped.clear();
    current.clear();
  }

  private void evictExpired() {
    Instant now = clock.instant();
    for (Iterator<Entry> it = byWrapped.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (!now.isBefore(e.made.plus(limits.maxAge()))) {
        it.remove();
        current.values().remove(e);
        e.key.close();
      }
    }
    current.values().removeIf(e -> {
      if (!now.isBefore(e.made.plus(limits.maxAge()))) {
        e.key.close();
        return true;
      }
      return false;
    });
  }

  /** Drops the oldest keys beyond {@link #MAX_ENTRIES}, except those still taking uploads. */
  private void trim() {
    Iterator<Entry> it = byWrapped.values().iterator();
    while (byWrapped.size() > MAX_ENTRIES && it.hasNext()) {
      Entry e = it.next();
      if (!current.containsValue(e)) {
        it.remove();
        e.key.close();
      }
    }
  }

  private static DataKey copyOf(DataKey key) {
    byte[] plain = key.copyPlaintext(InsecureKeyAccess.get());
    try {
      return DataKey.of(plain, key.wrapped());
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  private static final class Entry {
    final DataKey key;
    final Instant made;
    final String tenant;
    long files;
    long bytes;

    Entry(DataKey key, Instant made, String tenant) {
      this.key = key;
      this.made = made;
      this.tenant = tenant;
    }

    DataKey copy() {
      return copyOf(key);
    }
  }
}
