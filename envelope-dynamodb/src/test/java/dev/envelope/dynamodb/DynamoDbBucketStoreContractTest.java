package dev.envelope.dynamodb;

import dev.envelope.service.BucketStore;
import dev.envelope.service.BucketStoreContract;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The whole {@link BucketStoreContract} against dynalite: one dynalite for the class, a new table per test. */
class DynamoDbBucketStoreContractTest extends BucketStoreContract {
  private static final AtomicInteger TABLES = new AtomicInteger();
  @TempDir
  static Path data;
  private static DynaliteFixture dynalite;

  @BeforeAll
  static void startDynalite() {
    dynalite = DynaliteFixture.start(data.resolve("dynalite"));
  }

  @AfterAll
  static void stopDynalite() {
    dynalite.close();
  }

  @Override
  protected BucketStore newStore() throws Exception {
    DynamoDbConfig config = dynalite.config("buckets-" + TABLES.incrementAndGet());
    DynamoDbMetadataStore.createTable(config);
    return DynamoDbMetadataStore.open(config);
  }
}
