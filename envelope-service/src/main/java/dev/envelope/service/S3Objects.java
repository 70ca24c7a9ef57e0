package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets and objects, as the S3 API sees them, over the {@link FileService} and a {@link BucketStore}. An object
 * is a file of its bucket's tenant, named by its key: one encryption path, one audit log, the same quotas, deletes
 * and sweeper as every file; the {@link BucketStore} adds only the index from bucket and key to file, with what S3
 * clients see beside the content (ETag, user metadata).
 *
 * <ul>
 *   <li>A bucket of another tenant is {@code AccessDenied}; one that does not exist is {@code NoSuchBucket}.
 *   <li>A put writes the file first, then points the key at it, then deletes the file the key named before: a
 *       reader sees the old object or the new one, never neither, and a failed put changes nothing.
 *   <li>ETags are the MD5 of the plaintext, computed while it streams in.
 *   <li>A copy re-encrypts under a fresh data key: each file's id is bound into its ciphertext.
 * </ul>
 */
public final class S3Objects {
  private static final Logger LOG = LoggerFactory.getLogger(S3Objects.class);
  /** The most bytes of user metadata (names and values, UTF-8) an object may have, as S3. */
  public static final int MAX_METADATA_BYTES = 2048;
  /** The most keys one listing returns. */
  public static final int MAX_KEYS = 1000;
  /** Sorts after every string that a key can continue a prefix with (U+10FFFF): skips a common prefix. */
  private static final String LAST = "\uDBFF\uDFFF";

  private final FileService files;
  private final BucketStore store;
  private final Clock clock;

  public S3Objects(FileService files, BucketStore store, Clock clock) {
    this.files = files;
    this.store = store;
    this.clock = clock;
  }

  // Buckets

  /** Makes a bucket for the caller's tenant. */
  public BucketRecord createBucket(Principal caller, String name) throws EnvelopeException {
    caller.require(Role.WRITE);
    Buckets.checkName(name);
    Optional<BucketRecord> existing = store.findBucket(name);
    if (existing.isPresent()) {
      throw taken(caller, existing.get());
    }
    BucketRecord bucket = new BucketRecord(name, caller.tenant(), clock.instant().truncatedTo(ChronoUnit.MILLIS));
    try {
      store.insertBucket(bucket);
    } catch (EnvelopeException e) {
      if (e.code() == ErrorCode.ALREADY_EXISTS) {
        Optional<BucketRecord> winner = store.findBucket(name);
        if (winner.isPresent()) {
          throw taken(caller, winner.get());
        }
      }
      throw e;
    }
    LOG.info("bucket {} made for tenant {}", name, caller.tenant());
    return bucket;
  }

  private static S3Exception taken(Principal caller, BucketRecord bucket) {
    return bucket.tenant().equals(caller.tenant())
        ? new S3Exception("BucketAlreadyOwnedByYou", ErrorCode.ALREADY_EXISTS,
            "Your previous request to create the named bucket succeeded and you already own it.")
        : new S3Exception("BucketAlreadyExists", ErrorCode.ALREADY_EXISTS,
            "The requested bucket name is not available. The bucket namespace is shared by all users of the system."
                + " Please select a different name and try again.");
  }

  /** The bucket, if the caller's tenant owns it: {@code NoSuchBucket} or {@code AccessDenied} otherwise. */
  public BucketRecord bucket(Principal caller, String name) throws EnvelopeException {
    caller.require(Role.READ);
    if (!Buckets.isWellFormed(name)) {
      throw S3Exception.noSuchBucket(name);
    }
    BucketRecord bucket = store.findBucket(name).orElseThrow(() -> S3Exception.noSuchBucket(name));
    if (!bucket.tenant().equals(caller.tenant())) {
      throw S3Exception.accessDenied();
    }
    return bucket;
  }

  /** The caller's tenant's buckets, by name. */
  public List<BucketRecord> buckets(Principal caller) throws EnvelopeException {
    caller.require(Role.READ);
    return store.listBuckets(caller.tenant());
  }

