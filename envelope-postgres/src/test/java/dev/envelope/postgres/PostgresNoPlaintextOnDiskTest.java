package dev.envelope.postgres;

import dev.envelope.service.BlobStore;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.NoPlaintextOnDiskContract;
import dev.envelope.service.local.DirectoryBlobStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * No plaintext on disk with the rows in PostgreSQL: the scan reads the whole data directory of the throwaway
 * cluster (heap files, WAL segments, everything), after a {@code CHECKPOINT} has written out what is committed.
 * The blobs are in a directory.
 */
class PostgresNoPlaintextOnDiskTest extends NoPlaintextOnDiskContract {
  @TempDir
  static Path dir;
  @TempDir
  Path blobs;
  private static PostgresFixture postgres;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresFixture.start(dir.resolve("pg"));
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @Override
  protected BlobStore openBlobStore() throws Exception {
    return DirectoryBlobStore.open(blobs.resolve("blobs"));
  }

  @Override
  protected MetadataStore openMetadataStore() throws Exception {
    return PostgresMetadataStore.open(postgres.config(postgres.createDatabase()));
  }

  @Override
  protected void flush() {
    postgres.checkpoint();
  }

  @Override
  protected List<Path> blobFiles() {
    return List.of(blobs.resolve("blobs"));
  }

  @Override
  protected List<Path> rowFiles() {
    return List.of(postgres.dataDir());
  }
}
