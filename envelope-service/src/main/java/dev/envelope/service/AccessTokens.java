package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Bearer tokens: made, checked, listed and revoked. A token reads {@code env1.<id>.<secret>}: the id (80
 * random bits, base32) names the token in lists and revocations; the secret (256 random bits, base64url) is
 * what proves possession. Only SHA-256 of the secret is stored (the secret is random and long, so a slow
 * password hash would add nothing), and it is compared in constant time.
 *
 * <p>Every way a token can be wrong (missing, malformed, unknown id, wrong secret, revoked) gets the same
 * {@link ErrorCode#UNAUTHENTICATED} answer, so an attacker learns nothing from the difference. The one exception
 * needs the token's secret: a token revoked because its tenant was crypto-shredded answers {@link
 * ErrorCode#TENANT_SHREDDED}, so its client learns that its files are gone rather than that it was locked out.
 *
 * <h2>Who may manage tokens</h2>
 * Authority has one scope. A tenant's admin ({@link Role#ADMIN}) creates, lists and revokes the tokens of its own
 * tenant only, and never makes, sees or revokes an operator token (those are the installation's, whatever tenant
 * they hold); another tenant's token, or an operator's, answers {@link ErrorCode#NOT_FOUND}, exactly like a
 * missing one, and naming another tenant is {@link ErrorCode#FORBIDDEN}. Only an operator
 * ({@link Role#OPERATOR}, or {@link Principal#localOperator()}: the local CLI) acts across tenants and makes
 * operator tokens. The rule lives here, not in an adapter, so every way in keeps it.
 */
public final class AccessTokens {
  private static final String PREFIX = "env1.";
  private static final Pattern SHAPE = Pattern.compile("env1\\.([a-z2-7]{16})\\.([A-Za-z0-9_-]{43})");
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The longest token name, in characters. */
  public static final int MAX_NAME = 200;

  private final TokenStore store;
  private final TenantStore tenants;
  private final Clock clock;

  /** Tokens without tenant records: no tenant is ever shredded. */
  public AccessTokens(TokenStore store, Clock clock) {
    this(store, null, clock);
  }

  /**
   * @param tenants where shredded tenants are recorded (null: none): a shredded tenant gets no new token, and its
   *     revoked tokens answer {@link ErrorCode#TENANT_SHREDDED} instead of {@link ErrorCode#UNAUTHENTICATED}
   */
  public AccessTokens(TokenStore store, TenantStore tenants, Clock clock) {
    this.store = store;
    this.tenants = tenants;
    this.clock = clock;
  }

  /** A token just made: the only moment its text exists outside the client. */
  public record IssuedToken(TokenRecord record, String token) {
    /** Leaves the token out. */
    @Override
    public String toString() {
      return "IssuedToken[" + record + "]";
    }
  }

  /**
   * Makes a token for a tenant with a role on behalf of {@code caller}; its text is returned once and never
   * stored.
   *
   * @param tenant whose token it is; null for the caller's own tenant
   * @param name a label for people (null: none)
   * @throws EnvelopeException {@link ErrorCode#FORBIDDEN} when the caller may not make it, {@link
   *     ErrorCode#INVALID_ARGUMENT} for a bad tenant or name
   */
  public IssuedToken create(Principal caller, String tenant, Role role, String name) throws EnvelopeException {
    String owner = tenant == null ? caller.tenant() : tenant;
    if (!Tenants.isValid(owner)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "a tenant is 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
    }
    String label = name == null ? "" : name;
    if (label.length() > MAX_NAME || DisplayText.problem(label).isPresent()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a token name is at most " + MAX_NAME
          + " characters, without control characters or bidirectional overrides");
    }
    authorize(caller, owner);
    if (role == Role.OPERATOR && !caller.isOperator()) {
      throw new EnvelopeException(ErrorCode.FORBIDDEN, "only an operator makes operator tokens");
    }
    if (shredded(owner)) {
      throw TenantDirectory.shredded(owner);
    }
    char[] id = new char[16];
    for (int i = 0; i < id.length; i++) {
      id[i] = BASE32[RANDOM.nextInt(32)];
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    TokenRecord record = new TokenRecord(new String(id), owner, role, label, sha256(secretText),
        clock.instant().truncatedTo(ChronoUnit.MILLIS), Optional.empty());
    store.insertToken(record);
    if (shredded(owner)) {
      // Shredded since the check above, after the shred listed the tokens it revokes: this one must not stay live.
      store.revokeToken(record.id(), clock.instant().truncatedTo(ChronoUnit.MILLIS));
      throw TenantDirectory.shredded(owner);
    }
    return new IssuedToken(record, PREFIX + record.id() + "." + secretText);
  }

  /** Checks a token's text and says who it belongs to; {@link ErrorCode#UNAUTHENTICATED} for any bad token. */
  public Principal authenticate(String token) throws EnvelopeException {
    var matcher = token == null ? null : SHAPE.matcher(token);
    if (matcher == null || !matcher.matches()) {
      throw unauthenticated();
    }
    Optional<TokenRecord> found = store.findToken(matcher.group(1));
    byte[] presented = sha256(matcher.group(2));
    // Compare against a dummy hash when the id is unknown, so both paths do the same work.
    byte[] expected = found.map(TokenRecord::secretHash).orElseGet(() -> new byte[32]);
    boolean match = MessageDigest.isEqual(presented, expected);
    if (found.isEmpty() || !match) {
      throw unauthenticated();
    }
    if (found.get().revoked()) {
      // Only the holder of the secret learns this: a client of a shredded tenant is told its files are gone,
      // not that it should try other credentials.
      if (shredded(found.get().tenant())) {
        throw TenantDirectory.shredded(found.get().tenant());
      }
      throw unauthenticated();
    }
    TokenRecord record = found.get();
    return new Principal(record.tenant(), record.role(), record.id());
  }

  /**
   * Tokens the caller may see, revoked ones included: of {@code tenant}, or when it is null, of every tenant for
   * an operator and of its own for a tenant admin.
   */
  public List<TokenRecord> list(Principal caller, String tenant) throws EnvelopeException {
    if (caller.isOperator()) {
      return store.listTokens(tenant);
    }
    authorize(caller, tenant == null ? caller.tenant() : tenant);
    return store.listTokens(caller.tenant()).stream().filter(t -> t.role() != Role.OPERATOR).toList();
  }

  /**
   * Revokes a token on behalf of {@code caller}; {@link ErrorCode#NOT_FOUND} if there is none with that id, or
   * if it is another tenant's and the caller is not an operator (the same answer, so ids of other tenants
   * cannot be probed).
   */
  public TokenRecord revoke(Principal caller, String id) throws EnvelopeException {
    requireAdmin(caller);
    if (id == null || !id.matches("[a-z2-7]{16}")) {
      throw noSuchToken();
    }
    Optional<TokenRecord> found = store.findToken(id);
    if (found.isEmpty() || !caller.isOperator() && (!found.get().tenant().equals(caller.tenant())
        || found.get().role() == Role.OPERATOR)) {
      throw noSuchToken();
    }
    if (!store.revokeToken(id, clock.instant().truncatedTo(ChronoUnit.MILLIS))) {
      throw noSuchToken();
    }
    return store.findToken(id).orElseThrow();
  }

  /** Whether any token exists (the server makes the first admin token when none does). */
  public boolean any() throws EnvelopeException {
    return store.hasTokens();
  }

  private boolean shredded(String tenant) throws EnvelopeException {
    return tenants != null && tenants.findTenant(tenant).map(t -> !t.active()).orElse(false);
  }

  /** An admin may act on {@code tenant} if it is an operator, or it is its own tenant. */
  private static void authorize(Principal caller, String tenant) throws EnvelopeException {
    requireAdmin(caller);
    if (!caller.isOperator() && !caller.tenant().equals(tenant)) {
      throw new EnvelopeException(ErrorCode.FORBIDDEN, "a tenant's admin manages the tokens of its own tenant only");
    }
  }

  private static void requireAdmin(Principal caller) throws EnvelopeException {
    caller.require(Role.ADMIN);
  }

  private static EnvelopeException noSuchToken() {
    return new EnvelopeException(ErrorCode.NOT_FOUND, "no token with that id");
  }

  private static EnvelopeException unauthenticated() {
    return new EnvelopeException(ErrorCode.UNAUTHENTICATED, "a valid bearer token is required");
  }

  private static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }
}
