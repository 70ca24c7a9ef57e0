package dev.envelope.dynamodb;

import static dev.envelope.dynamodb.Items.num;
import static dev.envelope.dynamodb.Items.str;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.BucketRecord;
import dev.envelope.service.ObjectKeys;
import dev.envelope.service.ObjectRecord;
import dev.envelope.service.PartRecord;
import dev.envelope.service.Role;
import dev.envelope.service.S3CredentialRecord;
import dev.envelope.service.Tenants;
import dev.envelope.service.UploadRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * The S3 API's credentials, buckets, object index, multipart uploads and parts as items of the one table, with no transaction (dynalite has
 * none, and a PK-only table has no partition of several items that a consistent Query could read).
 *
 * <h2>Items</h2>
 * <ul>
 *   <li>{@code c#<access key id>}: a credential, the sealed secret a binary attribute; listed from the index
 *       {@value TableSchema#TOKENS_INDEX} under the list {@value #CREDENTIALS}, oldest first.
 *   <li>{@code b#<name>}: a bucket, with a random generation {@code gen} (a bucket made again under the same name is
 *       another bucket), a {@code state} ({@code active} or {@code deleting}) and, while deleting, the deleter's
 *       {@code lock} and its lease {@code lockUntil} (epoch ms); listed under {@value #BUCKETS}, by name.
 *   <li>{@code o#<bucket>#<key>} (bucket names hold no '#'): an object, in the index under the list
 *       {@code objects#<bucket>} with its key as the sort key. DynamoDB orders string sort keys by their UTF-8
 *       bytes, S3's order; a listing is a Query of that list, {@code begins_with} the prefix, resuming after
 *       {@code startAfter} by an exclusive start key (a key condition {@code >} would compare as UTF-16 in dynalite),
 *       paged by DynamoDB's 1 MB pages. The index is eventually consistent: an object just put or deleted may be
 *       missing from, or still in, a listing for a moment; reads by key are consistent.
 *   <li>{@code i#<tenant>#<file id>}: which bucket and key a file is, written with the object. It is only a pointer:
 *       {@link #findObjectByFile} reads the object it names and believes it only if that object names the file.
 *       An object completed from a multipart upload keeps its part numbers in {@code parts}
 *       ({@link ObjectRecord#encodeParts}: at most about 24 KB, for 5,000 single numbers).
 *   <li>{@code u#<upload id>}: a multipart upload, found by a consistent GetItem; in the index under the list
 *       {@code uploads#<bucket>} with its key as the sort key (several uploads may share a key: each run of one key
 *       is read whole and put in upload id order). Listings are eventually consistent, as the objects';
 *       {@link #listUploadsStartedBefore} is an eventually consistent Scan of the table (for expiry, in the
 *       background).
 *   <li>{@code p#<upload id>#<part number>}: a part, found by a consistent GetItem; in the index under the list
 *       {@code parts#<upload id>}, sort key the number as five digits (eventually consistent listing). A part has no
 *       tie to its upload's item: it outlives it, as the completed file's content.
 * </ul>
 *
 * <h2>A bucket's delete against a put into it</h2>
 * No object may outlive its bucket, without a transaction. The protocol:
 * <ol>
 *   <li>{@link #deleteBucket}: first, if the index shows an object that a consistent read confirms, CONFLICT at
 *       once. Else it marks the bucket {@code deleting} with a lock of its own and a lease (one UpdateItem,
 *       conditioned on the generation and on the bucket being {@code active} or its lease over), then looks for an
 *       object of the bucket with a <b>strongly consistent Scan</b> (the only consistent read that finds items by
 *       prefix in this table), renewing its lease after each page; it stops at the first one. None: it deletes the
 *       bucket conditioned on its lock still being there. Some: it puts the bucket back to {@code active}
 *       (conditioned on its lock), and answers CONFLICT.
 *   <li>{@link #putObject}: reads the bucket (consistent; missing or another tenant's: NOT_FOUND), writes the object
 *       and its file pointer, then reads the bucket again, consistently. The same generation and {@code active}:
 *       done. Gone or another generation: it removes what it wrote (each delete conditioned on its file) and answers
 *       NOT_FOUND. {@code deleting}: it waits until the delete ends either way, and answers as above; a lease that
 *       runs out (a deleter that died) is broken by the put, conditioned on that very lock.
 * </ol>
 * Why it holds: the put's object is written before its second read. If that read saw the bucket {@code active}, any
 * deleter marks the bucket after it, so its consistent Scan, later still, finds the object, and the delete fails
 * with CONFLICT. If the read saw {@code deleting}, the put waits for the outcome: deleted, and the put removes its
 * object; put back, and the bucket stays. A deleter whose lock was broken meanwhile fails its conditional delete
 * and answers CONFLICT. Clocks matter only for leases, so for how soon a dead deleter stops blocking puts, never for
 * which answer is given. {@link #insertUpload} follows the same protocol as a put (its Scan looks for the bucket's
 * objects and uploads), so no upload outlives its bucket either.
 *
 * <h2>A part's put against its upload's delete</h2>
 * {@link #putPart} reads the upload (consistent; gone: NOT_FOUND), puts the part (one PutItem, which returns the part
 * it replaced: racing puts of one number each get back exactly the part they replaced), then reads the upload again.
 * Gone by then: it puts back what it replaced (or deletes its part), each conditioned on its part still being there,
 * and answers NOT_FOUND. A caller that deletes an upload and then reads its parts can, in the moment between such a
 * put and its undoing, see the part that is being undone: S3 leaves a part uploaded while its upload completes
 * undefined too, and the SQL stores are exact.
 *
 * <p>Costs and limits: deleting an empty bucket reads the whole table (a consistent Scan, which stops at the first
 * object of the bucket); a put makes two consistent reads and two writes. A node that dies between writing an object
 * and removing it again (a put that lost the race) leaves an object item of a deleted bucket, which a bucket made
 * again under that name would show; nothing but such a crash makes one.
 */
final class BucketItems {
  static final String CREDENTIAL_PREFIX = "c#";
  static final String BUCKET_PREFIX = "b#";
  static final String OBJECT_PREFIX = "o#";
  static final String FILE_POINTER_PREFIX = "i#";
  static final String UPLOAD_PREFIX = "u#";
  static final String PART_PREFIX = "p#";
  /** The longest object key, in UTF-8 bytes (S3's, and DynamoDB's limit for a sort key). */
  static final int MAX_KEY_BYTES = 1024;
  private static final String CREDENTIALS = "s3credentials";
  private static final String BUCKETS = "buckets";
  private static final String ACTIVE = "active";
  private static final String DELETING = "deleting";
  /** How long a deleter's mark holds without being renewed. */
  private static final long LEASE_MILLIS = 10_000;
  private static final long WAIT_MILLIS = 20;

  private final DynamoDbCalls calls;

  BucketItems(DynamoDbCalls calls) {
    this.calls = calls;
  }

  // ---- credentials ----

  void insertCredential(S3CredentialRecord k) throws EnvelopeException {
    checkId(k.accessKeyId(), "access key id");
    checkTenant(k.tenant());
    Map<String, AttributeValue> item = new HashMap<>(Map.of(TableSchema.PK, s(CREDENTIAL_PREFIX + k.accessKeyId())));
    item.put("accessKeyId", s(k.accessKeyId()));
    item.put(TableSchema.TENANT, s(k.tenant()));
    item.put(TableSchema.TOKEN_LIST, s(CREDENTIALS));
    item.put(TableSchema.TOKEN_ORDER, s(Items.order(k.createdAt().toEpochMilli(), k.accessKeyId())));
    item.put("role", s(k.role().id()));
    item.put("name", s(k.name()));
    item.put("keyService", s(k.keyService()));
    item.put("rootKeyId", s(k.sealedSecret().rootKeyId()));
    item.put("rootKeyVersion", Items.n(k.sealedSecret().rootKeyVersion()));
    item.put("sealedSecret", Items.b(k.sealedSecret().ciphertext()));
    item.put("createdAt", Items.n(k.createdAt().toEpochMilli()));
    k.revokedAt().ifPresent(at -> item.put("revokedAt", Items.n(at.toEpochMilli())));
    calls.putNew(item, "an S3 credential with access key id " + k.accessKeyId() + " already exists",
        "store an S3 credential");
  }

  Optional<S3CredentialRecord> findCredential(String accessKeyId) throws EnvelopeException {
    if (!Items.isValidId(accessKeyId)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> item = calls.getItem(key(CREDENTIAL_PREFIX + accessKeyId), "look up an S3 credential");
    return item == null ? Optional.empty() : Optional.of(Items.parse(() -> credential(item), "S3 credential"));
  }

  List<S3CredentialRecord> listCredentials(String tenant) throws EnvelopeException {
    List<S3CredentialRecord> found = new ArrayList<>();
    for (Map<String, AttributeValue> item : list(CREDENTIALS, "list S3 credentials")) {
      S3CredentialRecord k = Items.parse(() -> credential(item), "S3 credential");
      if (tenant == null || tenant.equals(k.tenant())) {
        found.add(k);
      }
    }
    found.sort(Comparator.comparing(S3CredentialRecord::createdAt).thenComparing(S3CredentialRecord::accessKeyId));
    return found;
  }

  boolean revokeCredential(String accessKeyId, Instant at) throws EnvelopeException {
    if (!Items.isValidId(accessKeyId)) {
      return false;
    }
    return update(key(CREDENTIAL_PREFIX + accessKeyId), "attribute_exists(#pk)", "SET #r = if_not_exists(#r, :at)",
        Map.of("#pk", TableSchema.PK, "#r", "revokedAt"), Map.of(":at", Items.n(at.toEpochMilli())),
        "revoke an S3 credential");
  }

  // ---- buckets ----

  void insertBucket(BucketRecord b) throws EnvelopeException {
    checkId(b.name(), "bucket name");
    if (b.name().indexOf('#') >= 0) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a bucket name has no '#'");
    }
    checkTenant(b.tenant());
    Map<String, AttributeValue> item = new HashMap<>(bucketKey(b.name()));
    item.put("name", s(b.name()));
    item.put(TableSchema.TENANT, s(b.tenant()));
    item.put(TableSchema.TOKEN_LIST, s(BUCKETS));
    item.put(TableSchema.TOKEN_ORDER, s(b.name()));
    item.put("createdAt", Items.n(b.createdAt().toEpochMilli()));
    item.put("gen", s(UUID.randomUUID().toString()));
    item.put("state", s(ACTIVE));
    calls.putNew(item, "a bucket named " + b.name() + " already exists", "store a bucket");
  }

  Optional<BucketRecord> findBucket(String name) throws EnvelopeException {
    return bucketItem(name).map(BucketItems::bucket);
  }

  List<BucketRecord> listBuckets(String tenant) throws EnvelopeException {
    List<BucketRecord> found = new ArrayList<>();
    for (Map<String, AttributeValue> item : list(BUCKETS, "list buckets")) {
      BucketRecord b = Items.parse(() -> bucket(item), "bucket");
      if (tenant == null || tenant.equals(b.tenant())) {
        found.add(b);
      }
    }
    found.sort(Comparator.comparing(BucketRecord::name));
    return found;
  }

  boolean deleteBucket(String name) throws EnvelopeException {
    Optional<Map<String, AttributeValue>> item = bucketItem(name);
    if (item.isEmpty()) {
      return false;
    }
    String gen = str(item.get(), "gen");
    if (confirmedObject(name)) {
      throw notEmpty(name);
    }
    String lock = UUID.randomUUID().toString();
    long now = System.currentTimeMillis();
    if (!update(bucketKey(name), "#g = :gen AND (#s = :active OR #u < :now)",
        "SET #s = :deleting, #l = :lock, #u = :until",
        Map.of("#g", "gen", "#s", "state", "#l", "lock", "#u", "lockUntil"),
        Map.of(":gen", s(gen), ":active", s(ACTIVE), ":now", Items.n(now), ":deleting", s(DELETING),
            ":lock", s(lock), ":until", Items.n(now + LEASE_MILLIS)), "mark a bucket for deletion")) {
      if (bucketItem(name).isEmpty()) {
        return false; // deleted meanwhile by another node
      }
      throw new EnvelopeException(ErrorCode.CONFLICT, "bucket " + name + " is being changed by another request now");
    }
    boolean empty;
    try {
      empty = !anyObjectConsistently(name, lock);
    } catch (EnvelopeException | RuntimeException e) {
      release(name, lock);
      throw e;
    }
    if (!empty) {
      release(name, lock);
      throw notEmpty(name);
    }
    try {
      calls.client().deleteItem(b -> b.tableName(calls.table()).key(bucketKey(name)).conditionExpression("#l = :lock")
          .expressionAttributeNames(Map.of("#l", "lock")).expressionAttributeValues(Map.of(":lock", s(lock))));
      return true;
    } catch (ConditionalCheckFailedException e) {
      if (DynamoDbCalls.isRetry(e) && bucketItem(name).isEmpty()) {
        return true; // the attempt whose answer was lost deleted it
      }
      // A put broke our lease (we were too slow): the bucket stays, and may hold its object by now.
      throw new EnvelopeException(ErrorCode.CONFLICT, "bucket " + name + " changed while it was being deleted");
    } catch (SdkException e) {
      throw calls.failure("delete a bucket", e);
    }
  }

  // ---- objects ----

  Optional<ObjectRecord> findObject(String bucket, String key) throws EnvelopeException {
    if (!isValidObjectKey(bucket, key)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> item = calls.getItem(objectKey(bucket, key), "look up an object");
    return item == null ? Optional.empty() : Optional.of(Items.parse(() -> object(item), "object"));
  }

  Optional<ObjectRecord> putObject(ObjectRecord o) throws EnvelopeException {
    checkObjectKey(o.bucket(), o.key());
    checkId(o.fileId(), "file");
    String gen = bucketGeneration(o.bucket(), o.tenant());
    Map<String, AttributeValue> item = objectItem(o);
    Map<String, AttributeValue> was = calls.call("store an object", () -> calls.client().putItem(b -> b
        .tableName(calls.table()).item(item).returnValues(ReturnValue.ALL_OLD))).attributes();
    Optional<ObjectRecord> old = was == null || was.isEmpty() ? Optional.empty()
        : Optional.of(Items.parse(() -> object(was), "object"));
    if (old.isPresent() && old.get().fileId().equals(o.fileId())) {
      old = Optional.empty(); // the SDK's retry met its own first attempt: a file is never put twice
    }
    calls.call("store an object's file pointer", () -> calls.client().putItem(b -> b.tableName(calls.table())
        .item(Map.of(TableSchema.PK, s(pointer(o.tenant(), o.fileId())), "bucket", s(o.bucket()), "key", s(o.key())))));
    if (!bucketStands(o.bucket(), gen)) {
      removeObject(o.bucket(), o.key(), o.fileId());
      throw noBucket(o.bucket());
    }
    if (old.isPresent()) {
      removePointer(old.get());
    }
    return old;
  }

  boolean deleteObject(String bucket, String key, String fileId) throws EnvelopeException {
    return isValidObjectKey(bucket, key) && Items.isValidId(fileId) && removeObject(bucket, key, fileId);
  }

  List<ObjectRecord> listObjects(String bucket, String prefix, String startAfter, int limit) throws EnvelopeException {
    if (limit < 1 || !isValidObjectKey(bucket, "x")) {
      return List.of();
    }
    Map<String, AttributeValue> start = null;
    if (!startAfter.isEmpty() && ObjectKeys.compare(startAfter, prefix) >= 0) {
      if (!startAfter.startsWith(prefix)) {
        return List.of(); // after every key with the prefix
      }
      // Before startAfter's place in the index (an item there or not): inside the begins_with range.
      start = Map.of(TableSchema.PK, s(OBJECT_PREFIX + bucket + "#" + startAfter), TableSchema.TOKEN_LIST,
          s(objectList(bucket)), TableSchema.TOKEN_ORDER, s(startAfter));
    }
    List<ObjectRecord> found = new ArrayList<>();
    queryIndex(objectList(bucket), prefix.isEmpty() ? null : "begins_with", prefix, start, limit, "list objects",
        item -> {
          found.add(Items.parse(() -> object(item), "object"));
          return found.size() < limit;
        });
    return found;
  }

  Optional<ObjectRecord> findObjectByFile(String tenant, String fileId) throws EnvelopeException {
    if (!Tenants.isValid(tenant) || !Items.isValidId(fileId)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> pointer = calls.getItem(key(pointer(tenant, fileId)), "look up an object's file");
    if (pointer == null) {
      return Optional.empty();
    }
    Optional<ObjectRecord> object = findObject(Items.parse(() -> str(pointer, "bucket"), "file pointer"),
        Items.parse(() -> str(pointer, "key"), "file pointer"));
    return object.filter(found -> found.tenant().equals(tenant) && found.fileId().equals(fileId));
  }

  // ---- multipart uploads ----

  void insertUpload(UploadRecord u) throws EnvelopeException {
    checkId(u.uploadId(), "upload id");
    checkObjectKey(u.bucket(), u.key());
    String gen = bucketGeneration(u.bucket(), u.tenant());
    Map<String, AttributeValue> item = listedItem(uploadKey(u.uploadId()), u.bucket(), u.key(), uploadList(u.bucket()),
        u.tenant());
    item.put("uploadId", s(u.uploadId()));
    item.put("keyService", s(u.keyService()));
    item.put("rootKeyId", s(u.wrappedKey().rootKeyId()));
    item.put("rootKeyVersion", Items.n(u.wrappedKey().rootKeyVersion()));
    item.put("wrappedKey", Items.b(u.wrappedKey().ciphertext()));
    item.put("contentType", s(u.contentType()));
    item.put("userMetadata", s(ObjectRecord.encodeMetadata(u.userMetadata())));
    item.put("initiatedAt", Items.n(u.initiatedAt().toEpochMilli()));
    calls.putNew(item, "an upload with id " + u.uploadId() + " already exists", "store an upload");
    if (!bucketStands(u.bucket(), gen)) {
      deleteUpload(u.uploadId());
      throw noBucket(u.bucket());
    }
  }

  Optional<UploadRecord> findUpload(String uploadId) throws EnvelopeException {
    if (!Items.isValidId(uploadId)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> item = calls.getItem(uploadKey(uploadId), "look up an upload");
    return item == null ? Optional.empty() : Optional.of(Items.parse(() -> upload(item), "upload"));
  }

  /**
   * The index in key order; each run of one key is read whole and sorted by upload id (the index leaves the order of
   * equal sort keys to itself). The run of {@code keyMarker}, when an upload id marker asks for it, is one Query of
   * that key; the keys after it are read from a start key placed at {@code keyMarker}, leaving out what is not after it.
   */
  List<UploadRecord> listUploads(String bucket, String prefix, String keyMarker, String uploadIdMarker, int limit)
      throws EnvelopeException {
    if (limit < 1 || !isValidObjectKey(bucket, "x")) {
      return List.of();
    }
    List<UploadRecord> found = new ArrayList<>();
    boolean fromMarker = !keyMarker.isEmpty() && ObjectKeys.compare(keyMarker, prefix) >= 0;
    if (fromMarker && !keyMarker.startsWith(prefix)) {
      return found; // after every key with the prefix
    }
    if (fromMarker && !uploadIdMarker.isEmpty()) {
      List<UploadRecord> run = new ArrayList<>();
      queryIndex(uploadList(bucket), "= :k", keyMarker, null, 0, "list uploads", item -> {
        UploadRecord u = Items.parse(() -> upload(item), "upload");
        if (u.uploadId().compareTo(uploadIdMarker) > 0) {
          run.add(u);
        }
        return true;
      });
      run.sort(Comparator.comparing(UploadRecord::uploadId));
      found.addAll(run);
    }
    Map<String, AttributeValue> start = !fromMarker ? null : Map.of(TableSchema.PK, s(UPLOAD_PREFIX),
        TableSchema.TOKEN_LIST, s(uploadList(bucket)), TableSchema.TOKEN_ORDER, s(keyMarker));
    List<UploadRecord> run = new ArrayList<>();
    if (found.size() < limit) {
      queryIndex(uploadList(bucket), prefix.isEmpty() ? null : "begins_with", prefix, start, limit + 1,
          "list uploads", item -> {
            UploadRecord u = Items.parse(() -> upload(item), "upload");
            if (!keyMarker.isEmpty() && ObjectKeys.compare(u.key(), keyMarker) <= 0) {
              return true; // the start key's place among the uploads of keyMarker is the index's to choose
            }
            if (!run.isEmpty() && !run.get(0).key().equals(u.key())) {
              run.sort(Comparator.comparing(UploadRecord::uploadId));
              found.addAll(run);
              run.clear();
            }
            run.add(u);
            return found.size() < limit;
          });
    }
    run.sort(Comparator.comparing(UploadRecord::uploadId));
    found.addAll(run);
    return found.size() <= limit ? found : new ArrayList<>(found.subList(0, limit));
  }

  /** An eventually consistent Scan of the whole table, stopping at {@code limit}: for expiry, in the background. */
  List<UploadRecord> listUploadsStartedBefore(Instant before, int limit) throws EnvelopeException {
    List<UploadRecord> found = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    while (found.size() < limit) {
      ScanRequest request = ScanRequest.builder().tableName(calls.table())
          .filterExpression("begins_with(#pk, :u) AND #i < :t")
          .expressionAttributeNames(Map.of("#pk", TableSchema.PK, "#i", "initiatedAt"))
          .expressionAttributeValues(Map.of(":u", s(UPLOAD_PREFIX), ":t", Items.n(before.toEpochMilli())))
          .exclusiveStartKey(start).build();
      ScanResponse response = calls.call("look for old uploads", () -> calls.client().scan(request));
      for (Map<String, AttributeValue> item : response.items()) {
        if (found.size() < limit) {
          found.add(Items.parse(() -> upload(item), "upload"));
        }
      }
      start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? response.lastEvaluatedKey() : null;
      if (start == null) {
        break;
      }
    }
    return found;
  }

  boolean deleteUpload(String uploadId) throws EnvelopeException {
    if (!Items.isValidId(uploadId)) {
      return false;
    }
    Map<String, AttributeValue> was = calls.call("delete an upload", () -> calls.client().deleteItem(b -> b
        .tableName(calls.table()).key(uploadKey(uploadId)).returnValues(ReturnValue.ALL_OLD))).attributes();
    return was != null && !was.isEmpty();
  }

  Optional<PartRecord> putPart(PartRecord p) throws EnvelopeException {
    checkId(p.uploadId(), "upload id");
    checkId(p.blobId(), "blob id");
    if (findUpload(p.uploadId()).isEmpty()) {
      throw noUpload(p.uploadId());
    }
    Map<String, AttributeValue> item = new HashMap<>(partKey(p.uploadId(), p.partNumber()));
    item.put("uploadId", s(p.uploadId()));
    item.put("partNumber", Items.n(p.partNumber()));
    item.put(TableSchema.TOKEN_LIST, s(partList(p.uploadId())));
    item.put(TableSchema.TOKEN_ORDER, s(partOrder(p.partNumber())));
    item.put("blobId", s(p.blobId()));
    item.put("size", Items.n(p.size()));
    item.put("etag", s(p.etag()));
    item.put("lastModified", Items.n(p.lastModified().toEpochMilli()));
    Map<String, AttributeValue> was = calls.call("store a part", () -> calls.client().putItem(b -> b
        .tableName(calls.table()).item(item).returnValues(ReturnValue.ALL_OLD))).attributes();
    Optional<Map<String, AttributeValue>> old = was == null || was.isEmpty()
        || p.blobId().equals(str(was, "blobId")) // the SDK's retry met its own first attempt
        ? Optional.empty() : Optional.of(was);
    if (findUpload(p.uploadId()).isEmpty()) {
      // Completed or aborted meanwhile: put back what was there, unless another put has replaced ours since.
      Map<String, String> names = Map.of("#b", "blobId");
      Map<String, AttributeValue> values = Map.of(":b", s(p.blobId()));
      try {
        if (old.isPresent()) {
          calls.client().putItem(b -> b.tableName(calls.table()).item(old.get()).conditionExpression("#b = :b")
              .expressionAttributeNames(names).expressionAttributeValues(values));
        } else {
          calls.client().deleteItem(b -> b.tableName(calls.table()).key(partKey(p.uploadId(), p.partNumber()))
              .conditionExpression("#b = :b")
              .expressionAttributeNames(names).expressionAttributeValues(values));
        }
      } catch (ConditionalCheckFailedException e) {
        // replaced since: not ours to undo
      } catch (SdkException e) {
        throw calls.failure("undo a part", e);
      }
      throw noUpload(p.uploadId());
    }
    return old.isEmpty() ? Optional.empty() : Optional.of(Items.parse(() -> part(old.get()), "part"));
  }

  Optional<PartRecord> findPart(String uploadId, int partNumber) throws EnvelopeException {
    if (!Items.isValidId(uploadId)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> item = calls.getItem(partKey(uploadId, partNumber), "look up a part");
    return item == null ? Optional.empty() : Optional.of(Items.parse(() -> part(item), "part"));
  }

  /** A Query of the part list (eventually consistent); the five-digit sort keys compare alike in every order. */
  List<PartRecord> listParts(String uploadId, int afterPartNumber, int limit) throws EnvelopeException {
    if (limit < 1 || !Items.isValidId(uploadId)) {
      return List.of();
    }
    List<PartRecord> found = new ArrayList<>();
    queryIndex(partList(uploadId), "> :k", partOrder(Math.max(0, afterPartNumber)), null, limit, "list parts",
        item -> {
          found.add(Items.parse(() -> part(item), "part"));
          return found.size() < limit;
        });
    return found;
  }

  boolean deletePart(String uploadId, int partNumber, String blobId) throws EnvelopeException {
    if (!Items.isValidId(uploadId) || partNumber < 1 || partNumber > PartRecord.MAX_PARTS) {
      return false;
    }
    try {
      calls.client().deleteItem(b -> b.tableName(calls.table()).key(partKey(uploadId, partNumber))
          .conditionExpression("#b = :b").expressionAttributeNames(Map.of("#b", "blobId"))
          .expressionAttributeValues(Map.of(":b", s(blobId))));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    } catch (SdkException e) {
      throw calls.failure("delete a part", e);
    }
  }

  // ---- the protocol's steps ----

  /** The generation of the bucket, read consistently; NOT_FOUND if it is missing or another tenant's. */
  private String bucketGeneration(String bucket, String tenant) throws EnvelopeException {
    checkTenant(tenant);
    Optional<Map<String, AttributeValue>> item = bucketItem(bucket);
    if (item.isEmpty() || !tenant.equals(str(item.get(), TableSchema.TENANT))) {
      throw noBucket(bucket);
    }
    return str(item.get(), "gen");
  }

  /** Whether the index shows an object or upload of the bucket that a consistent read finds still there. */
  private boolean confirmedObject(String bucket) throws EnvelopeException {
    for (String list : List.of(objectList(bucket), uploadList(bucket))) {
      QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.TOKENS_INDEX)
          .keyConditionExpression("#l = :l").expressionAttributeNames(Map.of("#l", TableSchema.TOKEN_LIST))
          .expressionAttributeValues(Map.of(":l", s(list))).limit(5).build();
      for (Map<String, AttributeValue> item : calls.call("look for objects", () -> calls.client().query(request))
          .items()) {
        if (calls.getItem(Map.of(TableSchema.PK, item.get(TableSchema.PK)), "look for objects") != null) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether a strongly consistent Scan finds an object or an upload of the bucket; renews the deleter's lease after
   * each page.
   */
  private boolean anyObjectConsistently(String bucket, String lock) throws EnvelopeException {
    Map<String, AttributeValue> start = null;
    do {
      ScanRequest request = ScanRequest.builder().tableName(calls.table()).consistentRead(true)
          .filterExpression("begins_with(#pk, :p) OR (begins_with(#pk, :u) AND #b = :b)")
          .expressionAttributeNames(Map.of("#pk", TableSchema.PK, "#b", "bucket"))
          .expressionAttributeValues(Map.of(":p", s(OBJECT_PREFIX + bucket + "#"), ":u", s(UPLOAD_PREFIX),
              ":b", s(bucket))).projectionExpression("#pk")
          .exclusiveStartKey(start).build();
      ScanResponse response = calls.call("look for objects", () -> calls.client().scan(request));
      if (!response.items().isEmpty()) {
        return true;
      }
      start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? response.lastEvaluatedKey() : null;
      if (start != null && !update(bucketKey(bucket), "#l = :lock", "SET #u = :until",
          Map.of("#l", "lock", "#u", "lockUntil"),
          Map.of(":lock", s(lock), ":until", Items.n(System.currentTimeMillis() + LEASE_MILLIS)), "renew a lease")) {
        throw new EnvelopeException(ErrorCode.CONFLICT, "bucket " + bucket + " changed while it was being deleted");
      }
    } while (start != null);
    return false;
  }

  /** Puts the bucket back to active if our lock is still on it. */
  private void release(String bucket, String lock) throws EnvelopeException {
    update(bucketKey(bucket), "#l = :lock", "SET #s = :active REMOVE #l, #u", Map.of("#l", "lock", "#s", "state",
        "#u", "lockUntil"), Map.of(":lock", s(lock), ":active", s(ACTIVE)), "put a bucket back");
  }

  /**
   * Whether the bucket of generation {@code gen} stands, after the delete under way (if any) has ended: waits while
   * it is {@code deleting}, and breaks a lock whose lease has run out.
   */
  private boolean bucketStands(String bucket, String gen) throws EnvelopeException {
    while (true) {
      Optional<Map<String, AttributeValue>> item = bucketItem(bucket);
      if (item.isEmpty() || !gen.equals(str(item.get(), "gen"))) {
        return false;
      }
      if (ACTIVE.equals(str(item.get(), "state"))) {
        return true;
      }
      if (num(item.get(), "lockUntil") < System.currentTimeMillis()) {
        release(bucket, str(item.get(), "lock")); // a deleter that died (or stalled past its lease)
        continue;
      }
      try {
        Thread.sleep(WAIT_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EnvelopeException(ErrorCode.UNAVAILABLE, "interrupted while bucket " + bucket + " was being deleted");
      }
    }
  }

  /** Deletes the object if it still names {@code fileId}, then its file pointer. */
  private boolean removeObject(String bucket, String key, String fileId) throws EnvelopeException {
    Map<String, AttributeValue> was;
    try {
      was = calls.client().deleteItem(b -> b.tableName(calls.table()).key(objectKey(bucket, key))
          .conditionExpression("#f = :f").expressionAttributeNames(Map.of("#f", "fileId"))
          .expressionAttributeValues(Map.of(":f", s(fileId))).returnValues(ReturnValue.ALL_OLD)).attributes();
    } catch (ConditionalCheckFailedException e) {
      return false;
    } catch (SdkException e) {
      throw calls.failure("delete an object", e);
    }
    if (was != null && !was.isEmpty()) {
      removePointer(Items.parse(() -> object(was), "object"));
    }
    return true;
  }

  private void removePointer(ObjectRecord o) throws EnvelopeException {
    try {
      calls.client().deleteItem(b -> b.tableName(calls.table()).key(key(pointer(o.tenant(), o.fileId())))
          .conditionExpression("#b = :b AND #k = :k").expressionAttributeNames(Map.of("#b", "bucket", "#k", "key"))
          .expressionAttributeValues(Map.of(":b", s(o.bucket()), ":k", s(o.key()))));
    } catch (ConditionalCheckFailedException e) {
      // gone already, or the file is another object's now
    } catch (SdkException e) {
      throw calls.failure("delete an object's file pointer", e);
    }
  }

  // ---- helpers ----

  private Optional<Map<String, AttributeValue>> bucketItem(String name) throws EnvelopeException {
    if (!Items.isValidId(name)) {
      return Optional.empty();
    }
    return Optional.ofNullable(calls.getItem(bucketKey(name), "look up a bucket"));
  }

  /** Every item of one list of the index {@value TableSchema#TOKENS_INDEX}, page by page. */
  private List<Map<String, AttributeValue>> list(String list, String what) throws EnvelopeException {
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    queryIndex(list, null, null, null, 0, what, items::add);
    return items;
  }

  /** What to do with one item of a Query; false: stop. */
  private interface Each {
    boolean accept(Map<String, AttributeValue> item) throws EnvelopeException;
  }

  /**
   * Queries one list of the index {@value TableSchema#TOKENS_INDEX}, its sort key under {@code sortCondition} ({@code
   * "= :k"}, {@code "> :k"}, {@code "begins_with"}, or null: all) with {@code :k} = {@code value}, from {@code start},
   * in pages of {@code pageSize} (0: DynamoDB's), until the list ends or {@code each} says stop.
   */
  private void queryIndex(String list, String sortCondition, String value, Map<String, AttributeValue> start,
      int pageSize, String what, Each each) throws EnvelopeException {
    Map<String, String> names = new HashMap<>(Map.of("#l", TableSchema.TOKEN_LIST));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":l", s(list)));
    String condition = "#l = :l";
    if (sortCondition != null) {
      names.put("#o", TableSchema.TOKEN_ORDER);
      values.put(":k", s(value));
      condition += sortCondition.equals("begins_with") ? " AND begins_with(#o, :k)" : " AND #o " + sortCondition;
    }
    String keyCondition = condition;
    Map<String, AttributeValue> from = start;
    do {
      QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.TOKENS_INDEX)
          .keyConditionExpression(keyCondition).expressionAttributeNames(names).expressionAttributeValues(values)
          .limit(pageSize > 0 ? pageSize : null).exclusiveStartKey(from).build();
      QueryResponse response = calls.call(what, () -> calls.client().query(request));
      for (Map<String, AttributeValue> item : response.items()) {
        if (!each.accept(item)) {
          return;
        }
      }
      from = next(response);
    } while (from != null);
  }

  private static Map<String, AttributeValue> next(QueryResponse response) {
    return response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() ? response.lastEvaluatedKey()
        : null;
  }

  private boolean update(Map<String, AttributeValue> key, String condition, String update, Map<String, String> names,
      Map<String, AttributeValue> values, String what) throws EnvelopeException {
    return calls.updateIf(key, condition, update, names, values, what);
  }

  /** An item of one of a bucket's lists ordered by key (objects, uploads), with its bucket, key and tenant. */
  private static Map<String, AttributeValue> listedItem(Map<String, AttributeValue> pk, String bucket, String key,
      String list, String tenant) {
    Map<String, AttributeValue> item = new HashMap<>(pk);
    item.put("bucket", s(bucket));
    item.put("key", s(key));
    item.put(TableSchema.TOKEN_LIST, s(list));
    item.put(TableSchema.TOKEN_ORDER, s(key));
    item.put(TableSchema.TENANT, s(tenant)); // no file order: the files' index (sparse) leaves it out
    return item;
  }

  private static Map<String, AttributeValue> objectItem(ObjectRecord o) {
    Map<String, AttributeValue> item = listedItem(objectKey(o.bucket(), o.key()), o.bucket(), o.key(),
        objectList(o.bucket()), o.tenant());
    item.put("fileId", s(o.fileId()));
    item.put("size", Items.n(o.size()));
    item.put("etag", s(o.etag()));
    item.put("contentType", s(o.contentType()));
    item.put("userMetadata", s(ObjectRecord.encodeMetadata(o.userMetadata())));
    item.put("lastModified", Items.n(o.lastModified().toEpochMilli()));
    if (!o.parts().isEmpty()) {
      item.put("parts", s(ObjectRecord.encodeParts(o.parts())));
    }
    return item;
  }

  private static ObjectRecord object(Map<String, AttributeValue> item) {
    return new ObjectRecord(str(item, "bucket"), str(item, "key"), str(item, TableSchema.TENANT),
        str(item, "fileId"), num(item, "size"), str(item, "etag"), str(item, "contentType"),
        ObjectRecord.decodeMetadata(str(item, "userMetadata")), Instant.ofEpochMilli(num(item, "lastModified")),
        item.containsKey("parts") ? ObjectRecord.decodeParts(str(item, "parts")) : List.of());
  }

  private static UploadRecord upload(Map<String, AttributeValue> item) {
    return new UploadRecord(str(item, "uploadId"), str(item, "bucket"), str(item, "key"), str(item, TableSchema.TENANT),
        str(item, "keyService"), WrappedKey.of(str(item, "rootKeyId"), Math.toIntExact(num(item, "rootKeyVersion")),
            item.get("wrappedKey").b().asByteArray()), str(item, "contentType"),
        ObjectRecord.decodeMetadata(str(item, "userMetadata")), Instant.ofEpochMilli(num(item, "initiatedAt")));
  }

  private static PartRecord part(Map<String, AttributeValue> item) {
    return new PartRecord(str(item, "uploadId"), Math.toIntExact(num(item, "partNumber")), str(item, "blobId"),
        num(item, "size"), str(item, "etag"), Instant.ofEpochMilli(num(item, "lastModified")));
  }

  private static BucketRecord bucket(Map<String, AttributeValue> item) {
    return new BucketRecord(str(item, "name"), str(item, TableSchema.TENANT), Instant.ofEpochMilli(num(item,
        "createdAt")));
  }

  private static S3CredentialRecord credential(Map<String, AttributeValue> item) {
    return new S3CredentialRecord(str(item, "accessKeyId"), str(item, TableSchema.TENANT),
        Role.parse(str(item, "role")), str(item, "name"), str(item, "keyService"),
        WrappedKey.of(str(item, "rootKeyId"), Math.toIntExact(num(item, "rootKeyVersion")),
            item.get("sealedSecret").b().asByteArray()),
        Instant.ofEpochMilli(num(item, "createdAt")), Items.optionalTime(item, "revokedAt"));
  }

  private static boolean isValidObjectKey(String bucket, String key) {
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    return Items.isValidId(bucket) && bucket.indexOf('#') < 0 && bytes >= 1 && bytes <= MAX_KEY_BYTES;
  }

  private static Map<String, AttributeValue> key(String pk) {
    return Map.of(TableSchema.PK, s(pk));
  }

  private static Map<String, AttributeValue> bucketKey(String name) {
    return key(BUCKET_PREFIX + name);
  }

  private static Map<String, AttributeValue> objectKey(String bucket, String key) {
    return key(OBJECT_PREFIX + bucket + "#" + key);
  }

  private static String objectList(String bucket) {
    return "objects#" + bucket;
  }

  private static Map<String, AttributeValue> uploadKey(String uploadId) {
    return key(UPLOAD_PREFIX + uploadId);
  }

  private static String uploadList(String bucket) {
    return "uploads#" + bucket;
  }

  private static Map<String, AttributeValue> partKey(String uploadId, int partNumber) {
    return key(PART_PREFIX + uploadId + "#" + partNumber);
  }

  private static String partList(String uploadId) {
    return "parts#" + uploadId;
  }

  private static String partOrder(int partNumber) {
    return String.format(java.util.Locale.ROOT, "%05d", partNumber);
  }

  private static EnvelopeException noUpload(String uploadId) {
    return new EnvelopeException(ErrorCode.NOT_FOUND, "there is no upload " + uploadId);
  }

  private static String pointer(String tenant, String fileId) {
    return FILE_POINTER_PREFIX + tenant + "#" + fileId;
  }

  private static AttributeValue s(String value) {
    return Items.s(value);
  }

  private static EnvelopeException noBucket(String bucket) {
    return new EnvelopeException(ErrorCode.NOT_FOUND, "there is no bucket " + bucket);
  }

  private static EnvelopeException notEmpty(String bucket) {
    return new EnvelopeException(ErrorCode.CONFLICT,
        "bucket " + bucket + " is not empty: delete its objects and abort its multipart uploads first");
  }

  private static void checkId(String id, String what) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a " + what + " is 1 to " + Items.MAX_ID_BYTES
          + " bytes of UTF-8");
    }
  }

  private static void checkObjectKey(String bucket, String key) throws EnvelopeException {
    if (!isValidObjectKey(bucket, key)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "an object key is 1 to " + MAX_KEY_BYTES
          + " bytes of UTF-8");
    }
  }

  private static void checkTenant(String tenant) throws EnvelopeException {
    if (!Tenants.isValid(tenant)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "not a tenant name");
    }
  }
}
