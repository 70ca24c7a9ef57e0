package dev.envelope.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.envelope.core.ManagedKeyService.KeyState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON document of {@link KeyRecord}s that both managed-key stores keep: the keyring's sealed content
 * (docs/FORMAT.md, section 5, with each version's material) and the PKCS#11 metadata (section 6, without).
 * One schema, told apart by a {@link Schema}. Jackson's streaming API: data binding would do the same in a few
 * lines but costs the CLI about 0.6 s of start-up on every command (measured). Unknown fields are skipped, so
 * later versions may add some. Parsers throw {@link IOException} or a {@link RuntimeException} on anything
 * malformed; the stores turn both into one "malformed" error.
 */
public final class KeyRecordJson {
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * What one store's document holds.
   *
   * @param writes the content format written
   * @param reads the content formats read
   * @param material whether each version carries its 32 bytes of material ({@code "material"}, base64)
   * @param legacy whether the keyring's format 1 is read: a single {@code "alias"}, and no wrap counts (0)
   */
  public record Schema(int writes, Set<Integer> reads, boolean material, boolean legacy) {
    public Schema {
      reads = Set.copyOf(reads);
    }
  }

  /** A parsed document: the records and, for a schema with material, each version's under {@link #slot}. */
  public record Document(List<KeyRecord> keys, Map<String, byte[]> material) {
    @Override
    public String toString() {
      return "Document[" + keys.size() + " keys]";
    }
  }

  private KeyRecordJson() {}

  /** The name of a version's material in {@link Document#material()}. */
  public static String slot(String keyId, int version) {
    return keyId + "/v" + version;
  }

  /** Writes {@code keys}, with the material of each version from {@code material} if the schema has it. */
  public static byte[] write(Schema schema, List<KeyRecord> keys, Map<String, byte[]> material) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("format", schema.writes());
      g.writeArrayFieldStart("keys");
      for (KeyRecord key : keys) {
        writeKey(g, schema, key, material);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private static void writeKey(JsonGenerator g, Schema schema, KeyRecord key, Map<String, byte[]> material)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("id", key.id());
    g.writeArrayFieldStart("aliases");
    for (String alias : key.aliases()) {
      g.writeString(alias);
    }
    g.writeEndArray();
    if (!key.aliasCreatedAt().isEmpty()) {
      g.writeObjectFieldStart("aliasCreatedAt");
      for (Map.Entry<String, Instant> alias : key.aliasCreatedAt().entrySet()) {
        g.writeStringField(alias.getKey(), alias.getValue().toString());
      }
      g.writeEndObject();
    }
    g.writeStringField("description", key.description());
    g.writeStringField("state", key.state().name());
    g.writeStringField("createdAt", key.createdAt().toString());
    if (key.deletionDate() != null) {
      g.writeStringField("deletionDate", key.deletionDate().toString());
    }
    if (key.rotationPeriod() != null) {
      g.writeNumberField("rotationPeriodSeconds", key.rotationPeriod().getSeconds());
      g.writeStringField("nextRotation", key.nextRotation().toString());
    }
    g.writeNumberField("currentVersion", key.currentVersion());
    g.writeArrayFieldStart("versions");
    for (KeyRecord.Version v : key.versions()) {
      g.writeStartObject();
      g.writeNumberField("version", v.version());
      g.writeStringField("createdAt", v.createdAt().toString());
      if (schema.material()) {
        g.writeStringField("material", Base64.getEncoder().encodeToString(material.get(slot(key.id(), v.version()))));
      }
      g.writeNumberField("wraps", v.wraps());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** Parses a document of one of the schema's formats. */
  public static Document read(Schema schema, byte[] json) throws IOException {
    try (JsonParser p = JSON.createParser(json)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      int format = -1;
      List<KeyRecord> keys = null;
      Map<String, byte[]> material = new HashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "format" -> format = p.getIntValue();
          case "keys" -> keys = readKeys(p, schema, material);
          default -> p.skipChildren();
        }
      }
      if (!schema.reads().contains(format)) {
        throw new IOException("content format " + format);
      }
      if (keys == null) {
        throw new IOException("no keys");
      }
      return new Document(List.copyOf(keys), material);
    }
  }

  private static List<KeyRecord> readKeys(JsonParser p, Schema schema, Map<String, byte[]> material)
      throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY);
    List<KeyRecord> keys = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String id = null;
      List<String> aliases = new ArrayList<>();
      Map<String, Instant> aliasCreatedAt = new HashMap<>();
      String description = "";
      String state = null;
      Instant createdAt = null;
      Instant deletionDate = null;
      Duration period = null;
      Instant nextRotation = null;
      int current = -1;
      List<KeyRecord.Version> versions = null;
      Map<Integer, byte[]> versionMaterial = new HashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "id" -> id = p.getText();
          case "alias" -> {
            if (schema.legacy()) {
              aliases.add(p.getText()); // keyring format 1: at most one
            } else {
              p.skipChildren();
            }
          }
          case "aliases" -> aliases.addAll(readStrings(p));
          case "aliasCreatedAt" -> readInstants(p, aliasCreatedAt);
          case "description" -> description = p.getText();
          case "state" -> state = p.getText();
          case "createdAt" -> createdAt = Instant.parse(p.getText());
          case "deletionDate" -> deletionDate = Instant.parse(p.getText());
          case "rotationPeriodSeconds" -> period = Duration.ofSeconds(p.getLongValue());
          case "nextRotation" -> nextRotation = Instant.parse(p.getText());
          case "currentVersion" -> current = p.getIntValue();
          case "versions" -> versions = readVersions(p, schema, versionMaterial);
          default -> p.skipChildren();
        }
      }
      if (id == null || state == null || createdAt == null || versions == null || current < 1
          || (period == null) != (nextRotation == null)) {
        throw new IOException("incomplete root key");
      }
      KeyState keyState = KeyState.valueOf(state);
      if ((keyState == KeyState.PENDING_DELETION) != (deletionDate != null)) {
        throw new IOException("inconsistent deletion date");
      }
      KeyRecord key = new KeyRecord(id, aliases, aliasCreatedAt, description, keyState, createdAt, deletionDate,
          period, nextRotation, current, versions);
      for (Map.Entry<Integer, byte[]> v : versionMaterial.entrySet()) {
        material.put(slot(id, v.getKey()), v.getValue());
      }
      if (key.current() == null) {
        throw new IOException("no current version");
      }
      keys.add(key);
    }
    expect(p.currentToken(), JsonToken.END_ARRAY);
    return keys;
  }

  /** An object of name to instant, as {@code aliasCreatedAt}: optional, added in a later release of format 2. */
  private static void readInstants(JsonParser p, Map<String, Instant> out) throws IOException {
    expect(p.currentToken(), JsonToken.START_OBJECT);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      expect(p.nextToken(), JsonToken.VALUE_STRING);
      out.put(name, Instant.parse(p.getText()));
    }
    expect(p.currentToken(), JsonToken.END_OBJECT);
  }

  private static List<String> readStrings(JsonParser p) throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY);
    List<String> out = new ArrayList<>();
    while (p.nextToken() == JsonToken.VALUE_STRING) {
      out.add(p.getText());
    }
    expect(p.currentToken(), JsonToken.END_ARRAY);
    return out;
  }

  private static List<KeyRecord.Version> readVersions(JsonParser p, Schema schema, Map<Integer, byte[]> material)
      throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY);
    List<KeyRecord.Version> versions = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      int version = -1;
      Instant createdAt = null;
      byte[] bytes = null;
      long wraps = schema.legacy() ? 0 : -1; // the keyring's format 1 did not count; every later format does
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "version" -> version = p.getIntValue();
          case "createdAt" -> createdAt = Instant.parse(p.getText());
          case "material" -> {
            if (schema.material()) {
              bytes = Base64.getDecoder().decode(p.getText());
            } else {
              p.skipChildren();
            }
          }
          case "wraps" -> wraps = p.getLongValue();
          default -> p.skipChildren();
        }
      }
      if (version < 1 || createdAt == null || wraps < 0
          || (schema.material() && (bytes == null || bytes.length != 32))) {
        throw new IOException("incomplete key version");
      }
      versions.add(new KeyRecord.Version(version, createdAt, wraps));
      if (bytes != null) {
        material.put(version, bytes);
      }
    }
    expect(p.currentToken(), JsonToken.END_ARRAY);
    return versions;
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + ", found " + actual);
    }
  }
}
