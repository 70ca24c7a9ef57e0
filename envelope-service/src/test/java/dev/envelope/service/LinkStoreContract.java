package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link LinkStore}: every implementation extends this class and passes all of it. Each test gets
 * a new, empty store from {@link #newStore()}; it is closed after the test if it is {@link AutoCloseable}.
 */
public abstract class LinkStoreContract {
  private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.089Z");
  private static final String FILE = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
  private static final String OTHER_FILE = "bbbbbbbbbbbbbbbbbbbbbbbbbb";
  private LinkStore store;

  /** A new, empty store. */
  protected abstract LinkStore newStore() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  @Test
  void insertedLink_isFoundFieldForField() throws EnvelopeException {
    LinkRecord link = link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.of(10));
    store.insertLink(link);
    LinkRecord found = store.findLink("aaaaaaaaaaaaaaaa").orElseThrow();
    assertEquals("aaaaaaaaaaaaaaaa", found.id());
    assertEquals("acme", found.tenant());
    assertEquals(FILE, found.fileId());
    assertArrayEquals(link.secretHash(), found.secretHash());
    assertEquals(T0, found.createdAt());
    assertEquals(T0.plusSeconds(3600), found.expiresAt());
    assertEquals(OptionalLong.of(10), found.maxDownloads());
    assertEquals(0, found.downloads());
    assertEquals(Optional.empty(), found.revokedAt());
  }

  @Test
  void unboundedLink_roundTrips() throws EnvelopeException {
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.empty()));
    assertEquals(OptionalLong.empty(), store.findLink("aaaaaaaaaaaaaaaa").orElseThrow().maxDownloads());
  }

  @Test
  void unknownLink_isEmpty() throws EnvelopeException {
    assertEquals(Optional.empty(), store.findLink("zzzzzzzzzzzzzzzz"));
  }

  @Test
  void duplicateId_isAlreadyExists() throws EnvelopeException {
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.of(1)));
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> store.insertLink(link("aaaaaaaaaaaaaaaa", "globex", OTHER_FILE, T0, OptionalLong.empty())));
    assertEquals(ErrorCode.ALREADY_EXISTS, e.code());
    assertEquals("acme", store.findLink("aaaaaaaaaaaaaaaa").orElseThrow().tenant());
  }

  @Test
  void list_isTheLinksOfOneFileOfOneTenant_oldestFirst() throws EnvelopeException {
    store.insertLink(link("cccccccccccccccc", "acme", FILE, T0.plusSeconds(2), OptionalLong.empty()));
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.empty()));
    store.insertLink(link("bbbbbbbbbbbbbbbb", "acme", OTHER_FILE, T0, OptionalLong.empty()));
    store.insertLink(link("dddddddddddddddd", "globex", FILE, T0, OptionalLong.empty()));
    store.revokeLink("cccccccccccccccc", T0.plusSeconds(3));
    assertEquals(List.of("aaaaaaaaaaaaaaaa", "cccccccccccccccc"), ids(store.listLinks("acme", FILE)));
    assertEquals(List.of("bbbbbbbbbbbbbbbb"), ids(store.listLinks("acme", OTHER_FILE)));
    assertEquals(List.of("dddddddddddddddd"), ids(store.listLinks("globex", FILE)), "never another tenant's");
    assertEquals(List.of(), store.listLinks("nobody", FILE));
  }

  @Test
  void revoke_marksTheLink_andKeepsTheFirstRevocationTime() throws EnvelopeException {
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.empty()));
    assertTrue(store.revokeLink("aaaaaaaaaaaaaaaa", T0.plusSeconds(10)));
    assertTrue(store.revokeLink("aaaaaaaaaaaaaaaa", T0.plusSeconds(20)));
    assertEquals(Optional.of(T0.plusSeconds(10)), store.findLink("aaaaaaaaaaaaaaaa").orElseThrow().revokedAt());
    assertFalse(store.revokeLink("zzzzzzzzzzzzzzzz", T0));
    assertEquals(Optional.empty(), store.findLink("zzzzzzzzzzzzzzzz"), "revoking makes nothing");
  }

  @Test
  void countDownload_countsUpToTheMaximum_thenRefuses() throws EnvelopeException {
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.of(2)));
    assertTrue(store.countDownload("aaaaaaaaaaaaaaaa", T0.plusSeconds(1)));
    assertTrue(store.countDownload("aaaaaaaaaaaaaaaa", T0.plusSeconds(2)));
    assertFalse(store.countDownload("aaaaaaaaaaaaaaaa", T0.plusSeconds(3)));
    assertEquals(2, store.findLink("aaaaaaaaaaaaaaaa").orElseThrow().downloads());
    assertEquals(2, store.listLinks("acme", FILE).get(0).downloads());
  }

  @Test
  void countDownload_ofAnUnboundedLink_counts() throws EnvelopeException {
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.empty()));
    for (int i = 0; i < 5; i++) {
      assertTrue(store.countDownload("aaaaaaaaaaaaaaaa", T0));
    }
    assertEquals(5, store.findLink("aaaaaaaaaaaaaaaa").orElseThrow().downloads());
  }

  @Test
  void countDownload_refusesAnExpiredOrRevokedOrUnknownLink_andCountsNothing() throws EnvelopeException {
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.empty()));
    assertFalse(store.countDownload("aaaaaaaaaaaaaaaa", T0.plusSeconds(3600)), "expired at its expiry");
    assertTrue(store.countDownload("aaaaaaaaaaaaaaaa", T0.plusSeconds(3599)));
    store.revokeLink("aaaaaaaaaaaaaaaa", T0.plusSeconds(5));
    assertFalse(store.countDownload("aaaaaaaaaaaaaaaa", T0.plusSeconds(6)));
    assertEquals(1, store.findLink("aaaaaaaaaaaaaaaa").orElseThrow().downloads());
    assertFalse(store.countDownload("zzzzzzzzzzzzzzzz", T0));
    assertEquals(Optional.empty(), store.findLink("zzzzzzzzzzzzzzzz"), "counting makes nothing");
  }

  @Test
  void racingDownloads_neverCountPastTheMaximum() throws Exception {
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.of(5)));
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> counts = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Callable<Boolean> count = () -> {
          go.await();
          return store.countDownload("aaaaaaaaaaaaaaaa", T0.plusSeconds(1));
        };
        counts.add(pool.submit(count));
      }
      go.countDown();
      int counted = 0;
      for (Future<Boolean> f : counts) {
        counted += f.get() ? 1 : 0;
      }
      assertEquals(5, counted);
      assertEquals(5, store.findLink("aaaaaaaaaaaaaaaa").orElseThrow().downloads());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void deleteLinks_removesTheLinksOfThatFileOnly() throws EnvelopeException {
    store.insertLink(link("aaaaaaaaaaaaaaaa", "acme", FILE, T0, OptionalLong.empty()));
    store.insertLink(link("cccccccccccccccc", "acme", FILE, T0, OptionalLong.empty()));
    store.insertLink(link("bbbbbbbbbbbbbbbb", "acme", OTHER_FILE, T0, OptionalLong.empty()));
    store.insertLink(link("dddddddddddddddd", "globex", FILE, T0, OptionalLong.empty()));
    assertEquals(2, store.deleteLinks("acme", FILE));
    assertEquals(Optional.empty(), store.findLink("aaaaaaaaaaaaaaaa"));
    assertEquals(List.of(), store.listLinks("acme", FILE));
    assertTrue(store.findLink("bbbbbbbbbbbbbbbb").isPresent());
    assertTrue(store.findLink("dddddddddddddddd").isPresent());
    assertEquals(0, store.deleteLinks("acme", FILE));
  }

  /** A link made at {@code createdAt} that expires an hour later. */
  protected static LinkRecord link(String id, String tenant, String fileId, Instant createdAt,
      OptionalLong maxDownloads) {
    byte[] hash = new byte[32];
    Arrays.fill(hash, (byte) id.charAt(0));
    hash[31] = 7;
    return new LinkRecord(id, tenant, fileId, hash, createdAt, createdAt.plusSeconds(3600), maxDownloads, 0,
        Optional.empty());
  }

  private static List<String> ids(List<LinkRecord> links) {
    return links.stream().map(LinkRecord::id).toList();
  }
}
