package dev.envelope.dynamodb;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.Tenants;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Tenant records as items {@code n#<name>} ({@link Items#tenantItem}): inserted by a PutItem on a free key,
 * read by a consistent GetItem, replaced by a PutItem conditioned on every field of the record it replaces (so
 * DynamoDB lets exactly one of racing replaces through), and listed from the index
 * {@value TableSchema#TOKENS_INDEX}, where they form a list of their own, by name. That listing is eventually
 * consistent, as the index is: a tenant made a moment ago on another node may be missing from it for a moment.
 */
final class TenantItems {
  private final DynamoDbCalls calls;

  TenantItems(DynamoDbCalls calls) {
    this.calls = calls;
  }

  void insert(TenantRecord tenant) throws EnvelopeException {
    calls.putNew(item(tenant), "a tenant named " + tenant.name() + " already exists", "store a tenant");
  }

  Optional<TenantRecord> find(String name) throws EnvelopeException {
    if (!Tenants.isValid(name)) {
      return Optional.empty(); // no record has such a name
    }
    Map<String, AttributeValue> item = calls.getItem(Items.tenantKey(name), "look up a tenant");
    return item == null ? Optional.empty() : Optional.of(Items.parse(() -> Items.tenantRecord(item), "tenant"));
  }

  List<TenantRecord> list() throws EnvelopeException {
    List<TenantRecord> tenants = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      QueryRequest request = QueryRequest.builder().tableName(calls.table()).indexName(TableSchema.TOKENS_INDEX)
          .keyConditionExpression("#l = :tenants").expressionAttributeNames(Map.of("#l", TableSchema.TOKEN_LIST))
          .expressionAttributeValues(Map.of(":tenants", Items.s(Items.TENANTS))).exclusiveStartKey(start).build();
      QueryResponse response = calls.call("list tenants", () -> calls.client().query(request));
      for (Map<String, AttributeValue> item : response.items()) {
        tenants.add(Items.parse(() -> Items.tenantRecord(item), "tenant"));
      }
      start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? response.lastEvaluatedKey() : null;
    } while (start != null);
    // The index already sorts so (names are ASCII); sorting again keeps the contract's order exact.
    tenants.sort(Comparator.comparing(TenantRecord::name));
    return tenants;
  }

  boolean replace(TenantRecord expected, TenantRecord updated) throws EnvelopeException {
    if (!expected.name().equals(updated.name())) {
      throw new IllegalArgumentException("a tenant cannot be renamed");
    }
    Map<String, AttributeValue> next = item(updated);
    Map<String, AttributeValue> was;
    try {
      was = Items.tenantFields(expected);
    } catch (ArithmeticException e) {
      return false; // no item holds such times
    }
    // Every field of the record, compared: an attribute that is missing (no such item) compares false.
    Map<String, String> names = new HashMap<>();
    Map<String, AttributeValue> values = new HashMap<>();
    List<String> terms = new ArrayList<>();
    for (Map.Entry<String, AttributeValue> field : new TreeMap<>(was).entrySet()) {
      String name = "#f" + terms.size();
      String value = ":f" + terms.size();
      names.put(name, field.getKey());
      values.put(value, field.getValue());
      terms.add(name + " = " + value);
    }
    try {
      calls.client().putItem(b -> b.tableName(calls.table()).item(next).conditionExpression(String.join(" AND ", terms))
          .expressionAttributeNames(names).expressionAttributeValues(values));
      return true;
    } catch (ConditionalCheckFailedException e) {
      // The SDK's retry after a lost answer meets its own attempt's write: the item is then ours, field for field.
      return DynamoDbCalls.isRetry(e) && next.equals(calls.getItem(Items.tenantKey(updated.name()), "read a tenant"));
    } catch (SdkException e) {
      throw calls.failure("replace a tenant", e);
    }
  }

  /** The record as an item; INVALID_ARGUMENT for values the table does not take. */
  private static Map<String, AttributeValue> item(TenantRecord t) throws EnvelopeException {
    if (t.keyService().getBytes(StandardCharsets.UTF_8).length > DynamoDbMetadataStore.MAX_TEXT_BYTES) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "a key service name may be at most " + DynamoDbMetadataStore.MAX_TEXT_BYTES + " bytes");
    }
    try {
      return Items.tenantItem(t);
    } catch (ArithmeticException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "a tenant's times must be within about 292 million years of 1970");
    }
  }
}