  /** Deletes an empty bucket: {@code BucketNotEmpty} while it holds an object. */
  public void deleteBucket(Principal caller, String name) throws EnvelopeException {
    caller.require(Role.WRITE);
    bucket(caller, name);
    boolean deleted;
    try {
      deleted = store.deleteBucket(name);
    } catch (EnvelopeException e) {
      if (e.code() == ErrorCode.CONFLICT) {
        throw new S3Exception("BucketNotEmpty", ErrorCode.CONFLICT, "The bucket you tried to delete is not empty");
      }
      throw e;
    }
    if (!deleted) {
      throw S3Exception.noSuchBucket(name);
    }
    LOG.info("bucket {} of tenant {} deleted", name, caller.tenant());
  }

  // Objects

  /**
   * Stores an object from {@code body}, streamed (memory does not depend on its size).
   *
   * @param declaredSize the body's size, or -1 when it is not known
   */
  public ObjectRecord put(Principal caller, String bucket, String key, String contentType,
      Map<String, String> metadata, InputStream body, long declaredSize) throws EnvelopeException {
    caller.require(Role.WRITE);
    bucket(caller, bucket);
    checkKey(key);
    checkMetadata(metadata);
    MessageDigest md5 = md5();
    FileRecord file = files.upload(caller, key, contentType, new DigestInputStream(body, md5), declaredSize);
    ObjectRecord object = new ObjectRecord(bucket, key, caller.tenant(), file.id(), file.size(),
        HexFormat.of().formatHex(md5.digest()), file.contentType(), metadata, file.createdAt());
    return index(caller, object);
  }

  /** Points the object's key at its new file, and deletes the file it named before. */
  private ObjectRecord index(Principal caller, ObjectRecord object) throws EnvelopeException {
    Optional<ObjectRecord> replaced;
    try {
      replaced = store.putObject(object);
    } catch (EnvelopeException | RuntimeException e) {
      dropFile(caller, object.fileId());
      if (e instanceof EnvelopeException ee && ee.code() == ErrorCode.NOT_FOUND) {
        throw S3Exception.noSuchBucket(object.bucket());
      }
      throw e;
    }
    if (replaced.isPresent() && !replaced.get().fileId().equals(object.fileId())) {
      dropFile(caller, replaced.get().fileId());
      if (!replaced.get().parts().isEmpty()) {
        files.dropParts(replaced.get().fileId()); // its file no longer has an object to name its parts
      }
    }
    LOG.info("an object of bucket {} is now file {} (tenant {})", object.bucket(), object.fileId(), object.tenant());
    return object;
  }

  private void dropFile(Principal caller, String fileId) {
    try {
      files.delete(caller, fileId);
    } catch (EnvelopeException | RuntimeException e) {
      if (!(e instanceof EnvelopeException ee && ee.code() == ErrorCode.NOT_FOUND)) {
        LOG.warn("could not delete file {} now ({}): delete it with the /v1 API", fileId, e.toString());
      }
    }
  }

  /** An object opened for reading: its index row and its file's download, which the caller closes. */
  public record Opened(ObjectRecord object, Download download) implements AutoCloseable {
    @Override
    public void close() {
      download.close();
    }
  }

  /** Opens an object for reading: {@code NoSuchKey} when there is none. */
  public Opened open(Principal caller, String bucket, String key) throws EnvelopeException {
    caller.require(Role.READ);
    bucket(caller, bucket);
    for (int attempt = 0; ; attempt++) {
      ObjectRecord object = find(bucket, key);
      try {
        return new Opened(object, files.download(caller, object.fileId()));
      } catch (EnvelopeException e) {
        afterMissingFile(e, object, attempt);
      }
    }
  }

  /** An object's index row, once its file is known to be there whole in length: what HEAD promises. */
  public ObjectRecord head(Principal caller, String bucket, String key) throws EnvelopeException {
    caller.require(Role.READ);
    bucket(caller, bucket);
    for (int attempt = 0; ; attempt++) {
      ObjectRecord object = find(bucket, key);
      try {
        files.stat(caller, object.fileId());
        return object;
      } catch (EnvelopeException e) {
        afterMissingFile(e, object, attempt);
      }
    }
  }

