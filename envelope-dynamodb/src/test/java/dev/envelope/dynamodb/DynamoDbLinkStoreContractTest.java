package dev.envelope.dynamodb;

import dev.envelope.service.LinkStore;
import dev.envelope.service.LinkStoreContract;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The whole {@link LinkStoreContract} against dynalite: one dynalite for the class, a new table per test. */
class DynamoDbLinkStoreContractTest extends LinkStoreContract {
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
  protected LinkStore newStore() throws Exception {
    DynamoDbConfig config = dynalite.config("links-" + TABLES.incrementAndGet());
    DynamoDbMetadataStore.createTable(config);
    return DynamoDbMetadataStore.open(config);
  }
}
