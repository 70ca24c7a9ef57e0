package dev.envelope.keyring;

import dev.envelope.core.KeyServiceContract;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.ManagedKeyServiceContract;
import dev.envelope.core.MutableClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local keyring keeps the {@link ManagedKeyServiceContract} and, through it, the
 * {@link KeyServiceContract}, on a real keyring file.
 */
class LocalKeyringContractTest extends ManagedKeyServiceContract {
  @TempDir
  Path home;

  @Override
  protected ManagedKeyService managedKeyService(MutableClock clock) throws Exception {
    return LocalKeyring.open(home, MasterKey.fromBase64(Keyrings.newMasterKeyBase64(), "test"), clock);
  }
}
