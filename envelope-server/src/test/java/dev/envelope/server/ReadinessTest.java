package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} answers at once from the last known state: a readiness check that hangs (a dependency taking
 * its whole retry budget) holds neither the probe nor, past a short wait, the server's start.
 */
class ReadinessTest {
  @Test
  void aHangingFirstCheck_neverHoldsTheProbe_whichSaysNotReadyYet_untilTheCheckEnds() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    try (TestServer t = TestServer.withHangingReadiness(gate)) {
      // The check is still hanging on the gate: an answer now is one that did not wait for it.
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = t.send(t.request("/readyz", null).timeout(Duration.ofSeconds(20)).build());
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.body().contains("not ready yet: the first readiness check is still running"), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
      }
      assertEquals(1, gate.getCount(), "the check is still hanging");
      assertEquals(200, t.send(t.request("/healthz", null).build()).statusCode(), "alive meanwhile");

      gate.countDown();
      int status = 0;
      for (int i = 0; i < 200 && status != 200; i++) {
        status = t.send(t.request("/readyz", null).build()).statusCode();
        if (status != 200) {
          Thread.sleep(25);
        }
      }
      assertEquals(200, status, "ready once the check ends");
    }
  }

  @Test
  void aServerWhoseFirstCheckPassed_isReadyAtItsFirstProbe() throws Exception {
    try (TestServer t = TestServer.start()) {
      assertEquals(200, t.send(t.request("/readyz", null).build()).statusCode());
    }
  }
}
