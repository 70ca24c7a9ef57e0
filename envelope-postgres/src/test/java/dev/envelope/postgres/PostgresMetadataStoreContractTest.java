package dev.envelope.postgres;

import dev.envelope.service.MetadataStore;
import dev.envelope.service.MetadataStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The {@link MetadataStore} contract against a real PostgreSQL server, a fresh database per test. */
class PostgresMetadataStoreContractTest extends MetadataStoreContract {
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
  protected MetadataStore newStore() throws Exception {
    return PostgresMetadataStore.open(postgres.config(postgres.createDatabase()));
  }
}
