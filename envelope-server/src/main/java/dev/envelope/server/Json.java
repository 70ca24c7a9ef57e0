package dev.envelope.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.service.FileRecord;
import dev.envelope.service.TokenRecord;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The JSON shapes of the API, written by hand from the service's records so that what goes over the wire is
 * a decision (no wrapped key, no hash, no tenant of a file) rather than whatever a record happens to hold.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String MEDIA_TYPE = "application/json";
  private static final DateTimeFormatter RFC_3339_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Json() {}

  /** {@code {"id","name","size","contentType","createdAt","sha256"}}: the upload answer and the metadata. */
  static ObjectNode file(FileRecord file) {
    ObjectNode json = MAPPER.createObjectNode();
    json.put("id", file.id());
    json.put("name", file.name());
    json.put("size", file.size());
    json.put("contentType", file.contentType());
    json.put("createdAt", time(file.createdAt()));
    json.put("sha256", file.sha256());
    return json;
  }

  /**
   * {@code {"id","tenant","role","name","createdAt","revokedAt","expiresAt","lastUsedAt"}} (the last three null
   * when not revoked, never expiring, never used): never the hash.
   */
  static ObjectNode token(TokenRecord token) {
    ObjectNode json = MAPPER.createObjectNode();
    json.put("id", token.id());
    json.put("tenant", token.tenant());
    json.put("role", token.role().id());
    json.put("name", token.name());
    json.put("createdAt", time(token.createdAt()));
    json.put("revokedAt", token.revokedAt().map(Json::time).orElse(null));
    json.put("expiresAt", token.expiresAt().map(Json::time).orElse(null));
    json.put("lastUsedAt", token.lastUsedAt().map(Json::time).orElse(null));
    return json;
  }

  /** RFC 3339 in UTC with milliseconds, e.g. {@code 2026-01-02T03:04:05.678Z}. */
  static String time(Instant instant) {
    return RFC_3339_MILLIS.format(instant);
  }

  /** Answers {@code status} with a JSON body. */
  static void send(Context ctx, int status, JsonNode body) throws IOException {
    ctx.status(status).contentType(MEDIA_TYPE).result(MAPPER.writeValueAsBytes(body));
  }
}
