package dev.envelope.keyring;

import dev.envelope.core.KeyService;
import dev.envelope.core.KeyServiceContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The local keyring keeps the {@link KeyService} contract, on a real keyring file. */
class LocalKeyringContractTest extends KeyServiceContract {
  @TempDir
  Path home;

  private LocalKeyring keyring;

  @Override
  protected KeyService keyService() throws Exception {
    keyring = Keyrings.open(home, Keyrings.newMasterKeyBase64());
    return keyring;
  }

  @Override
  protected String createRootKey() throws Exception {
    return keyring.createKey(null).id();
  }

  @Override
  protected void disableRootKey(String id) throws Exception {
    keyring.disableKey(id);
  }

  @Override
  protected void enableRootKey(String id) throws Exception {
    keyring.enableKey(id);
  }

  @Override
  protected void rotateRootKey(String id) throws Exception {
    keyring.rotateKey(id);
  }
}
