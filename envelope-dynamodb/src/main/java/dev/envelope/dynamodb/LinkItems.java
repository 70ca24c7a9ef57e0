package dev.envelope.dynamodb;

import static dev.envelope.dynamodb.Items.num;
import static dev.envelope.dynamodb.Items.str;

import dev.envelope.api.EnvelopeException;
import dev.envelope.service.LinkRecord;
import dev.envelope.service.Tenants;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Share links as items {@code l#<id>}: found by a consistent GetItem (every download of a link reads it so),
 * counted by one UpdateItem conditioned on the link being unrevoked, unexpired and short of its maximum (DynamoDB
 * applies racing conditional updates of one item one after the other), and listed per file from the index
 * {@value TableSchema#TOKENS_INDEX}, where a file's links form a list of their own ({@code link#<tenant>#<file>},
 * oldest first). That listing is eventually consistent, as the index is. A count whose answer the SDK lost and
 * retried may count one download twice, or refuse it after counting it: a link may serve fewer downloads than its
 * maximum, never more.
 */
final class LinkItems {
  private final DynamoDbCalls calls;

  LinkItems(DynamoDbCalls calls) {
    this.calls = calls;
  }

  void insert(LinkRecord link) throws EnvelopeException {
    Map<String, AttributeValue> item = new HashMap<>(key(link.id()));
    item.put("id", Items.s(link.id()));
    item.put(TableSchema.TENANT, Items.s(link.tenant()));
    item.put("fileId", Items.s(link.fileId()));
    item.put(TableSchema.TOKEN_LIST, Items.s(listOf(link.tenant(), link.fileId())));
    item.put(TableSchema.TOKEN_ORDER, Items.s(Items.order(link.createdAt().toEpochMilli(), link.id())));
    item.put("secretHash", Items.b(link.secretHash()));
    item.put("createdAt", Items.n(link.createdAt().toEpochMilli()));
    item.put("expiresAt", Items.n(link.expiresAt().toEpochMilli()));
    link.maxDownloads().ifPresent(max -> item.put("maxDownloads", Items.n(max)));
    item.put("downloads", Items.n(link.downloads()));
    link.revokedAt().ifPresent(at -> item.put("revokedAt", Items.n(at.toEpochMilli())));
    calls.putNew(item, "a link with id " + link.id() + " already exists", "store a link");
  }

  Optional<LinkRecord> find(String id) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> item = calls.getItem(key(id), "look up a link");
    return item == null ? Optional.empty() : Optional.of(Items.parse(() -> record(item), "link"));
  }

  List<LinkRecord> list(String tenant, String fileId) throws EnvelopeException {
    if (!Tenants.isValid(tenant) || !Items.isValidId(fileId)) {
      return List.of();
    }
    List<LinkRecord> links = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.TOKENS_INDEX)
          .keyConditionExpression("#l = :file").expressionAttributeNames(Map.of("#l", TableSchema.TOKEN_LIST))
          .expressionAttributeValues(Map.of(":file", Items.s(listOf(tenant, fileId)))).exclusiveStartKey(start)
          .build();
      QueryResponse response = calls.call("list links", () -> calls.client().query(request));
      for (Map<String, AttributeValue> item : response.items()) {
        LinkRecord link = Items.parse(() -> record(item), "link");
        if (link.tenant().equals(tenant) && link.fileId().equals(fileId)) {
          links.add(link);
        }
      }
      start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? response.lastEvaluatedKey() : null;
    } while (start != null);
    links.sort(Comparator.comparing(LinkRecord::createdAt).thenComparing(LinkRecord::id));
    return links;
  }

  boolean revoke(String id, Instant at) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      return false;
    }
    return update(id, "attribute_exists(#pk)", "SET #r = if_not_exists(#r, :at)",
        Map.of("#pk", TableSchema.PK, "#r", "revokedAt"), Map.of(":at", Items.n(at.toEpochMilli())), "revoke a link");
  }

  boolean countDownload(String id, Instant now) throws EnvelopeException {
    if (!Items.isValidId(id)) {
      return false;
    }
    return update(id, "attribute_exists(#pk) AND attribute_not_exists(#r) AND #e > :now"
            + " AND (attribute_not_exists(#m) OR #d < #m)", "SET #d = #d + :one",
        Map.of("#pk", TableSchema.PK, "#r", "revokedAt", "#e", "expiresAt", "#m", "maxDownloads", "#d", "downloads"),
        Map.of(":now", Items.n(now.toEpochMilli()), ":one", Items.n(1)), "count a link's download");
  }

  int deleteOf(String tenant, String fileId) throws EnvelopeException {
    int deleted = 0;
    for (LinkRecord link : list(tenant, fileId)) {
      try {
        calls.client().deleteItem(b -> b.tableName(calls.table()).key(key(link.id()))
            .conditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TableSchema.TENANT))
            .expressionAttributeValues(Map.of(":t", Items.s(tenant))));
        deleted++;
      } catch (ConditionalCheckFailedException e) {
        // gone already
      } catch (SdkException e) {
        throw calls.failure("delete a link", e);
      }
    }
    return deleted;
  }

  private boolean update(String id, String condition, String update, Map<String, String> names,
      Map<String, AttributeValue> values, String what) throws EnvelopeException {
    return calls.updateIf(key(id), condition, update, names, values, what);
  }

  private static Map<String, AttributeValue> key(String id) {
    return Map.of(TableSchema.PK, Items.s(Items.LINK_PREFIX + id));
  }

  /** The list of a file's links in the index: tenants have no '#', so no two files share one. */
  private static String listOf(String tenant, String fileId) {
    return "link#" + tenant + "#" + fileId;
  }

  private static LinkRecord record(Map<String, AttributeValue> item) {
    OptionalLong max = item.containsKey("maxDownloads") ? OptionalLong.of(num(item, "maxDownloads"))
        : OptionalLong.empty();
    return new LinkRecord(str(item, "id"), str(item, TableSchema.TENANT), str(item, "fileId"),
        item.get("secretHash").b().asByteArray(), Instant.ofEpochMilli(num(item, "createdAt")),
        Instant.ofEpochMilli(num(item, "expiresAt")), max, num(item, "downloads"),
        Items.optionalTime(item, "revokedAt"));
  }
}
