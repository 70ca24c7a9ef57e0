package dev.envelope.keyring;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The keyring's JSON document (docs/FORMAT.md, section 5), written and read with Jackson's streaming API.
 * Data binding would do the same in a few lines, but costs the CLI about 0.6 s of start-up on every command
 * (measured); this is a fixed, small schema. Unknown fields are skipped, so later versions may add some.
 */
final class KeyringJson {
  private static final JsonFactory JSON = new JsonFactory();

  private KeyringJson() {}

  static byte[] write(KeyringState state) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("format", state.format());
      g.writeArrayFieldStart("keys");
      for (KeyringState.RootKey key : state.keys()) {
        g.writeStartObject();
        g.writeStringField("id", key.id());
        if (key.alias() != null) {
          g.writeStringField("alias", key.alias());
        }
        g.writeStringField("state", key.state().name());
        g.writeStringField("createdAt", key.createdAt());
        g.writeNumberField("currentVersion", key.currentVersion());
        g.writeArrayFieldStart("versions");
        for (KeyringState.Version v : key.versions()) {
          g.writeStartObject();
          g.writeNumberField("version", v.version());
          g.writeStringField("createdAt", v.createdAt());
          g.writeStringField("material", Base64.getEncoder().encodeToString(v.material()));
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

  /** Parses a keyring document; throws IOException or IllegalArgumentException if it is malformed. */
  static KeyringState read(byte[] json) throws IOException {
    try (JsonParser p = JSON.createParser(json)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      int format = -1;
      List<KeyringState.RootKey> keys = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "format" -> format = p.getIntValue();
          case "keys" -> keys = readKeys(p);
          default -> p.skipChildren();
        }
      }
      if (keys == null) {
        throw new IOException("no keys");
      }
      return new KeyringState(format, keys);
    }
  }

  private static List<KeyringState.RootKey> readKeys(JsonParser p) throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY);
    List<KeyringState.RootKey> keys = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String id = null;
      String alias = null;
      String state = null;
      String createdAt = null;
      int current = -1;
      List<KeyringState.Version> versions = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "id" -> id = p.getText();
          case "alias" -> alias = p.getText();
          case "state" -> state = p.getText();
          case "createdAt" -> createdAt = p.getText();
          case "currentVersion" -> current = p.getIntValue();
          case "versions" -> versions = readVersions(p);
          default -> p.skipChildren();
        }
      }
      if (id == null || state == null || createdAt == null || versions == null || current < 1) {
        throw new IOException("incomplete root key");
      }
      keys.add(new KeyringState.RootKey(id, alias, KeyState.valueOf(state), createdAt, current, versions));
    }
    expect(p.currentToken(), JsonToken.END_ARRAY);
    return keys;
  }

  private static List<KeyringState.Version> readVersions(JsonParser p) throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY);
    List<KeyringState.Version> versions = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      int version = -1;
      String createdAt = null;
      byte[] material = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "version" -> version = p.getIntValue();
          case "createdAt" -> createdAt = p.getText();
          case "material" -> material = Base64.getDecoder().decode(p.getText());
          default -> p.skipChildren();
        }
      }
      if (version < 1 || createdAt == null || material == null || material.length != 32) {
        throw new IOException("incomplete key version");
      }
      versions.add(new KeyringState.Version(version, createdAt, material));
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
