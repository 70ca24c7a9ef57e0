package dev.envelope.dynamodb;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/** Checking and creating Envelope's table: the control-plane side of {@link DynamoDbMetadataStore}. */
final class DynamoDbTables {
  /** How long {@link #create} waits for the new table and its indexes to become ACTIVE (AWS: seconds). */
  private static final Duration ACTIVE_WITHIN = Duration.ofMinutes(5);
  private static final Duration POLL = Duration.ofMillis(500);

  private DynamoDbTables() {}

  /** Throws INVALID_ARGUMENT unless the table exists with Envelope's shape; UNAVAILABLE if unreachable. */
  static void check(DynamoDbCalls calls) throws EnvelopeException {
    TableDescription table = describe(calls);
    if (table == null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the DynamoDB table " + calls.table()
          + " does not exist: create it with `envelope admin init-dynamodb`");
    }
    String mismatch = TableSchema.mismatch(table);
    if (mismatch != null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the DynamoDB table " + calls.table()
          + " is not an Envelope table: " + mismatch);
    }
  }

  static void create(DynamoDbCalls calls) throws EnvelopeException {
    try {
      calls.client().createTable(TableSchema.createRequest(calls.table()));
    } catch (ResourceInUseException e) {
      throw alreadyExists(calls, e);
    } catch (SdkException e) {
      throw calls.failure("create the table", e);
    }
    long deadline = System.nanoTime() + ACTIVE_WITHIN.toNanos();
    while (true) {
      TableDescription table = describe(calls);
      if (table != null && isActive(table)) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new EnvelopeException(ErrorCode.UNAVAILABLE, "the DynamoDB table " + calls.table()
            + " was created but is not active after " + ACTIVE_WITHIN.toMinutes() + " minutes; check it in AWS");
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EnvelopeException(ErrorCode.UNAVAILABLE, "interrupted while waiting for table " + calls.table());
      }
    }
  }

  private static boolean isActive(TableDescription table) {
    return table.tableStatus() == TableStatus.ACTIVE && table.globalSecondaryIndexes().stream()
        .map(GlobalSecondaryIndexDescription::indexStatus).allMatch(s -> s == null || s == IndexStatus.ACTIVE);
  }

  private static EnvelopeException alreadyExists(DynamoDbCalls calls, ResourceInUseException cause) {
    String fits;
    try {
      TableDescription table = describe(calls);
      String mismatch = table == null ? "it is being deleted" : TableSchema.mismatch(table);
      fits = mismatch == null ? "it has the shape Envelope needs, and can be used as it is"
          : "it is not an Envelope table: " + mismatch;
    } catch (EnvelopeException e) {
      fits = "whether it suits Envelope could not be checked";
    }
    return new EnvelopeException(ErrorCode.ALREADY_EXISTS,
        "the DynamoDB table " + calls.table() + " already exists: " + fits, cause);
  }

  /** The table, or null if there is none. */
  private static TableDescription describe(DynamoDbCalls calls) throws EnvelopeException {
    try {
      return calls.client().describeTable(b -> b.tableName(calls.table())).table();
    } catch (ResourceNotFoundException e) {
      return null;
    } catch (SdkException e) {
      throw calls.failure("describe the table", e);
    }
  }
}
