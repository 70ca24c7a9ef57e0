package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.http.RawHttp;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attacks of issue 11 against a real server, as a hostile client makes them: raw sockets from several
 * loopback addresses (127.0.0.2 and up reach a server on 127.0.0.1), slow bodies, lying headers.
 */
class HostileClientsTest {
  private static final Duration ANSWER = Duration.ofSeconds(20);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private TestServer server(java.util.function.Consumer<EnvelopeServer.Builder> configure) throws Exception {
    TestServer t = TestServer.configured(configure);
    open.add(t);
    return t;
  }

  private RawHttp connect(TestServer t, String from) throws IOException {
    RawHttp raw = RawHttp.connect(t.server.port(), from);
    open.add(raw);
    return raw;
  }

  private String upload(TestServer t, String content) throws Exception {
    HttpResponse<String> r = t.send(t.request("/v1/files?name=x.txt", t.writer)
        .POST(HttpRequest.BodyPublishers.ofString(content)).build());
    assertEquals(201, r.statusCode(), r.body());
    return Json.MAPPER.readTree(r.body()).get("id").asText();
  }

  private static int busyThreads(TestServer t) {
    return ((QueuedThreadPool) t.server.app().jettyServer().server().getThreadPool()).getBusyThreads();
  }

  @Test
  void aGetCarryingAMethodOverride_deletesNothing() throws Exception {
    TestServer t = server(b -> {});
    String id = upload(t, "keep me");
    for (String header : List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")) {
      HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.writer).header(header, "DELETE").build());

