package dev.envelope.service.local;

import dev.envelope.service.BucketStore;
import dev.envelope.service.BucketStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteBucketStoreTest extends BucketStoreContract {
  @TempDir
  Path home;

  @Override
  protected BucketStore newStore() throws Exception {
    return SqliteMetadataStore.open(home.resolve("envelope.db"));
  }
}
