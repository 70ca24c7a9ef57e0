package dev.envelope.server;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Says yes to a key at most once per interval: for events worth recording once in a while, not every time.
 * Holds at most {@code maxKeys} keys; beyond that it forgets them all, so a flood of new keys costs memory that
 * stays bounded, and at worst one extra yes each.
 */
final class OncePerInterval {
  private final long intervalNanos;
  private final int maxKeys;
  private final ConcurrentHashMap<String, Long> last = new ConcurrentHashMap<>();

  OncePerInterval(Duration interval, int maxKeys) {
    this.intervalNanos = interval.toNanos();
    this.maxKeys = maxKeys;
  }

  boolean due(String key) {
    long now = System.nanoTime();
    if (last.size() >= maxKeys) {
      last.clear();
    }
    boolean[] due = {false};
    last.compute(key, (k, then) -> {
      if (then == null || now - then >= intervalNanos) {
        due[0] = true;
        return now;
      }
      return then;
    });
    return due[0];
  }
}
