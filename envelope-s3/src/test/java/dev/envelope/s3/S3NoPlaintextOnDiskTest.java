package dev.envelope.s3;

import dev.envelope.service.BlobStore;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.NoPlaintextOnDiskContract;
import dev.envelope.service.local.SqliteMetadataStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * No plaintext on disk with the blobs in S3: S3Proxy's filesystem backend keeps every object (and every part of
 * a multipart upload) as files under its data directory, which the scan reads. The big file (6 MiB) goes up in
 * two 5 MiB parts; the rows are in SQLite.
 */
class S3NoPlaintextOnDiskTest extends NoPlaintextOnDiskContract {
  private static final String BUCKET = "plaintext-scan";
  @TempDir
  Path dir;
  private S3ProxyFixture s3;

  @BeforeEach
  void startS3() throws Exception {
    s3 = S3ProxyFixture.start(dir.resolve("s3"));
    s3.createBucket(BUCKET);
  }

  @AfterEach
  void stopS3() {
    s3.close();
  }

  @Override
  protected int bigFileSize() {
    return 6 << 20;
  }

  @Override
  protected BlobStore openBlobStore() {
    return S3BlobStore.create(s3.storeConfig(BUCKET).prefix("files/").partSize(5L << 20).build());
  }

  @Override
  protected MetadataStore openMetadataStore() throws Exception {
    return SqliteMetadataStore.open(dir.resolve("envelope.db"));
  }

  @Override
  protected List<Path> blobFiles() {
    return List.of(s3.dataDir());
  }

  @Override
  protected List<Path> rowFiles() {
    return List.of(dir.resolve("envelope.db"), dir.resolve("envelope.db-wal"), dir.resolve("envelope.db-shm"));
  }
}
