package dev.envelope.keyring;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.envelope.core.ManagedKeyService.KeyState;
import dev.envelope.core.internal.KeyRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The keyring's JSON document (docs/FORMAT.md, section 5), written and read with Jackson's streaming API.
 * Data binding would do the same in a few lines, but costs the CLI about 0.6 s of start-up on every command
 * (measured); this is a fixed, small schema. Writes content format 2; reads 1 (one optional {@code alias},
 * no deletion, rotation or wrap counts) and 2. Unknown fields are skipped, so later versions may add some.
 */
final class KeyringJson {
  private static final JsonFactory JSON = new JsonFactory();

  private KeyringJson() {}

  static byte[] write(KeyringState state) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("format", KeyringState.FORMAT);
      g.writeArrayFieldStart("keys");
      for (KeyRecord key : state.keys()) {
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
          g.writeStringField("material", Base64.getEncoder().encodeToString(state.material(key.id(), v.version())));
          g.writeNumberField("wraps", v.wraps());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  /**
   * Parses a keyring document of format 1 or 2; throws IOException or a RuntimeException if it is malformed
   * or of another format.
   */
  static KeyringState read(byte[] json) throws IOException {
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
          case "keys" -> keys = readKeys(p, material);
          default -> p.skipChildren();
        }
      }
      if (format != 1 && format != 2) {
        throw new IOException("content format " + format);
      }
      if (keys == null) {
        throw new IOException("no keys");
      }
      return KeyringState.of(keys, material);
    }
  }

  private static List<KeyRecord> readKeys(JsonParser p, Map<String, byte[]> material) throws IOException {
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
          case "alias" -> aliases.add(p.getText()); // format 1: at most one
          case "aliases" -> aliases.addAll(readStrings(p));
          case "aliasCreatedAt" -> readInstants(p, aliasCreatedAt);
          case "description" -> description = p.getText();
          case "state" -> state = p.getText();
          case "createdAt" -> createdAt = Instant.parse(p.getText());
          case "deletionDate" -> deletionDate = Instant.parse(p.getText());
          case "rotationPeriodSeconds" -> period = Duration.ofSeconds(p.getLongValue());
          case "nextRotation" -> nextRotation = Instant.parse(p.getText());
          case "currentVersion" -> current = p.getIntValue();
          case "versions" -> versions = readVersions(p, versionMaterial);
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
        material.put(KeyringState.slot(id, v.getKey()), v.getValue());
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

  private static List<KeyRecord.Version> readVersions(JsonParser p, Map<Integer, byte[]> material)
      throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY);
    List<KeyRecord.Version> versions = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      int version = -1;
      Instant createdAt = null;
      byte[] bytes = null;
      long wraps = 0; // format 1 did not count
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "version" -> version = p.getIntValue();
          case "createdAt" -> createdAt = Instant.parse(p.getText());
          case "material" -> bytes = Base64.getDecoder().decode(p.getText());
          case "wraps" -> wraps = p.getLongValue();
          default -> p.skipChildren();
        }
      }
      if (version < 1 || createdAt == null || bytes == null || bytes.length != 32 || wraps < 0) {
        throw new IOException("incomplete key version");
      }
      versions.add(new KeyRecord.Version(version, createdAt, wraps));
      material.put(version, bytes);
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
