package dev.envelope.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The chaos loop: at random intervals it causes one fault at a time, holds it for a few seconds and repairs it,
 * recording each in the {@link SoakLedger} with its start and end. The faults come from a shuffled deck of the
 * four kinds, dealt out and shuffled again, so that every kind happens (about) equally often and a short run
 * sees each at least once: it goes on past its end time until it has.
 *
 * <ul>
 *   <li>{@code kill -9 node b}, then starting it again on the same port (its clients keep their URL). Node a is
 *       never killed: it lives through every other fault, which is what makes its heap and threads worth
 *       watching over the whole run;
 *   <li>S3Proxy stopped like a crash (open connections cut) and started again over the same data;
 *   <li>PostgreSQL stopped ({@code pg_ctl stop -m fast}: sessions cut) and started again;
 *   <li>the key server stopped and started again, same port, same keys.
 * </ul>
 */
final class SoakChaos {
  enum Kind {
    KILL_NODE("kill -9 node b"), S3("S3Proxy down"), POSTGRES("PostgreSQL down"), KEY_SERVER("key server down");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private final SoakLedger ledger;
  private final SharedBackends backends;
  private final SoakNode victim;
  private final int victimIndex;
  private final Random random;
  private final Duration pauseMin;
  private final Duration pauseMax;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Set<Kind> seen = EnumSet.noneOf(Kind.class);
  private Thread thread;
  private volatile Throwable broken;

  /**
   * @param victim the node that is killed; {@code victimIndex} its index in the load's list of nodes
   * @param pauseMin least time between the end of one fault and the start of the next
   */
  SoakChaos(SoakLedger ledger, SharedBackends backends, SoakNode victim, int victimIndex, long seed,
      Duration pauseMin, Duration pauseMax) {
    this.ledger = ledger;
    this.backends = backends;
    this.victim = victim;
    this.victimIndex = victimIndex;
    this.random = new Random(seed);
    this.pauseMin = pauseMin;
    this.pauseMax = pauseMax;
  }

  /** Runs faults until {@code until} (nanoTime) has passed and every kind has happened once. */
  void start(long until) {
    thread = new Thread(() -> {
      try {
        run(until);
      } catch (Throwable t) {
        broken = t;
      }
    }, "soak-chaos");
    thread.setDaemon(true);
    thread.start();
  }

  /** Waits for the loop to finish its fault and stop; throws what broke it, if anything did. */
  void awaitEnd(Duration patience) throws Throwable {
    thread.join(patience.toMillis());
    if (thread.isAlive()) {
      stop.set(true);
      thread.join(Duration.ofSeconds(60).toMillis());
      if (thread.isAlive()) {
        throw new AssertionError("the chaos loop did not end");
      }
    }
    if (broken != null) {
      throw broken;
    }
  }

  /** Whether the chaos loop is still running (the load runs on, calm, a while after it ends). */
  boolean running() {
    return thread.isAlive();
  }

  private void run(long until) throws Exception {
    List<Kind> deck = new ArrayList<>();
    while (!stop.get()) {
      Thread.sleep(between(pauseMin, pauseMax));
      if (System.nanoTime() >= until && seen.size() == Kind.values().length) {
        return;
      }
      if (deck.isEmpty()) {
        deck.addAll(List.of(Kind.values()));
        Collections.shuffle(deck, random);
      }
      Kind kind = deck.remove(0);
      fault(kind, between(Duration.ofSeconds(2), Duration.ofSeconds(5)));
      seen.add(kind);
    }
  }

  private void fault(Kind kind, long holdMillis) throws Exception {
    SoakLedger.Fault f = ledger.faultBegins(kind.label, kind == Kind.KILL_NODE ? victimIndex : -1);
    switch (kind) {
      case KILL_NODE -> {
        victim.kill();
        Thread.sleep(holdMillis);
        victim.restart();
        f.note = "lifetime " + victim.lifetime();
      }
      case S3 -> {
        backends.s3.stop();
        Thread.sleep(holdMillis);
        backends.s3.restart();
      }
      case POSTGRES -> {
        backends.postgres.stop();
        Thread.sleep(holdMillis);
        backends.postgres.restart();
      }
      case KEY_SERVER -> {
        backends.kms.stop();
        Thread.sleep(holdMillis);
        backends.kms.restart();
      }
    }
    ledger.faultEnds(f);
  }

  private long between(Duration min, Duration max) {
    return min.toMillis() + (long) (random.nextDouble() * (max.toMillis() - min.toMillis()));
  }
}
