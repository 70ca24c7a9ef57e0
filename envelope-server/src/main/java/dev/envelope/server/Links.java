package dev.envelope.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.Download;
import dev.envelope.service.FileRecord;
import dev.envelope.service.LinkRecord;
import dev.envelope.service.Principal;
import dev.envelope.service.ShareLinks;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The share-link API: {@code POST}, {@code GET /v1/files/{id}/links} and {@code DELETE
 * /v1/files/{id}/links/{linkId}} for a token of the file's tenant, and {@code GET}/{@code HEAD /s/{secret}} for
 * anyone holding a link ({@link Authenticated#link}). {@link ShareLinks} keeps the rules; a server built without a
 * link store answers these routes 503.
 */
final class Links {
  private static final Logger LOG = LoggerFactory.getLogger(Links.class);
  private static final Set<String> MEMBERS = Set.of("expiresIn", "maxDownloads");
  /** A Host header fit to be put into a URL as it is: a name or address, and a port. */
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:\\d{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:\\d{1,5})?");

  private final ShareLinks links;
  private final JsonRequests json;
  private final Downloads downloads;
  private final URI publicUrl;

  /**
   * @param links the rules, or null when the server has no link store
   * @param publicUrl the base of the links' URLs, or null to take it from each request's scheme and Host
   */
  Links(ShareLinks links, JsonRequests json, Downloads downloads, URI publicUrl) {
    this.links = links;
    this.json = json;
    this.downloads = downloads;
    this.publicUrl = publicUrl;
  }

  /** The share links, or 503 when this server has none. */
  ShareLinks links() throws EnvelopeException {
    if (links == null) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "share links are not set up on this server");
    }
    return links;
  }

  void create(Context ctx, Principal caller) throws EnvelopeException, IOException {
    JsonNode body = json.readOptionalObject(ctx);
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      if (!MEMBERS.contains(names.next())) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a link takes the members 'expiresIn' and"
            + " 'maxDownloads' only");
      }
    }
    ShareLinks.IssuedLink issued = links().create(caller, ctx.pathParam("id"), lifetime(body), maxDownloads(body));
    LinkRecord link = issued.record();
    AuditTrail trail = AuditTrail.in(ctx);
    trail.target(link.id());
    trail.undo(() -> takeBack(caller, link, trail));
    LOG.info("share link {} to file {} (expires {}) created by token {}", link.id(), link.fileId(),
        Json.time(link.expiresAt()), caller.tokenId());
    ObjectNode answer = json(link);
    answer.put("url", base(ctx) + Problems.LINK_PATH + issued.secret());
    ctx.header("Location", "/v1/files/" + link.fileId() + "/links/" + link.id());
    ctx.header("Cache-Control", "no-store");
    Json.send(ctx, 201, answer);
  }

  void list(Context ctx, Principal caller) throws EnvelopeException, IOException {
    ObjectNode answer = Json.MAPPER.createObjectNode();
    ArrayNode list = answer.putArray("links");
    for (LinkRecord link : links().list(caller, ctx.pathParam("id"))) {
      list.add(json(link));
    }
    Json.send(ctx, 200, answer);
  }

  void revoke(Context ctx, Principal caller) throws EnvelopeException {
    LinkRecord link = links().revoke(caller, ctx.pathParam("id"), ctx.pathParam("linkId"));
    AuditTrail.in(ctx).target(link.id());
    LOG.info("share link {} to file {} revoked by token {}", link.id(), link.fileId(), caller.tokenId());
    ctx.status(204);
  }

  /** {@code GET /s/{secret}}: the download counts against the link when its body starts. */
  void get(Context ctx, ShareLinks.Grant grant) throws EnvelopeException {
    downloads.get(ctx, source(grant));
  }

  /** {@code HEAD /s/{secret}}: counts nothing. */
  void head(Context ctx, ShareLinks.Grant grant) throws EnvelopeException {
    downloads.head(ctx, source(grant));
  }

  private Downloads.Source source(ShareLinks.Grant grant) {
    ShareLinks rules = links;
    return new Downloads.Source() {
      @Override
      public FileRecord stat() throws EnvelopeException {
        return rules.stat(grant);
      }

      @Override
      public Download open() throws EnvelopeException {
        return rules.download(grant);
      }

      @Override
      public void starting() throws EnvelopeException {
        rules.count(grant);
      }
    };
  }

  /** Revokes a link the audit log could not record: it was never handed out. */
  private void takeBack(Principal caller, LinkRecord link, AuditTrail trail) {
    try {
      links.revoke(caller, link.fileId(), link.id());
    } catch (EnvelopeException e) {
      LOG.error("request {}: share link {} was made but could not be audited, nor revoked: {}", trail.requestId(),
          link.id(), e.getMessage());
    }
  }

  /** The configured public URL, else this request's scheme and Host (the server's own address without one). */
  private String base(Context ctx) {
    if (publicUrl != null) {
      return publicUrl.toString();
    }
    String host = ctx.header("Host");
    if (host == null || !HOST.matcher(host).matches()) {
      String local = ctx.req().getLocalAddr();
      host = (local.contains(":") ? "[" + local + "]" : local) + ":" + ctx.req().getLocalPort();
    }
    return ctx.req().getScheme() + "://" + host;
  }

  private static ObjectNode json(LinkRecord link) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("id", link.id());
    node.put("expiresAt", Json.time(link.expiresAt()));
    if (link.maxDownloads().isPresent()) {
      node.put("maxDownloads", link.maxDownloads().getAsLong());
    } else {
      node.putNull("maxDownloads");
    }
    node.put("downloads", link.downloads());
    node.put("createdAt", Json.time(link.createdAt()));
    return node;
  }

  /** {@code expiresIn} as a duration such as {@code 90m}, {@code 12h} or {@code 30d}; null when absent. */
  private static Duration lifetime(JsonNode body) throws EnvelopeException {
    JsonNode value = body.get("expiresIn");
    if (value == null || value.isNull()) {
      return null;
    }
    Optional<Duration> lifetime = value.isTextual() && value.textValue().length() <= 32
        ? SettingSources.parseDuration(value.textValue()) : Optional.empty();
    if (lifetime.isEmpty()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "'expiresIn' must be a duration such as 90m, 12h or"
          + " 30d, at most " + ShareLinks.MAX_LIFETIME.toDays() + "d");
    }
    return lifetime.get();
  }

  /** {@code maxDownloads} as a whole number; null when absent (or null: no bound). */
  private static Long maxDownloads(JsonNode body) throws EnvelopeException {
    JsonNode value = body.get("maxDownloads");
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 1
        || value.longValue() > ShareLinks.MAX_DOWNLOADS) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "'maxDownloads' must be a whole number from 1 to "
          + ShareLinks.MAX_DOWNLOADS);
    }
    return value.longValue();
  }
}
