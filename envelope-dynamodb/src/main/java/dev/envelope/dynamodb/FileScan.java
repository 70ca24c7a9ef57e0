package dev.envelope.dynamodb;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.PageCursor;
import dev.envelope.service.Tenants;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * {@link MetadataStore#scan} over DynamoDB: a consistent Scan of the table in DynamoDB's own order (by the hash
 * of the partition key), with a filter that keeps file items (of one tenant, if asked). Consistent, because an
 * administrative walk (a rewrap before a key version is destroyed) must see every row written before it began.
 *
 * <p>The filter applies after DynamoDB has read a page, so a Scan page can hold fewer matching items than asked,
 * even none, and still have more after it. A page of ours makes at most {@value #REQUESTS_PER_PAGE} Scan
 * requests to fill up, then ends short with a cursor: one call stays bounded in time however few files match.
 * The cursor names the partition key after which the next page starts, whatever item that is: a Scan page can
 * end on a token or a tenant, and DynamoDB can start after a key whose item has since been deleted.
 */
final class FileScan {
  /** At most this many Scan requests (of at most 1 MB each) go into one page. */
  static final int REQUESTS_PER_PAGE = 8;

  private final DynamoDbCalls calls;

  FileScan(DynamoDbCalls calls) {
    this.calls = calls;
  }

  FilePage page(String tenant, String cursor, int limit) throws EnvelopeException {
    if (limit < 1 || limit > MetadataStore.MAX_PAGE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "limit must be between 1 and " + MetadataStore.MAX_PAGE);
    }
    String after = cursor == null ? null : PageCursor.decodeScan(tenant, cursor);
    if (after != null && !Items.isScanPosition(after)) {
      // A checked cursor naming a key no item can have: forged with a valid check. Refused like any other.
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "the cursor is not one this server made for your listing: start again without a cursor");
    }
    if (tenant != null && !Tenants.isValid(tenant)) {
      return new FilePage(List.of(), Optional.empty());
    }
    Map<String, String> names = new HashMap<>(Map.of("#pk", TableSchema.PK));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":files", Items.s(Items.FILE_PREFIX)));
    String filter = "begins_with(#pk, :files)";
    if (tenant != null) {
      names.put("#t", TableSchema.TENANT);
      values.put(":t", Items.s(tenant));
      filter += " AND #t = :t";
    }
    Map<String, AttributeValue> start = after == null ? null : Map.of(TableSchema.PK, Items.s(after));
    List<FileRecord> rows = new ArrayList<>();
    for (int requests = 0; requests < REQUESTS_PER_PAGE && rows.size() < limit; requests++) {
      ScanRequest request = ScanRequest.builder().tableName(calls.table()).consistentRead(true).limit(limit)
          .filterExpression(filter).expressionAttributeNames(names).expressionAttributeValues(values)
          .exclusiveStartKey(start).build();
      ScanResponse response = calls.call("scan the file rows", () -> calls.client().scan(request));
      List<Map<String, AttributeValue>> items = response.items();
      for (int i = 0; i < items.size(); i++) {
        if (rows.size() == limit) {
          // Full, with matches left over: the next page starts after the last item taken.
          return next(rows, tenant, items.get(i - 1));
        }
        Map<String, AttributeValue> item = items.get(i);
        rows.add(Items.parse(() -> Items.fileRecord(item), "file row"));
      }
      if (!response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty()) {
        return new FilePage(rows, Optional.empty()); // the end of the table
      }
      start = response.lastEvaluatedKey();
    }
    return next(rows, tenant, start);
  }

  private static FilePage next(List<FileRecord> rows, String tenant, Map<String, AttributeValue> after) {
    return new FilePage(rows, Optional.of(PageCursor.encodeScan(tenant, after.get(TableSchema.PK).s())));
  }
}
