package dev.envelope.dynamodb;

import static dev.envelope.dynamodb.TableSchema.FILE_ORDER;
import static dev.envelope.dynamodb.TableSchema.PK;
import static dev.envelope.dynamodb.TableSchema.TENANT;
import static dev.envelope.dynamodb.TableSchema.TOKEN_LIST;
import static dev.envelope.dynamodb.TableSchema.TOKEN_ORDER;

import dev.envelope.core.WrappedKey;
import dev.envelope.service.FileRecord;
import dev.envelope.service.Role;
import dev.envelope.service.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * File rows and tokens as DynamoDB items, and back. A file's partition key is {@code f#<id>}, a token's
 * {@code t#<id>}: the two never collide. Numbers are DynamoDB numbers, the wrapped key and the secret hash
 * binary attributes. The order keys of the indexes are {@code <16 hex digits of createdAt millis with the
 * sign bit flipped><id>}: as strings they sort like {@code (createdAt, id)}, negative times included.
 */
final class Items {
  /** The longest id of a file or token, in UTF-8 bytes: keeps every key far below DynamoDB's limits. */
  static final int MAX_ID_BYTES = 512;

  private Items() {}

  static boolean isValidId(String id) {
    return id != null && !id.isEmpty() && id.getBytes(StandardCharsets.UTF_8).length <= MAX_ID_BYTES;
  }

  static Map<String, AttributeValue> fileKey(String id) {
    return Map.of(PK, s("f#" + id));
  }

  static Map<String, AttributeValue> tokenKey(String id) {
    return Map.of(PK, s("t#" + id));
  }

  static String order(long createdAtMillis, String id) {
    return String.format(Locale.ROOT, "%016x", createdAtMillis ^ Long.MIN_VALUE) + id;
  }

  /** Where a listing resumes after the file {@code (createdAtMillis, id)} of {@code tenant}. */
  static Map<String, AttributeValue> fileIndexPosition(String tenant, long createdAtMillis, String id) {
    return Map.of(PK, s("f#" + id), TENANT, s(tenant), FILE_ORDER, s(order(createdAtMillis, id)));
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
    item.put("wrappedKey", AttributeValue.fromB(SdkBytes.fromByteArray(f.wrappedKey().ciphertext())));
    item.put("formatVersion", n(f.formatVersion()));
    item.put("segmentSize", n(f.segmentSize()));
    return item;
  }

  /** @throws IllegalArgumentException or NullPointerException if the item is not a whole file row */
  static FileRecord fileRecord(Map<String, AttributeValue> item) {
    return new FileRecord(str(item, "id"), str(item, TENANT), str(item, "name"), str(item, "contentType"),
        num(item, "size"), Instant.ofEpochMilli(num(item, "createdAt")), str(item, "keyService"),
        WrappedKey.of(str(item, "rootKeyId"), Math.toIntExact(num(item, "rootKeyVersion")),
            item.get("wrappedKey").b().asByteArray()),
        Math.toIntExact(num(item, "formatVersion")), Math.toIntExact(num(item, "segmentSize")));
  }

  static Map<String, AttributeValue> tokenItem(TokenRecord t) {
    Map<String, AttributeValue> item = new HashMap<>(tokenKey(t.id()));
    long created = t.createdAt().toEpochMilli();
    item.put("id", s(t.id()));
    item.put(TENANT, s(t.tenant()));
    item.put(TOKEN_LIST, s("all"));
    item.put(TOKEN_ORDER, s(order(created, t.id())));
    item.put("role", s(t.role().id()));
    item.put("name", s(t.name()));
    item.put("secretHash", AttributeValue.fromB(SdkBytes.fromByteArray(t.secretHash())));
    item.put("createdAt", n(created));
    t.revokedAt().ifPresent(at -> item.put("revokedAt", n(at.toEpochMilli())));
    return item;
  }

  /** @throws IllegalArgumentException or NullPointerException if the item is not a whole token */
  static TokenRecord tokenRecord(Map<String, AttributeValue> item) {
    Optional<Instant> revoked = item.containsKey("revokedAt")
        ? Optional.of(Instant.ofEpochMilli(num(item, "revokedAt"))) : Optional.empty();
    return new TokenRecord(str(item, "id"), str(item, TENANT), Role.parse(str(item, "role")), str(item, "name"),
        item.get("secretHash").b().asByteArray(), Instant.ofEpochMilli(num(item, "createdAt")), revoked);
  }

  static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  private static String str(Map<String, AttributeValue> item, String name) {
    String value = item.get(name).s();
    if (value == null) {
      throw new IllegalArgumentException(name + " is not a string");
    }
    return value;
  }

  private static long num(Map<String, AttributeValue> item, String name) {
    return Long.parseLong(item.get(name).n());
  }
}
