package dev.envelope.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.Principal;
import io.javalin.http.Context;
import java.io.IOException;

/**
 * {@code GET /v1/files}, {@code GET /v1/files/{id}/metadata}, {@code PATCH} and {@code DELETE /v1/files/{id}}, and
 * {@code GET /v1/usage}.
 */
final class Files {
  static final int DEFAULT_LIMIT = 100;

  private final FileService files;
  private final JsonRequests json;

  Files(FileService files, JsonRequests json) {
    this.files = files;
    this.json = json;
  }

  void list(Context ctx, Principal caller) throws EnvelopeException, IOException {
    FilePage page = files.list(caller, QueryParameters.first(ctx, "cursor"),
        limit(QueryParameters.first(ctx, "limit")));
    ObjectNode json = Json.MAPPER.createObjectNode();
    ArrayNode list = json.putArray("files");
    for (FileRecord file : page.files()) {
      list.add(Json.file(file));
    }
    json.put("nextCursor", page.nextCursor().orElse(null));
    Json.send(ctx, 200, json);
  }

  void metadata(Context ctx, Principal caller) throws EnvelopeException, IOException {
    Json.send(ctx, 200, Json.file(files.describe(caller, ctx.pathParam("id"))));
  }

  void delete(Context ctx, Principal caller) throws EnvelopeException {
    if (Conditions.writeConditions(ctx)) {
      caller.require(dev.envelope.service.Role.WRITE); // a read token gets its 403 first, as without a condition
      FileRecord file = files.describe(caller, ctx.pathParam("id"));
      AuditTrail.in(ctx).file(file);
      Conditions.requireMatch(ctx, Downloads.etag(file), file.createdAt());
    }
    files.delete(caller, ctx.pathParam("id"));
    ctx.status(204);
  }

  /**
   * {@code PATCH /v1/files/{id}} with {@code {"name": ..., "contentType": ...}} (either or both): answers the
   * metadata as it now is. {@code If-Match} and {@code If-Unmodified-Since} are honoured as on DELETE.
   */
  void rename(Context ctx, Principal caller) throws EnvelopeException, IOException {
    caller.require(dev.envelope.service.Role.WRITE); // a read token gets its 403 before its body is judged
    JsonNode body = json.readObject(ctx);
    JsonRequests.only(body, "name", "contentType");
    String name = JsonRequests.text(body, "name", false);
    String type = JsonRequests.text(body, "contentType", false);
    if (name == null && type == null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "give 'name', 'contentType' or both");
    }
    if (Conditions.writeConditions(ctx)) {
      FileRecord file = files.describe(caller, ctx.pathParam("id"));
      Conditions.requireMatch(ctx, Downloads.etag(file), file.createdAt());
    }
    FileRecord renamed = files.rename(caller, ctx.pathParam("id"), name, type);
    AuditTrail.in(ctx).file(renamed);
    Json.send(ctx, 200, Json.file(renamed));
  }

  /** {@code GET /v1/usage}: {@code {"tenant","files","bytes","quotaBytes"}} of the caller's tenant. */
  void usage(Context ctx, Principal caller) throws EnvelopeException, IOException {
    FileService.Usage usage = files.usage(caller);
    ObjectNode answer = Json.MAPPER.createObjectNode();
    answer.put("tenant", caller.tenant());
    answer.put("files", usage.files());
    answer.put("bytes", usage.bytes());
    answer.put("quotaBytes", usage.quotaBytes().orElse(null));
    Json.send(ctx, 200, answer);
  }

  private static int limit(String text) throws EnvelopeException {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= MetadataStore.MAX_PAGE) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "limit must be a number from 1 to " + MetadataStore.MAX_PAGE);
  }
}
