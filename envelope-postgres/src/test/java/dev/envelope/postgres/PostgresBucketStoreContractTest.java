package dev.envelope.postgres;

import dev.envelope.service.BucketStore;
import dev.envelope.service.BucketStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The {@link BucketStore} contract against a real PostgreSQL server, a fresh database per test. */
class PostgresBucketStoreContractTest extends BucketStoreContract {
  @TempDir
  static Path dir;
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
  protected BucketStore newStore() throws Exception {
    return PostgresMetadataStore.open(postgres.config(postgres.createDatabase()));
  }
}
