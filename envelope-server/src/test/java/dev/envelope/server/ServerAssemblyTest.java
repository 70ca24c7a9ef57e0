package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.service.BlobWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import dev.envelope.http.HttpLimits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerAssemblyTest {
  @Test
  void theSweeperRemovesBlobsWithoutARowOnItsSchedule() throws Exception {
    try (TestServer t = TestServer.configured(b -> b.orphanSweep(Duration.ZERO, Duration.ofMillis(200)))) {
      String kept = RoundTripTest.upload(t, "kept", new byte[10]).get("id").asText();
      try (BlobWriter orphan = t.blobs().create("aaaaaaaaaaaaaaaaaaaaaaaaaa")) {
        orphan.write(new byte[100]);
        orphan.commit();
      }
      assertEquals(2, t.blobCount());

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (t.blobCount() > 1 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }

      assertEquals(1, t.blobCount());
      assertEquals(200, t.send(t.request("/v1/files/" + kept, t.reader).build()).statusCode());
    }
  }

  @Test
  void aZeroSweepInterval_turnsTheSweeperOffOnThisNode() throws Exception {
    try (TestServer off = TestServer.configured(b -> b.orphanSweep(Duration.ZERO, Duration.ZERO));
         TestServer on = TestServer.configured(b -> b.orphanSweep(Duration.ZERO, Duration.ofMinutes(1)))) {
      assertFalse(off.server.sweeps());
      assertTrue(on.server.sweeps());
    }
  }

  @Test
  void portZeroListensOnAFreePortThatTheServerTells() throws Exception {
    try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
      assertTrue(a.server.port() > 0);
      assertTrue(a.server.port() != b.server.port());
      assertEquals("http://127.0.0.1:" + a.server.port(), a.server.url());
    }
  }

  @Test
  void aStalledRequestIsDroppedAfterTheIdleTimeout() throws Exception {
    try (TestServer t = TestServer.configured(b -> b.limits(TestServer.LIMITS.withIdleTimeout(Duration.ofMillis(500))))) {
      try (Socket socket = new Socket("127.0.0.1", t.server.port())) {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/files?name=slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.writer
            + "\r\nContent-Length: 1000\r\n\r\nonly a few bytes").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long start = System.nanoTime();
        try (InputStream in = socket.getInputStream()) {
          in.readAllBytes();
        } catch (IOException reset) {
          // closed under us: also dropped
        }
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(8).toNanos(), "dropped, not kept waiting");
      }
      assertEquals(0, t.fileCount());
    }
  }

  @Test
  void theBuilderRefusesTimesThatMeanNothing() throws Exception {
    try (TestServer t = TestServer.start()) {
      EnvelopeServer.Builder b = EnvelopeServer.builder(t.files, t.tokens);
      assertThrows(IllegalArgumentException.class, () -> b.limits(HttpLimits.defaults().withIdleTimeout(Duration.ZERO)));
      assertThrows(IllegalArgumentException.class, () -> b.orphanSweep(Duration.ofSeconds(-1), Duration.ofMinutes(1)));
      assertThrows(IllegalArgumentException.class, () -> b.orphanSweep(Duration.ZERO, Duration.ofSeconds(-1)));
    }
  }
}
