package dev.envelope.service.local;

import dev.envelope.service.TokenStore;
import dev.envelope.service.TokenStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteTokenStoreTest extends TokenStoreContract {
  @TempDir
  Path home;

  @Override
  protected TokenStore newStore() throws Exception {
    return SqliteMetadataStore.open(home.resolve("envelope.db"));
  }
}
