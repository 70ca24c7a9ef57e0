package dev.envelope.pkcs11;

import dev.envelope.core.KeyServiceContract;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.ManagedKeyServiceContract;
import dev.envelope.core.MutableClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PKCS#11 key service keeps the {@link ManagedKeyServiceContract} and, through it, the
 * {@link KeyServiceContract}, on a real SoftHSM2 token.
 */
class Pkcs11KeyServiceContractTest extends ManagedKeyServiceContract {
  @TempDir
  Path home;

  @Override
  protected ManagedKeyService managedKeyService(MutableClock clock) throws Exception {
    return Pkcs11KeyService.open(SoftHsmToken.config(SoftHsmToken.MAIN, home), clock);
  }

  @Override
  protected int concurrentOperationsPerThread() {
    return 60; // every operation is a call into the token
  }
}
