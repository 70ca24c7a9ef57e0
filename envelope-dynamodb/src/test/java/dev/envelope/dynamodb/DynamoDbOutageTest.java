package dev.envelope.dynamodb;

import static dev.envelope.dynamodb.DynamoDbMetadataStoreTest.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FileRecord;
import dev.envelope.service.Role;
import dev.envelope.service.TokenRecord;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * DynamoDB going away and coming back, with a dynalite of its own: stopped (connections refused) and frozen
 * (connections accepted, no answer). Every call must end in {@link ErrorCode#UNAVAILABLE} within its bounds,
 * and the same store object must work again once dynalite is back. "Within its bounds" is measured: each
 * failing call must end within the configured call timeout ({@link DynamoDbConfig#callTimeout()}, retries
 * included) plus {@link #SLACK}. The class timeout only stops a test that would otherwise never end.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DynamoDbOutageTest {
  private static final Instant T0 = Instant.parse("2026-07-08T09:10:11.012Z");
  private static final String SECRET = "dynalite-dummy-secret";
  /**
   * Added to the call timeout before a call counts as too slow: generous, for a shared and noisy machine, yet
   * well below what an ignored bound costs (the frozen case then waits attempt after attempt, or forever).
   */
  private static final Duration SLACK = Duration.ofSeconds(3);
  /** The call timeout of {@link #shortBounds}: every retry and backoff of one call included. */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);
  @TempDir
  static Path data;
  private static DynaliteFixture dynalite;
  private static int tables;
  private DynamoDbMetadataStore store;

  @BeforeAll
  static void startDynalite() {
    dynalite = DynaliteFixture.start(data.resolve("dynalite"));
  }

  @AfterAll
  static void stopDynalite() {
    dynalite.close();
  }

  @BeforeEach
  void openStore() throws EnvelopeException {
    DynamoDbConfig config = shortBounds(dynalite.config("outage-" + (++tables)));
    DynamoDbMetadataStore.createTable(config);
    store = DynamoDbMetadataStore.open(config);
  }

  @AfterEach
  void closeStore() {
    dynalite.thaw();
    dynalite.restart();
    store.close();
  }

  @Test
  void stoppedDynamoDb_isUnavailableForEveryCall_andTheSameStoreWorksAfterRestart() throws EnvelopeException {
    FileRecord before = file("f1");
    store.insert(before);
    store.insertToken(token("t1"));
    dynalite.stop();
    everyCallIsUnavailable();
    dynalite.restart();
    assertEquals(Optional.of(before), store.get("acme", "f1"), "acknowledged rows survive the restart");
    store.checkReady();
    store.insert(file("f2"));
    assertEquals(2, store.list("acme", null, 10).files().size());
    assertTrue(store.findToken("t1").isPresent());
  }

  @Test
  void frozenDynamoDb_isUnavailableWithinTheCallTimeout_andTheSameStoreWorksAfterThaw() throws EnvelopeException {
    store.insert(file("f1"));
    dynalite.freeze();
    assertUnavailable(() -> store.get("acme", "f1"));
    assertUnavailable(() -> store.insert(file("f2")));
    assertUnavailable(store::checkReady);
    dynalite.thaw();
    store.checkReady();
    assertTrue(store.exists("f1"));
    // The insert that timed out may or may not have landed (DynamoDB may have applied it): either way, once.
    try {
      store.insert(file("f2"));
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.ALREADY_EXISTS, e.code());
    }
    assertTrue(store.exists("f2"));
  }

  @Test
  void open_andCreateTable_whileDynamoDbIsDown_areUnavailable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    DynamoDbConfig nowhere = shortBounds(DynamoDbConfig.builder().tableName("envelope")
        .endpoint(URI.create("http://127.0.0.1:" + port)).region("us-east-1")
        .credentials(dynalite.credentials()).build());
    assertUnavailable(() -> DynamoDbMetadataStore.open(nowhere));
    assertUnavailable(() -> DynamoDbMetadataStore.createTable(nowhere));
  }

  private void everyCallIsUnavailable() {
    assertUnavailable(() -> store.insert(file("f2")));
    assertUnavailable(() -> store.get("acme", "f1"));
    assertUnavailable(() -> store.list("acme", null, 10));
    assertUnavailable(() -> store.delete("acme", "f1"));
    assertUnavailable(() -> store.exists("f1"));
    assertUnavailable(store::checkReady);
    assertUnavailable(() -> store.insertToken(token("t2")));
    assertUnavailable(() -> store.findToken("t1"));
    assertUnavailable(() -> store.listTokens(null));
    assertUnavailable(() -> store.revokeToken("t1", T0));
    assertUnavailable(store::hasTokens);
  }

  /**
   * UNAVAILABLE within the configured call timeout (plus {@link #SLACK}), with a message that names the table
   * and holds no secret, down the whole cause chain.
   */
  private static void assertUnavailable(Executable call) {
    long start = System.nanoTime();
    EnvelopeException e = assertCode(ErrorCode.UNAVAILABLE, call);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(CALL_TIMEOUT.plus(SLACK)) <= 0, "the call failed after " + took.toMillis()
        + " ms; its configured bound is " + CALL_TIMEOUT.toMillis() + " ms (" + SLACK.toMillis()
        + " ms of slack allowed)");
    assertTrue(e.getMessage().contains("DynamoDB"), e.getMessage());
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains(SECRET), t.toString());
    }
  }

  /** Bounds short enough for a quick test; the defaults are the same shape, only longer. */
  private static DynamoDbConfig shortBounds(DynamoDbConfig c) {
    return new DynamoDbConfig(c.tableName(), c.endpoint(), c.region(), c.credentials(), Duration.ofMillis(500),
        Duration.ofMillis(800), CALL_TIMEOUT, 3);
  }

  private static FileRecord file(String id) {
    return new FileRecord(id, "acme", "n", "text/plain", 1, T0, "local", WrappedKey.of("root", 1, new byte[] {1}),
        FileRecord.FORMAT_VERSION, 65536);
  }

  private static TokenRecord token(String id) {
    return new TokenRecord(id, "acme", Role.READ, "", new byte[32], T0, Optional.empty());
  }
}
