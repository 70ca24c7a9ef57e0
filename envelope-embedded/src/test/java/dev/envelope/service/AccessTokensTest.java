package dev.envelope.service;

import static dev.envelope.service.FileServiceTest.assertCode;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.MutableClock;
import dev.envelope.service.local.SqliteMetadataStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AccessTokens} over the real SQLite token store. */
class AccessTokensTest {
  @TempDir
  Path home;
  private SqliteMetadataStore store;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-07-08T09:10:11.123456Z"));
  private AccessTokens tokens;
  private static final Principal OPERATOR = Principal.localOperator();

  @BeforeEach
  void open() throws EnvelopeException {
    store = SqliteMetadataStore.open(home.resolve("envelope.db"));
    tokens = new AccessTokens(store, clock);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void issuedToken_authenticatesAsItsTenantAndRole() throws EnvelopeException {
    AccessTokens.IssuedToken issued = tokens.create(OPERATOR, "acme", Role.WRITE, "deploy");
    assertTrue(issued.token().matches("env1\\.[a-z2-7]{16}\\.[A-Za-z0-9_-]{43}"), issued.token());
    assertEquals(new Principal("acme", Role.WRITE, issued.record().id()), tokens.authenticate(issued.token()));
    assertEquals(Instant.parse("2026-07-08T09:10:11.123Z"), issued.record().createdAt());
    assertFalse(issued.toString().contains(issued.token().substring(22)), "toString leaves the secret out");
  }

  @Test
  void everyBadToken_getsTheSameAnswer() throws EnvelopeException {
    String good = tokens.create(OPERATOR, "acme", Role.READ, "").token();
    String id = good.substring(5, 21);
    String secret = good.substring(22);
    String otherSecret = (secret.charAt(0) == 'A' ? "B" : "A") + secret.substring(1);
    List<String> bad = new ArrayList<>(List.of("", "Bearer " + good, good + "x", good.toUpperCase(),
        "env1." + id + "." + otherSecret, "env1.aaaaaaaaaaaaaaaa." + secret, "env2." + id + "." + secret));
    bad.add(null);
    for (String token : bad) {
      EnvelopeException e = assertCode(ErrorCode.UNAUTHENTICATED, () -> tokens.authenticate(token));
      assertEquals("a valid bearer token is required", e.getMessage());
    }
  }

  @Test
  void revokedToken_noLongerAuthenticates_andKeepsItsFirstRevocationTime() throws EnvelopeException {
    AccessTokens.IssuedToken issued = tokens.create(OPERATOR, "acme", Role.ADMIN, "ops");
    Instant first = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    assertTrue(tokens.revoke(OPERATOR, issued.record().id()).revoked());
    clock.advance(Duration.ofHours(1));
    assertEquals(Optional.of(first), tokens.revoke(OPERATOR, issued.record().id()).revokedAt());
    assertCode(ErrorCode.UNAUTHENTICATED, () -> tokens.authenticate(issued.token()));
  }

  @Test
  void revokingAnUnknownOrMalformedId_isNotFound() {
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke(OPERATOR, "aaaaaaaaaaaaaaaa"));
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke(OPERATOR, "../x"));
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke(OPERATOR, null));
  }

  @Test
  void badTenantOrName_isInvalidArgument() {
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create(OPERATOR, "Acme", Role.READ, ""));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create(OPERATOR, "../x", Role.READ, ""));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create(OPERATOR, "acme", Role.READ, "a\nb"));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create(OPERATOR, "acme", Role.READ, "x".repeat(201)));
    for (String spoof : List.of("\u202eexe.txt", "a\u2066b", "a\u2028b", "\ud800")) {
      assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create(OPERATOR, "acme", Role.READ, spoof));
    }
  }

  @Test
  void list_andAny_seeTheStoredTokens() throws EnvelopeException {
    assertFalse(tokens.any());
    tokens.create(OPERATOR, "acme", Role.READ, "a");
    clock.advance(Duration.ofSeconds(1));
    tokens.create(OPERATOR, "globex", Role.READ, "b");
    assertTrue(tokens.any());
    assertEquals(List.of("a"), tokens.list(OPERATOR, "acme").stream().map(TokenRecord::name).toList());
    assertEquals(List.of("a", "b"), tokens.list(OPERATOR, null).stream().map(TokenRecord::name).toList());
  }

  private Principal caller(String tenant, Role role) throws EnvelopeException {
    return tokens.authenticate(tokens.create(OPERATOR, tenant, role, tenant + " " + role.id()).token());
  }

  @Test
  void aTenantAdmin_managesItsOwnTenantsTokens() throws EnvelopeException {
    Principal admin = caller("acme", Role.ADMIN);

    AccessTokens.IssuedToken made = tokens.create(admin, null, Role.WRITE, "ci");
    assertEquals("acme", made.record().tenant(), "no tenant: the admin's own");
    assertEquals("acme", tokens.create(admin, "acme", Role.ADMIN, "another admin").record().tenant());
    assertEquals(List.of("acme"), tokens.list(admin, null).stream().map(TokenRecord::tenant).distinct().toList());
    assertTrue(tokens.revoke(admin, made.record().id()).revoked());
  }

  @Test
  void aTenantAdmin_cannotActOnAnotherTenant() throws EnvelopeException {
    Principal admin = caller("acme", Role.ADMIN);
    Principal theirs = caller("globex", Role.ADMIN);
    AccessTokens.IssuedToken victim = tokens.create(OPERATOR, "globex", Role.WRITE, "theirs");
    AccessTokens.IssuedToken operatorsOwn = tokens.create(OPERATOR, "default", Role.OPERATOR, "first operator");

    assertCode(ErrorCode.FORBIDDEN, () -> tokens.create(admin, "globex", Role.READ, "mine now"));
    assertCode(ErrorCode.FORBIDDEN, () -> tokens.list(admin, "globex"));
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke(admin, victim.record().id()));
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke(admin, operatorsOwn.record().id()));
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke(admin, theirs.tokenId()));
    assertCode(ErrorCode.FORBIDDEN, () -> tokens.create(admin, "acme", Role.OPERATOR, "promote myself"));
    AccessTokens.IssuedToken operatorInAcme = tokens.create(OPERATOR, "acme", Role.OPERATOR, "ops in acme");
    // An operator token is the installation's, even in the admin's own tenant.
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke(admin, operatorInAcme.record().id()));
    assertFalse(tokens.list(admin, null).stream().anyMatch(t -> t.role() == Role.OPERATOR), "nor does it see one");

    assertEquals("globex", tokens.authenticate(victim.token()).tenant(), "their token still works");
    assertEquals(Role.OPERATOR, tokens.authenticate(operatorsOwn.token()).role());
    assertTrue(tokens.list(admin, null).stream().allMatch(t -> t.tenant().equals("acme")));
    assertEquals(1, tokens.list(admin, "acme").size(), "its own token, the only one of acme");
  }

  @Test
  void readersAndWriters_manageNoTokensAtAll() throws EnvelopeException {
    for (Role role : List.of(Role.READ, Role.WRITE)) {
      Principal caller = caller("acme", role);
      assertCode(ErrorCode.FORBIDDEN, () -> tokens.create(caller, null, Role.READ, "x"));
      assertCode(ErrorCode.FORBIDDEN, () -> tokens.list(caller, null));
      assertCode(ErrorCode.FORBIDDEN, () -> tokens.revoke(caller, caller.tokenId()));
    }
  }

  @Test
  void anOperator_managesEveryTenant_andMakesOperators() throws EnvelopeException {
    Principal operator = caller("default", Role.OPERATOR);
    AccessTokens.IssuedToken theirs = tokens.create(operator, "globex", Role.ADMIN, "their admin");
    AccessTokens.IssuedToken another = tokens.create(operator, null, Role.OPERATOR, "second operator");

    assertEquals(Role.OPERATOR, tokens.authenticate(another.token()).role());
    assertEquals(List.of("default", "globex"), tokens.list(operator, null).stream().map(TokenRecord::tenant)
        .distinct().sorted().toList());
    assertTrue(tokens.revoke(operator, theirs.record().id()).revoked());
  }

  // ---- expiry ----

  @Test
  void expiringToken_authenticatesUntilItsExpiry_thenAnswersLikeAnUnknownOne() throws EnvelopeException {
    Instant expiry = clock.instant().plus(Duration.ofMinutes(30));
    AccessTokens.IssuedToken issued = tokens.create(OPERATOR, "acme", Role.READ, "short", expiry);
    assertEquals(Optional.of(expiry.truncatedTo(ChronoUnit.MILLIS)), issued.record().expiresAt());
    assertEquals(Optional.of(expiry.truncatedTo(ChronoUnit.MILLIS)),
        store.findToken(issued.record().id()).orElseThrow().expiresAt());
    clock.advance(Duration.ofMinutes(29));
    assertEquals("acme", tokens.authenticate(issued.token()).tenant());
    clock.set(expiry.truncatedTo(ChronoUnit.MILLIS).minusMillis(1));
    assertEquals("acme", tokens.authenticate(issued.token()).tenant());
    clock.set(expiry.truncatedTo(ChronoUnit.MILLIS));
    EnvelopeException expired = assertCode(ErrorCode.UNAUTHENTICATED, () -> tokens.authenticate(issued.token()));
    EnvelopeException unknown = assertCode(ErrorCode.UNAUTHENTICATED,
        () -> tokens.authenticate("env1.aaaaaaaaaaaaaaaa." + issued.token().substring(22)));
    assertEquals(unknown.getMessage(), expired.getMessage(), "nothing says it existed");
    assertFalse(expired.getMessage().contains(issued.record().id()));
    assertTrue(tokens.list(OPERATOR, "acme").get(0).expiredAt(clock.instant()), "listed still, as expired");
  }

  @Test
  void aTokenMadeByAnExpiringToken_neverOutlivesIt() throws EnvelopeException {
    Instant makersEnd = clock.instant().plus(Duration.ofMinutes(2)).truncatedTo(ChronoUnit.MILLIS);
    AccessTokens.IssuedToken maker = tokens.create(OPERATOR, "acme", Role.ADMIN, "short admin", makersEnd);
    Principal admin = tokens.authenticate(maker.token());

    AccessTokens.IssuedToken unsaid = tokens.create(admin, "acme", Role.ADMIN, "made without an expiry");
    assertEquals(Optional.of(makersEnd), unsaid.record().expiresAt(), "it ends with its maker");
    AccessTokens.IssuedToken sooner = tokens.create(admin, "acme", Role.READ, "sooner",
        makersEnd.minusSeconds(60));
    assertEquals(Optional.of(makersEnd.minusSeconds(60)), sooner.record().expiresAt());
    int before = tokens.list(OPERATOR, "acme").size();
    EnvelopeException later = assertCode(ErrorCode.INVALID_ARGUMENT,
        () -> tokens.create(admin, "acme", Role.ADMIN, "later", makersEnd.plusSeconds(1)));
    assertTrue(later.getMessage().contains("may not outlive the token that makes it"), later.getMessage());
    assertEquals(before, tokens.list(OPERATOR, "acme").size(), "no token made");

    clock.set(makersEnd);
    assertCode(ErrorCode.UNAUTHENTICATED, () -> tokens.authenticate(unsaid.token()));
    // A token that never expires, or the local operator, makes tokens that never expire unless told.
    assertEquals(Optional.empty(), tokens.create(OPERATOR, "acme", Role.ADMIN, "lasting").record().expiresAt());
  }

  @Test
  void tokenWithoutExpiry_neverExpires() throws EnvelopeException {
    AccessTokens.IssuedToken issued = tokens.create(OPERATOR, "acme", Role.READ, "forever");
    assertEquals(Optional.empty(), issued.record().expiresAt());
    clock.advance(Duration.ofDays(365 * 20));
    assertEquals("acme", tokens.authenticate(issued.token()).tenant());
  }

  @Test
  void expiryInThePast_orNow_orTooFar_isInvalidArgument_andMakesNoToken() {
    Instant now = clock.instant();
    for (Instant bad : List.of(now.minusSeconds(1), now.truncatedTo(ChronoUnit.MILLIS),
        now.plus(Duration.ofDays(3661)), Instant.MAX)) {
      EnvelopeException e = assertCode(ErrorCode.INVALID_ARGUMENT,
          () -> tokens.create(OPERATOR, "acme", Role.READ, "", bad));
      assertTrue(e.getMessage().startsWith("a token's expiry"), e.getMessage());
    }
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> AccessTokens.expiryAfter(now, Duration.ZERO));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> AccessTokens.expiryAfter(now, Duration.ofMinutes(-5)));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> AccessTokens.expiryAfter(now, Duration.ofDays(3661)));
    assertEquals(now.plus(Duration.ofDays(30)), assertDoesNotThrow(() -> AccessTokens.expiryAfter(now,
        Duration.ofDays(30))));
    assertDoesNotThrow(() -> tokens.create(OPERATOR, "acme", Role.READ, "", now.plus(Duration.ofDays(3660))));
    assertEquals(1, assertDoesNotThrow(() -> tokens.list(OPERATOR, null)).size(), "only the good one was made");
  }

  // ---- last use ----

  @Test
  void use_isRecordedAtMostOncePerMinutePerToken() throws EnvelopeException {
    CountingStore counting = new CountingStore(store);
    AccessTokens node = new AccessTokens(counting, clock);
    AccessTokens.IssuedToken issued = node.create(OPERATOR, "acme", Role.READ, "hot");
    AccessTokens.IssuedToken other = node.create(OPERATOR, "acme", Role.READ, "cold");
    assertEquals(Optional.empty(), store.findToken(issued.record().id()).orElseThrow().lastUsedAt());

    Instant first = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    for (int i = 0; i < 100; i++) {
      node.authenticate(issued.token());
      clock.advance(Duration.ofMillis(500)); // 50 s in all
    }
    assertEquals(1, counting.uses, "a hot token costs one write a minute, not one per request");
    assertEquals(Optional.of(first), store.findToken(issued.record().id()).orElseThrow().lastUsedAt());
    assertEquals(Optional.empty(), store.findToken(other.record().id()).orElseThrow().lastUsedAt());

    clock.advance(Duration.ofSeconds(10)); // a minute after the first use
    Instant later = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    node.authenticate(issued.token());
    node.authenticate(other.token());
    assertEquals(3, counting.uses);
    assertEquals(Optional.of(later), store.findToken(issued.record().id()).orElseThrow().lastUsedAt());
    assertEquals(Optional.of(later), store.findToken(other.record().id()).orElseThrow().lastUsedAt());
  }

  @Test
  void aUseAnotherNodeRecordedThisMinute_isNotWrittenAgain() throws EnvelopeException {
    AccessTokens.IssuedToken issued = tokens.create(OPERATOR, "acme", Role.READ, "");
    tokens.authenticate(issued.token()); // node one records it
    clock.advance(Duration.ofSeconds(30));
    CountingStore counting = new CountingStore(store);
    new AccessTokens(counting, clock).authenticate(issued.token()); // node two sees it in the record
    assertEquals(0, counting.uses);
    clock.advance(Duration.ofSeconds(30));
    new AccessTokens(counting, clock).authenticate(issued.token());
    assertEquals(1, counting.uses);
  }

  @Test
  void aStoreThatCannotRecordTheUse_failsNoRequest() throws EnvelopeException {
    AccessTokens.IssuedToken issued = tokens.create(OPERATOR, "acme", Role.WRITE, "");
    CountingStore broken = new CountingStore(store);
    broken.failure = new EnvelopeException(ErrorCode.UNAVAILABLE, "the metadata database is not available now");
    AccessTokens node = new AccessTokens(broken, clock);
    assertEquals("acme", node.authenticate(issued.token()).tenant());
    broken.failure = null;
    broken.crash = true;
    clock.advance(Duration.ofMinutes(2));
    assertEquals("acme", node.authenticate(issued.token()).tenant());
    assertEquals(2, broken.uses, "it tried, once a minute");
    assertEquals(Optional.empty(), store.findToken(issued.record().id()).orElseThrow().lastUsedAt());
  }

  @Test
  void expiredOrRevokedOrBadTokens_recordNoUse() throws EnvelopeException {
    CountingStore counting = new CountingStore(store);
    AccessTokens node = new AccessTokens(counting, clock);
    AccessTokens.IssuedToken expiring = node.create(OPERATOR, "acme", Role.READ, "", clock.instant().plusSeconds(1));
    AccessTokens.IssuedToken revoked = node.create(OPERATOR, "acme", Role.READ, "");
    node.revoke(OPERATOR, revoked.record().id());
    clock.advance(Duration.ofSeconds(1));
    assertCode(ErrorCode.UNAUTHENTICATED, () -> node.authenticate(expiring.token()));
    assertCode(ErrorCode.UNAUTHENTICATED, () -> node.authenticate(revoked.token()));
    assertCode(ErrorCode.UNAUTHENTICATED, () -> node.authenticate(revoked.token().substring(0, 22) + "A".repeat(43)));
    assertEquals(0, counting.uses);
  }

  /** The real store, counting (or failing) the writes of last uses. */
  private static final class CountingStore implements TokenStore {
    private final TokenStore store;
    int uses;
    EnvelopeException failure;
    boolean crash;

    CountingStore(TokenStore store) {
      this.store = store;
    }

    @Override
    public void recordTokenUse(String id, Instant at) throws EnvelopeException {
      uses++;
      if (failure != null) {
        throw failure;
      }
      if (crash) {
        throw new IllegalStateException("a bug in a store");
      }
      store.recordTokenUse(id, at);
    }

    @Override
    public void insertToken(TokenRecord token) throws EnvelopeException {
      store.insertToken(token);
    }

    @Override
    public Optional<TokenRecord> findToken(String id) throws EnvelopeException {
      return store.findToken(id);
    }

    @Override
    public List<TokenRecord> listTokens(String tenant) throws EnvelopeException {
      return store.listTokens(tenant);
    }

    @Override
    public boolean revokeToken(String id, Instant at) throws EnvelopeException {
      return store.revokeToken(id, at);
    }

    @Override
    public boolean hasTokens() throws EnvelopeException {
      return store.hasTokens();
    }
  }
}