      assertEquals(400, r.statusCode(), header);
      assertEquals("invalid-argument", Json.MAPPER.readTree(r.body()).get("code").asText());
    }
    HttpResponse<String> still = t.send(t.request("/v1/files/" + id, t.reader).build());
    assertEquals(200, still.statusCode());
    assertEquals("keep me", still.body());
  }

  @Test
  void slowBodiesWithoutAToken_holdNoThread_andEveryoneElseIsServed() throws Exception {
    TestServer t = server(b -> {});
    List<RawHttp> slow = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      String token = i % 2 == 0 ? "" : "Authorization: Bearer env1.aaaaaaaaaaaaaaaa.bad\r\n";
      RawHttp raw = connect(t, "127.0.0." + (2 + i % 3));
      raw.send("POST /v1/files?name=x HTTP/1.1\r\nHost: x\r\n" + token + "Content-Length: 1000\r\n\r\nxxxx");
      slow.add(raw);
    }
    for (RawHttp raw : slow) {
      RawHttp.Response refused = raw.read(ANSWER);
      assertEquals(401, refused.status(), "answered before its body came");
      raw.send("y");
    }

    assertTrue(busyThreads(t) < 16, "busy threads while 150 clients trickle: " + busyThreads(t));
    assertEquals(200, t.send(t.request("/healthz", null).build()).statusCode());
    String id = upload(t, "served meanwhile");
    assertEquals("served meanwhile", t.send(t.request("/v1/files/" + id, t.reader).build()).body());
    assertEquals(1, t.fileCount());
  }

  @Test
  void slowAuthenticatedUploads_areCutAtTheMinimumRate_andTheServerKeepsAnswering() throws Exception {
    TestServer t = server(b -> b.limits(TestServer.LIMITS.withMinDataRate(100, Duration.ofSeconds(1))));
    List<RawHttp> slow = new ArrayList<>();
    for (int i = 0; i < 140; i++) {
      RawHttp raw = connect(t, "127.0.0." + (2 + i % 3));
      raw.send("POST /v1/files?name=slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.writer
          + "\r\nContent-Length: 100000\r\n\r\nx");
      slow.add(raw);
    }

    assertEquals(200, t.send(t.request("/healthz", null).build()).statusCode(), "answered beside 140 slow uploads");
    String id = upload(t, "a quick one");
    assertEquals(200, t.send(t.request("/v1/files/" + id, t.reader).build()).statusCode());
    // A byte each half second: far below 100 bytes a second on average, yet never idle long enough for the idle
    // timeout. Only the minimum rate cuts these; a stalled client is the idle timeout's (ServerAssemblyTest).
    List<RawHttp> trickling = new ArrayList<>(slow);
    for (int round = 0; round < 120 && !trickling.isEmpty(); round++) {
      trickling.removeIf(raw -> {
        try {
          raw.send("y");
          return false;
        } catch (IOException cut) {
          return true;
        }
      });
      Thread.sleep(500);
    }
    assertEquals(List.of(), trickling, "every slow upload was cut");
    assertEquals(1, t.fileCount(), "no slow upload was stored");
  }

  @Test
  void repeatedBadTokens_areThrottledPerAddress_withRetryAfter() throws Exception {
    TestServer t = server(b -> b.limits(TestServer.LIMITS.withAuthFailuresPerMinute(5)));
    for (int i = 0; i < 5; i++) {
      assertEquals(401, t.send(t.request("/v1/files", "env1.aaaaaaaaaaaaaaaa.wrong").build()).statusCode());
    }

    HttpResponse<String> throttled = t.send(t.request("/v1/files", "env1.aaaaaaaaaaaaaaaa.wrong").build());
    assertEquals(429, throttled.statusCode());
    assertEquals("throttled", Json.MAPPER.readTree(throttled.body()).get("code").asText());
    String retryAfter = throttled.headers().firstValue("Retry-After").orElseThrow();
    assertTrue(Long.parseLong(retryAfter) >= 1 && Long.parseLong(retryAfter) <= 60, retryAfter);
    assertEquals(429, t.send(t.request("/v1/files", t.reader).build()).statusCode(),
        "the address is throttled, whatever token it sends now");
    RawHttp.Response other = connect(t, "127.0.0.2").send("GET /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: "
        + "Bearer " + t.reader + "\r\n\r\n").read(ANSWER);
    assertEquals(200, other.status(), "another address is not");
    assertEquals(200, t.send(t.request("/healthz", null).build()).statusCode(), "nor is what needs no token");
  }

  @Test
  void expiredTokens_countAsFailedAuthentications() throws Exception {
    TestServer t = server(b -> b.limits(TestServer.LIMITS.withAuthFailuresPerMinute(3)));
    java.time.Instant end = java.time.Instant.now().plusSeconds(3); // room for one request on a loaded machine
    String expiring = t.tokens.create(dev.envelope.service.Principal.localOperator(), "default",
        dev.envelope.service.Role.READ, "", end).token();
    assertEquals(200, t.send(t.request("/v1/files", expiring).build()).statusCode());
    Thread.sleep(Math.max(0, java.time.Duration.between(java.time.Instant.now(), end).toMillis() + 100));
    for (int i = 0; i < 3; i++) {
      assertEquals(401, t.send(t.request("/v1/files", expiring).build()).statusCode());
    }
    assertEquals(429, t.send(t.request("/v1/files", expiring).build()).statusCode(), "the budget is spent");
  }

  /**
   * The revoked token of a shredded tenant answers 410, not 401, but it is a failed authentication all the same:
   * each costs an audit line and a disk flush, and a former tenant holding one must not write them without bound.
   */
  @Test
  void theRevokedTokenOfAShreddedTenant_isThrottledLikeAnyFailedAuthentication() throws Exception {
    TestServer t = server(b -> b.limits(TestServer.LIMITS.withAuthFailuresPerMinute(5)));
    String gone = t.token("acme", dev.envelope.service.Role.WRITE);
    assertEquals(201, t.send(t.request("/v1/tenants", t.operator).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"acme\"}")).build()).statusCode());
    assertEquals(200, t.send(t.request("/v1/tenants/acme/shred", t.operator).header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode());
    for (int i = 0; i < 5; i++) {
      assertEquals(410, t.send(t.request("/v1/files", gone).build()).statusCode());
    }

    HttpResponse<String> throttled = t.send(t.request("/v1/files", gone).build());
    assertEquals(429, throttled.statusCode(), throttled.body());
    assertEquals("throttled", Json.MAPPER.readTree(throttled.body()).get("code").asText());
  }

  @Test
  void aTransferCodingOtherThanChunked_isNotImplemented_andNothingIsStored() throws Exception {
    TestServer t = server(b -> {});
    RawHttp.Response r = connect(t, "127.0.0.1").send("POST /v1/files?name=z HTTP/1.1\r\nHost: x\r\n"
        + "Authorization: Bearer " + t.writer + "\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        + "5\r\nhello\r\n0\r\n\r\n").read(ANSWER);

    assertEquals(501, r.status());
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertEquals("not-implemented", Json.MAPPER.readTree(r.body()).get("code").asText());
    assertEquals(0, t.fileCount());
    assertEquals(0, t.blobCount());
  }

  @Test
  void connectionsOverThePerAddressCap_areClosed_andOtherAddressesServed() throws Exception {
    TestServer t = server(b -> b.limits(TestServer.LIMITS.withConnections(1024, 3)));
    for (int i = 0; i < 3; i++) {
      connect(t, "127.0.0.2").send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER);
    }

    assertTrue(connect(t, "127.0.0.2").closedByServer(ANSWER));
    RawHttp.Response other = connect(t, "127.0.0.3").send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(ANSWER);
    assertNotNull(other);
    assertEquals(200, other.status());
  }

  @Test
  void readinessProbes_whileTheKeyServiceHangs_areAnsweredAtOnce_andHoldNoThread() throws Exception {
    java.util.concurrent.CountDownLatch hang = new java.util.concurrent.CountDownLatch(1);
    TestServer t = server(b -> {});
    t.keyring.disableKey("envelope-files"); // not ready: the state to answer from
    try (EnvelopeServer slow = EnvelopeServer.builder(dev.envelope.service.FileService.builder()
        .keyService(new dev.envelope.core.KeyService() {
          @Override
          public String name() {
            return t.keyring.name();
          }

          @Override
          public dev.envelope.core.DataKey generateDataKey(String rootKey, dev.envelope.core.EncryptionContext context)
              throws dev.envelope.api.EnvelopeException {
            try {
              hang.await(); // a key service that stopped answering
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return t.keyring.generateDataKey(rootKey, context);
          }

          @Override
          public dev.envelope.core.DataKey decrypt(dev.envelope.core.WrappedKey wrapped,
              dev.envelope.core.EncryptionContext context) throws dev.envelope.api.EnvelopeException {
            return t.keyring.decrypt(wrapped, context);
          }

          @Override
          public dev.envelope.core.WrappedKey reEncrypt(dev.envelope.core.WrappedKey wrapped,
              dev.envelope.core.EncryptionContext context, String rootKey) throws dev.envelope.api.EnvelopeException {
            return t.keyring.reEncrypt(wrapped, context, rootKey);
          }
        }, "envelope-files").blobStore(t.blobs()).metadataStore(t.metadata()).build(), t.tokens)
        .listen("127.0.0.1", 0).limits(TestServer.LIMITS).build().start()) {
      List<RawHttp> probes = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        RawHttp raw = RawHttp.connect(slow.port(), "127.0.0." + (2 + i % 3));
        open.add(raw);
        probes.add(raw.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"));
      }
      for (RawHttp probe : probes) {
        assertEquals(503, probe.read(ANSWER).status(), "answered though the check hangs");
      }
      assertTrue(((QueuedThreadPool) slow.app().jettyServer().server().getThreadPool()).getBusyThreads() < 16);
      assertEquals(200, RawHttp.connect(slow.port(), "127.0.0.9").send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
          .read(ANSWER).status());
    } finally {
      hang.countDown();
    }
  }
}
