package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.core.InvalidCiphertextException;
import dev.envelope.core.KeyService;
import dev.envelope.core.RootKeyAdmin;
import dev.envelope.core.WrappedKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code envelope admin migrate}: copies every file, token, tenant and share link, and the S3 API's credentials, buckets
 * and objects, of one node's backends (the source) to another
 * set of backends (the target), say from a directory, SQLite and the local keyring to S3, PostgreSQL and AWS KMS,
 * then reads every copied file back on the target.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>No file is re-encrypted, no plaintext key touches disk.</b> A blob is copied as it is, ciphertext to
 *       ciphertext. Its data key is unwrapped by the source's key service and wrapped by the target's ({@link
 *       RootKeyAdmin#wrapDataKey}) under the same context ({@link FileService#keyContextOf}), in memory, and zeroed
 *       at once. A row keeps its id, tenant, name, type, size, creation time, format and segment size; its key
 *       service and wrapped key become the target's.
 *   <li><b>The source is only read.</b> Its rows stay wrapped by its own key service and readable there until the
 *       nodes are switched over.
 *   <li><b>Blob first, then the row</b>, as uploads do: a run that dies in between leaves at most a blob without a
 *       row on the target, which the next run checks byte for byte against the source and keeps, or replaces (or
 *       the target's orphan sweeper removes).
 *   <li><b>Idempotent and resumable.</b> A row already on the target (same id, same columns) is skipped, and so
 *       are tokens and tenants already there: {@code kill -9} at any moment, run again, and it finishes. No state is
 *       kept between runs. A revocation made on the source since an earlier run is carried over; so is a tenant
 *       shredded since (it is marked shredded on the target, and its rows there are left for {@code tenants shred}
 *       and {@code tenants purge} on the target). Files deleted on the source since an earlier run are not deleted
 *       from the target.
 *   <li><b>Verified.</b> The run ends by downloading every file of the source from the target through a {@link
 *       FileService} on the target's backends, every segment authenticated, into nothing: {@link Summary#complete()}
 *       only when every row was copied (or was there already) and read back.
 *   <li><b>Conflicts stop it</b> ({@link ErrorCode#ALREADY_EXISTS}): a row, token or tenant on the target with the
 *       same id or name but other content came from somewhere else, and is never overwritten. A target that is the
 *       source (a row there with the very wrapped key of the source's) is {@link ErrorCode#INVALID_ARGUMENT}.
 * </ul>
 *
 * <h2>Tenants' root keys</h2>
 * A tenant with a record on the source gets one on the target, with its creation time. One whose record names a key
 * of its own gets a new key in the target's key service ({@link RootKeyAdmin#createRootKey}; tenants that shared one
 * key on the source share one new key), unless {@link Options#tenantKeys()} names an existing target key for it (a
 * key the tenant brings, say); one whose record names the node's key gets the target node's key. A tenant without a
 * record uses the target's node root key, unless {@link Options#tenantKeys()} names a key for it. A shredded tenant is
 * copied as shredded (its record as it is, naming its destroyed key) and none of its rows are. A key made for a
 * tenant by a run that died before the tenant's record was written stays unused in the target's key service.
 */
public final class Migration {
  private static final Logger LOG = LoggerFactory.getLogger(Migration.class);
  private static final int PAGE = 200;
  private static final int MAX_FAILURES_KEPT = 20;
  private static final int BUFFER = 64 * 1024;

  private final Side source;
  private final Side target;
  private final Clock clock;

  /**
   * One side: a node's key service, root key setting and stores.
   *
   * @param keys the key service: the source's unwraps, the target's wraps (it must be a {@link RootKeyAdmin}) and
   *     unwraps again when the files are read back; in a dry run, the target's may be null (it has none yet)
   * @param rootKey the node's root key, as configured (id, alias or ARN)
   * @param blobs the blob store; in a dry run, the target's may be null (it is not looked at)
   * @param metadata the file rows
   * @param tokens the tokens
   * @param tenants the tenant records
   */
  public record Side(KeyService keys, String rootKey, BlobStore blobs, MetadataStore metadata, TokenStore tokens,
      TenantStore tenants) {
    public Side {
      Objects.requireNonNull(rootKey, "rootKey");
      Objects.requireNonNull(metadata, "metadata");
      Objects.requireNonNull(tokens, "tokens");
      Objects.requireNonNull(tenants, "tenants");
    }
  }

  /**
   * What to do.
   *
   * @param dryRun count what would be copied and check for conflicts; write nothing anywhere, create no key
   * @param tenantKeys a target root key (id, ARN or alias) for some tenants, instead of the default above
   * @param parallelism rows copied (and read back) at once, 1 to {@value #MAX_PARALLELISM}: each row waits on
   *     several round trips to the stores and key services, so a few in flight go faster
   */
  public record Options(boolean dryRun, Map<String, String> tenantKeys, int parallelism) {
    /** The most rows in flight at once. */
    public static final int MAX_PARALLELISM = 64;

    public Options {
      tenantKeys = Map.copyOf(tenantKeys);
      for (Map.Entry<String, String> e : tenantKeys.entrySet()) {
        if (!Tenants.isValid(e.getKey())) {
          throw new IllegalArgumentException("'" + e.getKey() + "' is not a tenant name");
        }
        if (e.getValue().isBlank()) {
          throw new IllegalArgumentException("no root key given for tenant " + e.getKey());
        }
      }
      if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
        throw new IllegalArgumentException("parallelism is 1 to " + MAX_PARALLELISM);
      }
    }

    /** One row at a time. */
    public Options(boolean dryRun, Map<String, String> tenantKeys) {
      this(dryRun, tenantKeys, 1);
    }
  }

  /**
   * Where a run stands, or how it ended.
   *
   * @param rows rows of the source looked at
   * @param copied rows copied to the target (in a dry run: to be copied)
   * @param bytes the plaintext bytes of the rows copied (in a dry run: to be copied)
   * @param present rows skipped because they were on the target already (an earlier run)
   * @param shredded rows of shredded tenants, left behind
   * @param failed rows that could not be copied or did not read back on the target
   * @param verified rows that read back on the target, every segment authenticated
   * @param missing rows of the source not on the target when the files were read back (new on the source since
   *     the run began, or removed from the target meanwhile)
   * @param tokensCopied tokens copied (in a dry run: to be copied)
   * @param tokensPresent tokens on the target already
   * @param tokensRevoked revocations made on the source since an earlier run, carried over
   * @param tenantsCopied tenant records copied (or marked shredded since an earlier run)
   * @param tenantsPresent tenant records on the target already
   * @param keysCreated root keys made in the target's key service for tenants (in a dry run: to be made)
   * @param failures the first few failures, as {@code id (tenant T): code: message}
   * @param notices what the operator must know (a tenant shredded since an earlier run, say)
   * @param elapsed time since the run started
   */
  public record Summary(long rows, long copied, long bytes, long present, long shredded, long failed, long verified,
      long missing, long tokensCopied, long tokensPresent, long tokensRevoked, long tenantsCopied, long tenantsPresent,
      long keysCreated, List<String> failures, List<String> notices, Duration elapsed) {
    public Summary {
      failures = List.copyOf(failures);
      notices = List.copyOf(notices);
    }

    /** Whether every row of the source (but the shredded tenants') is on the target and read back there. */
    public boolean complete() {
      return failed == 0 && missing == 0;
    }
  }

  /** The phases a run goes through, for a progress display. */
  public enum Phase {
    /** Rows copied (or skipped) so far. */
    COPY,
    /** Rows read back on the target so far. */
    VERIFY
  }

  /** Told after every row. */
  public interface Progress {
    void update(Phase phase, long rows, Duration elapsed);
  }

  public Migration(Side source, Side target) {
    this(source, target, Clock.systemUTC());
  }

  Migration(Side source, Side target, Clock clock) {
    this.source = Objects.requireNonNull(source, "source");
    this.target = Objects.requireNonNull(target, "target");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (target.keys() != null && !(target.keys() instanceof RootKeyAdmin)) {
      throw new IllegalArgumentException("the target's key service cannot wrap a given data key");
    }
  }

  /** Runs a migration; only the operator may. */
  public Summary run(Principal caller, Options options, Progress progress) throws EnvelopeException {
    if (!caller.isOperator()) {
      throw new EnvelopeException(ErrorCode.FORBIDDEN, "only the operator migrates a node's files");
    }
    Objects.requireNonNull(options, "options");
    if (!options.dryRun() && (source.keys() == null || target.keys() == null || target.blobs() == null
        || source.blobs() == null)) {
      throw new IllegalArgumentException("a migration needs both sides' key services and blob stores");
    }
    return new Run(options, progress == null ? (p, n, t) -> { } : progress).all();
  }

  private final class Run {
    private final Options options;
    private final Progress progress;
    private final long started = System.nanoTime();
    private final Instant startedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    private final Map<String, TenantRecord> sourceTenants = new TreeMap<>();
    private final Map<String, String> targetKeys = new ConcurrentHashMap<>();
    private final Set<String> failedIds = ConcurrentHashMap.newKeySet();
    private final List<String> failures = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    private String targetNodeKey;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong copied = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong present = new AtomicLong();
    private final AtomicLong shredded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong verified = new AtomicLong();
    private final AtomicLong missing = new AtomicLong();
    private long tokensCopied;
    private long tokensPresent;
    private long tokensRevoked;
    private long tenantsCopied;
    private long tenantsPresent;
    private long keysCreated;

    Run(Options options, Progress progress) {
      this.options = options;
      this.progress = progress;
    }

    Summary all() throws EnvelopeException {
      for (TenantRecord t : source.tenants().listTenants()) {
        sourceTenants.put(t.name(), t);
      }
      checkNotTheSource();
      tenants();
      tokens();
      rows();
      if (!options.dryRun()) {
        links();
        buckets();
        verify();
      }
      Summary done = summary();
      LOG.info("migrate{}: {} rows, {} copied ({} bytes), {} already there, {} of shredded tenants, {} failed, {}"
          + " verified, {} missing; tokens {} copied, {} there, {} revoked since; tenants {} copied, {} there, {} new"
          + " root keys; in {} ms", options.dryRun() ? " (dry run)" : "", done.rows(), done.copied(), done.bytes(),
          done.present(), done.shredded(), done.failed(), done.verified(), done.missing(), done.tokensCopied(),
          done.tokensPresent(), done.tokensRevoked(), done.tenantsCopied(), done.tenantsPresent(), done.keysCreated(),
          done.elapsed().toMillis());
      return done;
    }

    // ---- the target is not the source ----

    /**
     * A wrapped key is random: a row of the target with exactly the source's key service and wrapped key is the
     * source's own row, so the target is the source (or a copy of it), whatever its settings say.
     */
    private void checkNotTheSource() throws EnvelopeException {
      String cursor = null;
      do {
        FilePage page = source.metadata().scan(null, cursor, PAGE);
        if (!page.files().isEmpty()) {
          FileRecord row = page.files().get(0);
          Optional<FileRecord> there = target.metadata().get(row.tenant(), row.id());
          if (there.isPresent()) {
            checkNotTheSame(row, there.get());
          }
          return;
        }
        cursor = page.nextCursor().orElse(null);
      } while (cursor != null);
    }

    private void checkNotTheSame(FileRecord row, FileRecord there) throws EnvelopeException {
      if (there.keyService().equals(row.keyService()) && there.wrappedKey().equals(row.wrappedKey())) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the target's metadata store holds the source's own"
            + " rows (file " + row.id() + " with the same wrapped key): it is the source, or a copy of it");
      }
    }

    // ---- tenants ----

    private void tenants() throws EnvelopeException {
      Set<String> names = new TreeSet<>(sourceTenants.keySet());
      names.addAll(options.tenantKeys().keySet());
      Map<String, String> mapped = new HashMap<>();
      for (Map.Entry<String, String> e : new TreeMap<>(options.tenantKeys()).entrySet()) {
        TenantRecord src = sourceTenants.get(e.getKey());
        if (src != null && !src.active()) {
          throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "tenant " + e.getKey() + " is shredded: it needs no"
              + " root key on the target (drop its --tenant-key)");
        }
        mapped.put(e.getKey(), resolveOnTarget(e.getKey(), e.getValue()));
      }
      // Tenants that shared a key of their own on the source share one new key on the target; an earlier run's
      // records say which target key stands for which source key.
      Map<String, String> newKeys = new HashMap<>();
      for (String name : names) {
        TenantRecord src = sourceTenants.get(name);
        Optional<TenantRecord> there = target.tenants().findTenant(name);
        if (src != null && src.active() && src.ownKey() && !mapped.containsKey(name) && there.isPresent()
            && there.get().active()) {
          newKeys.putIfAbsent(src.rootKey(), there.get().rootKey());
        }
      }
      for (String name : names) {
        tenant(name, sourceTenants.get(name), mapped.get(name), newKeys);
      }
    }

    private String resolveOnTarget(String tenant, String keyRef) throws EnvelopeException {
      if (target.keys() == null) {
        throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "--tenant-key " + tenant + "=" + keyRef + ": the"
            + " target's key service holds no keys yet");
      }
      try {
        return admin().resolveRootKey(keyRef);
      } catch (EnvelopeException e) {
        throw new EnvelopeException(e.code(), "--tenant-key " + tenant + "=" + keyRef + ": " + e.getMessage(), e);
      }
    }

    private void tenant(String name, TenantRecord src, String mappedKey, Map<String, String> newKeys)
        throws EnvelopeException {
      Optional<TenantRecord> there = target.tenants().findTenant(name);
      if (src != null && !src.active()) {
        if (there.isEmpty()) {
          if (!options.dryRun()) {
            insertTenant(src);
          }
          tenantsCopied++;
        } else if (there.get().active()) {
          // Shredded on the source since an earlier run: so it is on the target from now on.
          if (!options.dryRun() && !target.tenants().replaceTenant(there.get(), there.get().withState(
              TenantRecord.State.SHREDDED, later(there.get().updatedAt())))) {
            throw changedMeanwhile(name);
          }
          tenantsCopied++;
          notices.add("tenant " + name + " was shredded on the source after an earlier run: it is "
              + (options.dryRun() ? "to be marked" : "marked") + " shredded on the target, where its files copied"
              + " before stay until 'envelope tenants shred " + name + " --yes' and 'envelope tenants purge " + name
              + "' (with the target's settings) remove them");
        } else {
          tenantsPresent++;
        }
        return;
      }
      if (there.isPresent()) {
        TenantRecord t = there.get();
        if (!t.active()) {
          throw conflict("tenant " + name + " is shredded on the target and active on the source");
        }
        if (target.keys() != null && !t.keyService().equals(target.keys().name())) {
          throw conflict("tenant " + name + " has a record on the target naming a key of the " + t.keyService()
              + " key service, and the target uses " + target.keys().name());
        }
        if (mappedKey != null && !mappedKey.equals(t.rootKey())) {
          throw conflict("tenant " + name + " has root key " + t.rootKey() + " on the target already, not "
              + mappedKey + " as --tenant-key says: move it there with 'envelope tenants set-key' after the migration");
        }
        tenantsPresent++;
        return;
      }
      tenantsCopied++;
      String keyId;
      boolean own;
      boolean madeNow = false;
      if (mappedKey != null) {
        keyId = mappedKey;
        own = options.dryRun() || !mappedKey.equals(targetNodeKey());
      } else if (src.ownKey()) {
        own = true;
        keyId = newKeys.get(src.rootKey());
        if (keyId == null) {
          keysCreated++;
          keyId = options.dryRun() ? "(new)" : admin().createRootKey("root key of tenant " + name
              + " (envelope admin migrate)");
          madeNow = !options.dryRun();
          newKeys.put(src.rootKey(), keyId);
        }
      } else {
        own = false;
        keyId = options.dryRun() ? "(node's)" : targetNodeKey();
      }
      if (options.dryRun()) {
        return;
      }
      Instant created = src != null ? src.createdAt() : now();
      Instant updated = src != null ? src.updatedAt() : created;
      try {
        insertTenant(new TenantRecord(name, keyId, target.keys().name(), own, TenantRecord.State.ACTIVE, created,
            updated, src != null ? src.quotaBytes() : null));
      } catch (EnvelopeException | RuntimeException e) {
        if (madeNow) {
          retire(keyId); // it wraps nothing; the next run makes another
          newKeys.remove(src.rootKey());
        }
        throw e;
      }
      LOG.info("migrate: tenant {} under root key {} on the target", name, keyId);
    }

    /** Takes a key made for a tenant whose record could not be written out of use: it wraps nothing. */
    private void retire(String keyId) {
      try {
        admin().disableRootKey(keyId);
        admin().scheduleRootKeyDeletion(keyId);
      } catch (EnvelopeException | RuntimeException e) {
        LOG.warn("migrate: root key {} was made for a tenant whose record could not be written; it wraps nothing,"
            + " but could not be retired now: {}", keyId, e.getMessage());
      }
    }

    private void insertTenant(TenantRecord record) throws EnvelopeException {
      try {
        target.tenants().insertTenant(record);
      } catch (EnvelopeException e) {
        if (e.code() == ErrorCode.ALREADY_EXISTS) {
          throw changedMeanwhile(record.name());
        }
        throw e;
      }
    }

    private String targetNodeKey() throws EnvelopeException {
      if (targetNodeKey == null) {
        targetNodeKey = admin().resolveRootKey(target.rootKey());
      }
      return targetNodeKey;
    }

    // ---- share links ----

    /**
     * Copies the share links of every file now on the target, with their download counts, when both metadata stores
     * keep links (all of Envelope's do); a link there already gets the source's revocation, nothing else. Links go
     * after the rows, so that no link on the target points at a file that is not there.
     */
    private void links() throws EnvelopeException {
      if (!(source.metadata() instanceof LinkStore from) || !(target.metadata() instanceof LinkStore to)) {
        return;
      }
      long copied = 0;
      String cursor = null;
      do {
        FilePage page = source.metadata().scan(null, cursor, PAGE);
        for (FileRecord file : page.files()) {
          if (target.metadata().get(file.tenant(), file.id()).isEmpty()) {
            continue; // not copied (a shredded tenant's, or failed): its links would open nothing
          }
          for (LinkRecord link : from.listLinks(file.tenant(), file.id())) {
            Optional<LinkRecord> there = to.findLink(link.id());
            if (there.isEmpty()) {
              to.insertLink(link);
              copied++;
            } else if (!there.get().tenant().equals(link.tenant()) || !there.get().fileId().equals(link.fileId())) {
              throw conflict("share link " + link.id() + " is on the target already for another file");
            } else if (link.revoked() && !there.get().revoked()) {
              to.revokeLink(link.id(), link.revokedAt().orElseThrow());
            }
          }
        }
        cursor = page.nextCursor().orElse(null);
      } while (cursor != null);
      LOG.info("migrate: {} share links copied", copied);
    }

    // ---- the S3 API ----

    /**
     * Copies S3 credentials, buckets and objects when both metadata stores keep them (all of Envelope's do), after the
     * rows, so that no object on the target names a file that is not there. A credential's secret is unwrapped by the
     * source's key service and wrapped by the target's, under the tenant's root key there and the same context
     * ({@link S3CredentialRecord#contextOf}), in memory, as a file's data key is; one there already gets the source's
     * revocation, nothing else. A bucket there already must be the same tenant's. An object whose file is not on the
     * target (a shredded tenant's, or failed) is left out; one at a key the target holds with another file is set to
     * the source's (the other file stays, as a file deleted on the source since an earlier run does). A shredded
     * tenant's credentials, buckets and objects are left behind: its root key is gone. Multipart uploads in progress
     * are not copied (their clients start them again on the target). An object completed from a multipart upload is
     * copied like any other only when its file is on the target; its part rows and part blobs are not copied yet, so
     * such a file is not migrated today (its row has no blob under its own id).
     */
    private void buckets() throws EnvelopeException {
      if (!(source.metadata() instanceof BucketStore from) || !(target.metadata() instanceof BucketStore to)) {
        return;
      }
      long credentials = 0;
      for (S3CredentialRecord credential : from.listS3Credentials(null)) {
        if (!shreddedOnSource(credential.tenant()) && credential(credential, to)) {
          credentials++;
        }
      }
      long buckets = 0;
      long objects = 0;
      for (BucketRecord bucket : from.listBuckets(null)) {
        if (shreddedOnSource(bucket.tenant())) {
          continue;
        }
        Optional<BucketRecord> there = to.findBucket(bucket.name());
        if (there.isEmpty()) {
          to.insertBucket(bucket);
          buckets++;
        } else if (!there.get().tenant().equals(bucket.tenant())) {
          throw conflict("bucket " + bucket.name() + " is on the target already, another tenant's");
        }
        String after = "";
        List<ObjectRecord> page;
        do {
          page = from.listObjects(bucket.name(), "", after, PAGE);
          for (ObjectRecord object : page) {
            Optional<ObjectRecord> at = to.findObject(object.bucket(), object.key());
            boolean same = at.isPresent() && at.get().fileId().equals(object.fileId());
            if (!same && target.metadata().get(object.tenant(), object.fileId()).isPresent()) {
              to.putObject(object);
              objects++;
            }
            after = object.key();
          }
        } while (page.size() == PAGE);
      }
      LOG.info("migrate: {} S3 credentials, {} buckets, {} objects copied", credentials, buckets, objects);
    }

    /** Copies one credential, its secret rewrapped; whether it was new on the target. */
    private boolean credential(S3CredentialRecord credential, BucketStore to) throws EnvelopeException {
      Optional<S3CredentialRecord> there = to.findS3Credential(credential.accessKeyId());
      if (there.isPresent()) {
        if (!there.get().tenant().equals(credential.tenant()) || there.get().role() != credential.role()) {
          throw conflict("S3 credential " + credential.accessKeyId() + " is on the target already, another one");
        }
        if (credential.isRevoked() && !there.get().isRevoked()) {
          to.revokeS3Credential(credential.accessKeyId(), credential.revokedAt().orElseThrow());
        }
        return false;
      }
      if (!credential.keyService().equals(source.keys().name())) {
        LOG.warn("migrate: S3 credential {} of tenant {} is sealed by the {} key service, and the source uses {}:"
            + " left behind", credential.accessKeyId(), credential.tenant(), credential.keyService(),
            source.keys().name());
        return false;
      }
      EncryptionContext context = S3CredentialRecord.contextOf(credential.tenant(), credential.accessKeyId());
      WrappedKey sealed;
      try (DataKey secret = source.keys().decrypt(credential.sealedSecret(), context)) {
        sealed = admin().wrapDataKey(targetKeyOf(credential.tenant()), secret, context);
      }
      to.insertS3Credential(new S3CredentialRecord(credential.accessKeyId(), credential.tenant(), credential.role(),
          credential.name(), target.keys().name(), sealed, credential.createdAt(), credential.revokedAt()));
      return true;
    }

    // ---- tokens ----

    private void tokens() throws EnvelopeException {
      for (TokenRecord token : source.tokens().listTokens(null)) {
        Optional<TokenRecord> there = target.tokens().findToken(token.id());
        if (there.isEmpty()) {
          if (!options.dryRun()) {
            try {
              target.tokens().insertToken(token);
            } catch (EnvelopeException e) {
              if (e.code() != ErrorCode.ALREADY_EXISTS) {
                throw e;
              }
              there = target.tokens().findToken(token.id()); // made meanwhile: by another run of this, or not?
            }
          }
          if (there.isEmpty()) {
            tokensCopied++;
            continue;
          }
        }
        TokenRecord t = there.get();
        if (!t.tenant().equals(token.tenant()) || t.role() != token.role() || !t.name().equals(token.name())
            || !t.createdAt().equals(token.createdAt()) || !Arrays.equals(t.secretHash(), token.secretHash())
            || !t.expiresAt().equals(token.expiresAt())) {
          throw conflict("token " + token.id() + " is on the target already with other content");
        }
        tokensPresent++;
        if (token.revoked() && !t.revoked()) {
          if (!options.dryRun()) {
            target.tokens().revokeToken(token.id(), token.revokedAt().orElseThrow());
          }
          tokensRevoked++;
        }
        // A use on the source since an earlier run: the target's store keeps the later of the two.
        if (!options.dryRun() && token.lastUsedAt().isPresent()
            && (t.lastUsedAt().isEmpty() || token.lastUsedAt().get().isAfter(t.lastUsedAt().get()))) {
          target.tokens().recordTokenUse(token.id(), token.lastUsedAt().get());
        }
      }
      if (tokensRevoked > 0) {
        notices.add(tokensRevoked + " tokens revoked on the source since an earlier run " + (options.dryRun()
            ? "are to be revoked" : "are revoked") + " on the target too");
      }
    }

    // ---- rows ----

    private void rows() throws EnvelopeException {
      if (!options.dryRun()) {
        targetNodeKey(); // once, before the workers ask for it
      }
      forEachRow(Phase.COPY, row -> {
        try {
          row(row);
        } catch (RowFailure f) {
          fail(row, f.code, f.getMessage());
        }
        rows.incrementAndGet();
      });
    }

    /** One row's work, done by {@link #forEachRow}. */
    private interface RowTask {
      void run(FileRecord row) throws EnvelopeException;
    }

    /**
     * Runs {@code task} on every row of the source, on {@link Options#parallelism()} threads (in this one when it is
     * 1), reporting progress after each. The first exception stops the dispatch; rows already under way finish (blob,
     * then row, as always), then it is thrown.
     */
    private void forEachRow(Phase phase, RowTask task) throws EnvelopeException {
      AtomicLong done = new AtomicLong();
      int threads = options.parallelism();
      if (threads == 1) {
        String cursor = null;
        do {
          FilePage page = source.metadata().scan(null, cursor, PAGE);
          for (FileRecord row : page.files()) {
            task.run(row);
            progress.update(phase, done.incrementAndGet(), elapsed());
          }
          cursor = page.nextCursor().orElse(null);
        } while (cursor != null);
        return;
      }
      AtomicReference<Throwable> stopped = new AtomicReference<>();
      Semaphore slots = new Semaphore(2 * threads);
      AtomicLong named = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "migrate-" + named.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      try {
        String cursor = null;
        dispatch:
        do {
          FilePage page = source.metadata().scan(null, cursor, PAGE);
          for (FileRecord row : page.files()) {
            slots.acquireUninterruptibly();
            if (stopped.get() != null) {
              slots.release();
              break dispatch;
            }
            pool.execute(() -> {
              try {
                if (stopped.get() == null) {
                  task.run(row);
                  long n = done.incrementAndGet();
                  synchronized (progress) {
                    progress.update(phase, n, elapsed());
                  }
                }
              } catch (Throwable t) {
                stopped.compareAndSet(null, t);
              } finally {
                slots.release();
              }
            });
          }
          cursor = page.nextCursor().orElse(null);
        } while (cursor != null);
      } catch (EnvelopeException | RuntimeException | Error e) {
        stopped.compareAndSet(null, e);
      } finally {
        pool.shutdown();
        slots.acquireUninterruptibly(2 * threads); // every row under way has finished
      }
      Throwable first = stopped.get();
      if (first instanceof EnvelopeException e) {
        throw e;
      }
      if (first instanceof RuntimeException e) {
        throw e;
      }
      if (first instanceof Error e) {
        throw e;
      }
      if (first != null) {
        throw new IllegalStateException(first);
      }
    }

    private void row(FileRecord row) throws EnvelopeException, RowFailure {
      if (shreddedOnSource(row.tenant())) {
        shredded.incrementAndGet();
        return;
      }
      Optional<FileRecord> there = target.metadata().get(row.tenant(), row.id());
      if (there.isPresent()) {
        checkNotTheSame(row, there.get());
        if (!sameContent(row, there.get())) {
          throw conflict("file " + row.id() + " of tenant " + row.tenant() + " is on the target already with other"
              + " content");
        }
        present.incrementAndGet();
        return;
      }
      if (target.metadata().exists(row.id())) {
        throw conflict("file id " + row.id() + " of tenant " + row.tenant() + " belongs to another tenant on the"
            + " target");
      }
      if (row.formatVersion() != FileRecord.FORMAT_VERSION && row.formatVersion() != FileRecord.FORMAT_SHARED_KEY
          && row.formatVersion() != FileRecord.FORMAT_MULTIPART) {
        throw new RowFailure(ErrorCode.UNSUPPORTED_FORMAT, "format " + row.formatVersion() + ", which this version"
            + " does not read");
      }
      long ciphertextSize;
      try {
        ciphertextSize = EnvelopeCipher.withSegmentSize(row.segmentSize()).ciphertextSize(row.size());
      } catch (IllegalArgumentException e) {
        throw new RowFailure(ErrorCode.UNSUPPORTED_FORMAT, "segment size " + row.segmentSize() + ": "
            + e.getMessage());
      }
      if (source.keys() != null && !row.keyService().equals(source.keys().name())) {
        throw new RowFailure(ErrorCode.UNSUPPORTED_FORMAT, "wrapped by the " + row.keyService() + " key service,"
            + " and the source uses " + source.keys().name() + ": the source cannot unwrap it either");
      }
      if (options.dryRun()) {
        copied.incrementAndGet();
        bytes.addAndGet(row.size());
        return;
      }
      WrappedKey wrapped = rewrap(row);
      if (row.formatVersion() == FileRecord.FORMAT_MULTIPART) {
        copyParts(row, wrapped);
      } else {
        copyBlob(row.id(), ciphertextSize);
      }
      FileRecord copy = new FileRecord(row.id(), row.tenant(), row.name(), row.contentType(), row.size(),
          row.createdAt(), target.keys().name(), wrapped, row.formatVersion(), row.segmentSize(), row.sha256());
      try {
        target.metadata().insert(copy);
      } catch (EnvelopeException e) {
        if (e.code() != ErrorCode.ALREADY_EXISTS) {
          throw e;
        }
        Optional<FileRecord> raced = target.metadata().get(row.tenant(), row.id());
        if (raced.isEmpty() || !sameContent(row, raced.get())) {
          throw conflict("file id " + row.id() + " was taken on the target meanwhile");
        }
        present.incrementAndGet(); // another run of this copied it meanwhile
        return;
      }
      copied.incrementAndGet();
      bytes.addAndGet(row.size());
    }

    /**
     * The parts of an S3 object uploaded in parts (format 3): each part's blob, as it is, then its row. A part row
     * needs its upload on the target's store, so the copy holds one there (the file's id is its upload's) while it
     * puts the rows, in the object's bucket (copied now if it is not there yet), and removes it after; a run stopped
     * in between finds it and goes on. The object itself, which names the parts in order, comes with the buckets.
     */
    private void copyParts(FileRecord row, WrappedKey wrapped) throws EnvelopeException, RowFailure {
      if (!(source.metadata() instanceof BucketStore from) || !(target.metadata() instanceof BucketStore to)) {
        throw new RowFailure(ErrorCode.UNSUPPORTED_FORMAT, "an S3 object uploaded in parts, and a store here keeps"
            + " no S3 objects");
      }
      ObjectRecord object = from.findObjectByFile(row.tenant(), row.id()).orElseThrow(() -> new RowFailure(
          ErrorCode.INVALID_CIPHERTEXT, "an S3 object uploaded in parts, but no object on the source names its"
              + " parts"));
      EnvelopeCipher cipher = EnvelopeCipher.withSegmentSize(row.segmentSize());
      List<PartRecord> parts = new ArrayList<>();
      for (int number : object.parts()) {
        PartRecord part = from.findPart(row.id(), number).orElseThrow(() -> new RowFailure(
            ErrorCode.INVALID_CIPHERTEXT, "part " + number + " is missing on the source"));
        copyBlob(part.blobId(), cipher.ciphertextSize(part.size()));
        parts.add(part);
      }
      Optional<BucketRecord> bucket = from.findBucket(object.bucket());
      if (bucket.isPresent() && to.findBucket(object.bucket()).isEmpty()) {
        try {
          to.insertBucket(bucket.get());
        } catch (EnvelopeException e) {
          if (e.code() != ErrorCode.ALREADY_EXISTS) {
            throw e;
          }
        }
      }
      UploadRecord holder = new UploadRecord(row.id(), object.bucket(), object.key(), row.tenant(),
          target.keys().name(), wrapped, object.contentType(), object.userMetadata(),
          clock.instant().truncatedTo(ChronoUnit.MILLIS));
      try {
        to.insertUpload(holder);
      } catch (EnvelopeException e) {
        if (e.code() != ErrorCode.ALREADY_EXISTS) {
          throw e;
        }
      }
      for (PartRecord part : parts) {
        to.putPart(part);
      }
      to.deleteUpload(row.id());
    }

    /** The data key, unwrapped by the source and wrapped by the target under the same context; zeroed at once. */
    private WrappedKey rewrap(FileRecord row) throws EnvelopeException, RowFailure {
      EncryptionContext context = FileService.keyContextOf(row);
      String under = targetKeyOf(row.tenant());
      DataKey key;
      try {
        key = source.keys().decrypt(row.wrappedKey(), context);
      } catch (EnvelopeException e) {
        if (unreachable(e)) {
          throw e;
        }
        throw new RowFailure(e.code(), "the source cannot unwrap its data key: " + e.getMessage());
      }
      try (key) {
        // The target's errors stop the run: a target key that cannot wrap one row wraps none.
        return admin().wrapDataKey(under, key, context);
      }
    }

    /** The root key rows of {@code tenant} go under on the target: its record's, else the target node's. */
    private String targetKeyOf(String tenant) throws EnvelopeException {
      String known = targetKeys.get(tenant);
      if (known != null) {
        return known;
      }
      Optional<TenantRecord> record = target.tenants().findTenant(tenant);
      String key = record.isPresent() && record.get().active() ? record.get().rootKey() : targetNodeKey();
      targetKeys.put(tenant, key);
      return key;
    }

    /**
     * Copies a blob, ciphertext as it is. A blob already under its id on the target (a run that died between blob
     * and row) is kept when it is byte for byte the source's, else replaced: no row points at it.
     */
    private void copyBlob(String id, long size) throws EnvelopeException, RowFailure {
      long sourceSize;
      try {
        sourceSize = source.blobs().size(id);
      } catch (NoSuchBlobException e) {
        throw new RowFailure(ErrorCode.INVALID_CIPHERTEXT, "its ciphertext is missing on the source");
      } catch (IOException e) {
        throw unavailable("the source's blob store cannot be read", e);
      }
      if (sourceSize != size) {
        throw new RowFailure(ErrorCode.INVALID_CIPHERTEXT, "its ciphertext on the source is " + sourceSize
            + " bytes, and its row implies " + size);
      }
      for (int attempt = 0; ; attempt++) {
        try {
          writeBlob(id, size);
          return;
        } catch (BlobExistsException e) {
          // A blob without a row (a run stopped between the two): the source's very bytes are kept, others replaced.
          if (attempt > 0) {
            throw unavailable("the target's blob store keeps saying blob " + id + " exists", e);
          }
          try {
            if (reuseOrDrop(id, size)) {
              return;
            }
          } catch (IOException again) {
            throw unavailable("the blob stores failed while blob " + id + " was compared", again);
          }
        } catch (Streams.SourceException e) {
          throw unavailable("the source's blob store failed while blob " + id + " was read", e.getCause());
        } catch (IOException e) {
          throw unavailable("the target's blob store failed while blob " + id + " was copied", e);
        }
      }
    }

    /** Whether the target holds the source's very blob already; if it holds another one, deletes it. */
    private boolean reuseOrDrop(String id, long size) throws IOException {
      long there;
      try {
        there = target.blobs().size(id);
      } catch (NoSuchBlobException e) {
        return false;
      }
      if (there == size && sameBytes(id, size)) {
        LOG.info("migrate: blob {} was on the target already (a run stopped before its row): kept", id);
        return true;
      }
      LOG.info("migrate: blob {} on the target without a row is not the source's: replaced", id);
      target.blobs().delete(id);
      return false;
    }

    private boolean sameBytes(String id, long size) throws IOException {
      try (InputStream a = source.blobs().read(id, 0, size);
          InputStream b = target.blobs().read(id, 0, size)) {
        byte[] x = new byte[BUFFER];
        byte[] y = new byte[BUFFER];
        while (true) {
          int n = a.readNBytes(x, 0, x.length);
          int m = b.readNBytes(y, 0, n == 0 ? y.length : n);
          if (n != m || !Arrays.equals(x, 0, n, y, 0, m)) {
            return false;
          }
          if (n == 0) {
            return true;
          }
        }
      }
    }

    /** Streams the source's blob into a new one on the target; read failures are {@link Streams.SourceException}. */
    private void writeBlob(String id, long size) throws IOException, EnvelopeException {
      try (BlobWriter writer = target.blobs().create(id)) {
        long copiedBytes;
        try (InputStream in = source.blobs().read(id, 0, size)) {
          copiedBytes = Streams.copy(in, writer, size);
        }
        if (copiedBytes != size) {
          throw new Streams.SourceException(new IOException("blob " + id + " ended after " + copiedBytes
              + " of its " + size + " bytes"));
        }
        writer.commit();
      }
    }

    // ---- reading every file back on the target ----

    private void verify() throws EnvelopeException {
      FileService.Builder builder = FileService.builder().keyService(target.keys(), target.rootKey())
          .blobStore(target.blobs()).metadataStore(target.metadata()).tenantStore(target.tenants()).clock(clock);
      if (target.metadata() instanceof BucketStore objects) {
        builder.bucketStore(objects); // reads S3 objects uploaded in parts
      }
      FileService files = builder.build();
      forEachRow(Phase.VERIFY, row -> verify(files, row));
    }

    private void verify(FileService files, FileRecord row) throws EnvelopeException {
      if (shreddedOnSource(row.tenant()) || failedIds.contains(row.id())) {
        return;
      }
      Optional<FileRecord> there = target.metadata().get(row.tenant(), row.id());
      if (there.isEmpty()) {
        missing.incrementAndGet();
        LOG.warn("migrate: file {} of tenant {} is not on the target{}", row.id(), row.tenant(),
            row.createdAt().isBefore(startedAt) ? "" : " (stored on the source since the run began)");
        return;
      }
      if (!sameContent(row, there.get())) {
        fail(row, ErrorCode.ALREADY_EXISTS, "verify: its row on the target changed meanwhile");
        return;
      }
      try (Download download = files.download(Principal.of(row.tenant(), Role.READ), row.id())) {
        download.writeTo(OutputStream.nullOutputStream());
        verified.incrementAndGet();
      } catch (EnvelopeException e) {
        if (unreachable(e)) {
          throw e;
        }
        fail(row, e.code(), "verify: " + e.getMessage());
      } catch (Download.DeletedException e) {
        missing.incrementAndGet();
      } catch (InvalidCiphertextException e) {
        fail(row, ErrorCode.INVALID_CIPHERTEXT, "verify: " + e.getMessage());
      } catch (IOException e) {
        throw unavailable("the target's blob store failed while file " + row.id() + " was read back", e);
      }
    }

    // ---- helpers ----

    private boolean shreddedOnSource(String tenant) {
      TenantRecord record = sourceTenants.get(tenant);
      return record != null && !record.active();
    }

    private void fail(FileRecord row, ErrorCode code, String message) {
      failed.incrementAndGet();
      failedIds.add(row.id());
      synchronized (failures) {
        if (failures.size() < MAX_FAILURES_KEPT) {
          failures.add(row.id() + " (tenant " + row.tenant() + "): " + code.id() + ": " + message);
        }
      }
      LOG.warn("migrate: file {} of tenant {} not migrated: {}: {}", row.id(), row.tenant(), code.id(), message);
    }

    private RootKeyAdmin admin() {
      return (RootKeyAdmin) target.keys();
    }

    private Instant now() {
      return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private Instant later(Instant previous) {
      Instant now = now();
      return now.isAfter(previous) ? now : previous.plusMillis(1);
    }

    private Duration elapsed() {
      return Duration.ofNanos(System.nanoTime() - started);
    }

    private Summary summary() {
      synchronized (failures) {
        return new Summary(rows.get(), copied.get(), bytes.get(), present.get(), shredded.get(), failed.get(),
            verified.get(), missing.get(), tokensCopied, tokensPresent, tokensRevoked, tenantsCopied, tenantsPresent,
            keysCreated, failures, notices, elapsed());
      }
    }
  }

  /** The columns a migration keeps: a row on the target with other values is not this row. */
  static boolean sameContent(FileRecord a, FileRecord b) {
    return a.id().equals(b.id()) && a.tenant().equals(b.tenant()) && a.name().equals(b.name())
        && a.contentType().equals(b.contentType()) && a.size() == b.size() && a.createdAt().equals(b.createdAt())
        && a.formatVersion() == b.formatVersion() && a.segmentSize() == b.segmentSize()
        && java.util.Objects.equals(a.sha256(), b.sha256());
  }

  private static boolean unreachable(EnvelopeException e) {
    return e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.KEYRING_UNAVAILABLE
        || e.code() == ErrorCode.THROTTLED;
  }

  private static EnvelopeException conflict(String message) {
    return new EnvelopeException(ErrorCode.ALREADY_EXISTS, message + ": it came from elsewhere, and a migration"
        + " never overwrites it");
  }

  private static EnvelopeException changedMeanwhile(String tenant) {
    return new EnvelopeException(ErrorCode.ALREADY_EXISTS, "tenant " + tenant + " was changed on the target"
        + " meanwhile: look at it there, and run the migration again");
  }

  private static EnvelopeException unavailable(String message, Throwable cause) {
    return new EnvelopeException(ErrorCode.UNAVAILABLE, message + (cause == null || cause.getMessage() == null ? ""
        : ": " + cause.getMessage()), cause);
  }

  /** One row that cannot be migrated; the run goes on. */
  private static final class RowFailure extends Exception {
    final ErrorCode code;

    RowFailure(ErrorCode code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }
}
