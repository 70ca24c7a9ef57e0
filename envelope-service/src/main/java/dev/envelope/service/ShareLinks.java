package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Share links: a secret that opens one file for download without a token, until it expires, is revoked or has
 * served its downloads. A link's secret reads {@code <id>.<secret>}: the id (80 random bits, base32) names it in
 * lists and revocations; the secret (256 random bits, base64url) proves possession, and only its SHA-256 is
 * stored, compared in constant time ({@link Secrets}).
 *
 * <h2>Security guarantees</h2>
 * <ul>
 *   <li>Making a link needs {@link Role#WRITE} (it grants access to others) on a file of the caller's own tenant;
 *       another tenant's file answers {@link ErrorCode#NOT_FOUND} exactly like a missing one, for listing and
 *       revoking too. A link belongs to its file's tenant and opens that one file only.
 *   <li>Every link ends: after {@link #DEFAULT_LIFETIME} unless asked otherwise, at most {@link #MAX_LIFETIME},
 *       and never after the token that made it expires (its expiry is cut to the token's).
 *   <li>Every way a link can fail (malformed, unknown, wrong secret, expired, revoked, out of downloads, its file
 *       deleted, its tenant shredded) is the same {@link ErrorCode#NOT_FOUND} with the same message.
 *   <li>A download is counted when it starts ({@link #count}), by one conditional update in the store: racing
 *       downloads on any number of nodes never start more than {@code maxDownloads}.
 * </ul>
 */
public final class ShareLinks {
  private static final Pattern SHAPE = Pattern.compile("(" + Secrets.ID + ")\\.(" + Secrets.SECRET + ")");
  /** How long a link lives when the request does not say. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);
  /** The longest a link may live. */
  public static final Duration MAX_LIFETIME = Duration.ofDays(365);
  /** The most downloads a link may allow. */
  public static final long MAX_DOWNLOADS = 1_000_000;
  /**
   * The most links that still work a file may have: bounds what one client can make (and what a listing, which is
   * not paged, returns). Links made side by side may pass it by as many as are made at once.
   */
  public static final int MAX_LINKS_PER_FILE = 100;

  private final FileService files;
  private final LinkStore store;
  private final AccessTokens tokens;
  private final Clock clock;

  /**
   * @param tokens the tokens that make links (a link is cut to its maker's expiry); null for an embedding
   *     application whose callers have no tokens
   */
  public ShareLinks(FileService files, LinkStore store, AccessTokens tokens, Clock clock) {
    this.files = Objects.requireNonNull(files, "files");
    this.store = Objects.requireNonNull(store, "store");
    this.tokens = tokens;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A link just made: the only moment its secret exists outside the client. */
  public record IssuedLink(LinkRecord record, String secret) {
    /** Leaves the secret out. */
    @Override
    public String toString() {
      return "IssuedLink[" + record + "]";
    }
  }

  /** A link found usable, and whom it lets read its file: the file's tenant, read only. */
  public record Grant(LinkRecord link, Principal reader) {}

  /**
   * Makes a link to a file of the caller's tenant.
   *
   * @param lifetime how long it lives (null: {@link #DEFAULT_LIFETIME}); cut to the caller's token's expiry
   * @param maxDownloads how many downloads it allows (null: no bound)
   * @throws EnvelopeException {@link ErrorCode#FORBIDDEN} without the write role, {@link ErrorCode#NOT_FOUND} for
   *     a file the caller cannot see, {@link ErrorCode#INVALID_ARGUMENT} for a lifetime or count out of bounds,
   *     {@link ErrorCode#CONFLICT} when the file has {@link #MAX_LINKS_PER_FILE} links that still work
   */
  public IssuedLink create(Principal caller, String fileId, Duration lifetime, Long maxDownloads)
      throws EnvelopeException {
    caller.require(Role.WRITE);
    Duration life = lifetime == null ? DEFAULT_LIFETIME : lifetime;
    if (life.isNegative() || life.isZero() || life.compareTo(MAX_LIFETIME) > 0) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a link's lifetime must be longer than zero and at"
          + " most " + MAX_LIFETIME.toDays() + " days");
    }
    if (maxDownloads != null && (maxDownloads < 1 || maxDownloads > MAX_DOWNLOADS)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a link's maxDownloads must be 1 to " + MAX_DOWNLOADS);
    }
    FileRecord file = files.describe(caller, fileId);
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    if (store.listLinks(file.tenant(), file.id()).stream().filter(l -> l.usableAt(now)).count()
        >= MAX_LINKS_PER_FILE) {
      throw new EnvelopeException(ErrorCode.CONFLICT, "file " + file.id() + " has " + MAX_LINKS_PER_FILE
          + " links that still work, the most it may have: revoke some first");
    }
    Instant expiresAt = now.plus(life);
    Optional<Instant> makersEnd = tokens == null ? Optional.empty() : tokens.expiryOf(caller);
    if (makersEnd.isPresent() && makersEnd.get().isBefore(expiresAt)) {
      expiresAt = makersEnd.get().truncatedTo(ChronoUnit.MILLIS); // never outlives the token that made it
    }
    String secret = Secrets.randomSecret();
    LinkRecord record = new LinkRecord(Secrets.randomId(), file.tenant(), file.id(), Secrets.sha256(secret), now,
        expiresAt, maxDownloads == null ? OptionalLong.empty() : OptionalLong.of(maxDownloads), 0,
        Optional.empty());
    store.insertLink(record);
    return new IssuedLink(record, record.id() + "." + secret);
  }

  /**
   * The links of a file of the caller's tenant that still open it (revoked, expired and used-up ones are left
   * out), oldest first.
   */
  public List<LinkRecord> list(Principal caller, String fileId) throws EnvelopeException {
    caller.require(Role.READ);
    FileRecord file = files.describe(caller, fileId);
    Instant now = clock.instant();
    return store.listLinks(file.tenant(), file.id()).stream().filter(l -> l.usableAt(now)).toList();
  }

  /**
   * Revokes a link of a file of the caller's tenant (again: no change); {@link ErrorCode#NOT_FOUND} for a link
   * that is not one of that file's, or a file the caller cannot see.
   */
  public LinkRecord revoke(Principal caller, String fileId, String linkId) throws EnvelopeException {
    caller.require(Role.WRITE);
    FileRecord file = files.describe(caller, fileId);
    Optional<LinkRecord> found = linkId != null && linkId.matches(Secrets.ID) ? store.findLink(linkId)
        : Optional.empty();
    if (found.isEmpty() || !found.get().tenant().equals(file.tenant()) || !found.get().fileId().equals(file.id())
        || !store.revokeLink(linkId, clock.instant().truncatedTo(ChronoUnit.MILLIS))) {
      throw new EnvelopeException(ErrorCode.NOT_FOUND, "no link with that id on file " + file.id());
    }
    return store.findLink(linkId).orElseThrow();
  }

  /**
   * The link a secret opens, if it opens anything now; else {@link #notFound()}. Nothing is counted: a download
   * calls {@link #count} when it starts.
   */
  public Grant open(String secret) throws EnvelopeException {
    Matcher m = secret == null ? null : SHAPE.matcher(secret);
    if (m == null || !m.matches()) {
      throw notFound();
    }
    Optional<LinkRecord> found = store.findLink(m.group(1));
    if (!Secrets.matches(m.group(2), found.map(LinkRecord::secretHash).orElse(null))
        || !found.get().usableAt(clock.instant())) {
      throw notFound();
    }
    LinkRecord link = found.get();
    return new Grant(link, new Principal(link.tenant(), Role.READ, ""));
  }

  /** Opens the granted file for download ({@link FileService#download}); a file gone is {@link #notFound()}. */
  public Download download(Grant grant) throws EnvelopeException {
    try {
      return files.download(grant.reader(), grant.link().fileId());
    } catch (EnvelopeException e) {
      throw gone(e);
    }
  }

  /** The granted file's row, its blob checked ({@link FileService#stat}); a file gone is {@link #notFound()}. */
  public FileRecord stat(Grant grant) throws EnvelopeException {
    try {
      return files.stat(grant.reader(), grant.link().fileId());
    } catch (EnvelopeException e) {
      throw gone(e);
    }
  }

  /**
   * Counts one download against the link, atomically; {@link #notFound()} when it has none left (or expired, or
   * was revoked, since it was opened).
   */
  public void count(Grant grant) throws EnvelopeException {
    if (!store.countDownload(grant.link().id(), clock.instant())) {
      throw notFound();
    }
  }

  /** The one answer to every link that opens nothing. */
  public static EnvelopeException notFound() {
    return new EnvelopeException(ErrorCode.NOT_FOUND, "no such link, or it has expired");
  }

  /** A file deleted, or of a shredded tenant, is a link that opens nothing; other failures stay what they are. */
  private static EnvelopeException gone(EnvelopeException e) {
    return e.code() == ErrorCode.NOT_FOUND || e.code() == ErrorCode.TENANT_SHREDDED ? notFound() : e;
  }
}
