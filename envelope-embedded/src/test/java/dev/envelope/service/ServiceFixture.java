package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.KeyService;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.MutableClock;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.service.local.LocalStores;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A {@link FileService} as {@code envelope serve} builds it: the real local keyring and the real local stores
 * in a temporary home, with 4 KiB segments (so that a few KiB span several) and a clock the test moves.
 */
final class ServiceFixture implements AutoCloseable {
  static final int SEGMENT = 4096;
  /** Plaintext bytes in the first segment (the stream header takes 40) and in every other one. */
  static final int FIRST_SEGMENT_PLAINTEXT = SEGMENT - 40 - 16;
  static final int SEGMENT_PLAINTEXT = SEGMENT - 16;

  final Path home;
  final ManagedKeyService keyring;
  final String rootKey;
  final LocalStores stores;
  final CountingBlobStore blobs;
  final MutableClock clock = new MutableClock(Instant.now());
  final FileService service;

  static final Principal WRITER = Principal.of("acme", Role.WRITE);
  static final Principal READER = Principal.of("acme", Role.READ);
  static final Principal OTHER_TENANT = Principal.of("globex", Role.ADMIN);

  ServiceFixture(Path home) throws Exception {
    this(home, null, null, Long.MAX_VALUE);
  }

  /** With {@code keys} and its {@code keysRootKey} instead of the local keyring when they are not null. */
  ServiceFixture(Path home, KeyService keys, String keysRootKey, long maxUploadBytes) throws Exception {
    this.home = home;
    this.keyring = Keyrings.open(home.resolve("keys"), Keyrings.newMasterKeyBase64());
    this.rootKey = keys == null ? keyring.createKey("files").id() : keysRootKey;
    this.stores = LocalStores.open(home.resolve("data"));
    this.blobs = new CountingBlobStore(stores.blobs());
    this.service = FileService.builder()
        .keyService(keys == null ? keyring : keys, rootKey)
        .blobStore(blobs)
        .metadataStore(stores.metadata())
        .tenantStore(stores.metadata())
        .clock(clock)
        .segmentSize(SEGMENT)
        .maxUploadBytes(maxUploadBytes)
        .build();
  }

  FileRecord upload(byte[] data) throws EnvelopeException {
    return service.upload(WRITER, "file.bin", null, new ByteArrayInputStream(data));
  }

  byte[] download(Principal caller, String id) throws EnvelopeException, IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download download = service.download(caller, id)) {
      download.writeTo(out);
    }
    return out.toByteArray();
  }

  byte[] range(String id, long offset, long length) throws EnvelopeException, IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download download = service.download(WRITER, id)) {
      download.writeRange(out, offset, length);
    }
    return out.toByteArray();
  }

  /** Where the blob of a file lies on disk. */
  Path blobFile(String id) {
    return stores.blobs().root().resolve(id.substring(0, 2)).resolve(id);
  }

  /** Committed blobs and temporary files, whatever their state. */
  List<Path> everyBlobFile() throws IOException {
    try (Stream<Path> files = Files.walk(stores.blobs().root())) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  int rowCount() throws SQLException {
    try (Connection c = sql(); var s = c.createStatement(); var rows = s.executeQuery("SELECT count(*) FROM files")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  /** A connection to the metadata database, to tamper with rows as an attacker with file access could. */
  Connection sql() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + home.resolve("data").resolve(LocalStores.DATABASE));
  }

  static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  @Override
  public void close() {
    stores.close();
  }
}
