package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.MutableClock;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.service.local.LocalStores;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metadata store that does not confirm an insert (a connection lost around the commit) leaves the outcome
 * unknown: the row may be there. The upload then fails as unavailable but keeps the blob, so a committed row
 * never points at nothing; the orphan sweeper removes the blob later only if no row came.
 */
class UncertainInsertTest {
  private static final Principal WRITER = Principal.of("acme", Role.WRITE);

  @TempDir
  Path home;

  private LocalStores stores;
  private final MutableClock clock = new MutableClock(Instant.now());
  private FileService service;
  private boolean commitBeforeFailing;
  private boolean failInserts;

  @BeforeEach
  void open() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home.resolve("keys"), Keyrings.newMasterKeyBase64());
    String root = keyring.createKey("files").id();
    stores = LocalStores.open(home.resolve("data"));
    MetadataStore flaky = new MetadataStore() {
      @Override
      public void insert(FileRecord file) throws EnvelopeException {
        if (failInserts && commitBeforeFailing) {
          stores.metadata().insert(file);
        }
        if (failInserts) {
          throw new EnvelopeException(ErrorCode.UNAVAILABLE, "connection lost before the answer");
        }
        stores.metadata().insert(file);
      }

      @Override
      public Optional<FileRecord> get(String tenant, String id) throws EnvelopeException {
        return stores.metadata().get(tenant, id);
      }

      @Override
      public FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
        return stores.metadata().list(tenant, cursor, limit);
      }

      @Override
      public boolean delete(String tenant, String id) throws EnvelopeException {
        return stores.metadata().delete(tenant, id);
      }

      @Override
      public Optional<FileRecord> rename(String tenant, String id, String name, String type)
          throws EnvelopeException {
        return stores.metadata().rename(tenant, id, name, type);
      }

      @Override
      public Usage usage(String tenant) throws EnvelopeException {
        return stores.metadata().usage(tenant);
      }

      @Override
      public boolean exists(String id) throws EnvelopeException {
        return stores.metadata().exists(id);
      }

      @Override
      public FilePage scan(String tenant, String cursor, int limit) throws EnvelopeException {
        return stores.metadata().scan(tenant, cursor, limit);
      }

      @Override
      public boolean replaceWrappedKey(FileRecord expected, String keyService, dev.envelope.core.WrappedKey next)
          throws EnvelopeException {
        return stores.metadata().replaceWrappedKey(expected, keyService, next);
      }

      @Override
      public void checkReady() throws EnvelopeException {
        stores.metadata().checkReady();
      }

      @Override
      public void close() {}
    };
    service = FileService.builder().keyService(keyring, root).blobStore(stores.blobs()).metadataStore(flaky)
        .clock(clock).build();
  }

  @AfterEach
  void close() {
    stores.close();
  }

  @Test
  void rowCommittedButNotConfirmed_uploadIsUnavailable_yetTheFileIsWholeAndSurvivesTheSweeper() throws Exception {
    failInserts = true;
    commitBeforeFailing = true;
    byte[] content = "the row made it, its answer did not".getBytes();

    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> service.upload(WRITER, "f", null, new ByteArrayInputStream(content)));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    FileRecord row = service.list(WRITER, null, 10).files().get(0);

    clock.advance(Duration.ofDays(1));
    assertEquals(0, service.sweepOrphans(Duration.ofHours(1)));
    assertArrayEquals(content, download(row.id()));
  }

  @Test
  void rowNeverCommitted_theBlobStaysUntilTheSweeperRemovesIt() throws Exception {
    failInserts = true;
    commitBeforeFailing = false;

    assertThrows(EnvelopeException.class,
        () -> service.upload(WRITER, "f", null, new ByteArrayInputStream(new byte[1000])));
    assertEquals(1, stores.blobs().list(null, 10).size(), "kept while the outcome is unknown");
    assertEquals(0, service.sweepOrphans(Duration.ofHours(1)), "not before the grace period");

    clock.advance(Duration.ofHours(2));
    assertEquals(1, service.sweepOrphans(Duration.ofHours(1)));
    assertTrue(stores.blobs().list(null, 10).isEmpty());
  }

  private byte[] download(String id) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download d = service.download(WRITER, id)) {
      d.writeTo(out);
    }
    return out.toByteArray();
  }
}
