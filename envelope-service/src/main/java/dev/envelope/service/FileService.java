package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptingStream;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.core.KeyService;
import dev.envelope.service.ServiceObserver.KeyOperation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file service: upload, download (whole or a byte range), list, describe and delete encrypted files, for
 * a {@link Principal}. The HTTP API, the CLI and embedding applications all call this class.
 *
 * <h2>Security guarantees</h2>
 * <ul>
 *   <li>Every file gets a fresh data key from the {@link KeyService}; its plaintext lives only in memory for
 *       the duration of one call and is zeroed after it. The wrapped key goes into the metadata row only.
 *   <li>The encryption context (the KMS context and the stream's associated data) is the file's identity
 *       {@code {file, format, tenant}}: a wrapped key or a blob moved to another row fails to decrypt.
 *   <li>Another tenant's file answers {@link ErrorCode#NOT_FOUND}, exactly like a missing one.
 *   <li>An upload writes the blob first, durably, then the row: an acknowledged upload is complete, and a
 *       failed one leaves at most an orphan blob, which {@link #sweepOrphans} removes after a grace period.
 *   <li>A delete removes the row (and with it the wrapped key) first: the file is unreadable from then on.
 *   <li>A download releases only authenticated plaintext: see {@link Download}.
 * </ul>
 */
public final class FileService {
  static final Logger SECURITY = LoggerFactory.getLogger("dev.envelope.security");
  private static final Logger LOG = LoggerFactory.getLogger(FileService.class);

  private final KeyService keys;
  private final String rootKey;
  private final BlobStore blobs;
  private final MetadataStore metadata;
  private final Clock clock;
  private final EnvelopeCipher cipher;
  private final long maxUploadBytes;
  private final TenantDirectory tenants;
  private final DataKeyCache dataKeys;
  /** The share links to remove with their files; null when there are none. */
  private final LinkStore links;
  /** The S3 object index, whose entries go with their files; null without the S3 API. */
  private final BucketStore objects;
  private final ServiceObserver observer;
  /** A placeholder wrapped key for a row whose key is not made yet: only its contexts are asked of it. */
  private static final dev.envelope.core.WrappedKey PENDING = dev.envelope.core.WrappedKey.of("pending", 0,
      new byte[1]);

  private FileService(Builder b) {
    this.keys = Objects.requireNonNull(b.keys, "keyService");
    this.rootKey = Objects.requireNonNull(b.rootKey, "rootKey");
    this.observer = b.observer;
    this.blobs = ObservedStores.blobs(Objects.requireNonNull(b.blobs, "blobStore"), observer);
    this.metadata = ObservedStores.metadata(Objects.requireNonNull(b.metadata, "metadataStore"), observer);
    this.clock = b.clock;
    this.cipher = EnvelopeCipher.withSegmentSize(b.segmentSize);
    this.maxUploadBytes = b.maxUploadBytes;
    this.tenants = b.tenantStore == null ? TenantDirectory.none()
        : new TenantDirectory(b.tenantStore, b.clock, TenantDirectory.DEFAULT_TTL);
    this.dataKeys = b.cacheLimits == null ? null : new DataKeyCache(b.cacheLimits, b.clock);
    this.links = b.links;
    this.objects = b.objects;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The largest upload this service accepts, in bytes ({@link Long#MAX_VALUE}: no limit). */
  public long maxUploadBytes() {
    return maxUploadBytes;
  }

  /**
   * Encrypts {@code body} into a new file. The body is streamed: memory use does not depend on its size.
   *
   * @param contentType a media type, or null for {@value FileNames#DEFAULT_CONTENT_TYPE}
   * @return the stored row, acknowledged: durable from here on
   * @throws EnvelopeException {@link ErrorCode#FORBIDDEN} without the write role, {@link ErrorCode#INVALID_ARGUMENT}
   *     for a bad name or type, {@link ErrorCode#TOO_LARGE} past the upload limit, {@link ErrorCode#IO} when the
   *     body cannot be read to its end, {@link ErrorCode#UNAVAILABLE} when a store fails, or a key service code
   */
  public FileRecord upload(Principal caller, String name, String contentType, InputStream body)
      throws EnvelopeException {
    return upload(caller, name, contentType, body, -1);
  }

  /**
   * As {@link #upload(Principal, String, String, InputStream)}, for a body whose size is declared up front (an
   * HTTP {@code Content-Length}): a body of any other size fails ({@link ErrorCode#INVALID_ARGUMENT}) and is not
   * kept, one declared beyond the upload limit fails before a byte is read, and with the {@link DataKeyCache}
   * on, only an upload of declared size can take a cached data key.
   *
   * @param declaredSize the body's size in bytes, or {@code -1} when it is not known
   */
  public FileRecord upload(Principal caller, String name, String contentType, InputStream body, long declaredSize)
      throws EnvelopeException {
    caller.require(Role.WRITE);
    FileNames.checkName(name);
    String type = FileNames.checkContentType(contentType);
    if (declaredSize > maxUploadBytes) {
      throw new EnvelopeException(ErrorCode.TOO_LARGE, "the upload is larger than the limit of " + maxUploadBytes
          + " bytes");
    }
    String wrapUnder = rootKeyOf(caller.tenant());
    Long quota = tenants.find(caller.tenant()).map(TenantRecord::quotaBytes).orElse(null);
    long room = quota == null ? Long.MAX_VALUE : quota - metadata.usage(caller.tenant()).bytes();
    if (declaredSize > room || room < 0) {
      throw quotaExceeded(caller.tenant(), quota);
    }
    // An upload of unknown size stops as soon as it passes the room left, rather than at the upload limit.
    long limit = declaredSize >= 0 ? declaredSize : Math.min(maxUploadBytes, room);
    String id = FileId.random();
    long size;
    FileRecord record;
    String slot = dataKeys != null && dataKeys.covers(declaredSize) ? cacheSlot(wrapUnder) : null;
    if (slot != null) {
      // Format 2: a data key shared with other uploads of this tenant; the row's columns are bound instead.
      Instant createdAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
      FileRecord pending = new FileRecord(id, caller.tenant(), name, type, declaredSize, createdAt, keys.name(),
          PENDING, FileRecord.FORMAT_SHARED_KEY, cipher.segmentSize());
      EncryptionContext keyContext = keyContextOf(pending);
      try (DataKey key = dataKeys.lease(caller.tenant(), slot, declaredSize,
          () -> generate(caller.tenant(), wrapUnder, keyContext))) {
        Written written = writeBlob(id, key, streamContextOf(pending), body, declaredSize, limit, caller, quota);
        size = written.size();
        record = new FileRecord(id, caller.tenant(), name, type, size, createdAt, keys.name(), key.wrapped(),
            FileRecord.FORMAT_SHARED_KEY, cipher.segmentSize(), written.sha256());
      }
    } else {
      EncryptionContext context = contextOf(caller.tenant(), id, FileRecord.FORMAT_VERSION);
      try (DataKey key = generate(caller.tenant(), wrapUnder, context)) {
        Written written = writeBlob(id, key, context, body, declaredSize, limit, caller, quota);
        size = written.size();
        record = new FileRecord(id, caller.tenant(), name, type, size,
            clock.instant().truncatedTo(ChronoUnit.MILLIS), keys.name(), key.wrapped(),
            FileRecord.FORMAT_VERSION, cipher.segmentSize(), written.sha256());
      }
    }
    if (quota != null && metadata.usage(caller.tenant()).bytes() > quota - size) {
      // Uploads of the tenant that ran side by side filled the room meanwhile (the check is not a lock: what
      // passes it together may pass the quota by what they hold, no more).
      deleteBlobQuietly(id);
      throw quotaExceeded(caller.tenant(), quota);
    }
    try {
      metadata.insert(record);
    } catch (EnvelopeException e) {
      if (e.code() == ErrorCode.UNAVAILABLE) {
        // The store may have committed the row and lost only its answer: deleting the blob now could leave a
        // row pointing at nothing. The orphan sweeper removes the blob after the grace period if no row came.
        LOG.warn("upload {}: the metadata store did not confirm the row; the blob stays for the sweeper", id);
      } else {
        deleteBlobQuietly(id);
      }
      throw e;
    } catch (RuntimeException e) {
      deleteBlobQuietly(id);
      throw e;
    }
    requireStillActive(record);
    record = underCurrentVersion(record);
    LOG.info("stored file {} for tenant {} ({} bytes)", id, caller.tenant(), size);
    return record;
  }

  /**
   * Once its row is stored, an upload whose root key was rotated while its body streamed moves its data key to the
   * key's current version, as {@code envelope admin rewrap} would have, had the row existed when it ran: the
   * operator may destroy the old version as soon as {@code keys usage} shows it unused. If that version is gone
   * already, the file's key cannot be recovered: the upload keeps nothing and fails rather than answer 201 for an
   * unreadable file. Only for key services with versions ({@link dev.envelope.core.ManagedKeyService}); AWS KMS
   * keeps every backing key of a rotated key. Any other failure leaves the row as it is, for a later rewrap.
   */
  private FileRecord underCurrentVersion(FileRecord record) throws EnvelopeException {
    if (!(keys instanceof dev.envelope.core.ManagedKeyService managed)) {
      return record;
    }
    dev.envelope.core.WrappedKey wrapped = record.wrappedKey();
    try {
      if (managed.describeKey(wrapped.rootKeyId()).currentVersion() == wrapped.rootKeyVersion()) {
        return record;
      }
      dev.envelope.core.WrappedKey next = keyCall(KeyOperation.RE_ENCRYPT,
          () -> keys.reEncrypt(wrapped, keyContextOf(record), wrapped.rootKeyId()));
      if (!metadata.replaceWrappedKey(record, keys.name(), next)) {
        return record; // re-wrapped by a rewrap meanwhile
      }
      return new FileRecord(record.id(), record.tenant(), record.name(), record.contentType(), record.size(),
          record.createdAt(), keys.name(), next, record.formatVersion(), record.segmentSize(), record.sha256());
    } catch (EnvelopeException e) {
      if (e.code() != ErrorCode.KEY_NOT_FOUND) {
        LOG.warn("upload {}: its key version is no longer current and could not be moved now ({}); a rewrap will",
            record.id(), e.getMessage());
        return record;
      }
      dropRowQuietly(record);
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "the root key version this upload was wrapped under was"
          + " destroyed while it was stored: nothing was kept; upload it again", e);
    }
  }

  /**
   * Once its row is stored, an upload reads its tenant's record again, from the store (not the directory's
   * cache): a tenant shredded while the body streamed keeps no file, for its row may be wrapped under a key that
   * shredding does not destroy (the node's, chosen before the tenant had its own), and shredding's checks could not
   * see a row that was not there yet. With the pass {@link TenantAdmin#shred} makes over the tenant's rows after
   * marking it, no row of a shredded tenant stays under another key, whichever comes first.
   */
  private void requireStillActive(FileRecord record) throws EnvelopeException {
    TenantStore store = tenants.store();
    if (store == null) {
      return;
    }
    boolean active;
    try {
      active = store.findTenant(record.tenant()).map(TenantRecord::active).orElse(true);
    } catch (EnvelopeException | RuntimeException e) {
      dropRowQuietly(record);
      throw e;
    }
    if (!active) {
      tenants.forget(record.tenant());
      dropRowQuietly(record);
      throw TenantDirectory.shredded(record.tenant());
    }
  }

  private void dropRowQuietly(FileRecord record) {
    try {
      if (metadata.delete(record.tenant(), record.id())) {
        deleteBlobQuietly(record.id());
      }
    } catch (EnvelopeException | RuntimeException e) {
      LOG.warn("upload {}: its row could not be taken back now ({})", record.id(), e.toString());
    }
  }

  /**
   * The root key new files of {@code tenant} are wrapped under: its own, if it has a record, else the node's.
   * {@link ErrorCode#TENANT_SHREDDED} for a shredded tenant.
   */
  String rootKeyOf(String tenant) throws EnvelopeException {
    java.util.Optional<TenantRecord> own = tenants.requireActive(tenant);
    if (own.isEmpty()) {
      return rootKey;
    }
    if (!own.get().keyService().equals(keys.name())) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "tenant " + tenant + " has its root key in the "
          + own.get().keyService() + " key service, and this node uses " + keys.name());
    }
    return own.get().rootKey();
  }

  /**
   * The data-key cache's slot for new data keys under {@code rootKey}: the key's id and current version, so that
   * a cached data key never outlives the version it was wrapped under (after a rotation, uploads take a key of
   * the new version, and a version that {@code keys usage} shows unused and {@code keys destroy-version} destroys
   * gets no new rows from the cache); or null when the key may not wrap new data keys now (disabled, pending
   * deletion), so that the upload asks the key service, which refuses it exactly as without the cache. A key
   * service that does not expose versions or states (AWS KMS, which keeps every backing key of a rotated key) is
   * slotted by the key as named.
   */
  private String cacheSlot(String rootKey) throws EnvelopeException {
    if (!(keys instanceof dev.envelope.core.ManagedKeyService managed)) {
      return rootKey;
    }
    dev.envelope.core.RootKey key = managed.describeKey(rootKey);
    if (key.state() != dev.envelope.core.ManagedKeyService.KeyState.ENABLED) {
      return null;
    }
    return key.id() + "#" + key.currentVersion();
  }

  /** What {@link #writeBlob} stored: the plaintext's size and SHA-256 (lowercase hex). */
  private record Written(long size, String sha256) {}

  private Written writeBlob(String id, DataKey key, EncryptionContext context, InputStream body, long declaredSize,
      long limit, Principal caller, Long quota) throws EnvelopeException {
    java.security.MessageDigest sha256 = newSha256();
    InputStream digested = new java.security.DigestInputStream(body, sha256);
    BlobWriter writer;
    try {
      writer = blobs.create(id);
    } catch (IOException e) {
      throw unavailable("the blob store cannot take the file", e);
    }
    try (writer) {
      EncryptingStream out = cipher.newEncryptingStream(key, context, Streams.nonClosing(writer));
      long size;
      try {
        size = copy(digested, out, declaredSize, limit);
        out.close();
      } catch (EnvelopeException e) {
        out.abort();
        if (e.code() == ErrorCode.TOO_LARGE && declaredSize < 0 && limit < maxUploadBytes) {
          throw quotaExceeded(caller.tenant(), quota); // it passed the room left before the upload limit
        }
        throw e;
      } catch (RuntimeException | IOException e) {
        out.abort();
        throw e;
      }
      writer.commit();
      return new Written(size, java.util.HexFormat.of().formatHex(sha256.digest()));
    } catch (Streams.SourceException e) {
      throw new EnvelopeException(ErrorCode.IO, "the upload ended before its body was complete", e.getCause());
    } catch (IOException e) {
      throw unavailable("the blob store failed while storing the file", e);
    }
  }

  private DataKey generate(String tenant, String wrapUnder, EncryptionContext context) throws EnvelopeException {
    try {
      return keyCall(KeyOperation.GENERATE_DATA_KEY, () -> keys.generateDataKey(wrapUnder, context));
    } catch (EnvelopeException e) {
      throw explain(tenant, e);
    }
  }

  /** A call to the key service. */
  private interface KeyCall<T> {
    T call() throws EnvelopeException;
  }

  /** Makes a call to the key service, and tells the observer its outcome and duration. */
  private <T> T keyCall(KeyOperation operation, KeyCall<T> call) throws EnvelopeException {
    long start = System.nanoTime();
    String outcome = ErrorCode.INTERNAL.id();
    try {
      T result = call.call();
      outcome = "ok";
      return result;
    } catch (EnvelopeException e) {
      outcome = e.code().id();
      throw e;
    } finally {
      observer.keyCall(operation, outcome, System.nanoTime() - start);
    }
  }

  /**
   * A key service's refusal of a tenant's key, explained: if the tenant was shredded meanwhile (on another node,
   * which this node's short cache of tenant records has not seen yet), {@link ErrorCode#TENANT_SHREDDED}; else the
   * refusal itself.
   */
  private EnvelopeException explain(String tenant, EnvelopeException e) {
    if (e.code() != ErrorCode.KEY_DISABLED && e.code() != ErrorCode.KEY_INVALID_STATE
        && e.code() != ErrorCode.KEY_NOT_FOUND) {
      return e;
    }
    tenants.forget(tenant);
    try {
      tenants.requireActive(tenant);
    } catch (EnvelopeException shredded) {
      return shredded;
    }
    return e;
  }

  /** Copies the body; with a declared size, exactly that many bytes or {@link ErrorCode#INVALID_ARGUMENT}. */
  private long copy(InputStream body, java.io.OutputStream out, long declaredSize, long limit)
      throws IOException, EnvelopeException {
    if (declaredSize < 0) {
      return Streams.copy(body, out, limit);
    }
    long size;
    try {
      size = Streams.copy(body, out, declaredSize);
    } catch (EnvelopeException e) {
      if (e.code() != ErrorCode.TOO_LARGE) {
        throw e;
      }
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the body is longer than the " + declaredSize
          + " bytes declared");
    }
    if (size != declaredSize) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the body is " + size + " bytes, not the "
          + declaredSize + " declared");
    }
    return size;
  }

  /**
   * Opens a file for download. Everything that can fail before the first byte (the row, the owner, the wrapped
   * key, the blob's presence and length) fails here, so an HTTP adapter can still answer with an error. The
   * caller closes the download (it holds the data key).
   */
  public Download download(Principal caller, String id) throws EnvelopeException {
    caller.require(Role.READ);
    FileRecord file = find(caller, id);
    if (file.formatVersion() != FileRecord.FORMAT_VERSION && file.formatVersion() != FileRecord.FORMAT_SHARED_KEY
        && (file.formatVersion() != FileRecord.FORMAT_MULTIPART || objects == null)) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT,
          "file " + id + " has format " + file.formatVersion() + ", which this version does not read");
    }
    if (!file.keyService().equals(keys.name())) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT, "file " + id + " was wrapped by the "
          + file.keyService() + " key service, and this service uses " + keys.name());
    }
    boolean shared = file.formatVersion() == FileRecord.FORMAT_SHARED_KEY;
    DataKey key = shared && dataKeys != null ? dataKeys.unwrapped(file.wrappedKey()).orElse(null) : null;
    try {
      if (key == null) {
        try {
          key = keyCall(KeyOperation.DECRYPT, () -> keys.decrypt(file.wrappedKey(), keyContextOf(file)));
        } catch (EnvelopeException e) {
          throw explain(file.tenant(), e);
        }
        if (shared && dataKeys != null) {
          dataKeys.remember(file.tenant(), key);
        }
      }
    } catch (EnvelopeException e) {
      if (e.code() == ErrorCode.INVALID_WRAPPED_KEY) {
        SECURITY.warn("security: the wrapped key of file {} (tenant {}) does not unwrap under its context: "
            + "the row was altered or moved", file.id(), file.tenant());
      }
      throw e;
    }
    try {
      EnvelopeCipher fileCipher = EnvelopeCipher.withSegmentSize(file.segmentSize());
      if (file.formatVersion() == FileRecord.FORMAT_MULTIPART) {
        return new Download(file, key, fileCipher, blobs, checkParts(file),
            () -> metadata.get(file.tenant(), file.id()).isPresent());
      }
      return new Download(file, key, streamContextOf(file), fileCipher, blobs, checkBlob(file),
          () -> metadata.get(file.tenant(), file.id()).isPresent());
    } catch (EnvelopeException | RuntimeException e) {
      key.close();
      throw e;
    }
  }

  /** The row of a file of the caller's tenant, or null if there is none (no role needed: for the S3 layer). */
  FileRecord describeOrNull(Principal caller, String id) throws EnvelopeException {
    return FileId.isWellFormed(id) ? metadata.get(caller.tenant(), id).orElse(null) : null;
  }

  /** The row of a file the caller may read; {@link ErrorCode#NOT_FOUND} otherwise. */
  public FileRecord describe(Principal caller, String id) throws EnvelopeException {
    caller.require(Role.READ);
    return find(caller, id);
  }

  /**
   * The row of a file the caller may read, once its stored ciphertext is known to be there with the length the
   * row implies: what {@code HEAD} promises. It neither unwraps the data key nor authenticates the content (that
   * would read the whole blob): a file swapped for another of the same length, or flipped inside, passes here
   * and fails on download. {@link ErrorCode#INVALID_CIPHERTEXT} when the blob is missing or of another length.
   */
  public FileRecord stat(Principal caller, String id) throws EnvelopeException {
    FileRecord file = describe(caller, id);
    if (file.formatVersion() == FileRecord.FORMAT_MULTIPART && objects != null) {
      checkParts(file);
    } else {
      checkBlob(file);
    }
    return file;
  }

  /**
   * Checks the blob of {@code file} is there with the length its row implies, and returns that length. A blob
   * that is missing because the file was deleted meanwhile (its row is gone too) is {@link ErrorCode#NOT_FOUND}.
   */
  private long checkBlob(FileRecord file) throws EnvelopeException {
    long expected = EnvelopeCipher.withSegmentSize(file.segmentSize()).ciphertextSize(file.size());
    long actual;
    try {
      actual = blobs.size(file.id());
    } catch (NoSuchBlobException e) {
      if (metadata.get(file.tenant(), file.id()).isEmpty()) {
        // Deleted since its row was read: a delete removes the row, then the blob. Gone, not damaged.
        throw notFound(file.id());
      }
      SECURITY.warn("security: file {} (tenant {}) has a row but no blob", file.id(), file.tenant());
      throw new EnvelopeException(ErrorCode.INVALID_CIPHERTEXT,
          "file " + file.id() + " is damaged: its ciphertext is missing");
    } catch (IOException e) {
      throw unavailable("the blob store cannot be read", e);
    }
    if (actual != expected) {
      SECURITY.warn("security: the blob of file {} (tenant {}) is {} bytes, its row says {}: truncated, "
          + "extended or swapped", file.id(), file.tenant(), actual, expected);
      throw new EnvelopeException(ErrorCode.INVALID_CIPHERTEXT,
          "file " + file.id() + " is damaged: its stored ciphertext has the wrong length");
    }
    return expected;
  }

  /**
   * The pieces of a multipart file (format 3), each part's blob checked as {@link #checkBlob} checks a file's: its
   * object names the parts in order, each part's row its blob and size, and the sizes add up to the file's.
   */
  private List<Download.Piece> checkParts(FileRecord file) throws EnvelopeException {
    ObjectRecord object = objects.findObjectByFile(file.tenant(), file.id()).orElse(null);
    if (object == null || object.parts().isEmpty()) {
      if (metadata.get(file.tenant(), file.id()).isEmpty()) {
        throw notFound(file.id());
      }
      SECURITY.warn("security: multipart file {} (tenant {}) has no object naming its parts", file.id(),
          file.tenant());
      throw new EnvelopeException(ErrorCode.INVALID_CIPHERTEXT, "file " + file.id() + " is damaged: its parts are"
          + " not recorded");
    }
    EnvelopeCipher fileCipher = EnvelopeCipher.withSegmentSize(file.segmentSize());
    List<Download.Piece> pieces = new java.util.ArrayList<>();
    long offset = 0;
    for (int number : object.parts()) {
      PartRecord part = objects.findPart(file.id(), number).orElse(null);
      long expected = part == null ? -1 : fileCipher.ciphertextSize(part.size());
      long actual;
      try {
        actual = part == null ? -2 : blobs.size(part.blobId());
      } catch (NoSuchBlobException e) {
        actual = -2;
      } catch (IOException e) {
        throw unavailable("the blob store cannot be read", e);
      }
      if (actual != expected) {
        if (metadata.get(file.tenant(), file.id()).isEmpty()) {
          throw notFound(file.id());
        }
        SECURITY.warn("security: part {} of multipart file {} (tenant {}) is missing or of the wrong length", number,
            file.id(), file.tenant());
        throw new EnvelopeException(ErrorCode.INVALID_CIPHERTEXT, "file " + file.id() + " is damaged: part "
            + number + " is missing or has the wrong length");
      }
      pieces.add(new Download.Piece(part.blobId(), offset, part.size(), partContextOf(file.tenant(), file.id(),
          number, part.blobId()), expected));
      offset += part.size();
    }
    if (offset != file.size()) {
      SECURITY.warn("security: the parts of multipart file {} (tenant {}) add up to {} bytes, its row says {}",
          file.id(), file.tenant(), offset, file.size());
      throw new EnvelopeException(ErrorCode.INVALID_CIPHERTEXT, "file " + file.id() + " is damaged: its parts do"
          + " not add up to its size");
    }
    return pieces;
  }

  /** A page of the caller's files, newest first. */
  public FilePage list(Principal caller, String cursor, int limit) throws EnvelopeException {
    caller.require(Role.READ);
    if (limit < 1 || limit > MetadataStore.MAX_PAGE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "limit must be between 1 and " + MetadataStore.MAX_PAGE);
    }
    tenants.requireActive(caller.tenant());
    return metadata.list(caller.tenant(), cursor, limit);
  }

  /**
   * Deletes a file: the row first (the file is unreadable from that moment: its wrapped key is gone), then the
   * blob, then its share links. If the blob cannot be deleted now, the sweeper removes it later; links that cannot
   * be removed now open nothing all the same (a link's download reads its file's row first, and ids never return).
   */
  public void delete(Principal caller, String id) throws EnvelopeException {
    caller.require(Role.WRITE);
    tenants.requireActive(caller.tenant());
    if (!FileId.isWellFormed(id)) {
      throw notFound(id);
    }
    Optional<ObjectRecord> object = objectOf(caller.tenant(), id);
    if (!metadata.delete(caller.tenant(), id)) {
      throw notFound(id);
    }
    deleteBlobQuietly(id);
    if (object.isPresent() && !object.get().parts().isEmpty()) {
      dropParts(id); // an object uploaded in parts: its file's content is its parts' blobs
    }
    if (object.isPresent()) {
      // The index entry of the S3 object this file was: gone with it (a GetObject meanwhile finds no file, and
      // answers NoSuchKey as after this).
      try {
        objects.deleteObject(object.get().bucket(), object.get().key(), id);
      } catch (EnvelopeException | RuntimeException e) {
        LOG.warn("could not remove the S3 object entry of deleted file {} now ({})", id, e.toString());
      }
    }
    if (links != null) {
      try {
        links.deleteLinks(caller.tenant(), id);
      } catch (EnvelopeException | RuntimeException e) {
        LOG.warn("could not delete the share links of file {} now ({}); they open nothing", id, e.toString());
      }
    }
    LOG.info("deleted file {} of tenant {}", id, caller.tenant());
  }

  /**
   * Renames a file and sets its content type (either may be null: kept as it is). The content is not touched: the
   * same data key, blob and id. A file stored under a shared data key (format 2) binds its name and content type
   * into its ciphertext, so a change to either is {@link ErrorCode#CONFLICT}; a request that changes nothing
   * succeeds on any file.
   *
   * @return the row as it now is
   * @throws EnvelopeException {@link ErrorCode#FORBIDDEN} without the write role, {@link ErrorCode#NOT_FOUND} for a
   *     file the caller's tenant does not have, {@link ErrorCode#INVALID_ARGUMENT} for a bad name or type
   */
  public FileRecord rename(Principal caller, String id, String newName, String newContentType)
      throws EnvelopeException {
    caller.require(Role.WRITE);
    FileRecord file = find(caller, id);
    String name = newName == null ? file.name() : newName;
    String type = newContentType == null ? file.contentType() : FileNames.checkContentType(newContentType);
    FileNames.checkName(name);
    if (name.equals(file.name()) && type.equals(file.contentType())) {
      return file;
    }
    Optional<ObjectRecord> object = objectOf(caller.tenant(), id);
    if (object.isPresent()) {
      throw new EnvelopeException(ErrorCode.CONFLICT, "file " + id + " is the S3 object s3://" + object.get().bucket()
          + "/" + object.get().key() + ", named by its key: copy it to a new key with the S3 API to rename it");
    }
    if (file.formatVersion() == FileRecord.FORMAT_SHARED_KEY) {
      throw new EnvelopeException(ErrorCode.CONFLICT, "file " + id + " was stored under a shared data key, which"
          + " binds its name and content type into its ciphertext: it cannot be renamed (download it and upload it"
          + " again under the new name)");
    }
    FileRecord renamed = metadata.rename(caller.tenant(), id, name, type).orElseThrow(() -> notFound(id));
    LOG.info("renamed file {} of tenant {}", id, caller.tenant());
    return renamed;
  }

  /** How many files the caller's tenant has and their plaintext bytes, and its quota if it has one. */
  public Usage usage(Principal caller) throws EnvelopeException {
    caller.require(Role.READ);
    Optional<TenantRecord> record = tenants.requireActive(caller.tenant());
    MetadataStore.Usage used = metadata.usage(caller.tenant());
    return new Usage(used.files(), used.bytes(), record.map(TenantRecord::quotaBytes));
  }

  /**
   * A tenant's use of the service.
   *
   * @param files how many files it has
   * @param bytes their plaintext bytes
   * @param quotaBytes the most it may store, if it has a quota
   */
  public record Usage(long files, long bytes, Optional<Long> quotaBytes) {}

  /**
   * Deletes blobs that have no row and are older than {@code grace}, or than the blob store's {@link
   * BlobStore#minimumOrphanGrace() minimum} if that is longer: what uploads that died between the blob and the
   * row left behind, and blobs whose delete failed. Returns how many it deleted.
   */
  public int sweepOrphans(Duration grace) throws EnvelopeException {
    return new OrphanSweeper(blobs, metadata, clock, this::isLivePart).sweep(orphanGrace(grace));
  }

  /**
   * The grace {@link #sweepOrphans} really uses when asked for {@code grace}: never less than the blob store's
   * minimum, so that no embedder can configure the sweeper into taking the blob of an upload still running.
   */
  public Duration orphanGrace(Duration grace) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative");
    }
    Duration minimum = blobs.minimumOrphanGrace();
    return grace.compareTo(minimum) < 0 ? minimum : grace;
  }

  /** Throws if the key service, the blob store or the metadata store cannot be used now. */
  public void checkReady() throws EnvelopeException {
    metadata.checkReady();
    try {
      blobs.checkReady();
    } catch (IOException | UncheckedIOException e) {
      throw unavailable("the blob store is not reachable", e);
    }
    EncryptionContext probe = EncryptionContext.of("envelope", "readiness-probe");
    try (DataKey ignored = keyCall(KeyOperation.READINESS_PROBE, () -> keys.generateDataKey(rootKey, probe))) {
      // A key service that can make a data key under the root key can serve uploads and downloads.
    }
  }

  /**
   * The context a file's data key is wrapped under: its identity {@link #contextOf} for format 1; for format 2
   * (a data key shared by several files of one tenant, {@link DataKeyCache}) the tenant's alone.
   */
  public static EncryptionContext keyContextOf(FileRecord file) {
    if (file.formatVersion() == FileRecord.FORMAT_SHARED_KEY) {
      return EncryptionContext.of("format", "2", "tenant", file.tenant(), "use", "shared-data-key");
    }
    return contextOf(file.tenant(), file.id(), file.formatVersion());
  }

  /**
   * The associated data of a file's stream, which the stream's HKDF binds into the file's own content key: its
   * identity {@link #contextOf} for format 1; for format 2 also a digest of its name, content type and creation
   * time, so that with a shared data key every column of a row but the id is still bound to its ciphertext
   * (swapping any of them between two rows fails both downloads).
   */
  public static EncryptionContext streamContextOf(FileRecord file) {
    if (file.formatVersion() != FileRecord.FORMAT_SHARED_KEY) {
      return contextOf(file.tenant(), file.id(), file.formatVersion());
    }
    return EncryptionContext.of("file", file.id(), "format", "2", "tenant", file.tenant(), "row",
        rowDigest(file.name(), file.contentType(), file.createdAt().toEpochMilli()));
  }

  private static String rowDigest(String name, String contentType, long createdAtMillis) {
    java.security.MessageDigest sha = newSha256();
    sha.update(("envelope-row-v2\0" + name + "\0" + contentType + "\0" + createdAtMillis)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
  }

  private static java.security.MessageDigest newSha256() {
    try {
      return java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }

  /** The encryption context of a file: its immutable identity. */
  public static EncryptionContext contextOf(String tenant, String id, int formatVersion) {
    return EncryptionContext.of("file", id, "format", Integer.toString(formatVersion), "tenant", tenant);
  }

  private FileRecord find(Principal caller, String id) throws EnvelopeException {
    tenants.requireActive(caller.tenant());
    if (!FileId.isWellFormed(id)) {
      throw notFound(id);
    }
    return metadata.get(caller.tenant(), id).orElseThrow(() -> notFound(id));
  }

  private void deleteBlobQuietly(String id) {
    try {
      blobs.delete(id);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete blob {} now ({}); the orphan sweeper will", id, e.toString());
    }
  }

  private static EnvelopeException quotaExceeded(String tenant, Long quota) {
    return new EnvelopeException(ErrorCode.QUOTA_EXCEEDED, "tenant " + tenant + " would pass its quota of " + quota
        + " bytes: delete files, or ask the operator for a larger quota");
  }

  private static EnvelopeException notFound(String id) {
    String shown = FileId.isWellFormed(id) ? id : "with that id";
    return new EnvelopeException(ErrorCode.NOT_FOUND, "no file " + shown);
  }

  static EnvelopeException unavailable(String message, Exception cause) {
    return new EnvelopeException(ErrorCode.UNAVAILABLE, message, cause);
  }

  // ---- for the administrative jobs of this package (TenantAdmin, Rewrap) ----

  KeyService keys() {
    return keys;
  }

  /** The node's root key, as configured (an id, an ARN or an alias). */
  String nodeRootKey() {
    return rootKey;
  }

  BlobStore blobs() {
    return blobs;
  }

  MetadataStore metadata() {
    return metadata;
  }

  TenantDirectory tenants() {
    return tenants;
  }

  /**
   * Deletes the parts (rows and blobs) stored under {@code uploadId}: an aborted or expired upload's, or a deleted
   * multipart file's (whose id is its upload's). What cannot be deleted now the orphan sweeper removes later.
   */
  void dropParts(String uploadId) {
    if (objects == null) {
      return;
    }
    try {
      int after = 0;
      while (true) {
        List<PartRecord> parts = objects.listParts(uploadId, after, 1000);
        for (PartRecord part : parts) {
          deleteBlobQuietly(part.blobId());
          objects.deletePart(uploadId, part.partNumber(), part.blobId());
          after = part.partNumber();
        }
        if (parts.size() < 1000) {
          return;
        }
      }
    } catch (EnvelopeException | RuntimeException e) {
      LOG.warn("could not delete the parts of {} now ({}); the orphan sweeper removes their blobs", uploadId,
          e.toString());
    }
  }

  /**
   * Whether blob {@code key} is the blob of a part that is still wanted: recorded as its part's blob, of an upload
   * in progress or of a completed file. The orphan sweeper keeps those.
   */
  private boolean isLivePart(String key) throws EnvelopeException {
    PartRecord.Name name = objects == null ? null : PartRecord.nameOf(key);
    if (name == null) {
      return false;
    }
    Optional<PartRecord> part = objects.findPart(name.uploadId(), name.partNumber());
    return part.isPresent() && part.get().blobId().equals(key)
        && (objects.findUpload(name.uploadId()).isPresent() || metadata.exists(name.uploadId()));
  }

  /**
   * The associated data of a part of a multipart file (format 3): the file, the part's number and the part's blob,
   * whose id is fresh for every upload of the part, so that an older upload of the same part, put back in the
   * newer's place, does not decrypt (a rollback).
   */
  public static EncryptionContext partContextOf(String tenant, String fileId, int partNumber, String blobId) {
    return EncryptionContext.of("blob", blobId, "file", fileId, "format", Integer.toString(
        FileRecord.FORMAT_MULTIPART), "part", Integer.toString(partNumber), "tenant", tenant);
  }

  /** A new data key for a multipart upload, wrapped under the context of the file it will complete into. */
  public DataKey newUploadKey(Principal caller, String uploadId) throws EnvelopeException {
    caller.require(Role.WRITE);
    tenants.requireActive(caller.tenant());
    return generate(caller.tenant(), rootKeyOf(caller.tenant()), contextOf(caller.tenant(), uploadId,
        FileRecord.FORMAT_MULTIPART));
  }

  /** What {@link #writePart} stored: the part's plaintext size. */
  public record PartWritten(long size) {}

  /**
   * Encrypts one part of a multipart upload into blob {@code blobId}, under the upload's data key and the part's
   * context. At most {@code min(max-upload, 5 GiB)} bytes, as S3's part limit.
   */
  public PartWritten writePart(Principal caller, UploadRecord upload, int partNumber, String blobId,
      InputStream body, long declaredSize) throws EnvelopeException {
    caller.require(Role.WRITE);
    tenants.requireActive(caller.tenant());
    long limit = Math.min(maxUploadBytes, MAX_PART_BYTES);
    if (declaredSize > limit) {
      throw new EnvelopeException(ErrorCode.TOO_LARGE, "a part may be at most " + limit + " bytes");
    }
    Long quota = tenants.find(caller.tenant()).map(TenantRecord::quotaBytes).orElse(null);
    if (quota != null) {
      // The upload's parts so far and this one count against the room the tenant has left: a tenant cannot keep more
      // in parts than its quota (each upload alone; see docs/S3.md).
      long room = quota - metadata.usage(caller.tenant()).bytes() - partsSize(upload.uploadId(), partNumber);
      if (declaredSize > room || room <= 0) {
        throw quotaExceeded(caller.tenant(), quota);
      }
      limit = Math.min(limit, room);
    }
    try (DataKey key = uploadKey(upload)) {
      Written written = writeBlob(blobId, key, partContextOf(upload.tenant(), upload.uploadId(), partNumber, blobId),
          body, declaredSize, declaredSize >= 0 ? declaredSize : limit, caller, null);
      return new PartWritten(written.size());
    }
  }

  /** The plaintext bytes of an upload's parts but {@code except} (which a new upload of it replaces). */
  private long partsSize(String uploadId, int except) throws EnvelopeException {
    long total = 0;
    int after = 0;
    while (true) {
      List<PartRecord> parts = objects.listParts(uploadId, after, 1000);
      for (PartRecord part : parts) {
        total += part.partNumber() == except ? 0 : part.size();
        after = part.partNumber();
      }
      if (parts.size() < 1000) {
        return total;
      }
    }
  }

  /** The largest part of a multipart upload, as S3's. */
  public static final long MAX_PART_BYTES = 5L << 30;

  private DataKey uploadKey(UploadRecord upload) throws EnvelopeException {
    if (!upload.keyService().equals(keys.name())) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT, "upload " + upload.uploadId() + " was wrapped by the "
          + upload.keyService() + " key service, and this service uses " + keys.name());
    }
    try {
      return keyCall(KeyOperation.DECRYPT, () -> keys.decrypt(upload.wrappedKey(), contextOf(upload.tenant(),
          upload.uploadId(), FileRecord.FORMAT_MULTIPART)));
    } catch (EnvelopeException e) {
      throw explain(upload.tenant(), e);
    }
  }

  /**
   * Stores the row of a completed multipart upload's file (format 3, id = the upload's, its data key the upload's),
   * within the tenant's quota. The caller has checked its parts and points its object at it after.
   */
  public FileRecord insertMultipart(Principal caller, UploadRecord upload, long size) throws EnvelopeException {
    caller.require(Role.WRITE);
    Long quota = tenants.find(caller.tenant()).map(TenantRecord::quotaBytes).orElse(null);
    if (quota != null && metadata.usage(caller.tenant()).bytes() > quota - size) {
      throw quotaExceeded(caller.tenant(), quota);
    }
    if (size > maxUploadBytes) {
      throw new EnvelopeException(ErrorCode.TOO_LARGE, "the object is larger than the limit of " + maxUploadBytes
          + " bytes");
    }
    FileRecord record = new FileRecord(upload.uploadId(), upload.tenant(), upload.key(), upload.contentType(), size,
        clock.instant().truncatedTo(ChronoUnit.MILLIS), upload.keyService(), upload.wrappedKey(),
        FileRecord.FORMAT_MULTIPART, cipher.segmentSize(), null);
    metadata.insert(record);
    LOG.info("stored multipart file {} for tenant {} ({} bytes)", record.id(), record.tenant(), size);
    return record;
  }

  /** The S3 object whose content file {@code id} is, if it is one. */
  private Optional<ObjectRecord> objectOf(String tenant, String id) throws EnvelopeException {
    return objects == null ? Optional.empty() : objects.findObjectByFile(tenant, id);
  }

  /**
   * A new secret for an S3 credential of {@code tenant}: a data key made by the key service under the tenant's root
   * key and bound to {@code context}. The caller hands its plaintext to the credential's owner once, keeps only the
   * wrapped form, and closes it.
   */
  public DataKey newSecret(String tenant, EncryptionContext context) throws EnvelopeException {
    tenants.requireActive(tenant);
    return generate(tenant, rootKeyOf(tenant), context);
  }

  /** The plaintext of a secret made by {@link #newSecret}; the caller closes it. */
  public DataKey openSecret(String tenant, String keyService, dev.envelope.core.WrappedKey sealed,
      EncryptionContext context) throws EnvelopeException {
    tenants.requireActive(tenant);
    if (!keyService.equals(keys.name())) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT, "the secret was sealed by the " + keyService
          + " key service, and this service uses " + keys.name());
    }
    try {
      return keyCall(KeyOperation.DECRYPT, () -> keys.decrypt(sealed, context));
    } catch (EnvelopeException e) {
      throw explain(tenant, e);
    }
  }

  /** The name of the key service that wraps this service's keys. */
  public String keyServiceName() {
    return keys.name();
  }

  /** The data-key cache, or null when it is off. */
  public DataKeyCache dataKeyCache() {
    return dataKeys;
  }

  Clock clock() {
    return clock;
  }

  /** Deletes a blob now, or leaves it for the sweeper. */
  void dropBlob(String id) {
    deleteBlobQuietly(id);
  }

  /** Builds a {@link FileService}; key service, root key and both stores are required. */
  public static final class Builder {
    private KeyService keys;
    private String rootKey;
    private BlobStore blobs;
    private MetadataStore metadata;
    private Clock clock = Clock.systemUTC();
    private int segmentSize = EnvelopeCipher.DEFAULT_SEGMENT_SIZE;
    private long maxUploadBytes = Long.MAX_VALUE;
    private TenantStore tenantStore;
    private DataKeyCache.Limits cacheLimits;
    private LinkStore links;
    private BucketStore objects;
    private ServiceObserver observer = ServiceObserver.NONE;

    private Builder() {}

    /**
     * Who is told about key service calls and store failures, for metrics ({@link ServiceObserver}); by default
     * nobody. The stores and key service given to this builder are used as they are, not wrapped from outside.
     */
    public Builder observer(ServiceObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * Where the S3 API keeps its object index ({@link S3Objects}): a file that is an S3 object keeps its key as its
     * name (a rename is refused), and deleting it removes the object.
     */
    public Builder bucketStore(BucketStore store) {
      this.objects = Objects.requireNonNull(store);
      return this;
    }

    /** Where share links are kept ({@link ShareLinks}): a deleted file's links are removed with it. */
    public Builder linkStore(LinkStore store) {
      this.links = Objects.requireNonNull(store);
      return this;
    }

    /**
     * Where tenants with root keys of their own are recorded (the metadata store usually is one); without it,
     * every tenant's files are wrapped under the node's root key.
     */
    public Builder tenantStore(TenantStore store) {
      this.tenantStore = Objects.requireNonNull(store);
      return this;
    }

    public Builder keyService(KeyService keyService, String rootKey) {
      this.keys = keyService;
      this.rootKey = rootKey;
      return this;
    }

    public Builder blobStore(BlobStore blobStore) {
      this.blobs = blobStore;
      return this;
    }

    public Builder metadataStore(MetadataStore metadataStore) {
      this.metadata = metadataStore;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    public Builder segmentSize(int segmentSize) {
      EnvelopeCipher.withSegmentSize(segmentSize);
      this.segmentSize = segmentSize;
      return this;
    }

    /**
     * Turns the data-key cache on ({@link DataKeyCache}: one data key per tenant serves several uploads of
     * declared size within these limits); off (null) by default.
     */
    public Builder dataKeyCache(DataKeyCache.Limits limits) {
      this.cacheLimits = limits;
      return this;
    }

    /** The largest upload accepted, in bytes; {@link Long#MAX_VALUE} (the default) for no limit. */
    public Builder maxUploadBytes(long maxUploadBytes) {
      if (maxUploadBytes < 0) {
        throw new IllegalArgumentException("maxUploadBytes must not be negative");
      }
      this.maxUploadBytes = maxUploadBytes;
      return this;
    }

    public FileService build() {
      return new FileService(this);
    }
  }
}
