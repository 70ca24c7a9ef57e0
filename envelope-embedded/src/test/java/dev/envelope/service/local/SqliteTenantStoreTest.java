package dev.envelope.service.local;

import dev.envelope.service.TenantStore;
import dev.envelope.service.TenantStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteTenantStoreTest extends TenantStoreContract {
  @TempDir
  Path home;

  @Override
  protected TenantStore newStore() throws Exception {
    return SqliteMetadataStore.open(home.resolve("envelope.db"));
  }
}
