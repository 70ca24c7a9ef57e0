package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.WrappedKey;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;

/**
 * The KMS API and the key service are one: what one wraps, the other unwraps. A CiphertextBlob is a
 * {@link WrappedKey} with its key id and version in front, nothing more.
 */
class InteropTest {
  @TempDir
  static Path home;
  static KeyServerFixture fixture;
  static String keyId;
  static final Map<String, String> CONTEXT = Map.of("tenant", "t1", "object", "o42");

  @BeforeAll
  static void start() throws Exception {
    fixture = KeyServerFixture.start(home);
    keyId = fixture.keyring.createKey("interop").id();
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @Test
  void aDataKeyMadeThroughTheKmsApiUnwrapsThroughTheKeyServiceDirectly() throws Exception {
    GenerateDataKeyResponse made = fixture.kms.generateDataKey(b -> b.keyId(keyId).keySpec(DataKeySpec.AES_256)
        .encryptionContext(CONTEXT));
    WrappedKey wrapped = CiphertextBlob.decode(made.ciphertextBlob().asByteArray());
    assertEquals(keyId, wrapped.rootKeyId());
    try (DataKey direct = fixture.keyring.decrypt(wrapped, EncryptionContext.of(CONTEXT))) {
      assertArrayEquals(made.plaintext().asByteArray(), direct.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void aDataKeyMadeByTheKeyServiceDirectlyDecryptsThroughTheKmsApi() throws Exception {
    try (DataKey direct = fixture.keyring.generateDataKey(keyId, EncryptionContext.of(CONTEXT))) {
      SdkBytes blob = SdkBytes.fromByteArray(CiphertextBlob.encode(direct.wrapped()));
      byte[] viaKms = fixture.kms.decrypt(b -> b.ciphertextBlob(blob).encryptionContext(CONTEXT)).plaintext()
          .asByteArray();
      assertArrayEquals(direct.copyPlaintext(InsecureKeyAccess.get()), viaKms);
    }
  }

  @Test
  void encryptAndDecryptBytesMeetTheKmsApiBothWays() throws Exception {
    byte[] secret = "a small secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    SdkBytes blob = fixture.kms.encrypt(b -> b.keyId(keyId).plaintext(SdkBytes.fromByteArray(secret))
        .encryptionContext(CONTEXT)).ciphertextBlob();
    assertArrayEquals(secret, fixture.keyring.decryptBytes(CiphertextBlob.decode(blob.asByteArray()),
        EncryptionContext.of(CONTEXT)));
    WrappedKey direct = fixture.keyring.encrypt(keyId, secret, EncryptionContext.of(CONTEXT));
    assertArrayEquals(secret, fixture.kms.decrypt(b -> b.ciphertextBlob(SdkBytes.fromByteArray(
        CiphertextBlob.encode(direct))).encryptionContext(CONTEXT)).plaintext().asByteArray());
  }
}
