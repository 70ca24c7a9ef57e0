package dev.envelope.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlowPeerMeterTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void theGracePeriodIsFree_thenTheClientMustKeepToTheRate() {
    SlowPeerMeter meter = new SlowPeerMeter(1000, 10 * SECOND);
    meter.waited(9 * SECOND);
    assertFalse(meter.tooSlow(), "within the grace");
    meter.moved(1000); // earns a second back
    meter.waited(2 * SECOND);
    assertFalse(meter.tooSlow());
    meter.waited(1);
    assertTrue(meter.tooSlow(), "the grace and the earned second are spent");
  }

  @Test
  void aFastStart_buysNoMoreThanTheGracePeriod() {
    SlowPeerMeter meter = new SlowPeerMeter(1000, 10 * SECOND);
    meter.moved(100_000_000); // 100 MB at once would have bought 28 hours under an average over the transfer
    assertEquals(10 * SECOND, meter.allowedWaitNanos(0), "no more than the grace may be banked");
    meter.waited(10 * SECOND + 1);
    assertTrue(meter.tooSlow());
  }

  @Test
  void aLargeWritesOwnBytes_earnTheirTimeEvenPastTheCap() {
    SlowPeerMeter meter = new SlowPeerMeter(1024, 10 * SECOND);
    // 64 KiB taken at 3 KiB/s (above the minimum) takes about 21 s: it must not be cut at 10.
    long allowed = meter.allowedWaitNanos(64 * 1024);
    assertEquals(74 * SECOND, allowed, SECOND / 1000);
  }

  @Test
  void noMinimum_neverCuts() {
    SlowPeerMeter meter = new SlowPeerMeter(0, 0);
    meter.waited(1_000 * SECOND);
    assertFalse(meter.tooSlow());
    assertEquals(Long.MAX_VALUE, meter.allowedWaitNanos(0));
  }
}
