package dev.envelope.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpGuardsTest {
  private static final Duration ANSWER = Duration.ofSeconds(10);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private GuardedApp app(HttpLimits limits) {
    GuardedApp app = new GuardedApp(limits);
    open.add(app);
    return app;
  }

  private RawHttp connect(GuardedApp app, String from) throws IOException {
    RawHttp raw = RawHttp.connect(app.port(), from);
    open.add(raw);
    return raw;
  }

  @Test
  void requestsRunOnVirtualThreadsWhereTheJdkHasThem_unlessThePropertySaysFalse() {
    boolean jdkHasThem = Runtime.version().feature() >= 21;
    try {
      System.clearProperty("envelope.http.virtual-threads");
      assertEquals(jdkHasThem, HttpGuards.virtualThreads());
      assertEquals(jdkHasThem, HttpGuards.threadPool("t", 8).getVirtualThreadsExecutor() != null);
      System.setProperty("envelope.http.virtual-threads", "false");
      assertFalse(HttpGuards.virtualThreads());
      assertEquals(null, HttpGuards.threadPool("t", 8).getVirtualThreadsExecutor());
    } finally {
      System.clearProperty("envelope.http.virtual-threads");
    }
  }

  @Test
  void aMethodOverrideHeader_isRefusedBeforeRouting() throws Exception {
    GuardedApp app = app(HttpLimits.defaults());
    for (String header : RequestGuard.METHOD_OVERRIDES) {
      RawHttp.Response r = connect(app, "127.0.0.1").send("GET /thing HTTP/1.1\r\nHost: x\r\n" + header
          + ": DELETE\r\n\r\n").read(ANSWER);

      assertEquals(400, r.status(), header);
      assertTrue(r.text().contains("METHOD_OVERRIDE"), r.text());
    }
    assertEquals(0, app.deletes.get(), "no GET became a DELETE");
    assertEquals(200, connect(app, "127.0.0.1").send("GET /thing HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER)
        .status());
  }

  @Test
  void aTransferCodingOtherThanChunked_isNotImplemented() throws Exception {
    GuardedApp app = app(HttpLimits.defaults());
    for (String coding : List.of("gzip, chunked", "deflate, chunked", "identity, chunked")) {
      RawHttp.Response r = connect(app, "127.0.0.1").send("POST /upload HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: ok\r\nTransfer-Encoding: " + coding + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n").read(ANSWER);

      assertEquals(501, r.status(), coding);
    }
    assertEquals(0, app.uploadsRead.get(), "no body was stored raw");
    RawHttp.Response chunked = connect(app, "127.0.0.1").send("POST /upload HTTP/1.1\r\nHost: x\r\n"
        + "Authorization: ok\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n").read(ANSWER);
    assertEquals(201, chunked.status());
    assertEquals("5", chunked.text());
  }

  @Test
  void aRefusedUpload_alwaysGetsItsAnswer_neverAResetConnection() throws Exception {
    GuardedApp app = app(HttpLimits.defaults());
    HttpClient client = HttpClient.newHttpClient();
    for (int size : new int[] {1, 1000, 64 * 1024, 256 * 1024}) {
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> refused = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + app.port() + "/upload")).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[size])).build(),
            HttpResponse.BodyHandlers.ofString());

        assertEquals(401, refused.statusCode(), "size " + size);
      }
    }
  }

  @Test
  void aRefusedConnection_isReusedOnceItsBodyIsTakenIn() throws Exception {
    GuardedApp app = app(HttpLimits.defaults());
    RawHttp raw = connect(app, "127.0.0.1");
    raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
    assertEquals(401, raw.read(ANSWER).status());

    raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals(200, raw.read(ANSWER).status());
  }

  @Test
  void slowClientsWithoutCredentials_holdNoThread_andOthersAreServed() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withDrain(1 << 20, Duration.ofSeconds(30)));
    List<RawHttp> slow = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      RawHttp raw = connect(app, "127.0.0." + (2 + i % 3)); // 3 addresses of 50: under the per-address cap
      raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(10));
      slow.add(raw);
    }
    for (RawHttp raw : slow) {
      assertEquals(401, raw.read(ANSWER).status(), "answered while it still sends");
      raw.send("y"); // still trickling: the server is still taking the body in
    }

    assertTrue(app.busyThreads() < 10, "busy threads: " + app.busyThreads());
    assertEquals(200, connect(app, "127.0.0.1").send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER)
        .status());
    RawHttp upload = connect(app, "127.0.0.1").send("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: ok\r\n"
        + "Content-Length: 3\r\n\r\nabc");
    assertEquals(201, upload.read(ANSWER).status());
  }

  @Test
  void aRefusedBodyThatNeverEnds_isCutAtTheDrainLimit() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withDrain(4096, Duration.ofSeconds(30)));
    RawHttp raw = connect(app, "127.0.0.2");
    raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    assertEquals(401, raw.read(ANSWER).status());
    try {
      for (int i = 0; i < 4; i++) {
        raw.send("400\r\n" + "z".repeat(1024) + "\r\n");
      }
      raw.send("400\r\n" + "z".repeat(1024) + "\r\n");
    } catch (IOException e) {
      // closed while we were still sending: what is expected
    }

    assertTrue(raw.closedByServer(ANSWER));
  }

  @Test
  void aRefusedBodyTricklingForever_isCutAtTheDrainTime() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withDrain(1 << 20, Duration.ofMillis(500)));
    RawHttp raw = connect(app, "127.0.0.2");
    raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx");
    assertEquals(401, raw.read(ANSWER).status());

    assertTrue(raw.closedByServer(ANSWER));
  }

  @Test
  void aBodyDeclaredLargerThanTheDrainLimit_isNotWaitedFor() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withDrain(4096, Duration.ofSeconds(30)));
    RawHttp raw = connect(app, "127.0.0.2");
    raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");

    assertEquals(401, raw.read(ANSWER).status());
    assertTrue(raw.closedByServer(ANSWER));
  }

  @Test
  void connectionsOverTheCapOfOneAddress_areClosed_othersAreNot() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withConnections(1024, 4));
    List<RawHttp> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      held.add(connect(app, "127.0.0.2"));
    }
    for (RawHttp raw : held) {
      raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(200, raw.read(ANSWER).status());
    }

    RawHttp fifth = connect(app, "127.0.0.2");
    assertTrue(fifth.closedByServer(ANSWER), "the fifth connection from one address");
    assertEquals(200, connect(app, "127.0.0.3").send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER)
        .status(), "another address");
    held.get(0).close();
    boolean served = false;
    for (int attempt = 0; attempt < 100 && !served; attempt++) {
      try {
        served = connect(app, "127.0.0.2").send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER)
            .status() == 200;
      } catch (IOException e) {
        Thread.sleep(50); // the server has not seen the close yet
      }
    }
    assertTrue(served, "a slot freed by a close is taken again");
  }

  @Test
  void aSlowAuthenticatedBody_isCutAtTheMinimumDataRate_andReleasesItsThread() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMinDataRate(10_000, Duration.ofMillis(500)));
    RawHttp raw = connect(app, "127.0.0.2");
    raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: ok\r\nContent-Length: 100000\r\n\r\n");
    boolean cut = false;
    try {
      for (int i = 0; i < 300 && !cut; i++) {
        raw.send("x");
        Thread.sleep(100); // 10 bytes a second against a minimum of 10,000
        cut = app.uploadFailures.get() > 0;
      }
    } catch (IOException e) {
      cut = true; // the server closed under us
    }

    assertTrue(cut, "the trickling upload was cut");
    assertEquals(0, app.uploadsRead.get());
    assertTrue(raw.closedByServer(ANSWER));
  }

  @Test
  void aClientAboveTheMinimumDataRate_isServed() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMinDataRate(1024, Duration.ofMillis(200)));
    RawHttp raw = connect(app, "127.0.0.2");
    raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: ok\r\nContent-Length: 20000\r\n\r\n");
    for (int i = 0; i < 10; i++) {
      raw.send(new byte[2000]);
      Thread.sleep(100); // 20 KB/s, a slow pipe well above the minimum
    }

    RawHttp.Response r = raw.read(ANSWER);
    assertEquals(201, r.status());
    assertEquals("20000", r.text());
  }

  @Test
  void headersOverTheLimit_areAnsweredInTheServersFormat() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMaxHeaderBytes(2048));
    RawHttp.Response r = connect(app, "127.0.0.2").send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "
        + "a".repeat(4096) + "\r\n\r\n").read(ANSWER);

    assertEquals(431, r.status());
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertTrue(r.text().contains("TOO_LARGE"), r.text());
  }

  @Test
  void contentLengthWithTransferEncoding_isAnsweredInTheServersFormat() throws Exception {
    GuardedApp app = app(HttpLimits.defaults());
    RawHttp.Response r = connect(app, "127.0.0.2").send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n").read(ANSWER);

    assertEquals(400, r.status());
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertFalse(r.text().contains("<html"), r.text());
  }

  @Test
  void aSmallBodyThatArrivedAtOnce_isNeverCut_howeverLongTheServerTakes() throws Exception {
    // The server thinks for 1.5 s, far past the grace: only time spent waiting for the client counts.
    GuardedApp app = app(HttpLimits.defaults().withMinDataRate(1 << 20, Duration.ofMillis(200)));
    RawHttp raw = connect(app, "127.0.0.2");
    RawHttp.Response r = raw.send("POST /slow-server HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
        .read(ANSWER);

    assertEquals(200, r.status(), r.text());
    assertEquals("10", r.text());
  }

  @Test
  void aSmallAnswerAfterALongThink_isNeverCut() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMinDataRate(1 << 20, Duration.ofMillis(200)));
    RawHttp.Response r = connect(app, "127.0.0.2").send("GET /slow-server HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER);

    assertEquals(200, r.status());
    assertEquals("late but small", r.text());
  }

  @Test
  void aReaderThatStalls_isCutAtTheMinimumRate_andReleasesItsThread() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMinDataRate(1 << 20, Duration.ofMillis(500)));
    RawHttp raw = connect(app, "127.0.0.2");
    raw.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); // and then reads nothing: the socket buffers fill up

    for (int i = 0; i < 200 && app.downloadFailures.get() == 0; i++) {
      Thread.sleep(50);
    }
    assertEquals(1, app.downloadFailures.get(), "the download to a stalled reader was cut");
    assertEquals(0, app.downloadsCompleted.get());
    assertTrue(raw.closedByServer(ANSWER));
  }

  @Test
  void aReaderAboveTheMinimumRate_getsEveryByte() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMinDataRate(1024, Duration.ZERO));
    RawHttp.Response r = connect(app, "127.0.0.2").send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER);

    assertEquals(200, r.status());
    assertEquals(64 << 20, r.body().length);
    assertEquals(1, app.downloadsCompleted.get());
  }

  @Test
  void beyondTheConnectionCap_aNewConnectionWaits_untilOneCloses() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withConnections(4, 64));
    List<RawHttp> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RawHttp raw = connect(app, "127.0.0.2");
      raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(200, raw.read(ANSWER).status());
      held.add(raw);
    }
    RawHttp fifth = connect(app, "127.0.0.3"); // the kernel queues it; the server does not take it yet
    fifth.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThrows(java.net.SocketTimeoutException.class, () -> fifth.read(Duration.ofSeconds(1)));

    held.get(0).close();
    assertEquals(200, fifth.read(ANSWER).status(), "taken once a connection closed");
  }

  @Test
  void moreRequestsThanThreads_queue_andAllComplete() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMaxThreads(16));
    assertEquals(16, app.maxThreads());
    java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(40);
    try {
      List<java.util.concurrent.Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String from = "127.0.0." + (2 + i % 4);
        answers.add(clients.submit(() -> {
          try (RawHttp raw = RawHttp.connect(app.port(), from)) {
            return raw.send("GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER).status();
          }
        }));
      }
      int busiest = 0;
      for (java.util.concurrent.Future<Integer> answer : answers) {
        busiest = Math.max(busiest, app.busyThreads());
        assertEquals(200, answer.get());
      }
      assertTrue(busiest <= 16, "busy threads " + busiest);
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void aFastStart_doesNotBuyALongStall_uploading() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMinDataRate(100 * 1024, Duration.ofSeconds(1)));
    RawHttp raw = connect(app, "127.0.0.2");
    raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: ok\r\nContent-Length: 6000000\r\n\r\n");
    raw.send(new byte[5_000_000]); // 50 s of credit under an average over the whole transfer
    boolean cut = false;
    try {
      for (int i = 0; i < 100 && !cut; i++) {
        raw.send("x");
        Thread.sleep(100);
        cut = app.uploadFailures.get() > 0;
      }
    } catch (IOException e) {
      cut = true;
    }

    assertTrue(cut, "cut within 10 s, although 5 MB came first");
    assertEquals(0, app.uploadsRead.get());
  }

  @Test
  void aFastStart_doesNotBuyALongStall_downloading() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withMinDataRate(100 * 1024, Duration.ofSeconds(1)));
    RawHttp raw = connect(app, "127.0.0.2");
    raw.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    raw.readSome(5_000_000); // then stops reading

    for (int i = 0; i < 100 && app.downloadFailures.get() == 0; i++) {
      Thread.sleep(100);
    }
    assertEquals(1, app.downloadFailures.get(), "cut within 10 s, although 5 MB went first");
  }

  @Test
  void headersTrickledSlowerThanTheHeaderTimeout_areCut_whileOthersAreServed() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withHeaderTimeout(Duration.ofSeconds(2)));
    RawHttp slow = connect(app, "127.0.0.2");
    slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    boolean cut = false;
    try {
      for (int i = 0; i < 100 && !cut; i++) {
        slow.send("X-Slow-" + i + ": y\r\n"); // a header line every 200 ms: never idle, never done
        Thread.sleep(200);
      }
    } catch (IOException e) {
      cut = true;
    }

    assertTrue(cut, "cut within 20 s, though a byte came every 200 ms");
    assertEquals(200, connect(app, "127.0.0.3").send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER)
        .status());
  }

  @Test
  void aKeptAliveConnection_getsTheDeadlineAfreshForEachRequest() throws Exception {
    GuardedApp app = app(HttpLimits.defaults().withHeaderTimeout(Duration.ofSeconds(2)));
    RawHttp raw = connect(app, "127.0.0.2");
    for (int i = 0; i < 4; i++) {
      raw.send("GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n"); // the handling takes 300 ms: not the headers' time
      assertEquals(200, raw.read(ANSWER).status());
      Thread.sleep(1500); // idle between requests, with no byte of the next: the idle timeout's, not this one's
    }
  }
}
