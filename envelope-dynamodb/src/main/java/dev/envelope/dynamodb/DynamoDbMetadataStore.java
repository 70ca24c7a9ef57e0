package dev.envelope.dynamodb;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.BucketRecord;
import dev.envelope.service.BucketStore;
import dev.envelope.service.FileNames;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.LinkRecord;
import dev.envelope.service.LinkStore;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.ObjectRecord;
import dev.envelope.service.PageCursor;
import dev.envelope.service.PartRecord;
import dev.envelope.service.S3CredentialRecord;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TenantStore;
import dev.envelope.service.Tenants;
import dev.envelope.service.TokenRecord;
import dev.envelope.service.TokenStore;
import dev.envelope.service.UploadRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * File rows, tokens, tenant records and share links in one DynamoDB table, shared by every node of a cluster. The table is
 * made once by {@link #createTable} ({@code envelope admin init-dynamodb}); {@link #open} only checks that it is
 * there and has the right shape ({@link TableSchema}), and never creates or changes it.
 *
 * <h2>How it maps the seams</h2>
 * <ul>
 *   <li>One item per file, partition key {@code f#<id>}: {@link #get} and {@link #exists} are one strongly
 *       consistent GetItem; {@link #get} compares the tenant, so another tenant's row answers like a missing
 *       one. {@link #insert} is one PutItem conditioned on {@code attribute_not_exists(pk)}: an id is never
 *       overwritten, and a taken id is {@link ErrorCode#ALREADY_EXISTS}. {@link #delete} is one DeleteItem
 *       conditioned on the tenant. One item per write means no transaction is ever needed.
 *   <li>{@link #list} queries the global secondary index {@code files-newest-first} backwards. Global
 *       secondary indexes are <b>eventually consistent</b>: a file just uploaded, or just deleted, may be
 *       missing from (or still in) a listing for a short time, usually well under a second on AWS (dynalite
 *       updates them at once). Reads of one file by id never have that delay. The cursor is the opaque,
 *       checked {@link PageCursor} the SQLite and PostgreSQL stores use too.
 *   <li>One item per token, partition key {@code t#<id>}: {@link #findToken}, run on every request, is one
 *       consistent GetItem on a partition of its own. {@link #listTokens} and {@link #hasTokens} query the
 *       index {@code tokens-oldest-first} (eventually consistent too: a token made a moment ago on another node
 *       may be missing from a listing; checking a token by id is not affected).
 *   <li>{@link #scan} is a strongly consistent Scan of the table, filtered to file items ({@link FileScan}):
 *       pages may be short, even empty, while more follow. It needs {@code dynamodb:Scan}.
 *   <li>{@link #replaceWrappedKey} is one UpdateItem conditioned on the row's tenant, key service, root key id,
 *       version and wrapped key: racing rewraps of one row cannot both succeed, and a deleted row fails the
 *       condition instead of coming back.
 *   <li>One item per tenant record, partition key {@code n#<name>} ({@link TenantItems}): found by a consistent
 *       GetItem, replaced by a PutItem conditioned on every field of the record it replaces, and listed from
 *       the index {@code tokens-oldest-first}, where tenant records form a list of their own (eventually
 *       consistent, like the tokens').
 *   <li>One item per share link, partition key {@code l#<id>} ({@link LinkItems}): found by a consistent GetItem,
 *       a download counted by one conditional UpdateItem, a file's links listed from the index
 *       {@code tokens-oldest-first} (eventually consistent).
 *   <li>The S3 API's credentials ({@code c#}), buckets ({@code b#}), objects ({@code o#}), objects' file pointers
 *       ({@code i#}), multipart uploads ({@code u#}) and parts ({@code p#}): {@link BucketItems}, which also says how
 *       a bucket's delete and a put into it exclude each other without a transaction.
 * </ul>
 *
 * <h2>Limits</h2>
 * Ids are 1 to {@value Items#MAX_ID_BYTES} bytes of UTF-8, names at most {@value FileNames#MAX_NAME_BYTES}
 * bytes, media types and key service names at most {@value #MAX_TEXT_BYTES}; tenants follow {@link Tenants}.
 * The largest row those allow (with a {@value dev.envelope.core.WrappedKey#MAX_CIPHERTEXT_BYTES}-byte wrapped
 * key and a 2048-character root key id) is about 17 KB of UTF-8 and binary, far under DynamoDB's 400 KB per
 * item. Inserting a row outside the limits (or a tenant record with a longer key service name) is
 * {@link ErrorCode#INVALID_ARGUMENT}; reading with an id or tenant that cannot exist finds nothing.
 *
 * <h2>Failures</h2>
 * Every call is bounded in time and retried by the SDK as {@link DynamoDbConfig} says; when that is not enough
 * it is {@link ErrorCode#UNAVAILABLE}. A conditional write that the SDK tried again after losing the answer
 * to a try DynamoDB carried out meets that try's own write and fails its condition: the item is then read back,
 * and the write counts as done when the item is as it would have left it. The store keeps no state between
 * calls besides the SDK's connection pool, so it works again as soon as DynamoDB does. Thread-safe.
 */
public final class DynamoDbMetadataStore implements MetadataStore, TokenStore, TenantStore, LinkStore, BucketStore {
  /** The longest media type and key service name, in UTF-8 bytes. */
  public static final int MAX_TEXT_BYTES = 1024;

  private final DynamoDbCalls calls;
  private final FileScan scans;
  private final TenantItems tenants;
  private final LinkItems links;
  private final BucketItems buckets;

  private DynamoDbMetadataStore(DynamoDbCalls calls) {
    this.calls = calls;
    this.scans = new FileScan(calls);
    this.tenants = new TenantItems(calls);
    this.links = new LinkItems(calls);
    this.buckets = new BucketItems(calls);
  }

  /**
   * Connects to the configured table after checking (DescribeTable) that it exists with Envelope's keys and
   * indexes. Never creates the table.
   *
   * @throws EnvelopeException {@link ErrorCode#INVALID_ARGUMENT} if the table is missing (the message says to
   *     run {@code envelope admin init-dynamodb}) or has another shape, or no region is configured;
   *     {@link ErrorCode#UNAVAILABLE} if DynamoDB cannot be reached
   */
  public static DynamoDbMetadataStore open(DynamoDbConfig config) throws EnvelopeException {
    DynamoDbCalls calls = DynamoDbCalls.open(config);
    try {
      DynamoDbTables.check(calls);
      return new DynamoDbMetadataStore(calls);
    } catch (EnvelopeException | RuntimeException e) {
      calls.close();
      throw e;
    }
  }

  /**
   * Creates Envelope's table (on-demand capacity, both indexes) and waits until it and its indexes are
   * ACTIVE. Not idempotent, on purpose: a table that is already there is {@link ErrorCode#ALREADY_EXISTS}, and
   * the message says whether it has the shape {@link #open} expects, so an operator never mistakes someone
   * else's table for a fresh one.
   *
   * @throws EnvelopeException {@link ErrorCode#ALREADY_EXISTS}; {@link ErrorCode#UNAVAILABLE} if DynamoDB
   *     cannot be reached or the table does not become active in time
   */
  public static void createTable(DynamoDbConfig config) throws EnvelopeException {
    try (DynamoDbCalls calls = DynamoDbCalls.open(config)) {
      DynamoDbTables.create(calls);
    }
  }

  @Override
  public void insert(FileRecord file) throws EnvelopeException {
    checkId(file.id(), "file");
    checkTenant(file.tenant());
    checkText(file.name(), FileNames.MAX_NAME_BYTES, "a file name");
    checkText(file.contentType(), MAX_TEXT_BYTES, "a content type");
    checkText(file.keyService(), MAX_TEXT_BYTES, "a key service name");
    Map<String, AttributeValue> item = Items.fileItem(file);
    calls.putNew(item, "a file with id " + file.id() + " already exists", "store a file row");
  }

  @Override
  public Optional<FileRecord> get(String tenant, String id) throws EnvelopeException {
    if (!Items.isValidId(id) || !Tenants.isValid(tenant)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> item = calls.getItem(Items.fileKey(id), "read a file row");
    if (item == null || !item.containsKey(TableSchema.TENANT) || !tenant.equals(item.get(TableSchema.TENANT).s())) {
      return Optional.empty();
    }
    return Optional.of(Items.parse(() -> Items.fileRecord(item), "file row"));
  }

  @Override
  public FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "limit must be between 1 and " + MAX_PAGE);
    }
    if (tenant == null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a listing needs a tenant");
    }
    PageCursor after = cursor == null ? null : PageCursor.decode(tenant, cursor);
    if (after != null && !Items.isValidId(after.id())) {
      // A checked cursor whose id no file can have: forged with a valid check. Refused like any other.
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "the cursor is not one this server made for your listing: start again without a cursor");
    }
    if (!Tenants.isValid(tenant)) {
      return new FilePage(List.of(), Optional.empty());
    }
    Map<String, AttributeValue> start = after == null ? null
        : Items.fileIndexPosition(tenant, after.createdAtMillis(), after.id());
    // One more than asked says whether there is a next page. A query page stops at 1 MB, so loop.
    List<FileRecord> rows = new ArrayList<>();
    do {
      QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.FILES_INDEX)
          .keyConditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TableSchema.TENANT))
          .expressionAttributeValues(Map.of(":t", Items.s(tenant))).scanIndexForward(false)
          .limit(limit + 1 - rows.size()).exclusiveStartKey(start).build();
      QueryResponse response = calls.call("list files", () -> calls.client().query(request));
      for (Map<String, AttributeValue> item : response.items()) {
        rows.add(Items.parse(() -> Items.fileRecord(item), "file row"));
      }
      start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? response.lastEvaluatedKey() : null;
    } while (rows.size() <= limit && start != null);
    if (rows.size() <= limit) {
      return new FilePage(rows, Optional.empty());
    }
    FileRecord last = rows.get(limit - 1);
    String next = new PageCursor(last.createdAt().toEpochMilli(), last.id()).encode(tenant);
    return new FilePage(rows.subList(0, limit), Optional.of(next));
  }

  @Override
  public boolean delete(String tenant, String id) throws EnvelopeException {
    if (!Items.isValidId(id) || !Tenants.isValid(tenant)) {
      return false;
    }
    try {
      calls.client().deleteItem(b -> b.tableName(calls.table()).key(Items.fileKey(id))
          .conditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TableSchema.TENANT))
          .expressionAttributeValues(Map.of(":t", Items.s(tenant))));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false; // no such row, or another tenant's
    } catch (SdkException e) {
      throw calls.failure("delete a file row", e);
    }
  }

  @Override
  public FilePage scan(String tenant, String cursor, int limit) throws EnvelopeException {
    return scans.page(tenant, cursor, limit);
  }

  @Override
  public boolean replaceWrappedKey(FileRecord expected, String keyService, WrappedKey replacement)
      throws EnvelopeException {
    checkText(keyService, MAX_TEXT_BYTES, "a key service name");
    if (!Items.isValidId(expected.id()) || !Tenants.isValid(expected.tenant())) {
      return false; // no row has such an id or tenant
    }
    WrappedKey was = expected.wrappedKey();
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":t", Items.s(expected.tenant()));
    values.put(":oldService", Items.s(expected.keyService()));
    values.put(":oldRoot", Items.s(was.rootKeyId()));
    values.put(":oldVersion", Items.n(was.rootKeyVersion()));
    values.put(":oldKey", Items.b(was.ciphertext()));
    values.put(":service", Items.s(keyService));
    values.put(":root", Items.s(replacement.rootKeyId()));
    values.put(":version", Items.n(replacement.rootKeyVersion()));
    values.put(":key", Items.b(replacement.ciphertext()));
    try {
      // Equality on a missing attribute is false: a deleted row fails the condition and is not brought back.
      calls.client().updateItem(b -> b.tableName(calls.table()).key(Items.fileKey(expected.id()))
          .conditionExpression("#t = :t AND #ks = :oldService AND #rk = :oldRoot AND #rv = :oldVersion"
              + " AND #wk = :oldKey")
          .updateExpression("SET #ks = :service, #rk = :root, #rv = :version, #wk = :key")
          .expressionAttributeNames(Map.of("#t", TableSchema.TENANT, "#ks", "keyService", "#rk", "rootKeyId",
              "#rv", "rootKeyVersion", "#wk", "wrappedKey"))
          .expressionAttributeValues(values));
      return true;
    } catch (ConditionalCheckFailedException e) {
      // The SDK's retry after a lost answer meets its own attempt's write: the row then has our new key.
      if (DynamoDbCalls.isRetry(e)) {
        Optional<FileRecord> now = get(expected.tenant(), expected.id());
        return now.isPresent() && now.get().keyService().equals(keyService)
            && now.get().wrappedKey().equals(replacement);
      }
      return false;
    } catch (SdkException e) {
      throw calls.failure("rewrap a file row", e);
    }
  }

  @Override
  public Optional<FileRecord> rename(String tenant, String id, String name, String contentType)
      throws EnvelopeException {
    checkText(name, FileNames.MAX_NAME_BYTES, "a file name");
    checkText(contentType, MAX_TEXT_BYTES, "a content type");
    if (!Items.isValidId(id) || !Tenants.isValid(tenant)) {
      return Optional.empty();
    }
    try {
      // Conditional on the tenant: a missing row fails the condition, so a rename never makes one.
      Map<String, AttributeValue> now = calls.client().updateItem(b -> b.tableName(calls.table())
          .key(Items.fileKey(id)).conditionExpression("#t = :t").updateExpression("SET #n = :n, #c = :c")
          .expressionAttributeNames(Map.of("#t", TableSchema.TENANT, "#n", "name", "#c", "contentType"))
          .expressionAttributeValues(Map.of(":t", Items.s(tenant), ":n", Items.s(name), ":c", Items.s(contentType)))
          .returnValues(software.amazon.awssdk.services.dynamodb.model.ReturnValue.ALL_NEW)).attributes();
      return Optional.of(Items.parse(() -> Items.fileRecord(now), "file row"));
    } catch (ConditionalCheckFailedException e) {
      return DynamoDbCalls.isRetry(e) ? get(tenant, id) : Optional.empty();
    } catch (SdkException e) {
      throw calls.failure("rename a file row", e);
    }
  }

  /** Reads the sizes of every file of the tenant through the tenant's index: one read unit per 4 KB of index. */
  @Override
  public Usage usage(String tenant) throws EnvelopeException {
    if (!Tenants.isValid(tenant)) {
      return new Usage(0, 0);
    }
    long files = 0;
    long bytes = 0;
    Map<String, AttributeValue> start = null;
    do {
      QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.FILES_INDEX)
          .keyConditionExpression("#t = :t").projectionExpression("#s")
          .expressionAttributeNames(Map.of("#t", TableSchema.TENANT, "#s", "size"))
          .expressionAttributeValues(Map.of(":t", Items.s(tenant))).exclusiveStartKey(start).build();
      QueryResponse response = calls.call("sum a tenant's files", () -> calls.client().query(request));
      for (Map<String, AttributeValue> item : response.items()) {
        files++;
        bytes += Items.parse(() -> Long.parseLong(item.get("size").n()), "file row");
      }
      start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? response.lastEvaluatedKey() : null;
    } while (start != null);
    return new Usage(files, bytes);
  }

  @Override
  public boolean exists(String id) throws EnvelopeException {
    return Items.isValidId(id) && calls.getItem(Items.fileKey(id), "look up a file row") != null;
  }

  @Override
  public void checkReady() throws EnvelopeException {
    // A data-plane read, not DescribeTable: cheap, and not subject to the control plane's low rate limits.
    calls.getItem(Map.of(TableSchema.PK, Items.s("ready#")), "check the metadata table");
  }

  @Override
  public void insertToken(TokenRecord token) throws EnvelopeException {
    checkId(token.id(), "token");
    checkTenant(token.tenant());
    checkText(token.name(), MAX_TEXT_BYTES, "a token name");
    calls.putNew(Items.tokenItem(token), "a token with id " + token.id() + " already exists", "store a token");
  }

  @Override
  public Optional<TokenRecord> findToken(String id) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> item = calls.getItem(Items.tokenKey(id), "look up a token");
    return item == null ? Optional.empty() : Optional.of(Items.parse(() -> Items.tokenRecord(item), "token"));
  }

  @Override
  public List<TokenRecord> listTokens(String tenant) throws EnvelopeException {
    List<TokenRecord> tokens = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      QueryResponse response = queryTokens(start, null);
      for (Map<String, AttributeValue> item : response.items()) {
        TokenRecord token = Items.parse(() -> Items.tokenRecord(item), "token");
        if (tenant == null || tenant.equals(token.tenant())) {
          tokens.add(token);
        }
      }
      start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? response.lastEvaluatedKey() : null;
    } while (start != null);
    // The index already sorts so; sorting again keeps the contract's order exact whatever its collation.
    tokens.sort(Comparator.comparing(TokenRecord::createdAt).thenComparing(TokenRecord::id));
    return tokens;
  }

  @Override
  public boolean revokeToken(String id, Instant at) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      return false;
    }
    try {
      calls.client().updateItem(b -> b.tableName(calls.table()).key(Items.tokenKey(id))
          .conditionExpression("attribute_exists(#pk)")
          .updateExpression("SET #r = if_not_exists(#r, :at)")
          .expressionAttributeNames(Map.of("#pk", TableSchema.PK, "#r", "revokedAt"))
          .expressionAttributeValues(Map.of(":at", Items.n(at.toEpochMilli()))));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    } catch (SdkException e) {
      throw calls.failure("revoke a token", e);
    }
  }

  @Override
  public void recordTokenUse(String id, Instant at) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      return;
    }
    try {
      // One attribute of an existing item, never moved back: a use recorded out of order changes nothing.
      calls.client().updateItem(b -> b.tableName(calls.table()).key(Items.tokenKey(id))
          .conditionExpression("attribute_exists(#pk) AND (attribute_not_exists(#u) OR #u < :at)")
          .updateExpression("SET #u = :at")
          .expressionAttributeNames(Map.of("#pk", TableSchema.PK, "#u", Items.LAST_USED))
          .expressionAttributeValues(Map.of(":at", Items.n(at.toEpochMilli()))));
    } catch (ConditionalCheckFailedException e) {
      // no such token, or a later use is recorded already
    } catch (SdkException e) {
      throw calls.failure("record a token's use", e);
    }
  }

  @Override
  public boolean hasTokens() throws EnvelopeException {
    return queryTokens(null, 1).count() > 0;
  }

  @Override
  public void insertTenant(TenantRecord tenant) throws EnvelopeException {
    tenants.insert(tenant);
  }

  @Override
  public Optional<TenantRecord> findTenant(String name) throws EnvelopeException {
    return tenants.find(name);
  }

  @Override
  public List<TenantRecord> listTenants() throws EnvelopeException {
    return tenants.list();
  }

  @Override
  public boolean replaceTenant(TenantRecord expected, TenantRecord updated) throws EnvelopeException {
    return tenants.replace(expected, updated);
  }

  @Override
  public void insertLink(LinkRecord link) throws EnvelopeException {
    checkId(link.id(), "link");
    checkId(link.fileId(), "file");
    checkTenant(link.tenant());
    links.insert(link);
  }

  @Override
  public Optional<LinkRecord> findLink(String id) throws EnvelopeException {
    return links.find(id);
  }

  @Override
  public List<LinkRecord> listLinks(String tenant, String fileId) throws EnvelopeException {
    return links.list(tenant, fileId);
  }

  @Override
  public boolean revokeLink(String id, Instant at) throws EnvelopeException {
    return links.revoke(id, at);
  }

  @Override
  public boolean countDownload(String id, Instant now) throws EnvelopeException {
    return links.countDownload(id, now);
  }

  @Override
  public int deleteLinks(String tenant, String fileId) throws EnvelopeException {
    return links.deleteOf(tenant, fileId);
  }

  @Override
  public void insertS3Credential(S3CredentialRecord credential) throws EnvelopeException {
    checkText(credential.name(), MAX_TEXT_BYTES, "a credential name");
    checkText(credential.keyService(), MAX_TEXT_BYTES, "a key service name");
    buckets.insertCredential(credential);
  }

  @Override
  public Optional<S3CredentialRecord> findS3Credential(String accessKeyId) throws EnvelopeException {
    return buckets.findCredential(accessKeyId);
  }

  @Override
  public List<S3CredentialRecord> listS3Credentials(String tenant) throws EnvelopeException {
    return buckets.listCredentials(tenant);
  }

  @Override
  public boolean revokeS3Credential(String accessKeyId, Instant at) throws EnvelopeException {
    return buckets.revokeCredential(accessKeyId, at);
  }

  @Override
  public void insertBucket(BucketRecord bucket) throws EnvelopeException {
    buckets.insertBucket(bucket);
  }

  @Override
  public Optional<BucketRecord> findBucket(String name) throws EnvelopeException {
    return buckets.findBucket(name);
  }

  @Override
  public List<BucketRecord> listBuckets(String tenant) throws EnvelopeException {
    return buckets.listBuckets(tenant);
  }

  @Override
  public boolean deleteBucket(String name) throws EnvelopeException {
    return buckets.deleteBucket(name);
  }

  @Override
  public Optional<ObjectRecord> findObject(String bucket, String key) throws EnvelopeException {
    return buckets.findObject(bucket, key);
  }

  @Override
  public Optional<ObjectRecord> putObject(ObjectRecord object) throws EnvelopeException {
    checkText(object.contentType(), MAX_TEXT_BYTES, "a content type");
    return buckets.putObject(object);
  }

  @Override
  public boolean deleteObject(String bucket, String key, String fileId) throws EnvelopeException {
    return buckets.deleteObject(bucket, key, fileId);
  }

  @Override
  public List<ObjectRecord> listObjects(String bucket, String prefix, String startAfter, int limit)
      throws EnvelopeException {
    return buckets.listObjects(bucket, prefix, startAfter, limit);
  }

  @Override
  public Optional<ObjectRecord> findObjectByFile(String tenant, String fileId) throws EnvelopeException {
    return buckets.findObjectByFile(tenant, fileId);
  }

  @Override
  public void insertUpload(UploadRecord upload) throws EnvelopeException {
    checkText(upload.contentType(), MAX_TEXT_BYTES, "a content type");
    checkText(upload.keyService(), MAX_TEXT_BYTES, "a key service name");
    buckets.insertUpload(upload);
  }

  @Override
  public Optional<UploadRecord> findUpload(String uploadId) throws EnvelopeException {
    return buckets.findUpload(uploadId);
  }

  @Override
  public List<UploadRecord> listUploads(String bucket, String prefix, String keyMarker, String uploadIdMarker,
      int limit) throws EnvelopeException {
    return buckets.listUploads(bucket, prefix, keyMarker, uploadIdMarker, limit);
  }

  @Override
  public List<UploadRecord> listUploadsStartedBefore(Instant before, int limit) throws EnvelopeException {
    return buckets.listUploadsStartedBefore(before, limit);
  }

  @Override
  public boolean deleteUpload(String uploadId) throws EnvelopeException {
    return buckets.deleteUpload(uploadId);
  }

  @Override
  public Optional<PartRecord> putPart(PartRecord part) throws EnvelopeException {
    return buckets.putPart(part);
  }

  @Override
  public Optional<PartRecord> findPart(String uploadId, int partNumber) throws EnvelopeException {
    return buckets.findPart(uploadId, partNumber);
  }

  @Override
  public List<PartRecord> listParts(String uploadId, int afterPartNumber, int limit) throws EnvelopeException {
    return buckets.listParts(uploadId, afterPartNumber, limit);
  }

  @Override
  public boolean deletePart(String uploadId, int partNumber, String blobId) throws EnvelopeException {
    return buckets.deletePart(uploadId, partNumber, blobId);
  }

  /** Closes the SDK client and its connections. */
  @Override
  public void close() {
    calls.close();
  }

  @Override
  public String toString() {
    return "DynamoDbMetadataStore[table=" + calls.table() + "]";
  }

  private QueryResponse queryTokens(Map<String, AttributeValue> start, Integer limit) throws EnvelopeException {
    QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.TOKENS_INDEX)
        .keyConditionExpression("#l = :all").expressionAttributeNames(Map.of("#l", TableSchema.TOKEN_LIST))
        .expressionAttributeValues(Map.of(":all", Items.s(Items.TOKENS))).scanIndexForward(true)
        .limit(limit).exclusiveStartKey(start).build();
    return calls.call("list tokens", () -> calls.client().query(request));
  }

  private static void checkId(String id, String what) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "a " + what + " id is 1 to " + Items.MAX_ID_BYTES + " bytes of UTF-8");
    }
  }

  private static void checkTenant(String tenant) throws EnvelopeException {
    if (!Tenants.isValid(tenant)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "a tenant is 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
    }
  }

  private static void checkText(String text, int maxBytes, String what) throws EnvelopeException {
    if (text.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, what + " may be at most " + maxBytes + " bytes");
    }
  }
}
