package dev.envelope.dynamodb;

import static dev.envelope.dynamodb.Items.num;
import static dev.envelope.dynamodb.Items.str;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.BucketRecord;
import dev.envelope.service.ObjectKeys;
import dev.envelope.service.ObjectRecord;
import dev.envelope.service.Role;
import dev.envelope.service.S3CredentialRecord;
import dev.envelope.service.Tenants;
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
 * The S3 API's credentials, buckets and object index as items of the one table, with no transaction (dynalite has
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
 * which answer is given.
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
    if (!isValidObjectKey(o.bucket(), o.key())) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "an object key is 1 to " + MAX_KEY_BYTES
          + " bytes of UTF-8");
    }
    checkId(o.fileId(), "file");
    checkTenant(o.tenant());
    Optional<Map<String, AttributeValue>> bucket = bucketItem(o.bucket());
    if (bucket.isEmpty() || !o.tenant().equals(str(bucket.get(), TableSchema.TENANT))) {
      throw noBucket(o.bucket());
    }
    String gen = str(bucket.get(), "gen");
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
    Map<String, String> names = new HashMap<>(Map.of("#l", TableSchema.TOKEN_LIST));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":l", s(objectList(bucket))));
    String condition = "#l = :l";
    if (!prefix.isEmpty()) {
      names.put("#o", TableSchema.TOKEN_ORDER);
      values.put(":p", s(prefix));
      condition += " AND begins_with(#o, :p)";
    }
    List<ObjectRecord> found = new ArrayList<>();
    do {
      QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.TOKENS_INDEX)
          .keyConditionExpression(condition).expressionAttributeNames(names).expressionAttributeValues(values)
          .limit(limit - found.size()).exclusiveStartKey(start).build();
      QueryResponse response = calls.call("list objects", () -> calls.client().query(request));
      for (Map<String, AttributeValue> item : response.items()) {
        found.add(Items.parse(() -> object(item), "object"));
      }
      start = next(response);
    } while (found.size() < limit && start != null);
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

  // ---- the protocol's steps ----

  /** Whether the index shows an object of the bucket that a consistent read finds still there. */
  private boolean confirmedObject(String bucket) throws EnvelopeException {
    QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.TOKENS_INDEX)
        .keyConditionExpression("#l = :l").expressionAttributeNames(Map.of("#l", TableSchema.TOKEN_LIST))
        .expressionAttributeValues(Map.of(":l", s(objectList(bucket)))).limit(5).build();
    for (Map<String, AttributeValue> item : calls.call("look for objects", () -> calls.client().query(request)).items()) {
      if (calls.getItem(Map.of(TableSchema.PK, item.get(TableSchema.PK)), "look for objects") != null) {
        return true;
      }
    }
    return false;
  }

  /** Whether a strongly consistent Scan finds an object of the bucket; renews the deleter's lease after each page. */
  private boolean anyObjectConsistently(String bucket, String lock) throws EnvelopeException {
    Map<String, AttributeValue> start = null;
    do {
      ScanRequest request = ScanRequest.builder().tableName(calls.table()).consistentRead(true)
          .filterExpression("begins_with(#pk, :p)").expressionAttributeNames(Map.of("#pk", TableSchema.PK))
          .expressionAttributeValues(Map.of(":p", s(OBJECT_PREFIX + bucket + "#"))).projectionExpression("#pk")
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
    Map<String, AttributeValue> start = null;
    do {
      QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.TOKENS_INDEX)
          .keyConditionExpression("#l = :l").expressionAttributeNames(Map.of("#l", TableSchema.TOKEN_LIST))
          .expressionAttributeValues(Map.of(":l", s(list))).exclusiveStartKey(start).build();
      QueryResponse response = calls.call(what, () -> calls.client().query(request));
      items.addAll(response.items());
      start = next(response);
    } while (start != null);
    return items;
  }

  private static Map<String, AttributeValue> next(QueryResponse response) {
    return response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() ? response.lastEvaluatedKey()
        : null;
  }

  private boolean update(Map<String, AttributeValue> key, String condition, String update, Map<String, String> names,
      Map<String, AttributeValue> values, String what) throws EnvelopeException {
    return calls.updateIf(key, condition, update, names, values, what);
  }

  private static Map<String, AttributeValue> objectItem(ObjectRecord o) {
    Map<String, AttributeValue> item = new HashMap<>(objectKey(o.bucket(), o.key()));
    item.put("bucket", s(o.bucket()));
    item.put("key", s(o.key()));
    item.put(TableSchema.TOKEN_LIST, s(objectList(o.bucket())));
    item.put(TableSchema.TOKEN_ORDER, s(o.key()));
    item.put(TableSchema.TENANT, s(o.tenant())); // no file order: the files' index (sparse) leaves it out
    item.put("fileId", s(o.fileId()));
    item.put("size", Items.n(o.size()));
    item.put("etag", s(o.etag()));
    item.put("contentType", s(o.contentType()));
    item.put("userMetadata", s(ObjectRecord.encodeMetadata(o.userMetadata())));
    item.put("lastModified", Items.n(o.lastModified().toEpochMilli()));
    return item;
  }

  private static ObjectRecord object(Map<String, AttributeValue> item) {
    return new ObjectRecord(str(item, "bucket"), str(item, "key"), str(item, TableSchema.TENANT),
        str(item, "fileId"), num(item, "size"), str(item, "etag"), str(item, "contentType"),
        ObjectRecord.decodeMetadata(str(item, "userMetadata")), Instant.ofEpochMilli(num(item, "lastModified")));
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
    return new EnvelopeException(ErrorCode.CONFLICT, "bucket " + bucket + " is not empty: delete its objects first");
  }

  private static void checkId(String id, String what) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a " + what + " is 1 to " + Items.MAX_ID_BYTES
          + " bytes of UTF-8");
    }
  }

  private static void checkTenant(String tenant) throws EnvelopeException {
    if (!Tenants.isValid(tenant)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "not a tenant name");
    }
  }
}
