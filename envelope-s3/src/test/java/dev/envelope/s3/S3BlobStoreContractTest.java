package dev.envelope.s3;

import dev.envelope.service.BlobStore;
import dev.envelope.service.BlobStoreContract;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link BlobStore} contract against S3Proxy with a key prefix, each test in a fresh bucket
 * ({@link S3BlobStoreNoPrefixContractTest} runs it without one). Parts are 5 MiB, S3's minimum (S3Proxy 4.1
 * enforces it too: a smaller part that is not the last fails the completion with EntityTooSmall), so the
 * contract's 8 MiB blob goes up as a 2-part multipart upload and its small blobs as single
 * {@code PutObject}s.
 */
class S3BlobStoreContractTest extends BlobStoreContract {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  @TempDir static Path dir;
  static S3ProxyFixture s3;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3ProxyFixture.start(dir.resolve("s3"));
  }

  @AfterAll
  static void stopS3() {
    s3.close();
  }

  /** The prefix every blob key gets in the bucket. */
  protected String prefix() {
    return "envelope/";
  }

  @Override
  protected BlobStore newStore() {
    String bucket = "contract-" + BUCKETS.incrementAndGet();
    s3.createBucket(bucket);
    return S3BlobStore.create(s3.storeConfig(bucket).prefix(prefix()).partSize(S3BlobStoreConfig.MIN_PART_SIZE)
        .build());
  }
}
