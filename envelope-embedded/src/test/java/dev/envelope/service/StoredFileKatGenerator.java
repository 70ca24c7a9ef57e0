package dev.envelope.service;

import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.service.local.LocalStores;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Made {@code testdata/kat/service-v1} once (2026-11-27). Not a test, and never to be run again over the
 * committed files: known answers are only worth something if they stay as they were written. Kept to show how
 * they were made: {@code segments.bin} of the v1 vectors, uploaded for tenant {@code kat} with 4 KiB segments
 * under root key {@code kat} of the v1 test keyring.
 */
final class StoredFileKatGenerator {
  private StoredFileKatGenerator() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path work = Files.createTempDirectory("kat-gen");
    Files.createDirectories(work.resolve("keys"));
    Files.copy(StoredFileKats.KEYRING.resolve("keyring").resolve("keyring"), work.resolve("keys").resolve("keyring"));
    ManagedKeyService keyring = Keyrings.open(work.resolve("keys"),
        Files.readString(StoredFileKats.KEYRING.resolve("master.key")).strip());
    try (LocalStores stores = LocalStores.open(work.resolve("data"))) {
      FileService files = FileService.builder().keyService(keyring, "kat").blobStore(stores.blobs())
          .metadataStore(stores.metadata()).segmentSize(4096).build();
      FileRecord row;
      try (InputStream in = Files.newInputStream(StoredFileKats.KEYRING.resolve("plain").resolve("segments.bin"))) {
        row = files.upload(Principal.of("kat", Role.WRITE), "segments.bin", "application/octet-stream", in);
      }
      Files.createDirectories(out);
      StoredFileKats.writeRow(row, out.resolve("segments.bin.row"));
      try (InputStream blob = stores.blobs().read(row.id(), 0, Long.MAX_VALUE)) {
        Files.write(out.resolve("segments.bin.blob"), blob.readAllBytes());
      }
    }
  }
}
