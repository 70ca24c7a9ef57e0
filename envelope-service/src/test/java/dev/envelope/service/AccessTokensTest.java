package dev.envelope.service;

import static dev.envelope.service.FileServiceTest.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
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
    AccessTokens.IssuedToken issued = tokens.create("acme", Role.WRITE, "deploy");
    assertTrue(issued.token().matches("env1\\.[a-z2-7]{16}\\.[A-Za-z0-9_-]{43}"), issued.token());
    assertEquals(new Principal("acme", Role.WRITE, issued.record().id()), tokens.authenticate(issued.token()));
    assertEquals(Instant.parse("2026-07-08T09:10:11.123Z"), issued.record().createdAt());
    assertFalse(issued.toString().contains(issued.token().substring(22)), "toString leaves the secret out");
  }

  @Test
  void everyBadToken_getsTheSameAnswer() throws EnvelopeException {
    String good = tokens.create("acme", Role.READ, "").token();
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
    AccessTokens.IssuedToken issued = tokens.create("acme", Role.ADMIN, "ops");
    Instant first = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    assertTrue(tokens.revoke(issued.record().id()).revoked());
    clock.advance(Duration.ofHours(1));
    assertEquals(Optional.of(first), tokens.revoke(issued.record().id()).revokedAt());
    assertCode(ErrorCode.UNAUTHENTICATED, () -> tokens.authenticate(issued.token()));
  }

  @Test
  void revokingAnUnknownOrMalformedId_isNotFound() {
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke("aaaaaaaaaaaaaaaa"));
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke("../x"));
    assertCode(ErrorCode.NOT_FOUND, () -> tokens.revoke(null));
  }

  @Test
  void badTenantOrName_isInvalidArgument() {
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create("Acme", Role.READ, ""));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create("../x", Role.READ, ""));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create("acme", Role.READ, "a\nb"));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> tokens.create("acme", Role.READ, "x".repeat(201)));
  }

  @Test
  void list_andAny_seeTheStoredTokens() throws EnvelopeException {
    assertFalse(tokens.any());
    tokens.create("acme", Role.READ, "a");
    clock.advance(Duration.ofSeconds(1));
    tokens.create("globex", Role.READ, "b");
    assertTrue(tokens.any());
    assertEquals(List.of("a"), tokens.list("acme").stream().map(TokenRecord::name).toList());
    assertEquals(List.of("a", "b"), tokens.list(null).stream().map(TokenRecord::name).toList());
  }
}
