package dev.envelope.service;

import static dev.envelope.service.ServiceFixture.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.KeyService;
import dev.envelope.core.WrappedKey;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rewrap with several rows at once ({@link Rewrap.Options#parallelism()}), over the real local keyring and the real
 * SQLite store: each row is still re-wrapped exactly once, the number of rows in flight never passes the limit (and
 * is 1 when asked for 1), a key service that goes away still stops the run with every row either done or untouched,
 * and {@code --rate} still caps the total.
 */
class RewrapParallelTest {
  private static final Principal OPERATOR = Principal.localOperator();
  private static final Principal ACME = Principal.of("acme", Role.WRITE);
  /** More than one page of the scan (200 rows). */
  private static final int ROWS = 250;

  @TempDir
  Path home;
  private ServiceFixture fx;
  private Probe probe;
  private FileService files;
  private List<FileRecord> rows;

  @BeforeEach
  void start() throws Exception {
    fx = new ServiceFixture(home);
    rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      rows.add(fx.service.upload(ACME, "f" + i, null, new ByteArrayInputStream(random(100 + i, i))));
    }
    fx.keyring.rotateKey(fx.rootKey);
    probe = new Probe(fx.keyring);
    files = FileService.builder().keyService(probe, fx.rootKey).blobStore(fx.blobs)
        .metadataStore(fx.stores.metadata()).tenantStore(fx.stores.metadata()).segmentSize(ServiceFixture.SEGMENT)
        .build();
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  @Test
  void severalRowsAtOnce_eachReWrappedExactlyOnce_neverMoreThanTheLimitInFlight() throws Exception {
    probe.delayMillis = 3; // long enough for the workers to overlap whatever the machine's load
    Rewrap.Summary done = new Rewrap(files, fx.keyring).run(OPERATOR, new Rewrap.Options(null, false, 0), null);
    assertEquals(ROWS, done.scanned());
    assertEquals(ROWS, done.rewrapped());
    assertEquals(0, done.failed() + done.changed() + done.skipped() + done.current());
    assertEquals(ROWS, probe.calls.get(), "one ReEncrypt per row");
    assertTrue(probe.perRow.values().stream().allMatch(n -> n == 1), "no row re-wrapped twice");
    assertTrue(probe.maxInFlight.get() > 1, "rows overlapped: " + probe.maxInFlight.get());
    assertTrue(probe.maxInFlight.get() <= Rewrap.DEFAULT_PARALLELISM, "at most the limit: " + probe.maxInFlight);
    assertEveryRowCurrentAndReadable();
  }

  @Test
  void oneAtATime_whenAskedFor() throws Exception {
    probe.delayMillis = 1;
    Rewrap.Summary done = new Rewrap(files, fx.keyring).run(OPERATOR, new Rewrap.Options(null, false, 0, 1), null);
    assertEquals(ROWS, done.rewrapped());
    assertEquals(1, probe.maxInFlight.get());
    assertEveryRowCurrentAndReadable();
  }

  @Test
  void theProgressListener_isToldOnceForEveryRow_oneAtATime() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    List<Long> seen = new ArrayList<>(); // not thread-safe on purpose: calls must not overlap
    Rewrap.Summary done = new Rewrap(files, fx.keyring).run(OPERATOR, new Rewrap.Options(null, false, 0),
        soFar -> {
          assertEquals(1, inside.incrementAndGet(), "progress calls overlapped");
          seen.add(soFar.scanned());
          inside.decrementAndGet();
        });
    assertEquals(ROWS, seen.size());
    for (int i = 0; i < ROWS; i++) {
      assertEquals(i + 1, seen.get(i), "counts as told, in order");
    }
    assertEquals(ROWS, done.rewrapped());
  }

  @Test
  void aKeyServiceThatGoesAway_stopsTheRun_withEveryRowDoneOrUntouched_andARerunFinishes() throws Exception {
    probe.failAfter = 60;
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> new Rewrap(files, fx.keyring)
        .run(OPERATOR, new Rewrap.Options(null, false, 0), null));
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    // Calls 1 to 59 succeeded, and each of those rows finished its update; the rows in flight when the key service
    // went away failed their call and were left as they were; no row was begun after the run stopped.
    long moved = KeyUsage.of(fx.stores.metadata(), null).filesUnder("local", fx.rootKey, 2);
    assertEquals(59, moved);
    assertTrue(probe.calls.get() < 60 + 2 * Rewrap.DEFAULT_PARALLELISM, "it stopped soon: " + probe.calls.get());
    for (int i = 0; i < ROWS; i++) {
      assertArrayEquals(random(100 + i, i), fx.download(ACME, rows.get(i).id()), "every row readable meanwhile");
    }

    probe.failAfter = Integer.MAX_VALUE;
    Rewrap.Summary rest = new Rewrap(files, fx.keyring).run(OPERATOR, new Rewrap.Options(null, false, 0), null);
    assertEquals(moved, rest.current());
    assertEquals(ROWS - moved, rest.rewrapped());
    assertEquals(0, rest.failed() + rest.changed());
    assertEveryRowCurrentAndReadable();
  }

  @Test
  void theRate_stillCapsTheTotal_withSeveralWorkers() throws Exception {
    long started = System.nanoTime();
    Rewrap.Summary done = new Rewrap(files, fx.keyring).run(OPERATOR, new Rewrap.Options(null, false, 500), null);
    double seconds = (System.nanoTime() - started) / 1e9;
    assertEquals(ROWS, done.rewrapped());
    // 250 slots 2 ms apart, the first at once: at least 498 ms whatever the machine; never faster.
    assertTrue(seconds >= 0.49, "took " + seconds + " s");
  }

  @Test
  void options_takeOneToTheMostRowsAtOnce() {
    assertEquals(Rewrap.DEFAULT_PARALLELISM, new Rewrap.Options(null, false, 0).parallelism());
    assertEquals(1, new Rewrap.Options(null, false, 0, 1).parallelism());
    assertEquals(Rewrap.MAX_PARALLELISM, new Rewrap.Options(null, false, 0, Rewrap.MAX_PARALLELISM).parallelism());
    assertThrows(IllegalArgumentException.class, () -> new Rewrap.Options(null, false, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Rewrap.Options(null, false, 0, Rewrap.MAX_PARALLELISM + 1));
  }

  private void assertEveryRowCurrentAndReadable() throws Exception {
    KeyUsage usage = KeyUsage.of(fx.stores.metadata(), null);
    assertEquals(0, usage.filesUnder("local", fx.rootKey, 1));
    assertEquals(ROWS, usage.filesUnder("local", fx.rootKey, 2));
    fx.keyring.destroyKeyVersion(fx.rootKey, 1);
    for (int i = 0; i < ROWS; i++) {
      assertArrayEquals(random(100 + i, i), fx.download(ACME, rows.get(i).id()));
    }
  }

  /**
   * The keyring, with its {@code reEncrypt} calls counted (in all, per wrapped key, and at once), optionally slowed,
   * and failing as an unreachable key service would from the {@code failAfter}-th call on.
   */
  private static final class Probe implements KeyService {
    private final KeyService keys;
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final Map<WrappedKey, Integer> perRow = new ConcurrentHashMap<>();
    volatile int delayMillis;
    volatile int failAfter = Integer.MAX_VALUE;

    Probe(KeyService keys) {
      this.keys = keys;
    }

    @Override
    public String name() {
      return keys.name();
    }

    @Override
    public DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException {
      return keys.generateDataKey(rootKey, context);
    }

    @Override
    public DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
      return keys.decrypt(wrapped, context);
    }

    @Override
    public WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
        throws EnvelopeException {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      try {
        if (calls.incrementAndGet() >= failAfter) {
          throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "the key service is out of reach");
        }
        perRow.merge(wrapped, 1, Integer::sum);
        if (delayMillis > 0) {
          Thread.sleep(delayMillis);
        }
        return keys.reEncrypt(wrapped, context, newRootKey);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "interrupted");
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }
}
