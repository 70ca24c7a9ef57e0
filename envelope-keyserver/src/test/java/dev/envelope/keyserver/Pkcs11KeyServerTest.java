package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.pkcs11.Pkcs11KeyService;
import dev.envelope.pkcs11.SoftHsmToken;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;

/** The same KMS API over root keys inside a real SoftHSM2 token. */
class Pkcs11KeyServerTest {
  @TempDir
  static Path home;
  static ManagedKeyService hsm;
  static KeyServerFixture fixture;
  static final Map<String, String> CONTEXT = Map.of("tenant", "hsm");

  @BeforeAll
  static void start() throws Exception {
    hsm = Pkcs11KeyService.open(SoftHsmToken.config(SoftHsmToken.MAIN, home.resolve("pkcs11")));
    fixture = KeyServerFixture.start(home, hsm, Clock.systemUTC());
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @Test
  void dataKeysMadeInTheTokenThroughTheKmsApiUnwrapThroughTheTokenDirectlyAndBack() throws Exception {
    String id = fixture.kms.createKey(b -> b.description("in the hsm")).keyMetadata().keyId();
    GenerateDataKeyResponse made = fixture.kms.generateDataKey(b -> b.keyId(id).keySpec(DataKeySpec.AES_256)
        .encryptionContext(CONTEXT));
    try (DataKey direct = hsm.decrypt(CiphertextBlob.decode(made.ciphertextBlob().asByteArray()),
        EncryptionContext.of(CONTEXT))) {
      assertArrayEquals(made.plaintext().asByteArray(), direct.copyPlaintext(InsecureKeyAccess.get()));
    }
    try (DataKey direct = hsm.generateDataKey(id, EncryptionContext.of(CONTEXT))) {
      byte[] viaKms = fixture.kms.decrypt(b -> b.ciphertextBlob(SdkBytes.fromByteArray(
          CiphertextBlob.encode(direct.wrapped()))).encryptionContext(CONTEXT)).plaintext().asByteArray();
      assertArrayEquals(direct.copyPlaintext(InsecureKeyAccess.get()), viaKms);
    }
  }

  @Test
  void encryptDecryptRotateAndContextMismatchBehaveAsOverTheKeyring() {
    String id = fixture.kms.createKey(b -> b.description("rotating")).keyMetadata().keyId();
    SdkBytes blob = fixture.kms.encrypt(b -> b.keyId(id).plaintext(SdkBytes.fromUtf8String("hsm secret"))
        .encryptionContext(CONTEXT)).ciphertextBlob();
    fixture.kms.rotateKeyOnDemand(b -> b.keyId(id));
    assertEquals("hsm secret", fixture.kms.decrypt(b -> b.ciphertextBlob(blob).encryptionContext(CONTEXT))
        .plaintext().asUtf8String());
    assertThrows(InvalidCiphertextException.class, () -> fixture.kms.decrypt(b -> b.ciphertextBlob(blob)));
  }
}
