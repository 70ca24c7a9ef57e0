package dev.envelope.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.KeyUsage;
import dev.envelope.service.Principal;
import dev.envelope.service.TenantAdmin;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.Tenants;
import io.javalin.http.Context;
import java.io.IOException;

/**
 * The tenant API, for the operator only: {@code GET/POST /v1/tenants}, {@code GET /v1/tenants/{name}}, {@code PUT
 * /v1/tenants/{name}/root-key}, {@code POST /v1/tenants/{name}/shred} and {@code POST /v1/tenants/{name}/purge}.
 * {@link TenantAdmin} keeps the rules, as it does for {@code envelope tenants}.
 */
final class TenantsApi {
  private final TenantAdmin tenants;
  private final JsonRequests json;

  /** @param tenants null when this server has no tenant administration: every route answers 501 */
  TenantsApi(TenantAdmin tenants, JsonRequests json) {
    this.tenants = tenants;
    this.json = json;
  }

  void list(Context ctx, Principal caller) throws EnvelopeException, IOException {
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode list = body.putArray("tenants");
    for (TenantAdmin.TenantView t : admin().list(caller)) {
      list.add(view(t));
    }
    Json.send(ctx, 200, body);
  }

  void create(Context ctx, Principal caller) throws EnvelopeException, IOException {
    JsonNode body = json.readObject(ctx);
    JsonRequests.only(body, "name", "rootKey");
    String name = text(body, "name", true);
    if (Tenants.isValid(name)) {
      AuditTrail.in(ctx).tenant(name);
    }
    TenantRecord made = keyArgument(() -> admin().create(caller, name, text(body, "rootKey", false)));
    ctx.header("Location", "/v1/tenants/" + made.name());
    Json.send(ctx, 201, view(admin().describe(caller, made.name())));
  }

  void describe(Context ctx, Principal caller) throws EnvelopeException, IOException {
    Json.send(ctx, 200, view(admin().describe(caller, name(ctx))));
  }

  void setKey(Context ctx, Principal caller) throws EnvelopeException, IOException {
    JsonNode body = json.readObject(ctx);
    JsonRequests.only(body, "rootKey");
    String name = name(ctx);
    String rootKey = text(body, "rootKey", true);
    keyArgument(() -> admin().setKey(caller, name, rootKey));
    Json.send(ctx, 200, view(admin().describe(caller, name)));
  }

  /** {@code PUT /v1/tenants/{name}/quota} with {@code {"bytes": N}}, or {@code {"bytes": null}} for none. */
  void setQuota(Context ctx, Principal caller) throws EnvelopeException, IOException {
    JsonNode body = json.readObject(ctx);
    JsonRequests.only(body, "bytes");
    JsonNode bytes = body.get("bytes");
    if (bytes == null || !(bytes.isNull() || bytes.canConvertToExactIntegral() && bytes.canConvertToLong()
        && bytes.asLong() >= 0)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "'bytes' must be a whole number of bytes from 0 to "
          + Long.MAX_VALUE + ", or null for no quota");
    }
    String name = name(ctx);
    admin().setQuota(caller, name, bytes.isNull() ? null : bytes.asLong());
    Json.send(ctx, 200, view(admin().describe(caller, name)));
  }

  void shred(Context ctx, Principal caller) throws EnvelopeException, IOException {
    JsonNode body = json.readObject(ctx);
    JsonRequests.only(body, "now");
    JsonNode now = body.get("now");
    if (now != null && !now.isBoolean()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "'now' must be true or false");
    }
    TenantAdmin.Shredded done = admin().shred(caller, name(ctx), now != null && now.booleanValue());
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("name", done.tenant().name());
    out.put("state", done.tenant().state().id());
    out.put("rootKey", done.tenant().rootKey());
    out.put("tokensRevoked", done.tokensRevoked());
    out.put("keyDestroyed", done.destroyed());
    done.deletionDate().ifPresent(d -> out.put("keyDeletionDate", Json.time(d)));
    Json.send(ctx, 200, out);
  }

  void purge(Context ctx, Principal caller) throws EnvelopeException, IOException {
    KeyUsage.Totals gone = admin().purge(caller, name(ctx));
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("name", name(ctx));
    out.put("filesRemoved", gone.files());
    out.put("bytesRemoved", gone.bytes());
    Json.send(ctx, 200, out);
  }

  interface KeyCall {
    TenantRecord run() throws EnvelopeException;
  }

  /**
   * A key named by the request that is missing, disabled or pending deletion is the client's mistake (400), not
   * the server's key service failing (503, as for a file whose key is gone).
   */
  private static TenantRecord keyArgument(KeyCall call) throws EnvelopeException {
    try {
      return call.run();
    } catch (EnvelopeException e) {
      if (e.code() == ErrorCode.KEY_NOT_FOUND || e.code() == ErrorCode.KEY_DISABLED
          || e.code() == ErrorCode.KEY_INVALID_STATE) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "rootKey: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private TenantAdmin admin() throws EnvelopeException {
    if (tenants == null) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "this server was started without tenant administration");
    }
    return tenants;
  }

  private static String name(Context ctx) throws EnvelopeException {
    String name = ctx.pathParam("name");
    if (Tenants.isValid(name)) {
      AuditTrail.in(ctx).tenant(name);
    }
    return name;
  }

  private static ObjectNode view(TenantAdmin.TenantView t) {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("name", t.name());
    json.put("rootKey", t.rootKey());
    json.put("nodeKey", t.nodeKey());
    json.put("state", t.state());
    json.put("files", t.files());
    json.put("bytes", t.bytes());
    json.put("quotaBytes", t.record().map(TenantRecord::quotaBytes).orElse(null));
    t.record().ifPresent(r -> {
      json.put("createdAt", Json.time(r.createdAt()));
      json.put("updatedAt", Json.time(r.updatedAt()));
    });
    return json;
  }

  private static String text(JsonNode body, String field, boolean required) throws EnvelopeException {
    String text = JsonRequests.text(body, field, required);
    if (text == null) {
      return null;
    }
    if (text.isEmpty() || text.length() > 2048) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "'" + field + "' must be 1 to 2048 characters");
    }
    return text;
  }
}
