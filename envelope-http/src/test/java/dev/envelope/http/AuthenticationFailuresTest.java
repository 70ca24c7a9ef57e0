package dev.envelope.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthenticationFailuresTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AuthenticationFailures failures = new AuthenticationFailures(5, now::get);

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void anAddressIsThrottledOnceItsBudgetIsSpent_andOnlyThen() {
    for (int i = 0; i < 4; i++) {
      failures.failed("10.0.0.1", "bad token");
      assertEquals(Optional.empty(), failures.throttled("10.0.0.1"), "after " + (i + 1));
    }
    failures.failed("10.0.0.1", "bad token");

    Duration wait = failures.throttled("10.0.0.1").orElseThrow();
    assertEquals(TimeUnit.SECONDS.toNanos(12), wait.toNanos(), 1_000_000, "one failure refills in 60 s / 5");
    assertEquals(Optional.empty(), failures.throttled("10.0.0.2"), "another address keeps its budget");
  }

  @Test
  void theBudgetRefillsEvenlyOverTheMinute() {
    for (int i = 0; i < 5; i++) {
      failures.failed("10.0.0.1", "bad token");
    }
    advance(Duration.ofSeconds(11));
    assertTrue(failures.throttled("10.0.0.1").isPresent());
    advance(Duration.ofSeconds(1));
    assertEquals(Optional.empty(), failures.throttled("10.0.0.1"), "one failure's worth after 12 s");

    failures.failed("10.0.0.1", "bad token");
    assertTrue(failures.throttled("10.0.0.1").isPresent(), "and it is spent again at once");
    advance(Duration.ofMinutes(5));
    for (int i = 0; i < 4; i++) {
      failures.failed("10.0.0.1", "bad token");
    }
    assertEquals(Optional.empty(), failures.throttled("10.0.0.1"), "a full budget, not more, after a long pause");
  }

  @Test
  void failuresAreLoggedAtMostOnceAMinutePerAddress_withTheirCount() {
    String log = capturingStderr(() -> {
      for (int i = 0; i < 20; i++) {
        failures.failed("10.0.0.9", "GET /v1/files: a valid bearer token is required");
      }
      advance(Duration.ofSeconds(61));
      failures.failed("10.0.0.9", "GET /v1/files: a valid bearer token is required");
    });

    assertEquals(2, log.lines().filter(l -> l.contains("10.0.0.9")).count(), log);
    assertTrue(log.contains("1 failure(s)"), log);
    assertTrue(log.contains("20 failure(s)"), log);
  }

  @Test
  void manyAddresses_cannotFloodTheLog() {
    String log = capturingStderr(() -> {
      for (int i = 0; i < 1000; i++) {
        failures.failed("10.1." + (i / 250) + "." + (i % 250), "bad token");
      }
    });

    assertEquals(AuthenticationFailures.MAX_LINES_PER_MINUTE,
        log.lines().filter(l -> l.contains("authentication failed from")).count());
  }

  private static String capturingStderr(Runnable action) {
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(saved);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theAddressesTracked_stayBounded_whateverTheirNumber() {
    for (int i = 0; i < 3 * AuthenticationFailures.MAX_TRACKED; i++) {
      String address = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
      failures.failed(address, "bad token");
      failures.failed(address, "bad token"); // twice: a count not yet logged must not pin it in memory
      advance(Duration.ofMillis(1));
    }

    assertTrue(failures.tracked() <= AuthenticationFailures.MAX_TRACKED, "tracked " + failures.tracked());
    assertTrue(failures.throttled("10.0.0.1").isEmpty(), "forgotten, which only gives back a budget");
  }

  @Test
  void whenTheMapIsFull_theAddressesThatFailedLongestAgoGoFirst() {
    for (int i = 0; i < 5; i++) {
      failures.failed("192.0.2.1", "bad token"); // the oldest: throttled, then forgotten first
    }
    advance(Duration.ofNanos(1000));
    for (int i = 0; i < AuthenticationFailures.MAX_TRACKED; i++) {
      failures.failed("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255), "bad token");
      advance(Duration.ofNanos(1000));
    }
    for (int i = 0; i < 5; i++) {
      failures.failed("192.0.2.2", "bad token"); // the newest: kept, and throttled
    }

    assertTrue(failures.tracked() < AuthenticationFailures.MAX_TRACKED);
    assertTrue(failures.throttled("192.0.2.1").isEmpty(), "the oldest was forgotten, budget and all");
    assertTrue(failures.throttled("192.0.2.2").isPresent());
  }
}
