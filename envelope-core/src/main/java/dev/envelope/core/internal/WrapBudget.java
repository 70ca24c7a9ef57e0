package dev.envelope.core.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many more keys this process may wrap under each root key version without writing its key store (the
 * local keyring file, the PKCS#11 metadata file).
 *
 * <p>Why: wrapping uses random 96-bit nonces, so a version must stop well before 2^32 wraps
 * ({@link #DEFAULT_WRAPS_PER_VERSION}). Counting every wrap in the store would cost a write (and an fsync)
 * per data key. Instead a process reserves wraps in blocks, adding the block to the version's persisted count
 * under the store's write lock before it uses any of them. The persisted count is therefore an upper bound on the wraps ever made, whatever other
 * processes do and wherever one crashes (a crash only wastes the rest of its block). Blocks start small, so
 * that a short CLI process wastes little, and double up to {@value #MAX_BLOCK}. Thread-safe.
 */
public final class WrapBudget {
  /**
   * Wraps allowed under one key version (2^30): with random 96-bit nonces the chance of a repeated nonce
   * stays below 2^-33, inside NIST SP 800-38D's bound of 2^-32 for random nonces.
   */
  public static final long DEFAULT_WRAPS_PER_VERSION = 1L << 30;
  static final long FIRST_BLOCK = 16;
  static final long MAX_BLOCK = 1 << 16;

  private final ConcurrentMap<String, AtomicLong> left = new ConcurrentHashMap<>();
  private long nextBlock = FIRST_BLOCK;

  /** Takes one wrap of the version's reserved allowance; false when none is left. */
  public boolean tryTake(String keyId, int version) {
    AtomicLong allowance = left.get(keyId + "#" + version);
    if (allowance == null) {
      return false;
    }
    long n;
    do {
      n = allowance.get();
      if (n <= 0) {
        return false;
      }
    } while (!allowance.compareAndSet(n, n - 1));
    return true;
  }

  /** The size of the next block to reserve. */
  public synchronized long nextBlock() {
    return nextBlock;
  }

  /** Records a reservation made in the keyring file, less {@code taken} wraps used at once. */
  public synchronized void granted(String keyId, int version, long block, long taken) {
    left.computeIfAbsent(keyId + "#" + version, k -> new AtomicLong()).addAndGet(block - taken);
    nextBlock = Math.min(MAX_BLOCK, nextBlock * 2);
  }
}
