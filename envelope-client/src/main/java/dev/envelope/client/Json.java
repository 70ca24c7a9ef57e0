package dev.envelope.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The API's JSON bodies, read field by field through the tree model: a newer server may add members, which
 * are ignored; a missing or mistyped member is an {@link ErrorCode#INTERNAL} "unexpected answer", never a
 * half-filled record.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static JsonNode parse(byte[] body) throws EnvelopeClientException {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      throw unexpected("its body is not JSON");
    }
  }

  /** The body's JSON, or null if it is not JSON. */
  static JsonNode parseQuietly(byte[] body) {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  static byte[] write(ObjectNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an ObjectNode always serializes", e);
    }
  }

  static FileInfo file(JsonNode node) throws EnvelopeClientException {
    JsonNode sha256 = node.get("sha256");
    if (sha256 != null && !sha256.isNull() && !(sha256.isTextual() && sha256.asText().matches("[0-9a-f]{64}"))) {
      throw unexpected("its sha256 is not 64 hex digits");
    }
    return new FileInfo(text(node, "id"), text(node, "name"), number(node, "size"), text(node, "contentType"),
        instant(node, "createdAt"), sha256 == null || sha256.isNull() ? Optional.empty() : Optional.of(sha256.asText()));
  }

  static FilePage page(JsonNode node) throws EnvelopeClientException {
    List<FileInfo> files = new ArrayList<>();
    for (JsonNode file : array(node, "files")) {
      files.add(file(file));
    }
    JsonNode next = node.get("nextCursor");
    if (next != null && !next.isNull() && !next.isTextual()) {
      throw unexpected("its nextCursor is not text");
    }
    return new FilePage(files, next == null || next.isNull() ? Optional.empty() : Optional.of(next.asText()));
  }

  static TokenInfo token(JsonNode node) throws EnvelopeClientException {
    JsonNode name = node.get("name");
    return new TokenInfo(text(node, "id"), text(node, "tenant"), text(node, "role"),
        name == null || name.isNull() ? "" : text(node, "name"), instant(node, "createdAt"),
        optionalInstant(node, "revokedAt"), optionalInstant(node, "expiresAt"), optionalInstant(node, "lastUsedAt"));
  }

  static List<TokenInfo> tokens(JsonNode node) throws EnvelopeClientException {
    List<TokenInfo> tokens = new ArrayList<>();
    for (JsonNode token : array(node, "tokens")) {
      tokens.add(token(token));
    }
    return tokens;
  }

  static NewToken newToken(JsonNode node) throws EnvelopeClientException {
    return new NewToken(token(node), text(node, "token"));
  }

  static LinkInfo link(JsonNode node) throws EnvelopeClientException {
    JsonNode max = node.get("maxDownloads");
    OptionalLong maxDownloads = max == null || max.isNull() ? OptionalLong.empty()
        : OptionalLong.of(number(node, "maxDownloads"));
    return new LinkInfo(text(node, "id"), instant(node, "expiresAt"), maxDownloads, number(node, "downloads"),
        instant(node, "createdAt"));
  }

  static List<LinkInfo> links(JsonNode node) throws EnvelopeClientException {
    List<LinkInfo> links = new ArrayList<>();
    for (JsonNode link : array(node, "links")) {
      links.add(link(link));
    }
    return links;
  }

  static NewLink newLink(JsonNode node) throws EnvelopeClientException {
    return new NewLink(link(node), text(node, "url"));
  }

  static TenantInfo tenant(JsonNode node) throws EnvelopeClientException {
    JsonNode nodeKey = node.get("nodeKey");
    if (nodeKey == null || !nodeKey.isBoolean()) {
      throw unexpected("its nodeKey is missing or not a boolean");
    }
    Optional<Instant> created = node.has("createdAt") ? Optional.of(instant(node, "createdAt")) : Optional.empty();
    return new TenantInfo(text(node, "name"), text(node, "rootKey"), nodeKey.booleanValue(), text(node, "state"),
        number(node, "files"), number(node, "bytes"), created);
  }

  static List<TenantInfo> tenants(JsonNode node) throws EnvelopeClientException {
    List<TenantInfo> tenants = new ArrayList<>();
    for (JsonNode tenant : array(node, "tenants")) {
      tenants.add(tenant(tenant));
    }
    return tenants;
  }

  private static JsonNode array(JsonNode node, String field) throws EnvelopeClientException {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray()) {
      throw unexpected("it has no " + field + " array");
    }
    return value;
  }

  private static String text(JsonNode node, String field) throws EnvelopeClientException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw unexpected("its " + field + " is missing or not text");
    }
    return value.asText();
  }

  private static long number(JsonNode node, String field) throws EnvelopeClientException {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToExactIntegral() || !value.canConvertToLong() || value.asLong() < 0) {
      throw unexpected("its " + field + " is missing or not a size");
    }
    return value.asLong();
  }

  static Usage usage(JsonNode node) throws EnvelopeClientException {
    return new Usage(text(node, "tenant"), number(node, "files"), number(node, "bytes"));
  }

  private static Optional<Instant> optionalInstant(JsonNode node, String field) throws EnvelopeClientException {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(instant(node, field));
  }

  private static Instant instant(JsonNode node, String field) throws EnvelopeClientException {
    String text = text(node, field);
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw unexpected("its " + field + " is not an ISO-8601 instant");
    }
  }

  static EnvelopeClientException unexpected(String what) {
    return new EnvelopeClientException(ErrorCode.INTERNAL, 0,
        "unexpected answer from the server (" + what + "): is it an Envelope server of a compatible version?");
  }
}
