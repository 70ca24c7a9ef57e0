package dev.envelope.awskms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.envelope.core.DataKey;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.KeyService;
import dev.envelope.core.KeyServiceContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@link KeyServiceContract} over a real key server (the AWS KMS stand-in), root keys managed through the
 * real {@code KmsClient}: CreateKey, DisableKey, EnableKey, RotateKeyOnDemand.
 */
@ExtendWith(AwsKmsKeyServiceContractTest.ContractExceptions.class)
class AwsKmsKeyServiceContractTest extends KeyServiceContract {
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

  /**
   * Stands beside the contract's {@code aKeyWrappedAfterRotation_hasAHigherRootKeyVersion}, which cannot hold
   * here and is turned off by {@link ContractExceptions}: AWS KMS does not say which backing key version
   * wrapped a ciphertext, so this service always records version 0 (see {@link AwsKmsKeyService}). What does
   * hold is checked instead: after rotation new keys are still wrapped under the same ARN, with version 0, and
   * both old and new keys decrypt.
   */
  @Test
  void aKeyWrappedAfterRotation_keepsTheArnAndVersion0_andBothDecrypt() throws Exception {
    String root = createRootKey();
    try (DataKey before = service.generateDataKey(root, CONTEXT)) {
      rotateRootKey(root);
      try (DataKey after = service.generateDataKey(root, CONTEXT);
           DataKey oldDecrypted = service.decrypt(before.wrapped(), CONTEXT);
           DataKey newDecrypted = service.decrypt(after.wrapped(), CONTEXT)) {
        assertEquals(root, after.wrapped().rootKeyId());
        assertEquals(0, before.wrapped().rootKeyVersion());
        assertEquals(0, after.wrapped().rootKeyVersion());
        assertArrayEquals(before.copyPlaintext(InsecureKeyAccess.get()),
            oldDecrypted.copyPlaintext(InsecureKeyAccess.get()));
        assertArrayEquals(after.copyPlaintext(InsecureKeyAccess.get()),
            newDecrypted.copyPlaintext(InsecureKeyAccess.get()));
      }
    }
  }

  /**
   * Turns off, visibly (JUnit reports it as disabled with this reason), the one contract test AWS KMS cannot
   * pass: the contract's methods are package-private, so a subclass elsewhere cannot override them.
   */
  static final class ContractExceptions implements ExecutionCondition {
    static final String NO_VERSIONS = "aKeyWrappedAfterRotation_hasAHigherRootKeyVersion";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      if (context.getTestMethod().map(m -> m.getName().equals(NO_VERSIONS)).orElse(false)) {
        return ConditionEvaluationResult.disabled("AWS KMS exposes no root key versions: wrapped keys carry"
            + " version 0 (see aKeyWrappedAfterRotation_keepsTheArnAndVersion0_andBothDecrypt)");
      }
      return ConditionEvaluationResult.enabled("contract test");
    }
  }
}
