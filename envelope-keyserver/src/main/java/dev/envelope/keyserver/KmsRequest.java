package dev.envelope.keyserver;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.envelope.core.EncryptionContext;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON body of one KMS request, read field by field with KMS's error types: a body that is not a JSON
 * object, or a field of the wrong JSON type or with bad base64, is a {@code SerializationException}; a missing
 * required field or a value out of range is a {@code ValidationException}. Unknown fields are ignored, as the
 * real service does; a field given twice is a {@code SerializationException} (parsers disagree on which one
 * counts, so neither does), and so is nesting deeper than the server's limit. Error messages name fields, never
 * their values.
 */
final class KmsRequest {
  /** Writes answers (and the key server's own files); requests are read by a {@link #reader}. */
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper DEFAULT_READER = reader(KeyServerSettings.DEFAULT_MAX_JSON_DEPTH);

  private final JsonNode body;

  private KmsRequest(JsonNode body) {
    this.body = body;
  }

  /** A mapper for untrusted request bodies: duplicate fields refused, nesting at most {@code maxDepth}. */
  static ObjectMapper reader(int maxDepth) {
    ObjectMapper mapper = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth)
        .build());
    return mapper;
  }

  static KmsRequest parse(byte[] body) {
    return parse(body, DEFAULT_READER);
  }

  static KmsRequest parse(byte[] body, ObjectMapper reader) {
    if (body.length == 0) {
      return new KmsRequest(JSON.createObjectNode());
    }
    JsonNode node;
    try {
      node = reader.readTree(body);
    } catch (JsonProcessingException e) {
      throw KmsError.SERIALIZATION.exception("The request body is not valid JSON"
          + (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
              ? ": a field is given twice" : ""));
    } catch (IOException e) {
      throw KmsError.SERIALIZATION.exception("The request body could not be read as JSON");
    }
    if (node == null || !node.isObject()) {
      throw KmsError.SERIALIZATION.exception("The request body must be a JSON object");
    }
    return new KmsRequest(node);
  }

  Optional<String> string(String name) {
    JsonNode node = field(name);
    if (node == null) {
      return Optional.empty();
    }
    if (!node.isTextual()) {
      throw wrongType(name, "a string");
    }
    return Optional.of(node.textValue());
  }

  String requiredString(String name) {
    return string(name).orElseThrow(() -> missing(name));
  }

  Optional<Integer> integer(String name, int min, int max) {
    JsonNode node = field(name);
    if (node == null) {
      return Optional.empty();
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw wrongType(name, "an integer");
    }
    int value = node.intValue();
    if (value < min || value > max) {
      throw KmsError.VALIDATION.exception("1 validation error detected: Value at '" + name
          + "' failed to satisfy constraint: Member must be between " + min + " and " + max);
    }
    return Optional.of(value);
  }

  Optional<Boolean> bool(String name) {
    JsonNode node = field(name);
    if (node == null) {
      return Optional.empty();
    }
    if (!node.isBoolean()) {
      throw wrongType(name, "a boolean");
    }
    return Optional.of(node.booleanValue());
  }

  /** A base64 blob of {@code min} to {@code max} bytes. The caller owns (and should zero) the array. */
  byte[] requiredBlob(String name, int min, int max) {
    String text = requiredString(name);
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw KmsError.SERIALIZATION.exception("Field " + name + " is not valid base64");
    }
    if (bytes.length < min || bytes.length > max) {
      java.util.Arrays.fill(bytes, (byte) 0);
      throw KmsError.VALIDATION.exception("1 validation error detected: Value at '" + name
          + "' failed to satisfy constraint: Member must have length between " + min + " and " + max
          + " bytes");
    }
    return bytes;
  }

  /** The encryption context in field {@code name}; absent means the empty context. */
  EncryptionContext context(String name) {
    JsonNode node = field(name);
    if (node == null) {
      return EncryptionContext.empty();
    }
    if (!node.isObject()) {
      throw wrongType(name, "a map of strings");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!entry.getValue().isTextual()) {
        throw wrongType(name, "a map of strings");
      }
      map.put(entry.getKey(), entry.getValue().textValue());
    }
    try {
      return EncryptionContext.of(map);
    } catch (IllegalArgumentException e) {
      throw KmsError.VALIDATION.exception("Invalid " + name + ": " + e.getMessage());
    }
  }

  /** Checks {@code EncryptionAlgorithm}-like fields: symmetric keys only do {@code SYMMETRIC_DEFAULT}. */
  void requireSymmetricAlgorithm(String name) {
    string(name).ifPresent(algorithm -> {
      if (!algorithm.equals("SYMMETRIC_DEFAULT")) {
        throw KmsError.INVALID_KEY_USAGE.exception("Symmetric keys support only the SYMMETRIC_DEFAULT "
            + name);
      }
    });
  }

  private JsonNode field(String name) {
    JsonNode node = body.get(name);
    return node == null || node.isNull() ? null : node;
  }

  private static KmsException missing(String name) {
    return KmsError.VALIDATION.exception("1 validation error detected: Value null at '" + name
        + "' failed to satisfy constraint: Member must not be null");
  }

  private static KmsException wrongType(String name, String expected) {
    return KmsError.SERIALIZATION.exception("Field " + name + " must be " + expected);
  }
}
