package dev.envelope.dynamodb;

import static dev.envelope.dynamodb.TableSchema.FILE_ORDER;
import static dev.envelope.dynamodb.TableSchema.PK;
import static dev.envelope.dynamodb.TableSchema.TENANT;
import static dev.envelope.dynamodb.TableSchema.TOKEN_LIST;
import static dev.envelope.dynamodb.TableSchema.TOKEN_ORDER;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FileRecord;
import dev.envelope.service.Role;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * File rows, tokens and tenant records as DynamoDB items, and back. A file's partition key is {@code f#<id>}, a
 * token's {@code t#<id>}, a tenant's {@code n#<name>}: the three never collide. Numbers are DynamoDB numbers,
 * the wrapped key and the secret hash binary attributes, a tenant's {@code ownKey} a boolean. The order keys of
 * the indexes are {@code <16 hex digits of createdAt millis with the sign bit flipped><id>}: as strings they
 * sort like {@code (createdAt, id)}, negative times included. Tenant items share the index of tokens under a
 * list of their own ({@value TableSchema#TOKEN_LIST} {@code = "tenants"}), ordered by name.
 */
final class Items {
  /** The longest id of a file or token, in UTF-8 bytes: keeps every key far below DynamoDB's limits. */
  static final int MAX_ID_BYTES = 512;
  /** The {@value TableSchema#TOKEN_LIST} of token items. */
  static final String TOKENS = "all";
  /** The {@value TableSchema#TOKEN_LIST} of tenant items. */
  static final String TENANTS = "tenants";
  /** The partition keys of file items start so. */
  static final String FILE_PREFIX = "f#";
  private static final String TOKEN_PREFIX = "t#";
  private static final String TENANT_PREFIX = "n#";
  /** The partition keys of share-link items start so. */
  static final String LINK_PREFIX = "l#";
  /** A token's last use, epoch milliseconds (absent: never). */
  static final String LAST_USED = "lastUsedAt";
  /** A file's plaintext digest; absent on rows stored before Envelope recorded it. */
  static final String SHA256 = "sha256";
  /** A tenant's quota in bytes; absent when it has none. */
  static final String QUOTA = "quotaBytes";

  private Items() {}

  static boolean isValidId(String id) {
    return id != null && !id.isEmpty() && id.getBytes(StandardCharsets.UTF_8).length <= MAX_ID_BYTES;
  }

  static Map<String, AttributeValue> fileKey(String id) {
    return Map.of(PK, s(FILE_PREFIX + id));
  }

  static Map<String, AttributeValue> tokenKey(String id) {
    return Map.of(PK, s(TOKEN_PREFIX + id));
  }

  static Map<String, AttributeValue> tenantKey(String name) {
    return Map.of(PK, s(TENANT_PREFIX + name));
  }

  /**
   * Whether a scan may start after the item with this partition key: the key of a file, token, tenant, link, S3
   * credential, bucket, object, file-pointer, upload or part item
   * (a page of a scan can end on any of them), whether or not the item is still there.
   */
  static boolean isScanPosition(String pk) {
    if (pk.length() <= 2) {
      return false;
    }
    String prefix = pk.substring(0, 2);
    if (prefix.equals(BucketItems.OBJECT_PREFIX) || prefix.equals(BucketItems.FILE_POINTER_PREFIX)) {
      // <bucket>#<key> or <tenant>#<file id>: longer than an id may be
      int bytes = pk.getBytes(StandardCharsets.UTF_8).length;
      return pk.indexOf('#', 2) > 2 && bytes <= 2 + MAX_ID_BYTES + 1 + BucketItems.MAX_KEY_BYTES;
    }
    return List.of(FILE_PREFIX, TOKEN_PREFIX, TENANT_PREFIX, LINK_PREFIX, BucketItems.CREDENTIAL_PREFIX,
        BucketItems.BUCKET_PREFIX, BucketItems.UPLOAD_PREFIX, BucketItems.PART_PREFIX).contains(prefix)
        && isValidId(pk.substring(2));
  }

  static String order(long createdAtMillis, String id) {
    return String.format(Locale.ROOT, "%016x", createdAtMillis ^ Long.MIN_VALUE) + id;
  }

  /** Where a listing resumes after the file {@code (createdAtMillis, id)} of {@code tenant}. */
  static Map<String, AttributeValue> fileIndexPosition(String tenant, long createdAtMillis, String id) {
    return Map.of(PK, s(FILE_PREFIX + id), TENANT, s(tenant), FILE_ORDER, s(order(createdAtMillis, id)));
  }

  static Map<String, AttributeValue> fileItem(FileRecord f) {
    Map<String, AttributeValue> item = new HashMap<>(fileKey(f.id()));
    long created = f.createdAt().toEpochMilli();
    item.put("id", s(f.id()));
    item.put(TENANT, s(f.tenant()));
    item.put(FILE_ORDER, s(order(created, f.id())));
    item.put("name", s(f.name()));
    item.put("contentType", s(f.contentType()));
    item.put("size", n(f.size()));
    item.put("createdAt", n(created));
    item.put("keyService", s(f.keyService()));
    item.put("rootKeyId", s(f.wrappedKey().rootKeyId()));
    item.put("rootKeyVersion", n(f.wrappedKey().rootKeyVersion()));
    item.put("wrappedKey", b(f.wrappedKey().ciphertext()));
    item.put("formatVersion", n(f.formatVersion()));
    item.put("segmentSize", n(f.segmentSize()));
    if (f.sha256() != null) {
      item.put(SHA256, s(f.sha256()));
    }
    return item;
  }

  /** @throws IllegalArgumentException or NullPointerException if the item is not a whole file row */
  static FileRecord fileRecord(Map<String, AttributeValue> item) {
    return new FileRecord(str(item, "id"), str(item, TENANT), str(item, "name"), str(item, "contentType"),
        num(item, "size"), Instant.ofEpochMilli(num(item, "createdAt")), str(item, "keyService"),
        WrappedKey.of(str(item, "rootKeyId"), Math.toIntExact(num(item, "rootKeyVersion")),
            item.get("wrappedKey").b().asByteArray()),
        Math.toIntExact(num(item, "formatVersion")), Math.toIntExact(num(item, "segmentSize")),
        item.containsKey(SHA256) ? str(item, SHA256) : null);
  }

  static Map<String, AttributeValue> tokenItem(TokenRecord t) {
    Map<String, AttributeValue> item = new HashMap<>(tokenKey(t.id()));
    long created = t.createdAt().toEpochMilli();
    item.put("id", s(t.id()));
    item.put(TENANT, s(t.tenant()));
    item.put(TOKEN_LIST, s(TOKENS));
    item.put(TOKEN_ORDER, s(order(created, t.id())));
    item.put("role", s(t.role().id()));
    item.put("name", s(t.name()));
    item.put("secretHash", AttributeValue.fromB(SdkBytes.fromByteArray(t.secretHash())));
    item.put("createdAt", n(created));
    t.revokedAt().ifPresent(at -> item.put("revokedAt", n(at.toEpochMilli())));
    t.expiresAt().ifPresent(at -> item.put("expiresAt", n(at.toEpochMilli())));
    t.lastUsedAt().ifPresent(at -> item.put(LAST_USED, n(at.toEpochMilli())));
    return item;
  }

  /** @throws IllegalArgumentException or NullPointerException if the item is not a whole token */
  static TokenRecord tokenRecord(Map<String, AttributeValue> item) {
    return new TokenRecord(str(item, "id"), str(item, TENANT), Role.parse(str(item, "role")), str(item, "name"),
        item.get("secretHash").b().asByteArray(), Instant.ofEpochMilli(num(item, "createdAt")),
        optionalTime(item, "revokedAt"), optionalTime(item, "expiresAt"), optionalTime(item, LAST_USED));
  }

  static Optional<Instant> optionalTime(Map<String, AttributeValue> item, String name) {
    return item.containsKey(name) ? Optional.of(Instant.ofEpochMilli(num(item, name))) : Optional.empty();
  }

  /**
   * A tenant record as an item: its attributes are the record's fields, times in epoch milliseconds.
   *
   * @throws ArithmeticException if a time is too far from the epoch for milliseconds in a long
   */
  static Map<String, AttributeValue> tenantItem(TenantRecord t) {
    Map<String, AttributeValue> item = new HashMap<>(tenantKey(t.name()));
    item.put("name", s(t.name()));
    item.put(TOKEN_LIST, s(TENANTS));
    item.put(TOKEN_ORDER, s(t.name()));
    item.putAll(tenantFields(t));
    if (t.quotaBytes() != null) {
      item.put(QUOTA, n(t.quotaBytes())); // not among the compared fields: any change to it moves updatedAt
    }
    return item;
  }

  /** The attributes of a tenant item that a conditional replace compares, by attribute name. */
  static Map<String, AttributeValue> tenantFields(TenantRecord t) {
    return Map.of("rootKey", s(t.rootKey()), "keyService", s(t.keyService()),
        "ownKey", AttributeValue.fromBool(t.ownKey()), "state", s(t.state().id()),
        "createdAt", n(t.createdAt().toEpochMilli()), "updatedAt", n(t.updatedAt().toEpochMilli()));
  }

  /** @throws IllegalArgumentException or NullPointerException if the item is not a whole tenant record */
  static TenantRecord tenantRecord(Map<String, AttributeValue> item) {
    Boolean ownKey = item.get("ownKey").bool();
    if (ownKey == null) {
      throw new IllegalArgumentException("ownKey is not a boolean");
    }
    return new TenantRecord(str(item, "name"), str(item, "rootKey"), str(item, "keyService"), ownKey,
        TenantRecord.State.parse(str(item, "state")), Instant.ofEpochMilli(num(item, "createdAt")),
        Instant.ofEpochMilli(num(item, "updatedAt")), item.containsKey(QUOTA) ? num(item, QUOTA) : null);
  }

  /** Reads an item with {@code parse}; an item that does not parse is {@link ErrorCode#INTERNAL}. */
  static <T> T parse(Supplier<T> parse, String what) throws EnvelopeException {
    try {
      return parse.get();
    } catch (RuntimeException e) {
      throw new EnvelopeException(ErrorCode.INTERNAL, "a " + what + " in the DynamoDB table is damaged", e);
    }
  }

  static AttributeValue b(byte[] value) {
    return AttributeValue.fromB(SdkBytes.fromByteArray(value));
  }

  static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  static String str(Map<String, AttributeValue> item, String name) {
    String value = item.get(name).s();
    if (value == null) {
      throw new IllegalArgumentException(name + " is not a string");
    }
    return value;
  }

  static long num(Map<String, AttributeValue> item, String name) {
    return Long.parseLong(item.get(name).n());
  }
}
