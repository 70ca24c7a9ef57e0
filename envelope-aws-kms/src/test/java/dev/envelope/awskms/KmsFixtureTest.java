package dev.envelope.awskms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/** The stand-in launcher other modules use: call counting, stop and restart on the same port, no leftovers. */
class KmsFixtureTest {
  @Test
  void countsGenerateDataKeyAndDecryptCalls_survivesRestart_andLeavesNothingBehind() throws Exception {
    Path home;
    try (KmsFixture kms = KmsFixture.start(); AwsKmsKeyService keys = AwsKmsKeyService.create(kms.config())) {
      home = homeOf(kms);
      String root = kms.createKey();
      EncryptionContext context = EncryptionContext.of("object", "o1");
      assertEquals(0, kms.generateDataKeyCalls());

      try (DataKey key = keys.generateDataKey(root, context)) {
        keys.decrypt(key.wrapped(), context).close();
        keys.decrypt(key.wrapped(), context).close();
        assertEquals(1, kms.generateDataKeyCalls());
        assertEquals(2, kms.decryptCalls());
        assertEquals(1, kms.calls("CreateKey"));

        var endpoint = kms.endpoint();
        kms.stop();
        assertFalse(kms.isRunning());
        assertThrows(SdkClientException.class, () -> kms.client().describeKey(r -> r.keyId(root)));
        kms.restart();
        assertEquals(endpoint, kms.endpoint());
        keys.decrypt(key.wrapped(), context).close(); // the same keyring behind the same port
        assertEquals(3, kms.decryptCalls());
      }
      assertTrue(Files.isDirectory(home));
    }
    assertFalse(Files.exists(home), "the temporary home is deleted");
  }

  @Test
  void aliasesResolve_andConfigPointsAtTheServer() throws Exception {
    try (KmsFixture kms = KmsFixture.start(); AwsKmsKeyService keys = AwsKmsKeyService.create(kms.config())) {
      String arn = kms.createKey();
      kms.createAlias("alias/uploads", arn);
      assertEquals(arn, keys.describeRootKey("alias/uploads"));
      assertEquals(kms.endpoint(), kms.config().endpoint().orElseThrow());
      assertEquals("us-east-1", kms.region());
      assertFalse(kms.toString().contains(kms.secretKey()));
    }
  }

  private static Path homeOf(KmsFixture kms) throws Exception {
    var field = KmsFixture.class.getDeclaredField("home");
    field.setAccessible(true);
    return (Path) field.get(kms);
  }
}
