package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.service.local.LocalStores;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stored file written by the first version of the file service ({@code testdata/kat/service-v1}: a metadata row
 * and its blob, under the v1 test keyring) must be served back by every later version, byte for byte: the stored
 * format is a contract. The same row under another tenant must not decrypt.
 */
class StoredFileKnownAnswerTest {
  @TempDir
  Path home;

  private LocalStores stores;
  private FileService files;
  private FileRecord row;
  private byte[] blob;

  @BeforeEach
  void loadTheKnownAnswer() throws Exception {
    Files.createDirectories(home.resolve("keys"));
    Files.copy(StoredFileKats.KEYRING.resolve("keyring").resolve("keyring"), home.resolve("keys").resolve("keyring"));
    ManagedKeyService keyring = Keyrings.open(home.resolve("keys"),
        Files.readString(StoredFileKats.KEYRING.resolve("master.key")).strip());
    stores = LocalStores.open(home.resolve("data"));
    files = FileService.builder().keyService(keyring, "kat").blobStore(stores.blobs())
        .metadataStore(stores.metadata()).build();
    row = StoredFileKats.readRow(StoredFileKats.DIR.resolve("segments.bin.row"));
    blob = Files.readAllBytes(StoredFileKats.DIR.resolve("segments.bin.blob"));
  }

  @AfterEach
  void close() {
    stores.close();
  }

  @Test
  void theFirstStoredFileStillDownloads_wholeAndInRanges() throws Exception {
    store(row);
    byte[] expected = Files.readAllBytes(StoredFileKats.KEYRING.resolve("plain").resolve("segments.bin"));
    Principal kat = Principal.of("kat", Role.READ);
    try (Download download = files.download(kat, row.id())) {
      ByteArrayOutputStream whole = new ByteArrayOutputStream();
      download.writeTo(whole);
      assertArrayEquals(expected, whole.toByteArray());
      ByteArrayOutputStream range = new ByteArrayOutputStream();
      download.writeRange(range, 4000, 5000); // crosses the first and second segment boundaries (4 KiB segments)
      assertArrayEquals(java.util.Arrays.copyOfRange(expected, 4000, 9000), range.toByteArray());
    }
    assertEquals("segments.bin", files.describe(kat, row.id()).name());
  }

  @Test
  void theSameRowAndBlobUnderAnotherTenant_doNotDecrypt() throws Exception {
    FileRecord moved = new FileRecord(row.id(), "not-kat", row.name(), row.contentType(), row.size(),
        row.createdAt(), row.keyService(), row.wrappedKey(), row.formatVersion(), row.segmentSize());
    store(moved);
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> files.download(Principal.of("not-kat", Role.READ), row.id()).close());
    assertEquals(ErrorCode.INVALID_WRAPPED_KEY, e.code());
  }

  private void store(FileRecord record) throws Exception {
    try (BlobWriter writer = stores.blobs().create(record.id())) {
      writer.write(blob);
      writer.commit();
    }
    stores.metadata().insert(record);
  }
}
