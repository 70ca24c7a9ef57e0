package dev.envelope.dynamodb;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * The shape of Envelope's table: one string partition key {@value #PK} and no sort key, so every item (a file
 * row, a token) is its own partition and is read by one consistent GetItem; and two sparse global secondary
 * indexes, each projecting every attribute:
 * <ul>
 *   <li>{@value #FILES_INDEX}: partition {@value #TENANT}, sort {@value #FILE_ORDER} (only file items have
 *       it): a tenant's files, read backwards for newest first.
 *   <li>{@value #TOKENS_INDEX}: partition {@value #TOKEN_LIST} (one constant value), sort
 *       {@value #TOKEN_ORDER} (only token items have them): every token, oldest first. One partition, but
 *       written only when a token is made and read only by admin listings and at start-up. Tenant records use
 *       the same two attributes with another constant ({@link Items#TENANTS}) and their name: a list of their
 *       own in the same index, by name, with no change to the table.
 * </ul>
 */
final class TableSchema {
  static final String PK = "pk";
  static final String TENANT = "tenant";
  static final String FILE_ORDER = "fileOrder";
  static final String TOKEN_LIST = "tokenList";
  static final String TOKEN_ORDER = "tokenOrder";
  static final String FILES_INDEX = "files-newest-first";
  static final String TOKENS_INDEX = "tokens-oldest-first";

  private static final Map<String, List<KeySchemaElement>> INDEXES = Map.of(
      FILES_INDEX, List.of(hash(TENANT), range(FILE_ORDER)),
      TOKENS_INDEX, List.of(hash(TOKEN_LIST), range(TOKEN_ORDER)));

  private TableSchema() {}

  static CreateTableRequest createRequest(String table) {
    List<AttributeDefinition> attributes = new ArrayList<>();
    for (String name : List.of(PK, TENANT, FILE_ORDER, TOKEN_LIST, TOKEN_ORDER)) {
      attributes.add(AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build());
    }
    List<GlobalSecondaryIndex> indexes = INDEXES.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> GlobalSecondaryIndex.builder().indexName(e.getKey()).keySchema(e.getValue())
            .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build())
        .toList();
    return CreateTableRequest.builder().tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(attributes).keySchema(hash(PK)).globalSecondaryIndexes(indexes).build();
  }

  /** What is wrong with the table for Envelope, or null if it has the expected keys and indexes. */
  static String mismatch(TableDescription table) {
    if (!List.of(hash(PK)).equals(table.keySchema())) {
      return "its primary key must be the string " + PK + " alone, and is " + describe(table.keySchema());
    }
    Map<String, String> types = table.attributeDefinitions().stream()
        .collect(Collectors.toMap(AttributeDefinition::attributeName, AttributeDefinition::attributeTypeAsString));
    for (Map.Entry<String, List<KeySchemaElement>> expected : INDEXES.entrySet()) {
      GlobalSecondaryIndexDescription found = table.globalSecondaryIndexes().stream()
          .filter(i -> expected.getKey().equals(i.indexName())).findFirst().orElse(null);
      if (found == null) {
        return "it has no global secondary index " + expected.getKey();
      }
      if (!expected.getValue().equals(found.keySchema())
          || found.projection() == null || found.projection().projectionType() != ProjectionType.ALL) {
        return "its index " + expected.getKey() + " must be keyed " + describe(expected.getValue())
            + " and project all attributes";
      }
    }
    for (String name : List.of(PK, TENANT, FILE_ORDER, TOKEN_LIST, TOKEN_ORDER)) {
      if (!"S".equals(types.get(name))) {
        return "its key attribute " + name + " must be a string";
      }
    }
    return null;
  }

  private static String describe(List<KeySchemaElement> keys) {
    return keys.stream().map(k -> k.attributeName() + " (" + k.keyTypeAsString() + ")")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static KeySchemaElement hash(String name) {
    return KeySchemaElement.builder().attributeName(name).keyType(KeyType.HASH).build();
  }

  private static KeySchemaElement range(String name) {
    return KeySchemaElement.builder().attributeName(name).keyType(KeyType.RANGE).build();
  }
}