  /**
   * A key whose file is gone was replaced meanwhile (look again), or its file was deleted through the /v1 API and
   * its entry could not be removed then (remove it now: the object is gone).
   */
  private void afterMissingFile(EnvelopeException e, ObjectRecord object, int attempt) throws EnvelopeException {
    if (e.code() != ErrorCode.NOT_FOUND || attempt >= 3) {
      throw e;
    }
    Optional<ObjectRecord> now = store.findObject(object.bucket(), object.key());
    if (now.isPresent() && now.get().fileId().equals(object.fileId())) {
      store.deleteObject(object.bucket(), object.key(), object.fileId());
      throw S3Exception.noSuchKey(object.key());
    }
  }

  private ObjectRecord find(String bucket, String key) throws EnvelopeException {
    if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > FileNames.MAX_NAME_BYTES) {
      throw S3Exception.noSuchKey(key);
    }
    return store.findObject(bucket, key).orElseThrow(() -> S3Exception.noSuchKey(key));
  }

  /** Deletes an object; deleting one that is not there succeeds, as in S3. */
  public void delete(Principal caller, String bucket, String key) throws EnvelopeException {
    caller.require(Role.WRITE);
    bucket(caller, bucket);
    if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > FileNames.MAX_NAME_BYTES) {
      return;
    }
    Optional<ObjectRecord> object = store.findObject(bucket, key);
    if (object.isEmpty()) {
      return;
    }
    try {
      files.delete(caller, object.get().fileId()); // which removes the entry too (FileService.Builder#bucketStore)
    } catch (EnvelopeException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      store.deleteObject(bucket, key, object.get().fileId());
    }
  }

  /**
   * Copies an object within the caller's tenant, re-encrypted under a fresh data key (each file's id is bound into
   * its ciphertext, so ciphertext cannot be shared). With {@code replace} the new object takes {@code contentType}
   * and {@code metadata}; without it, the source's.
   */
  public ObjectRecord copy(Principal caller, String fromBucket, String fromKey, String toBucket, String toKey,
      boolean replace, String contentType, Map<String, String> metadata) throws EnvelopeException {
    caller.require(Role.WRITE);
    bucket(caller, toBucket);
    checkKey(toKey);
    if (replace) {
      checkMetadata(metadata);
    } else if (fromBucket.equals(toBucket) && fromKey.equals(toKey)) {
      throw new S3Exception("InvalidRequest", ErrorCode.INVALID_ARGUMENT, "This copy request is illegal because it"
          + " is trying to copy an object to itself without changing the object's metadata, storage class, website"
          + " redirect location or encryption attributes.");
    }
    try (Opened source = open(caller, fromBucket, fromKey)) {
      ObjectRecord from = source.object();
      String type = replace ? contentType : from.contentType();
      Map<String, String> meta = replace ? metadata : from.userMetadata();
      MessageDigest md5 = md5();
      FileRecord file;
      Pipe pipe = new Pipe();
      Thread reader = new Thread(() -> pipe.fill(source.download()), "envelope-s3-copy");
      reader.setDaemon(true);
      reader.start();
      try {
        file = files.upload(caller, toKey, type, new DigestInputStream(pipe, md5), from.size());
      } finally {
        pipe.close();
        joinQuietly(reader); // the source's data key is zeroed when it closes: not while the reader still uses it
      }
      ObjectRecord copy = new ObjectRecord(toBucket, toKey, caller.tenant(), file.id(), file.size(),
          HexFormat.of().formatHex(md5.digest()), file.contentType(), meta, file.createdAt());
      return index(caller, copy);
    }
  }

  /** The id of the root key that wraps new data keys of the caller's tenant (for SSE headers). */
  public String rootKeyOf(Principal caller) throws EnvelopeException {
    return files.rootKeyOf(caller.tenant());
  }

  /** The id of the root key that wraps {@code object}'s data key, as its file's row names it (for SSE headers). */
  public String rootKeyOf(Principal caller, ObjectRecord object) throws EnvelopeException {
    FileRecord file = files.describeOrNull(caller, object.fileId());
    return file != null ? file.wrappedKey().rootKeyId() : files.rootKeyOf(caller.tenant());
  }

  // Multipart uploads

  /** The smallest part but the last, as S3's. */
  public static final long MIN_PART_BYTES = 5L << 20;

  /** Starts a multipart upload: its data key is made now, and every part is encrypted under it. */
  public UploadRecord startUpload(Principal caller, String bucket, String key, String contentType,
      Map<String, String> metadata) throws EnvelopeException {
    caller.require(Role.WRITE);
    bucket(caller, bucket);
    checkKey(key);
    checkMetadata(metadata);
    String type = FileNames.checkContentType(contentType);
    String uploadId = FileId.random();
    UploadRecord upload;
    try (dev.envelope.core.DataKey dataKey = files.newUploadKey(caller, uploadId)) {
      upload = new UploadRecord(uploadId, bucket, key, caller.tenant(), files.keyServiceName(), dataKey.wrapped(),
          type, metadata, clock.instant().truncatedTo(ChronoUnit.MILLIS));
    }
    try {
      store.insertUpload(upload);
    } catch (EnvelopeException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        throw S3Exception.noSuchBucket(bucket);
      }
      throw e;
    }
    LOG.info("multipart upload {} started in bucket {} for tenant {}", uploadId, bucket, caller.tenant());
    return upload;
  }

  /** The upload {@code uploadId} of this bucket and key, if the caller may use it: {@code NoSuchUpload} otherwise. */
  private UploadRecord upload(Principal caller, String bucket, String key, String uploadId) throws EnvelopeException {
    bucket(caller, bucket);
    Optional<UploadRecord> upload = FileId.isWellFormed(uploadId) ? store.findUpload(uploadId) : Optional.empty();
    if (upload.isEmpty() || !upload.get().bucket().equals(bucket) || !upload.get().key().equals(key)
        || !upload.get().tenant().equals(caller.tenant())) {
      throw noSuchUpload();
    }
    return upload.get();
  }

  private static S3Exception noSuchUpload() {
    return new S3Exception("NoSuchUpload", ErrorCode.NOT_FOUND, "The specified multipart upload does not exist. The"
        + " upload ID might be invalid, or the multipart upload might have been aborted or completed.");
  }

  /**
   * Stores one part, encrypted as it streams in under the upload's data key and bound to its upload and number. A
   * part uploaded again replaces the earlier one.
   */
  public PartRecord putPart(Principal caller, String bucket, String key, String uploadId, int partNumber,
      InputStream body, long declaredSize) throws EnvelopeException {
    caller.require(Role.WRITE);
    if (partNumber < 1 || partNumber > PartRecord.MAX_PARTS) {
      throw new S3Exception("InvalidArgument", ErrorCode.INVALID_ARGUMENT, "Part number must be an integer between 1"
          + " and 10000, inclusive");
    }
    UploadRecord upload = upload(caller, bucket, key, uploadId);
    String blobId = PartRecord.blobIdOf(uploadId, partNumber);
    MessageDigest md5 = md5();
    FileService.PartWritten written = files.writePart(caller, upload, partNumber, blobId,
        new DigestInputStream(body, md5), declaredSize);
    PartRecord part = new PartRecord(uploadId, partNumber, blobId, written.size(), HexFormat.of().formatHex(
        md5.digest()), clock.instant().truncatedTo(ChronoUnit.MILLIS));
    Optional<PartRecord> replaced;
    try {
      replaced = store.putPart(part);
    } catch (EnvelopeException | RuntimeException e) {
      files.dropBlob(blobId);
      if (e instanceof EnvelopeException ee && ee.code() == ErrorCode.NOT_FOUND) {
        throw noSuchUpload(); // completed or aborted while this part streamed in
      }
      throw e;
    }
    replaced.ifPresent(old -> files.dropBlob(old.blobId()));
    return part;
  }

  /** One part the client names in CompleteMultipartUpload: its number and the ETag it got for it. */
  public record PartClaim(int partNumber, String etag) {}

  /**
   * Completes an upload into its object: the named parts, in order, become one file (format 3) under the upload's
   * data key, and the object's key points at it. Parts uploaded but not named are deleted.
   */
  public ObjectRecord completeUpload(Principal caller, String bucket, String key, String uploadId,
      List<PartClaim> claims) throws EnvelopeException {
    caller.require(Role.WRITE);
    UploadRecord upload = upload(caller, bucket, key, uploadId);
    if (claims.isEmpty()) {
      throw new S3Exception("MalformedXML", ErrorCode.INVALID_ARGUMENT, "You must specify at least one part.");
    }
    for (int i = 1; i < claims.size(); i++) {
      if (claims.get(i).partNumber() <= claims.get(i - 1).partNumber()) {
        throw new S3Exception("InvalidPartOrder", ErrorCode.INVALID_ARGUMENT, "The list of parts was not in"
            + " ascending order. The parts list must be specified in order by part number.");
      }
    }
    // The parts are checked first, while the upload stands (a refusal leaves it exactly as it was); then the upload
    // goes, so that parts stop changing (one uploaded from then on finds no upload); then the parts are read again,
    // and a part replaced between the two reads puts the upload back and is refused.
    List<PartRecord> parts = new ArrayList<>();
    MessageDigest etags = md5();
    long size = 0;
    for (int i = 0; i < claims.size(); i++) {
      PartClaim claim = claims.get(i);
      PartRecord part = store.findPart(uploadId, claim.partNumber()).orElse(null);
      String claimed = claim.etag() == null ? "" : claim.etag().strip().replace("\"", "");
      if (part == null || !part.etag().equals(claimed)) {
        throw invalidPart(claim.partNumber());
      }
      if (i < claims.size() - 1 && part.size() < MIN_PART_BYTES) {
        throw new S3Exception("EntityTooSmall", ErrorCode.INVALID_ARGUMENT, "Your proposed upload is smaller than"
            + " the minimum allowed object size: each part but the last must be at least 5 MiB (part "
            + claim.partNumber() + ")");
      }
      etags.update(HexFormat.of().parseHex(part.etag()));
      size += part.size();
      parts.add(part);
    }
    if (!store.deleteUpload(uploadId)) {
      throw noSuchUpload();
    }
    try {
      for (PartRecord part : parts) {
        if (!store.findPart(uploadId, part.partNumber()).map(now -> now.blobId().equals(part.blobId()))
            .orElse(false)) {
          throw invalidPart(part.partNumber()); // uploaded again while this completed
        }
      }
      FileRecord file = files.insertMultipart(caller, upload, size);
      ObjectRecord object = new ObjectRecord(bucket, key, caller.tenant(), file.id(), size,
          HexFormat.of().formatHex(etags.digest()) + "-" + parts.size(), upload.contentType(), upload.userMetadata(),
          file.createdAt(), parts.stream().map(PartRecord::partNumber).toList());
      ObjectRecord done = index(caller, object);
      dropUnnamedParts(uploadId, parts);
      return done;
    } catch (EnvelopeException | RuntimeException e) {
      // Nothing was completed: the upload is back as it was, for the client to fix its list or try again.
      try {
        if (store.findUpload(uploadId).isEmpty() && files.describeOrNull(caller, uploadId) == null) {
          store.insertUpload(upload);
        }
      } catch (EnvelopeException | RuntimeException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
  }

  private static S3Exception invalidPart(int partNumber) {
    return new S3Exception("InvalidPart", ErrorCode.INVALID_ARGUMENT, "One or more of the specified parts could not"
        + " be found. The part may not have been uploaded, or the specified entity tag may not match the part's"
        + " entity tag. (part " + partNumber + ")");
  }

  private void dropUnnamedParts(String uploadId, List<PartRecord> named) {
    try {
      java.util.Set<Integer> keep = new java.util.HashSet<>();
      named.forEach(p -> keep.add(p.partNumber()));
      int after = 0;
      while (true) {
        List<PartRecord> page = store.listParts(uploadId, after, 1000);
        for (PartRecord part : page) {
          if (!keep.contains(part.partNumber()) && store.deletePart(uploadId, part.partNumber(), part.blobId())) {
            files.dropBlob(part.blobId());
          }
          after = part.partNumber();
        }
        if (page.size() < 1000) {
          return;
        }
      }
    } catch (EnvelopeException | RuntimeException e) {
      LOG.warn("could not delete the unused parts of upload {} now ({})", uploadId, e.toString());
    }
  }

  /** Aborts an upload: its row, then its parts (rows and blobs). */
  public void abortUpload(Principal caller, String bucket, String key, String uploadId) throws EnvelopeException {
    caller.require(Role.WRITE);
    upload(caller, bucket, key, uploadId);
    if (!store.deleteUpload(uploadId)) {
      throw noSuchUpload();
    }
    files.dropParts(uploadId);
    LOG.info("multipart upload {} aborted", uploadId);
  }

  /** A page of an upload's parts. */
  public record PartPage(UploadRecord upload, List<PartRecord> parts, boolean truncated) {}

  public PartPage listParts(Principal caller, String bucket, String key, String uploadId, int after, int max)
      throws EnvelopeException {
    caller.require(Role.READ);
    UploadRecord upload = upload(caller, bucket, key, uploadId);
    int limit = Math.max(0, Math.min(MAX_KEYS, max));
    List<PartRecord> parts = store.listParts(uploadId, Math.max(0, after), limit + 1);
    boolean truncated = parts.size() > limit;
    return new PartPage(upload, truncated ? parts.subList(0, limit) : parts, truncated);
  }

  /** A page of a bucket's uploads in progress. */
  public record UploadPage(List<UploadRecord> uploads, boolean truncated) {}

  public UploadPage listUploads(Principal caller, String bucket, String prefix, String keyMarker,
      String uploadIdMarker, int max) throws EnvelopeException {
    caller.require(Role.READ);
    bucket(caller, bucket);
    int limit = Math.max(0, Math.min(MAX_KEYS, max));
    List<UploadRecord> uploads = store.listUploads(bucket, prefix == null ? "" : prefix,
        keyMarker == null ? "" : keyMarker, uploadIdMarker == null ? "" : uploadIdMarker, limit + 1);
    boolean truncated = uploads.size() > limit;
    return new UploadPage(truncated ? uploads.subList(0, limit) : uploads, truncated);
  }

  /** Aborts the uploads of every bucket started more than {@code age} ago; returns how many. */
  public int expireUploads(java.time.Duration age) throws EnvelopeException {
    int expired = 0;
    for (UploadRecord upload : store.listUploadsStartedBefore(clock.instant().minus(age), 1000)) {
      if (store.deleteUpload(upload.uploadId())) {
        files.dropParts(upload.uploadId());
        expired++;
        LOG.info("multipart upload {} of bucket {} expired (started {})", upload.uploadId(), upload.bucket(),
            upload.initiatedAt());
      }
    }
    return expired;
  }

  private static void joinQuietly(Thread thread) {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // Listing

  /**
   * One page of a listing.
   *
   * @param objects the objects, in key order
   * @param commonPrefixes with a delimiter, the distinct prefixes up to and including it, in order
   * @param truncated whether more follow
   * @param last the last key or common prefix of this page (where the next page starts after), or null if empty
   */
  public record Listing(List<ObjectRecord> objects, List<String> commonPrefixes, boolean truncated, String last) {}

  /**
   * Lists a bucket as S3 does: keys starting with {@code prefix}, after {@code startAfter}, with keys that hold
   * {@code delimiter} after the prefix rolled up into common prefixes; {@code maxKeys} counts both.
   */
  public Listing list(Principal caller, String bucket, String prefix, String delimiter, String startAfter,
      int maxKeys) throws EnvelopeException {
    caller.require(Role.READ);
    bucket(caller, bucket);
    String pre = prefix == null ? "" : prefix;
    String delim = delimiter == null ? "" : delimiter;
    String after = startAfter == null ? "" : startAfter;
    int max = Math.max(0, Math.min(MAX_KEYS, maxKeys));
    List<ObjectRecord> objects = new ArrayList<>();
    LinkedHashSet<String> prefixes = new LinkedHashSet<>();
    String last = null;
    if (max == 0) {
      return new Listing(objects, List.of(), false, null);
    }
    if (!delim.isEmpty() && after.startsWith(pre)) {
      // Starting after a common prefix (a continuation token or marker that ended on one) skips the whole group.
      int at = after.indexOf(delim, pre.length());
      if (at >= 0 && at + delim.length() == after.length()) {
        after = after + LAST;
      }
    }
    while (true) {
      List<ObjectRecord> page = store.listObjects(bucket, pre, after, Math.min(MAX_KEYS, max + 1));
      if (page.isEmpty()) {
        return new Listing(objects, List.copyOf(prefixes), false, last);
      }
      boolean skipped = false;
      for (ObjectRecord object : page) {
        String key = object.key();
        int at = delim.isEmpty() ? -1 : key.indexOf(delim, pre.length());
        String common = at < 0 ? null : key.substring(0, at + delim.length());
        if (common != null && prefixes.contains(common)) {
          after = common + LAST;
          skipped = true;
          break;
        }
        if (objects.size() + prefixes.size() == max) {
          return new Listing(objects, List.copyOf(prefixes), true, last);
        }
        if (common != null) {
          prefixes.add(common);
          last = common;
          after = common + LAST;
          skipped = true;
          break;
        }
        objects.add(object);
        last = key;
        after = key;
      }
      if (!skipped && page.size() < Math.min(MAX_KEYS, max + 1)) {
        return new Listing(objects, List.copyOf(prefixes), false, last);
      }
    }
  }

  // Rules

  /** An object key: 1 to 1024 bytes of UTF-8 that can be shown (the rules of file names, {@link FileNames}). */
  public static void checkKey(String key) throws EnvelopeException {
    if (key == null || key.isEmpty()) {
      throw new S3Exception("InvalidArgument", ErrorCode.INVALID_ARGUMENT, "An object key must not be empty.");
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > FileNames.MAX_NAME_BYTES) {
      throw new S3Exception("KeyTooLongError", ErrorCode.TOO_LARGE, "Your key is too long: at most "
          + FileNames.MAX_NAME_BYTES + " bytes of UTF-8.");
    }
    try {
      FileNames.checkName(key);
    } catch (EnvelopeException e) {
      throw new S3Exception("InvalidArgument", ErrorCode.INVALID_ARGUMENT, "Envelope refuses this object key: "
          + e.getMessage().replace("a file name", "an object key"));
    }
  }

  /** User metadata: at most {@link #MAX_METADATA_BYTES} in all, names and values that can be shown. */
  public static void checkMetadata(Map<String, String> metadata) throws EnvelopeException {
    long bytes = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
      if (DisplayText.problem(e.getValue()).isPresent() || !e.getKey().matches("[a-z0-9!#$%&'*+.^_`|~-]+")) {
        throw new S3Exception("InvalidArgument", ErrorCode.INVALID_ARGUMENT,
            "User metadata names are header names, and values printable text: x-amz-meta-" + e.getKey());
      }
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw new S3Exception("MetadataTooLarge", ErrorCode.TOO_LARGE, "Your metadata headers exceed the maximum"
          + " allowed metadata size of " + MAX_METADATA_BYTES + " bytes.");
    }
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no MD5", e);
    }
  }

  /**
   * A copy's plaintext, from the source's download (on its own thread) to the destination's upload: chunks in a
   * small queue, in memory only. A source that fails (a tampered blob) fails the upload, which then keeps nothing.
   */
  private static final class Pipe extends InputStream {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(8);
    private volatile IOException failure;
    private volatile boolean closed;
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    void fill(Download download) {
      try {
        download.writeTo(new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            put(java.util.Arrays.copyOfRange(b, off, off + len));
          }
        });
      } catch (IOException e) {
        failure = e;
      } catch (RuntimeException e) {
        failure = new IOException("the copy's source failed", e);
      } finally {
        try {
          put(END);
        } catch (IOException ignored) {
          // closed by the reader: nobody waits for the end
        }
      }
    }

    private void put(byte[] chunk) throws IOException {
      try {
        while (!closed) {
          if (chunks.offer(chunk, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            return;
          }
        }
        throw new IOException("the copy was abandoned");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      }
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (pos == current.length) {
        if (ended) {
          return -1;
        }
        try {
          current = chunks.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted");
        }
        pos = 0;
        if (current == END) {
          ended = true;
          if (failure != null) {
            throw failure;
          }
        }
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() {
      closed = true;
      chunks.clear();
    }
  }
}
