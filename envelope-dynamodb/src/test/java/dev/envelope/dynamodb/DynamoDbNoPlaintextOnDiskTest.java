package dev.envelope.dynamodb;

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
 * No plaintext on disk with the rows in DynamoDB: dynalite runs with {@code --path}, so its tables are LevelDB
 * files (log and tables) in a directory the scan reads. The blobs are in a directory.
 */
class DynamoDbNoPlaintextOnDiskTest extends NoPlaintextOnDiskContract {
  @TempDir
  static Path dir;
  @TempDir
  Path blobs;
  private static DynaliteFixture dynalite;

  @BeforeAll
  static void startDynalite() {
    dynalite = DynaliteFixture.start(dir.resolve("dynalite"));
  }

  @AfterAll
  static void stopDynalite() {
    dynalite.close();
  }

  @Override
  protected BlobStore openBlobStore() throws Exception {
    return DirectoryBlobStore.open(blobs.resolve("blobs"));
  }

  @Override
  protected MetadataStore openMetadataStore() throws Exception {
    DynamoDbConfig config = dynalite.config("plaintext-scan");
    DynamoDbMetadataStore.createTable(config);
    return DynamoDbMetadataStore.open(config);
  }

  @Override
  protected List<Path> blobFiles() {
    return List.of(blobs.resolve("blobs"));
  }

  @Override
  protected List<Path> rowFiles() {
    return List.of(dir.resolve("dynalite"));
  }
}
