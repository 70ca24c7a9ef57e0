package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKeyAdmin;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenants with root keys of their own: create one (with a new key, or a key the tenant brings), list them with
 * what they store, move one to another key, and crypto-shred one. Only the operator may: a tenant's admin manages
 * its tokens, never its key. The CLI ({@code envelope tenants}) and the HTTP API ({@code /v1/tenants}) both call
 * this class, so both keep its rules.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>A tenant without a record keeps the node's root key; creating a record changes the key of its new files
 *       only: older ones move with {@code envelope admin rewrap} ({@link Rewrap}).
 *   <li>A record names its key by canonical id (an ARN on AWS KMS), never by alias.
 *   <li>{@link #shred} refuses a tenant whose key is shared (the node's root key, another tenant's, or one that
 *       still wraps another tenant's files), and one with files still wrapped under another key: destroying the
 *       key would then leave those files readable, or destroy someone else's.
 *   <li>Every change is a compare-and-set on the tenant's record: two operators racing cannot both win.
 * </ul>
 */
public final class TenantAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(TenantAdmin.class);

  private final FileService files;
  private final TokenStore tokens;
  private final RootKeyAdmin admin;

  /**
   * @param files the file service whose tenants these are: it must have been built with a {@link
   *     FileService.Builder#tenantStore tenant store}
   * @param tokens the token store, to revoke a shredded tenant's tokens
   * @param admin the key service's administration (the same service the file service wraps keys with)
   */
  public TenantAdmin(FileService files, TokenStore tokens, RootKeyAdmin admin) {
    this.files = Objects.requireNonNull(files, "files");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.admin = Objects.requireNonNull(admin, "admin");
    if (files.tenants().store() == null) {
      throw new IllegalArgumentException("the file service has no tenant store");
    }
  }

  /**
   * A tenant as {@code tenants list} shows it.
   *
   * @param name the tenant
   * @param rootKey the root key its new files are wrapped under (the node's, as configured, when it has no record)
   * @param nodeKey whether that is the node's root key (the tenant has no record)
   * @param state {@code active} or {@code shredded}
   * @param files how many files it has
   * @param bytes their plaintext bytes
   * @param record its record, if it has one
   */
  public record TenantView(String name, String rootKey, boolean nodeKey, String state, long files, long bytes,
      Optional<TenantRecord> record) {}

  /** What {@link #shred} did. */
  public record Shredded(TenantRecord tenant, int tokensRevoked, Optional<Instant> deletionDate, boolean destroyed) {}

  /**
   * Gives {@code name} a root key of its own: a new one made in the key service when {@code rootKeyRef} is null,
   * else the existing key it names (id, ARN or alias; it must be enabled). {@link ErrorCode#ALREADY_EXISTS} if the
   * tenant has a record already (use {@link #setKey}).
   */
  public TenantRecord create(Principal caller, String name, String rootKeyRef) throws EnvelopeException {
    requireOperator(caller);
    checkName(name);
    if (tenantStore().findTenant(name).isPresent()) {
      throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, "tenant " + name + " exists already; 'tenants set-key'"
          + " moves it to another root key");
    }
    boolean made = rootKeyRef == null;
    String keyId = made ? admin.createRootKey("root key of tenant " + name + " (envelope tenants create)")
        : admin.resolveRootKey(rootKeyRef);
    Instant now = now();
    TenantRecord record = new TenantRecord(name, keyId, files.keys().name(), !keyId.equals(nodeKeyId()),
        TenantRecord.State.ACTIVE, now, now);
    try {
      tenantStore().insertTenant(record);
    } catch (EnvelopeException e) {
      if (made) {
        retire(keyId); // another operator created the tenant meanwhile: the new key wraps nothing
      }
      throw e;
    }
    files.tenants().forget(name);
    LOG.info("tenant {} created with root key {}{}", name, keyId, made ? " (new)" : "");
    return record;
  }

  /** Every tenant with a record or with files, by name, with its files and bytes (one scan of every row). */
  public List<TenantView> list(Principal caller) throws EnvelopeException {
    requireOperator(caller);
    KeyUsage usage = KeyUsage.of(files.metadata(), null);
    Map<String, TenantView> views = new TreeMap<>();
    for (TenantRecord r : tenantStore().listTenants()) {
      KeyUsage.Totals t = usage.tenant(r.name());
      views.put(r.name(), new TenantView(r.name(), r.rootKey(), false, r.state().id(), t.files(), t.bytes(),
          Optional.of(r)));
    }
    for (Map.Entry<String, KeyUsage.Totals> e : usage.tenants().entrySet()) {
      views.putIfAbsent(e.getKey(), new TenantView(e.getKey(), files.nodeRootKey(), true, "active",
          e.getValue().files(), e.getValue().bytes(), Optional.empty()));
    }
    return new ArrayList<>(views.values());
  }

  /** One tenant, as {@link #list} shows it (a tenant with neither record nor files shows the node's key). */
  public TenantView describe(Principal caller, String name) throws EnvelopeException {
    requireOperator(caller);
    checkName(name);
    KeyUsage.Totals t = KeyUsage.of(files.metadata(), name).tenant(name);
    Optional<TenantRecord> r = tenantStore().findTenant(name);
    return r.map(rec -> new TenantView(name, rec.rootKey(), false, rec.state().id(), t.files(), t.bytes(), r))
        .orElseGet(() -> new TenantView(name, files.nodeRootKey(), true, "active", t.files(), t.bytes(), r));
  }

  /**
   * Moves a tenant's new files to another existing root key (a tenant without a record gets one). Its stored files
   * keep their key until {@code envelope admin rewrap --tenant} moves them.
   */
  public TenantRecord setKey(Principal caller, String name, String rootKeyRef) throws EnvelopeException {
    requireOperator(caller);
    checkName(name);
    Objects.requireNonNull(rootKeyRef, "rootKeyRef");
    String keyId = admin.resolveRootKey(rootKeyRef);
    boolean own = !keyId.equals(nodeKeyId());
    Optional<TenantRecord> current = tenantStore().findTenant(name);
    TenantRecord next;
    if (current.isEmpty()) {
      Instant now = now();
      next = new TenantRecord(name, keyId, files.keys().name(), own, TenantRecord.State.ACTIVE, now, now);
      tenantStore().insertTenant(next);
    } else {
      TenantRecord was = current.get();
      if (!was.active()) {
        throw TenantDirectory.shredded(name);
      }
      next = new TenantRecord(name, keyId, files.keys().name(), own, was.state(), was.createdAt(),
          later(was.updatedAt()), was.quotaBytes());
      if (!tenantStore().replaceTenant(was, next)) {
        throw raced(name);
      }
    }
    files.tenants().forget(name);
    LOG.info("tenant {} moved to root key {}", name, keyId);
    return next;
  }

  /**
   * Sets the most plaintext bytes a tenant may store (null: no limit). Uploads that would pass it answer {@link
   * ErrorCode#QUOTA_EXCEEDED}; what is stored already stays, even above a lowered quota. A tenant without a record
   * gets one on the node's root key, as if it had none. Takes effect on every node within {@link
   * TenantDirectory#DEFAULT_TTL}.
   */
  public TenantRecord setQuota(Principal caller, String name, Long quotaBytes) throws EnvelopeException {
    requireOperator(caller);
    checkName(name);
    if (quotaBytes != null && quotaBytes < 0) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a quota is 0 bytes or more");
    }
    Optional<TenantRecord> current = tenantStore().findTenant(name);
    TenantRecord next;
    if (current.isEmpty()) {
      Instant now = now();
      next = new TenantRecord(name, nodeKeyId(), files.keys().name(), false, TenantRecord.State.ACTIVE, now, now,
          quotaBytes);
      tenantStore().insertTenant(next);
    } else {
      TenantRecord was = current.get();
      if (!was.active()) {
        throw TenantDirectory.shredded(name);
      }
      next = was.withQuota(quotaBytes, later(was.updatedAt()));
      if (!tenantStore().replaceTenant(was, next)) {
        throw raced(name);
      }
    }
    files.tenants().forget(name);
    LOG.info("tenant {} quota set to {}", name, quotaBytes == null ? "none" : quotaBytes + " bytes");
    return next;
  }

  /**
   * Crypto-shreds a tenant: marks it shredded (every request for its files answers {@link
   * ErrorCode#TENANT_SHREDDED} from then on), revokes its tokens, disables its root key and schedules its deletion
   * with the shortest waiting period the key service allows, or destroys it at once when {@code now} is set (the
   * local and PKCS#11 key services only). Running it again on a shredded tenant finishes what a crash left undone.
   */
  public Shredded shred(Principal caller, String name, boolean now) throws EnvelopeException {
    requireOperator(caller);
    checkName(name);
    if (now && !(admin instanceof ManagedKeyService)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--now destroys a key at once, which only the local"
          + " and pkcs11 key services can; AWS KMS destroys a key 7 days after it is scheduled at the earliest");
    }
    TenantRecord record = tenantStore().findTenant(name).orElseThrow(() -> new EnvelopeException(
        ErrorCode.INVALID_ARGUMENT, "tenant " + name + " has no root key of its own: it shares the node's root key,"
        + " which also wraps every other tenant's files. Give it its own ('tenants set-key " + name + " KEY'),"
        + " run 'admin rewrap --tenant " + name + "', then shred it"));
    checkShreddable(record);
    if (record.active()) {
      TenantRecord marked = record.withState(TenantRecord.State.SHREDDED, later(record.updatedAt()));
      if (!tenantStore().replaceTenant(record, marked)) {
        throw raced(name);
      }
      record = marked;
    }
    files.tenants().forget(name);
    if (files.dataKeyCache() != null) {
      files.dataKeyCache().forget(name); // zeroed here at once; other nodes stop using theirs within 2 s
    }
    dropRowsUnderOtherKeys(record);
    int revoked = 0;
    Instant at = now();
    for (TokenRecord token : tokens.listTokens(name)) {
      if (!token.revoked() && tokens.revokeToken(token.id(), at)) {
        revoked++;
      }
    }
    Optional<Instant> deletion = Optional.empty();
    boolean destroyed = false;
    try {
      admin.disableRootKey(record.rootKey());
      if (now) {
        admin.destroyRootKeyNow(record.rootKey());
        destroyed = true;
      } else {
        deletion = Optional.of(admin.scheduleRootKeyDeletion(record.rootKey()));
      }
    } catch (EnvelopeException e) {
      if (e.code() != ErrorCode.KEY_NOT_FOUND) {
        throw e;
      }
      destroyed = true; // destroyed by an earlier run, or its deletion date has passed
    }
    LOG.warn("tenant {} crypto-shredded: {} tokens revoked, root key {} {}", name, revoked, record.rootKey(),
        destroyed ? "destroyed" : "disabled and scheduled for deletion on " + deletion.orElseThrow());
    return new Shredded(record, revoked, deletion, destroyed);
  }

  /**
   * Removes a shredded tenant's rows and blobs (its files are unreadable already: this frees the space). Returns
   * how many files it removed; running it again removes what a crash left.
   */
  public KeyUsage.Totals purge(Principal caller, String name) throws EnvelopeException {
    requireOperator(caller);
    checkName(name);
    TenantRecord record = tenantStore().findTenant(name).orElse(null);
    if (record == null || record.active()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "tenant " + name + " is not shredded: purge removes"
          + " the files of a shredded tenant only ('tenants shred " + name + "' first)");
    }
    long count = 0;
    long bytes = 0;
    String cursor = null;
    do {
      FilePage page = files.metadata().scan(name, cursor, MetadataStore.MAX_PAGE);
      for (FileRecord f : page.files()) {
        if (files.metadata().delete(name, f.id())) {
          files.dropBlob(f.id());
          count++;
          bytes += f.size();
        }
      }
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
    LOG.info("tenant {} purged: {} files, {} bytes", name, count, bytes);
    return new KeyUsage.Totals(count, bytes);
  }

  /**
   * Deletes the rows of a tenant marked shredded that are not wrapped under its own key: uploads that were
   * streaming during the checks of {@link #shred} and stored their rows before the mark (one that stores its row
   * after the mark sees it and takes the row back itself). Such a row would stay readable under a key that is not
   * destroyed, the node's for instance.
   */
  private void dropRowsUnderOtherKeys(TenantRecord record) throws EnvelopeException {
    long dropped = 0;
    String cursor = null;
    do {
      FilePage page = files.metadata().scan(record.name(), cursor, MetadataStore.MAX_PAGE);
      for (FileRecord f : page.files()) {
        boolean own = f.keyService().equals(record.keyService())
            && f.wrappedKey().rootKeyId().equals(record.rootKey());
        if (!own && files.metadata().delete(record.name(), f.id())) {
          files.dropBlob(f.id());
          dropped++;
        }
      }
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
    if (dropped > 0) {
      LOG.warn("tenant {}: {} files stored during the shred under another root key than its own were deleted",
          record.name(), dropped);
    }
  }

  private void checkShreddable(TenantRecord record) throws EnvelopeException {
    String name = record.name();
    if (!record.keyService().equals(files.keys().name())) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "tenant " + name + "'s root key is in the "
          + record.keyService() + " key service, and this node uses " + files.keys().name());
    }
    if (!record.ownKey() || record.rootKey().equals(nodeKeyIdOrNull())) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "tenant " + name + " shares the node's root key,"
          + " which wraps every tenant's files: shredding it would destroy them all. Give it its own key ('tenants"
          + " set-key'), run 'admin rewrap --tenant " + name + "', then shred it");
    }
    for (TenantRecord other : tenantStore().listTenants()) {
      if (!other.name().equals(name) && other.rootKey().equals(record.rootKey()) && other.active()) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "tenant " + name + " shares root key "
            + record.rootKey() + " with tenant " + other.name() + ": shredding it would destroy that tenant's"
            + " files too. Move one of them ('tenants set-key', then 'admin rewrap') first");
      }
    }
    KeyUsage usage = KeyUsage.of(files.metadata(), null);
    long own = usage.tenant(name).files();
    KeyUsage mine = KeyUsage.of(files.metadata(), name);
    long underKey = mine.filesUnder(record.keyService(), record.rootKey(), null);
    long othersUnderKey = usage.filesUnder(record.keyService(), record.rootKey(), null) - underKey;
    if (othersUnderKey > 0) {
      throw new EnvelopeException(ErrorCode.KEY_IN_USE, "root key " + record.rootKey() + " of tenant " + name
          + " still wraps " + othersUnderKey + " files of other tenants: shredding it would destroy them. Run"
          + " 'admin rewrap' for those tenants first");
    }
    if (record.active() && own > underKey) {
      throw new EnvelopeException(ErrorCode.KEY_IN_USE, "tenant " + name + " has " + (own - underKey) + " of its "
          + own + " files wrapped under other root keys (from before it had its own key): destroying its key would"
          + " leave them readable. Run 'admin rewrap --tenant " + name + "' first");
    }
  }

  private TenantStore tenantStore() {
    return files.tenants().store();
  }

  private String nodeKeyId() throws EnvelopeException {
    return admin.resolveRootKey(files.nodeRootKey());
  }

  /** The node's root key id, or null when it cannot be resolved now (disabled, say): then it is nobody's key. */
  private String nodeKeyIdOrNull() {
    try {
      return nodeKeyId();
    } catch (EnvelopeException e) {
      return null;
    }
  }

  private void retire(String keyId) {
    try {
      admin.disableRootKey(keyId);
      admin.scheduleRootKeyDeletion(keyId);
    } catch (EnvelopeException e) {
      LOG.warn("root key {} was made for a tenant that another operator created first; it wraps nothing, but"
          + " could not be retired now: {}", keyId, e.getMessage());
    }
  }

  private Instant now() {
    return files.clock().instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** Now, or just after {@code previous}: every change moves the record's version forward. */
  private Instant later(Instant previous) {
    Instant now = now();
    return now.isAfter(previous) ? now : previous.plusMillis(1);
  }

  private static void checkName(String name) throws EnvelopeException {
    if (!Tenants.isValid(name)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "a tenant is 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
    }
  }

  private static void requireOperator(Principal caller) throws EnvelopeException {
    if (!caller.isOperator()) {
      throw new EnvelopeException(ErrorCode.FORBIDDEN, "only the operator manages tenants and their root keys");
    }
  }

  private static EnvelopeException raced(String name) {
    return new EnvelopeException(ErrorCode.ALREADY_EXISTS, "tenant " + name
        + " was changed by someone else meanwhile: look at it again and retry");
  }
}
