package dev.envelope.service;

import dev.envelope.core.WrappedKey;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Properties;

/** Reads and writes the known-answer rows of {@code testdata/kat/service-v1} as Java properties. */
final class StoredFileKats {
  static final Path DIR = Path.of("..", "testdata", "kat", "service-v1");
  static final Path KEYRING = Path.of("..", "testdata", "kat", "v1");

  private StoredFileKats() {}

  static void writeRow(FileRecord row, Path file) throws IOException {
    Properties p = new Properties();
    p.setProperty("id", row.id());
    p.setProperty("tenant", row.tenant());
    p.setProperty("name", row.name());
    p.setProperty("contentType", row.contentType());
    p.setProperty("size", Long.toString(row.size()));
    p.setProperty("createdAt", row.createdAt().toString());
    p.setProperty("keyService", row.keyService());
    p.setProperty("rootKeyId", row.wrappedKey().rootKeyId());
    p.setProperty("rootKeyVersion", Integer.toString(row.wrappedKey().rootKeyVersion()));
    p.setProperty("wrappedKey", Base64.getEncoder().encodeToString(row.wrappedKey().ciphertext()));
    p.setProperty("formatVersion", Integer.toString(row.formatVersion()));
    p.setProperty("segmentSize", Integer.toString(row.segmentSize()));
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, "a stored file's metadata row, format v1 (docs/FORMAT.md section 9)");
    }
  }

  static FileRecord readRow(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return new FileRecord(p.getProperty("id"), p.getProperty("tenant"), p.getProperty("name"),
        p.getProperty("contentType"), Long.parseLong(p.getProperty("size")), Instant.parse(p.getProperty("createdAt")),
        p.getProperty("keyService"),
        WrappedKey.of(p.getProperty("rootKeyId"), Integer.parseInt(p.getProperty("rootKeyVersion")),
            Base64.getDecoder().decode(p.getProperty("wrappedKey"))),
        Integer.parseInt(p.getProperty("formatVersion")), Integer.parseInt(p.getProperty("segmentSize")));
  }
}
