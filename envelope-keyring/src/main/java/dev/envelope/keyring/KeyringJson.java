package dev.envelope.keyring;

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
import java.util.List;

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
      for (KeyringState.Key key : state.keys()) {
        g.writeStartObject();
        g.writeStringField("id", key.id());
        g.writeArrayFieldStart("aliases");
        for (String alias : key.aliases()) {
          g.writeString(alias);
        }
        g.writeEndArray();
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
        for (KeyringState.Version v : key.versions()) {
          g.writeStartObject();
          g.writeNumberField("version", v.version());
          g.writeStringField("createdAt", v.createdAt().toString());
          g.writeStringField("material", Base64.getEncoder().encodeToString(v.material()));
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
      List<KeyringState.Key> keys = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "format" -> format = p.getIntValue();
          case "keys" -> keys = readKeys(p);
          default -> p.skipChildren();
        }
      }
      if (format != 1 && format != 2) {
        throw new IOException("content format " + format);
      }
      if (keys == null) {
        throw new IOException("no keys");
      }
      return new KeyringState(KeyringState.FORMAT, keys);
    }
  }

  private static List<KeyringState.Key> readKeys(JsonParser p) throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY);
    List<KeyringState.Key> keys = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String id = null;
      List<String> aliases = new ArrayList<>();
      String description = "";
      String state = null;
      Instant createdAt = null;
      Instant deletionDate = null;
      Duration period = null;
      Instant nextRotation = null;
      int current = -1;
      List<KeyringState.Version> versions = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "id" -> id = p.getText();
          case "alias" -> aliases.add(p.getText()); // format 1: at most one
          case "aliases" -> aliases.addAll(readStrings(p));
          case "description" -> description = p.getText();
          case "state" -> state = p.getText();
          case "createdAt" -> createdAt = Instant.parse(p.getText());
          case "deletionDate" -> deletionDate = Instant.parse(p.getText());
          case "rotationPeriodSeconds" -> period = Duration.ofSeconds(p.getLongValue());
          case "nextRotation" -> nextRotation = Instant.parse(p.getText());
          case "currentVersion" -> current = p.getIntValue();
          case "versions" -> versions = readVersions(p);
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
      KeyringState.Key key = new KeyringState.Key(id, aliases, description, keyState, createdAt, deletionDate,
          period, nextRotation, current, versions);
      if (key.current() == null) {
        throw new IOException("no current version");
      }
      keys.add(key);
    }
    expect(p.currentToken(), JsonToken.END_ARRAY);
    return keys;
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

  private static List<KeyringState.Version> readVersions(JsonParser p) throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY);
    List<KeyringState.Version> versions = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      int version = -1;
      Instant createdAt = null;
      byte[] material = null;
      long wraps = 0; // format 1 did not count
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "version" -> version = p.getIntValue();
          case "createdAt" -> createdAt = Instant.parse(p.getText());
          case "material" -> material = Base64.getDecoder().decode(p.getText());
          case "wraps" -> wraps = p.getLongValue();
          default -> p.skipChildren();
        }
      }
      if (version < 1 || createdAt == null || material == null || material.length != 32 || wraps < 0) {
        throw new IOException("incomplete key version");
      }
      versions.add(new KeyringState.Version(version, createdAt, material, wraps));
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
