package dev.envelope.service.local;

import dev.envelope.service.BlobStore;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.NoPlaintextOnDiskContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** No plaintext on disk over the embedded stores: blobs in a directory, rows in SQLite (its WAL included). */
class LocalStoresNoPlaintextOnDiskTest extends NoPlaintextOnDiskContract {
  @TempDir
  Path home;

  @Override
  protected BlobStore openBlobStore() throws Exception {
    return DirectoryBlobStore.open(home.resolve(LocalStores.BLOBS));
  }

  @Override
  protected MetadataStore openMetadataStore() throws Exception {
    return SqliteMetadataStore.open(home.resolve(LocalStores.DATABASE));
  }

  @Override
  protected List<Path> blobFiles() {
    return List.of(home.resolve(LocalStores.BLOBS));
  }

  @Override
  protected List<Path> rowFiles() {
    Path db = home.resolve(LocalStores.DATABASE);
    return List.of(db, db.resolveSibling(db.getFileName() + "-wal"), db.resolveSibling(db.getFileName() + "-shm"));
  }
}
