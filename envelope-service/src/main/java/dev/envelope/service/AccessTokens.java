package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens: made, checked, listed and revoked. A token reads {@code env1.<id>.<secret>}: the id (80
 * random bits, base32) names the token in lists and revocations; the secret (256 random bits, base64url) is
 * what proves possession. Only SHA-256 of the secret is stored (the secret is random and long, so a slow
 * password hash would add nothing), and it is compared in constant time.
 *
 * <p>A token may end: past its {@link TokenRecord#expiresAt() expiry} it is refused like any bad token. Each token
 * records when it was last used, at most once per {@link #USE_RECORD_INTERVAL} per node (a per-token time in
 * memory, so a busy token costs no write per request); a failure to record it never fails the request.
 *
 * <p>Every way a token can be wrong (missing, malformed, unknown id, wrong secret, revoked, expired) gets the same
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
  private static final Pattern SHAPE = Pattern.compile("env1\\.(" + Secrets.ID + ")\\.(" + Secrets.SECRET + ")");
  /** The longest token name, in characters. */
  public static final int MAX_NAME = 200;
  /** The longest a token may live: an expiry further away than this is refused as a mistake. */
  public static final Duration MAX_LIFETIME = Duration.ofDays(3660);
  /** A token's last use is written to the store at most this often per node. */
  public static final Duration USE_RECORD_INTERVAL = Duration.ofMinutes(1);
  private static final Logger LOG = LoggerFactory.getLogger(AccessTokens.class);

  private final TokenStore store;
  private final TenantStore tenants;
  private final Clock clock;
  /** Per token id, the last use this node wrote (or saw in the store): at most one write per interval. */
  private final ConcurrentHashMap<String, Instant> lastRecorded = new ConcurrentHashMap<>();
  private final AtomicBoolean useFailureLogged = new AtomicBoolean();

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
    return create(caller, tenant, role, name, null);
  }

  /**
   * Makes a token that ends at {@code expiresAt} (null: never), as {@link #create(Principal, String, Role, String)}
   * does.
   *
   * @throws EnvelopeException {@link ErrorCode#INVALID_ARGUMENT} also for an expiry that is not in the future or
   *     is more than {@link #MAX_LIFETIME} away
   */
  public IssuedToken create(Principal caller, String tenant, Role role, String name, Instant expiresAt)
      throws EnvelopeException {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Optional<Instant> expiry = Optional.ofNullable(expiresAt).map(at -> at.truncatedTo(ChronoUnit.MILLIS));
    if (expiry.isPresent()) {
      checkExpiry(now, expiry.get());
    }
    // A token never outlives the token that made it: an expiring admin token cannot mint a lasting one.
    Optional<Instant> makersEnd = expiryOf(caller);
    if (makersEnd.isPresent()) {
      if (expiry.isEmpty()) {
        expiry = makersEnd; // unsaid: it ends with its maker
      } else if (expiry.get().isAfter(makersEnd.get())) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a token may not outlive the token that makes it,"
            + " which expires at " + makersEnd.get());
      }
    }
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
    String secretText = Secrets.randomSecret();
    TokenRecord record = new TokenRecord(Secrets.randomId(), owner, role, label, Secrets.sha256(secretText), now,
        Optional.empty(), expiry, Optional.empty());
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
    if (!Secrets.matches(matcher.group(2), found.map(TokenRecord::secretHash).orElse(null))) {
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
    Instant now = clock.instant();
    if (record.expiredAt(now)) {
      throw unauthenticated(); // the same answer as an unknown token: nothing says it existed
    }
    recordUse(record, now.truncatedTo(ChronoUnit.MILLIS));
    return new Principal(record.tenant(), record.role(), record.id());
  }

  /**
   * The expiry of a token made at {@code now} that lives {@code lifetime}.
   *
   * @throws EnvelopeException {@link ErrorCode#INVALID_ARGUMENT} when it is not longer than zero or longer than
   *     {@link #MAX_LIFETIME}
   */
  public static Instant expiryAfter(Instant now, Duration lifetime) throws EnvelopeException {
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a token's lifetime must be longer than zero");
    }
    if (lifetime.compareTo(MAX_LIFETIME) > 0) {
      throw tooFar();
    }
    return now.plus(lifetime);
  }

  /**
   * When the token that authenticated {@code caller} expires, if it does: what it makes (a token, a share link)
   * never outlives it. Empty for a caller without a token (the local CLI, an embedding application).
   */
  public Optional<Instant> expiryOf(Principal caller) throws EnvelopeException {
    if (caller.tokenId().isEmpty() || caller.tokenId().equals(Principal.LOCAL)) {
      return Optional.empty();
    }
    return store.findToken(caller.tokenId()).flatMap(TokenRecord::expiresAt);
  }

  /** The clock tokens are made and checked by. */
  public Instant now() {
    return clock.instant();
  }

  private static void checkExpiry(Instant now, Instant expiresAt) throws EnvelopeException {
    if (!expiresAt.isAfter(now)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a token's expiry must be in the future");
    }
    if (expiresAt.isAfter(now.plus(MAX_LIFETIME))) {
      throw tooFar();
    }
  }

  private static EnvelopeException tooFar() {
    return new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a token's expiry may be at most "
        + MAX_LIFETIME.toDays() + " days (about 10 years) away");
  }

  /**
   * Writes the token's use to the store when neither this node nor the store has one from the last {@link
   * #USE_RECORD_INTERVAL}. Never fails: a store that cannot take it is logged (once at warn, then at debug).
   */
  private void recordUse(TokenRecord record, Instant now) {
    boolean[] due = {false};
    lastRecorded.compute(record.id(), (id, mine) -> {
      Instant last = mine;
      if (record.lastUsedAt().isPresent() && (last == null || record.lastUsedAt().get().isAfter(last))) {
        last = record.lastUsedAt().get();
      }
      if (last == null || !now.isBefore(last.plus(USE_RECORD_INTERVAL))) {
        due[0] = true;
        return now;
      }
      return last;
    });
    if (!due[0]) {
      return;
    }
    try {
      store.recordTokenUse(record.id(), now);
    } catch (EnvelopeException | RuntimeException e) {
      if (useFailureLogged.compareAndSet(false, true)) {
        LOG.warn("cannot record the last use of token {} (further failures are logged at debug): {}", record.id(),
            e.getMessage());
      } else {
        LOG.debug("cannot record the last use of token {}: {}", record.id(), e.getMessage());
      }
    }
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
}
