package dev.envelope.dynamodb;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * A DynamoDB client built from a {@link DynamoDbConfig}, and the one place where SDK failures become
 * {@link EnvelopeException}s. Messages name the table, the operation and DynamoDB's error code or the
 * network failure: never credentials, never item contents. The SDK exception is the cause, for logs.
 */
final class DynamoDbCalls implements AutoCloseable {
  private static final int MAX_REASON = 300;

  private final DynamoDbClient client;
  private final SdkAutoCloseable ownedCredentials;
  private final String table;

  private DynamoDbCalls(DynamoDbClient client, SdkAutoCloseable ownedCredentials, String table) {
    this.client = client;
    this.ownedCredentials = ownedCredentials;
    this.table = table;
  }

  static DynamoDbCalls open(DynamoDbConfig config) throws EnvelopeException {
    Region region = region(config);
    AwsCredentialsProvider credentials = config.credentials();
    SdkAutoCloseable owned = null;
    if (credentials == null) {
      DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
      credentials = chain;
      owned = chain;
    }
    DynamoDbClientBuilder builder = DynamoDbClient.builder()
        .region(region)
        .credentialsProvider(credentials)
        .httpClientBuilder(ApacheHttpClient.builder()
            .connectionTimeout(config.connectTimeout())
            .socketTimeout(config.attemptTimeout())
            .connectionAcquisitionTimeout(config.attemptTimeout())
            .maxConnections(64))
        .overrideConfiguration(o -> o
            .apiCallAttemptTimeout(config.attemptTimeout())
            .apiCallTimeout(config.callTimeout())
            .retryStrategy(r -> r.maxAttempts(config.maxAttempts())));
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    try {
      return new DynamoDbCalls(builder.build(), owned, config.tableName());
    } catch (SdkException | IllegalArgumentException e) {
      if (owned != null) {
        owned.close();
      }
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "cannot set up a DynamoDB client for table " + config.tableName() + ": " + reason(e), e);
    }
  }

  private static Region region(DynamoDbConfig config) throws EnvelopeException {
    if (config.region() != null) {
      return Region.of(config.region());
    }
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "no AWS region for DynamoDB: configure one, or set AWS_REGION", e);
    }
  }

  DynamoDbClient client() {
    return client;
  }

  String table() {
    return table;
  }

  /** Runs one SDK call; its failures become {@link ErrorCode#UNAVAILABLE} (or INTERNAL for a refused request). */
  <T> T call(String what, Supplier<T> call) throws EnvelopeException {
    try {
      return call.get();
    } catch (SdkException e) {
      throw failure(what, e);
    }
  }

  /** The item with that key, read consistently, or null if there is none. */
  Map<String, AttributeValue> getItem(Map<String, AttributeValue> key, String what) throws EnvelopeException {
    var response = call(what, () -> client.getItem(b -> b.tableName(table).key(key).consistentRead(true)));
    return response.hasItem() && !response.item().isEmpty() ? response.item() : null;
  }

  /**
   * Puts a new item, one whose key is not taken; {@link ErrorCode#ALREADY_EXISTS} with {@code duplicate} if it
   * is.
   */
  void putNew(Map<String, AttributeValue> item, String duplicate, String what) throws EnvelopeException {
    try {
      client.putItem(b -> b.tableName(table).item(item)
          .conditionExpression("attribute_not_exists(#pk)").expressionAttributeNames(Map.of("#pk", TableSchema.PK)));
    } catch (ConditionalCheckFailedException e) {
      // A retry (the SDK's) after an attempt whose answer was lost meets the row that attempt wrote: if the
      // item there is ours field for field, the put succeeded. Answering "taken" would make the file service
      // delete the blob of a row that is in the table.
      if (isRetry(e) && item.equals(getItem(Map.of(TableSchema.PK, item.get(TableSchema.PK)), what))) {
        return;
      }
      throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, duplicate, e);
    } catch (SdkException e) {
      throw failure(what, e);
    }
  }

  /** One conditional UpdateItem; false if the condition failed (a missing item fails any condition on it). */
  boolean updateIf(Map<String, AttributeValue> key, String condition, String update, Map<String, String> names,
      Map<String, AttributeValue> values, String what) throws EnvelopeException {
    try {
      client.updateItem(b -> b.tableName(table).key(key).conditionExpression(condition).updateExpression(update)
          .expressionAttributeNames(names).expressionAttributeValues(values));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    } catch (SdkException e) {
      throw failure(what, e);
    }
  }

  /**
   * Whether a failed condition was met by a retry of the SDK's: the attempt before may have been carried out and
   * its answer lost, so the condition may have failed on that attempt's own write.
   */
  static boolean isRetry(ConditionalCheckFailedException e) {
    return e.numAttempts() != null && e.numAttempts() > 1;
  }

  EnvelopeException failure(String what, SdkException e) {
    if (e instanceof ResourceNotFoundException) {
      return new EnvelopeException(ErrorCode.UNAVAILABLE, "cannot " + what + ": the DynamoDB table " + table
          + " does not exist: create it with `envelope admin init-dynamodb`", e);
    }
    if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
      String code = service.awsErrorDetails().errorCode();
      if ("ValidationException".equals(code)) {
        // Inputs are validated before every call: DynamoDB refusing one is a bug or a table changed underneath.
        return new EnvelopeException(ErrorCode.INTERNAL, "cannot " + what + ": DynamoDB refused the request"
            + " to table " + table + " as invalid", e);
      }
      return new EnvelopeException(ErrorCode.UNAVAILABLE, "cannot " + what + ": DynamoDB answered " + code
          + " (HTTP " + service.statusCode() + ") for table " + table, e);
    }
    return new EnvelopeException(ErrorCode.UNAVAILABLE,
        "cannot " + what + ": DynamoDB is not available for table " + table + " (" + reason(e) + ")", e);
  }

  /** The SDK's own words about a client-side failure (connect refused, timed out), cut short. */
  static String reason(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.length() <= MAX_REASON ? message : message.substring(0, MAX_REASON) + "...";
  }

  @Override
  public void close() {
    client.close();
    if (ownedCredentials != null) {
      ownedCredentials.close();
    }
  }
}
