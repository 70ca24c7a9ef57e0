package dev.envelope.awskms;

import dev.envelope.core.KeyService;
import dev.envelope.core.RootKeyAdminContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link KeyServiceContract} over a real key server (the AWS KMS stand-in), root keys managed through the
 * real {@code KmsClient}: CreateKey, DisableKey, EnableKey, RotateKeyOnDemand.
 */
class AwsKmsKeyServiceContractTest extends RootKeyAdminContract {
  private static KmsFixture kms;
  private AwsKmsKeyService keys;

  @BeforeAll
  static void startKms() throws Exception {
    kms = KmsFixture.start();
  }

  @AfterAll
  static void stopKms() throws Exception {
    kms.close();
  }

  @AfterEach
  void closeService() {
    keys.close();
  }

  @Override
  protected KeyService keyService() throws Exception {
    keys = AwsKmsKeyService.create(kms.config());
    return keys;
  }

  @Override
  protected String createRootKey() {
    return kms.createKey();
  }

  @Override
  protected void disableRootKey(String id) {
    kms.client().disableKey(r -> r.keyId(id));
  }

  @Override
  protected void enableRootKey(String id) {
    kms.client().enableKey(r -> r.keyId(id));
  }

  @Override
  protected void rotateRootKey(String id) {
    kms.client().rotateKeyOnDemand(r -> r.keyId(id));
  }

  @Override
  protected String unknownRootKeyId() {
    return "arn:aws:kms:" + KmsFixture.REGION + ":111122223333:key/" + UUID.randomUUID();
  }

  @Override
  protected int concurrentOperationsPerThread() {
    return 50; // 8 threads x 50 operations = 400 HTTP calls on a shared 2-core machine
  }

  /** AWS KMS does not say which backing version wrapped a ciphertext: this service records version 0. */
  @Override
  protected boolean exposesKeyVersions() {
    return false;
  }
}
