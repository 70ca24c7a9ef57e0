package dev.envelope.service.local;

import dev.envelope.service.LinkStore;
import dev.envelope.service.LinkStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteLinkStoreTest extends LinkStoreContract {
  @TempDir
  Path home;

  @Override
  protected LinkStore newStore() throws Exception {
    return SqliteMetadataStore.open(home.resolve("envelope.db"));
  }
}
