package dev.envelope.http;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed authentications, per client address: each address has a budget of {@code perMinute} failures (a burst
 * of that many, refilled evenly over a minute). An address that has spent it is throttled until the budget
 * refills: its requests are answered 429 before their credentials are even looked at, so guessing costs the
 * server nothing and the log no lines.
 *
 * <p>Failures are logged under {@code dev.envelope.security}, at most one line per address per minute (with the
 * count since the last line) and at most {@value #MAX_LINES_PER_MINUTE} lines a minute in all, so that an
 * attacker cannot flood the log. A line names the address and what failed, never the credential.
 *
 * <p>A client behind a proxy shares the proxy's address with every other client of it: the budget is the
 * proxy's. Raise it there, or keep the proxy from passing on requests without credentials.
 */
public final class AuthenticationFailures {
  private static final Logger SECURITY = LoggerFactory.getLogger("dev.envelope.security");
  static final int MAX_LINES_PER_MINUTE = 60;
  /**
   * Addresses tracked at most. Reaching it forgets, in one pass, every address whose budget is full again and then,
   * if that is not a tenth of them, the ones that failed longest ago: memory stays bounded whatever the number of
   * addresses an attacker has, and the pass (linear in the map) runs at most once per tenth of it.
   */
  static final int MAX_TRACKED = 16_384;
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  private final int perMinute;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Budget> budgets = new ConcurrentHashMap<>();
  private long windowStart;
  private int linesInWindow;
  private int suppressed;

  public AuthenticationFailures(int perMinute) {
    this(perMinute, System::nanoTime);
  }

  AuthenticationFailures(int perMinute, LongSupplier nanoTime) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("perMinute must be at least 1");
    }
    this.perMinute = perMinute;
    this.nanoTime = nanoTime;
    this.windowStart = nanoTime.getAsLong();
  }

  /** Empty when {@code address} may try to authenticate; else how long until it may. */
  public Optional<Duration> throttled(String address) {
    Budget budget = budgets.get(address);
    if (budget == null) {
      return Optional.empty();
    }
    long wait = budget.nanosUntilNext(nanoTime.getAsLong());
    return wait <= 0 ? Optional.empty() : Optional.of(Duration.ofNanos(wait));
  }

  /** Records a failed authentication from {@code address}; {@code what} says what failed, never a secret. */
  public void failed(String address, String what) {
    long now = nanoTime.getAsLong();
    if (budgets.size() >= MAX_TRACKED) {
      forgetSome(now);
    }
    long count = budgets.computeIfAbsent(address, a -> new Budget(now)).spend(now);
    if (count > 0) {
      log(address, what, count);
    }
  }

  private synchronized void forgetSome(long now) {
    if (budgets.size() < MAX_TRACKED) {
      return; // another thread just did
    }
    budgets.values().removeIf(b -> b.isFull(now));
    int excess = budgets.size() - (MAX_TRACKED - MAX_TRACKED / 10);
    if (excess > 0) {
      budgets.entrySet().stream().sorted(java.util.Comparator.comparingLong(e -> e.getValue().lastFailure()))
          .limit(excess).map(java.util.Map.Entry::getKey).toList().forEach(budgets::remove);
    }
  }

  /** Addresses tracked now (for tests). */
  int tracked() {
    return budgets.size();
  }

  private synchronized void log(String address, String what, long count) {
    long now = nanoTime.getAsLong();
    if (now - windowStart >= MINUTE) {
      if (suppressed > 0) {
        // About other requests than the one that happens to close the window: not under its request id.
        java.util.Map<String, String> context = org.slf4j.MDC.getCopyOfContextMap();
        org.slf4j.MDC.clear();
        try {
          SECURITY.warn("security: {} more authentication-failure line(s) were left out in the last minute",
              suppressed);
        } finally {
          if (context != null) {
            org.slf4j.MDC.setContextMap(context);
          }
        }
      }
      windowStart = now;
      linesInWindow = 0;
      suppressed = 0;
    }
    if (linesInWindow++ < MAX_LINES_PER_MINUTE) {
      SECURITY.warn("security: authentication failed from {} ({}); {} failure(s) from it since its last line",
          address, what, count);
    } else {
      suppressed++;
    }
  }

  /** One address's budget, a token bucket holding up to {@code perMinute} failures. */
  private final class Budget {
    private double left = perMinute;
    private long refilledAt;
    private long loggedAt = Long.MIN_VALUE;
    private long unlogged;
    private volatile long lastFailure;

    Budget(long now) {
      this.refilledAt = now;
    }

    /** Spends one failure; returns the failures to log now (0: not yet, one line a minute per address). */
    synchronized long spend(long now) {
      lastFailure = now;
      refill(now);
      left = Math.max(0, left - 1);
      unlogged++;
      if (loggedAt != Long.MIN_VALUE && now - loggedAt < MINUTE) {
        return 0;
      }
      loggedAt = now;
      long count = unlogged;
      unlogged = 0;
      return count;
    }

    synchronized long nanosUntilNext(long now) {
      refill(now);
      return left >= 1 ? 0 : (long) Math.ceil((1 - left) * MINUTE / perMinute);
    }

    long lastFailure() {
      return lastFailure;
    }

    /** Whether this address has its whole budget back: forgetting it changes nothing but a log count. */
    synchronized boolean isFull(long now) {
      refill(now);
      return left >= perMinute;
    }

    private void refill(long now) {
      left = Math.min(perMinute, left + (double) (now - refilledAt) * perMinute / MINUTE);
      refilledAt = now;
    }
  }
}
