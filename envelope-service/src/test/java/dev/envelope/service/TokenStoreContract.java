package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link TokenStore}: every implementation extends this class and passes all of it. Each
 * test gets a new, empty store from {@link #newStore()}; it is closed after the test if it is
 * {@link AutoCloseable}.
 */
public abstract class TokenStoreContract {
  private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.089Z");
  private TokenStore store;

  /** A new, empty store. */
  protected abstract TokenStore newStore() throws Exception;

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
  void insertedToken_isFoundFieldForField() throws EnvelopeException {
    TokenRecord token = token("aaaaaaaaaaaaaaaa", "acme", Role.WRITE, T0);
    store.insertToken(token);
    TokenRecord found = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
    assertEquals(token.id(), found.id());
    assertEquals("acme", found.tenant());
    assertEquals(Role.WRITE, found.role());
    assertEquals("ci deploy ✓", found.name());
    assertArrayEquals(token.secretHash(), found.secretHash());
    assertEquals(T0, found.createdAt());
    assertEquals(Optional.empty(), found.revokedAt());
  }

  @Test
  void everyRole_roundTrips() throws EnvelopeException {
    for (Role role : Role.values()) {
      String id = role.id().charAt(0) + "bbbbbbbbbbbbbbb";
      store.insertToken(token(id, "acme", role, T0));
      assertEquals(role, store.findToken(id).orElseThrow().role());
    }
  }

  @Test
  void unknownToken_isEmpty() throws EnvelopeException {
    assertEquals(Optional.empty(), store.findToken("zzzzzzzzzzzzzzzz"));
  }

  @Test
  void duplicateId_isAlreadyExists() throws EnvelopeException {
    store.insertToken(token("aaaaaaaaaaaaaaaa", "acme", Role.READ, T0));
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> store.insertToken(token("aaaaaaaaaaaaaaaa", "globex", Role.ADMIN, T0)));
    assertEquals(ErrorCode.ALREADY_EXISTS, e.code());
    assertEquals(Role.READ, store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().role());
  }

  @Test
  void list_ofATenant_isItsTokensOldestFirst_andOfAll_isEveryToken() throws EnvelopeException {
    store.insertToken(token("cccccccccccccccc", "acme", Role.READ, T0.plusSeconds(2)));
    store.insertToken(token("aaaaaaaaaaaaaaaa", "globex", Role.READ, T0));
    store.insertToken(token("bbbbbbbbbbbbbbbb", "acme", Role.WRITE, T0.plusSeconds(1)));
    store.insertToken(token("dddddddddddddddd", "acme", Role.ADMIN, T0.plusSeconds(1)));
    assertEquals(List.of("bbbbbbbbbbbbbbbb", "dddddddddddddddd", "cccccccccccccccc"), ids(store.listTokens("acme")));
    assertEquals(List.of("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "dddddddddddddddd", "cccccccccccccccc"),
        ids(store.listTokens(null)));
    assertEquals(List.of(), store.listTokens("nobody"));
  }

  @Test
  void revoke_marksTheToken_andKeepsTheFirstRevocationTime() throws EnvelopeException {
    store.insertToken(token("aaaaaaaaaaaaaaaa", "acme", Role.READ, T0));
    assertTrue(store.revokeToken("aaaaaaaaaaaaaaaa", T0.plusSeconds(10)));
    assertEquals(Optional.of(T0.plusSeconds(10)), store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().revokedAt());
    assertTrue(store.revokeToken("aaaaaaaaaaaaaaaa", T0.plusSeconds(20)));
    assertEquals(Optional.of(T0.plusSeconds(10)), store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().revokedAt());
    assertTrue(store.listTokens("acme").get(0).revoked());
  }

  @Test
  void revokingAnUnknownToken_isFalse() throws EnvelopeException {
    assertFalse(store.revokeToken("zzzzzzzzzzzzzzzz", T0));
    assertEquals(List.of(), store.listTokens(null));
  }

  @Test
  void revokedToken_insertedAsSuch_roundTrips() throws EnvelopeException {
    TokenRecord token = token("aaaaaaaaaaaaaaaa", "acme", Role.READ, T0);
    store.insertToken(new TokenRecord(token.id(), token.tenant(), token.role(), "", token.secretHash(),
        token.createdAt(), Optional.of(T0.plusMillis(1))));
    TokenRecord found = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
    assertEquals(Optional.of(T0.plusMillis(1)), found.revokedAt());
    assertEquals("", found.name());
  }

  @Test
  void newToken_neverExpires_andWasNeverUsed() throws EnvelopeException {
    store.insertToken(token("aaaaaaaaaaaaaaaa", "acme", Role.READ, T0));
    TokenRecord found = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
    assertEquals(Optional.empty(), found.expiresAt());
    assertEquals(Optional.empty(), found.lastUsedAt());
  }

  @Test
  void expiryAndLastUse_roundTrip_inFindAndList() throws EnvelopeException {
    store.insertToken(token("aaaaaaaaaaaaaaaa", "acme", Role.READ, T0, Optional.of(T0.plusSeconds(3600)),
        Optional.of(T0.plusMillis(5))));
    TokenRecord found = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
    assertEquals(Optional.of(T0.plusSeconds(3600)), found.expiresAt());
    assertEquals(Optional.of(T0.plusMillis(5)), found.lastUsedAt());
    TokenRecord listed = store.listTokens("acme").get(0);
    assertEquals(Optional.of(T0.plusSeconds(3600)), listed.expiresAt());
    assertEquals(Optional.of(T0.plusMillis(5)), listed.lastUsedAt());
  }

  @Test
  void recordTokenUse_setsLastUse_andALaterOneReplacesIt_butAnEarlierOneDoesNot() throws EnvelopeException {
    store.insertToken(token("aaaaaaaaaaaaaaaa", "acme", Role.READ, T0));
    store.insertToken(token("bbbbbbbbbbbbbbbb", "acme", Role.READ, T0));
    store.recordTokenUse("aaaaaaaaaaaaaaaa", T0.plusSeconds(60));
    assertEquals(Optional.of(T0.plusSeconds(60)), store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().lastUsedAt());
    assertEquals(Optional.empty(), store.findToken("bbbbbbbbbbbbbbbb").orElseThrow().lastUsedAt(), "only that one");
    store.recordTokenUse("aaaaaaaaaaaaaaaa", T0.plusSeconds(120));
    assertEquals(Optional.of(T0.plusSeconds(120)), store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().lastUsedAt());
    store.recordTokenUse("aaaaaaaaaaaaaaaa", T0.plusSeconds(90)); // another node, a moment late
    assertEquals(Optional.of(T0.plusSeconds(120)), store.findToken("aaaaaaaaaaaaaaaa").orElseThrow().lastUsedAt());
    assertEquals(Optional.of(T0.plusSeconds(120)), store.listTokens("acme").get(0).lastUsedAt());
  }

  @Test
  void recordTokenUse_changesNothingElse() throws EnvelopeException {
    store.insertToken(token("aaaaaaaaaaaaaaaa", "acme", Role.ADMIN, T0, Optional.of(T0.plusSeconds(86_400)),
        Optional.empty()));
    store.revokeToken("aaaaaaaaaaaaaaaa", T0.plusSeconds(10));
    store.recordTokenUse("aaaaaaaaaaaaaaaa", T0.plusSeconds(20));
    TokenRecord found = store.findToken("aaaaaaaaaaaaaaaa").orElseThrow();
    assertEquals(Role.ADMIN, found.role());
    assertEquals("ci deploy ✓", found.name());
    assertEquals(T0, found.createdAt());
    assertEquals(Optional.of(T0.plusSeconds(10)), found.revokedAt());
    assertEquals(Optional.of(T0.plusSeconds(86_400)), found.expiresAt());
    assertEquals(Optional.of(T0.plusSeconds(20)), found.lastUsedAt());
  }

  @Test
  void recordTokenUse_ofAnUnknownToken_makesNone() throws EnvelopeException {
    store.recordTokenUse("zzzzzzzzzzzzzzzz", T0);
    assertEquals(Optional.empty(), store.findToken("zzzzzzzzzzzzzzzz"));
    assertEquals(List.of(), store.listTokens(null));
    assertFalse(store.hasTokens());
  }

  @Test
  void hasTokens_saysWhetherThereIsAny() throws EnvelopeException {
    assertFalse(store.hasTokens());
    store.insertToken(token("aaaaaaaaaaaaaaaa", "acme", Role.ADMIN, T0));
    assertTrue(store.hasTokens());
    store.revokeToken("aaaaaaaaaaaaaaaa", T0);
    assertTrue(store.hasTokens(), "a revoked token still counts: the first admin token is made only once");
  }

  protected static TokenRecord token(String id, String tenant, Role role, Instant createdAt) {
    byte[] hash = new byte[32];
    Arrays.fill(hash, (byte) id.charAt(0));
    hash[31] = 0;
    return new TokenRecord(id, tenant, role, "ci deploy ✓", hash, createdAt, Optional.empty());
  }

  protected static TokenRecord token(String id, String tenant, Role role, Instant createdAt,
      Optional<Instant> expiresAt, Optional<Instant> lastUsedAt) {
    TokenRecord t = token(id, tenant, role, createdAt);
    return new TokenRecord(t.id(), t.tenant(), t.role(), t.name(), t.secretHash(), t.createdAt(), t.revokedAt(),
        expiresAt, lastUsedAt);
  }

    private static List<String> ids(List<TokenRecord> tokens) {
    return tokens.stream().map(TokenRecord::id).toList();
  }
}
