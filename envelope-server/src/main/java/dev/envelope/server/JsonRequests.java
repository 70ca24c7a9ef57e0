package dev.envelope.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the small JSON objects of the API (the token API today) within bounds: at most {@code maxBytes}, nested
 * at most {@code maxDepth} deep, with no member given twice ({@code {"role":"read","role":"admin"}} is refused,
 * not read as whichever came last: parsers disagree on which one that is) and nothing after the object.
 */
final class JsonRequests {
  private final int maxBytes;
  private final ObjectMapper mapper;

  /**
   * @param maxBytes the largest body read; a larger one is {@link ErrorCode#TOO_LARGE}
   * @param maxDepth the deepest nesting accepted
   */
  JsonRequests(int maxBytes, int maxDepth) {
    this.maxBytes = maxBytes;
    this.mapper = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth)
        .build());
  }


  /** Reads a JSON object from the request; anything else is {@link ErrorCode#INVALID_ARGUMENT}. */
  JsonNode readObject(Context ctx) throws EnvelopeException {
    return readObject(ctx, false);
  }

  /** As {@link #readObject(Context)}, but an empty body is the empty object: for requests whose members are all optional. */
  JsonNode readOptionalObject(Context ctx) throws EnvelopeException {
    return readObject(ctx, true);
  }

  private JsonNode readObject(Context ctx, boolean emptyIsObject) throws EnvelopeException {
    byte[] body;
    try (InputStream in = ctx.bodyInputStream()) {
      body = in.readNBytes(maxBytes + 1);
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.IO, "the request body could not be read");
    }
    if (body.length > maxBytes) {
      throw new EnvelopeException(ErrorCode.TOO_LARGE, "the request body is larger than " + maxBytes + " bytes");
    }
    if (emptyIsObject && body.length == 0) {
      return mapper.createObjectNode();
    }
    JsonNode node;
    try {
      node = mapper.readTree(body);
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the request body is not valid JSON"
          + (e.getMessage() != null && e.getMessage().startsWith("Duplicate field")
              ? " (a member is given twice)" : ""));
    }
    if (node == null || !node.isObject()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the request body must be a JSON object");
    }
    return node;
  }

  /** A string member, or null when it is absent and not {@code required}; any other JSON is refused. */
  static String text(JsonNode body, String field, boolean required) throws EnvelopeException {
    JsonNode value = body.get(field);
    if (value == null) {
      if (required) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "'" + field + "' is required");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "'" + field + "' must be a string");
    }
    return value.textValue();
  }

  /** Refuses members the schema does not have: a typo must not pass as a default. */
  static void only(JsonNode body, String... allowed) throws EnvelopeException {
    java.util.Set<String> known = java.util.Set.of(allowed);
    for (java.util.Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "unknown member"
            + (field.matches("[A-Za-z0-9_]{1,64}") ? " '" + field + "'" : ""));
      }
    }
  }
}
