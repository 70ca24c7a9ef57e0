package dev.envelope.awskms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.testing.FaultyHttpProxy;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** What the contract does not cover: key ids and ARNs, describeRootKey, hostile inputs, answers to distrust. */
class AwsKmsKeyServiceTest {
  private static final EncryptionContext CONTEXT = EncryptionContext.of("format", "1", "tenant", "t1", "object", "o1");
  private static final Map<String, String> JSON = Map.of("Content-Type", "application/x-amz-json-1.1");
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

  @BeforeEach
  void createService() throws Exception {
    keys = AwsKmsKeyService.create(kms.config());
  }

  @AfterEach
  void closeService() {
    keys.close();
  }

  @Test
  void name_isAwsKms() {
    assertEquals("aws-kms", keys.name());
  }

  @Test
  void generateDataKey_byAliasOrKeyId_isWrappedUnderTheArn_andCallsKmsOnce() throws Exception {
    String arn = kms.createKey();
    String alias = "alias/files-" + UUID.randomUUID();
    kms.createAlias(alias, arn);
    String keyId = arn.substring(arn.indexOf(":key/") + ":key/".length());
    long before = kms.generateDataKeyCalls();

    for (String ref : new String[] {alias, keyId, arn}) {
      try (DataKey key = keys.generateDataKey(ref, CONTEXT)) {
        assertEquals(arn, key.wrapped().rootKeyId(), ref);
        assertEquals(0, key.wrapped().rootKeyVersion());
      }
    }
    assertEquals(before + 3, kms.generateDataKeyCalls());
  }

  @Test
  void decrypt_ofAKeyMadeUnderB_presentedAsAs_failsWithInvalidWrappedKey() throws Exception {
    String a = kms.createKey();
    String b = kms.createKey();
    WrappedKey underB;
    try (DataKey key = keys.generateDataKey(b, CONTEXT)) {
      underB = key.wrapped();
    }
    WrappedKey claimedA = WrappedKey.of(a, 0, underB.ciphertext());

    assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decrypt(claimedA, CONTEXT).close());
    assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.reEncrypt(claimedA, CONTEXT, a));
  }

  @Test
  void decrypt_underAnotherContext_failsWithInvalidWrappedKey_andNamesNoContext() throws Exception {
    String root = kms.createKey();
    WrappedKey wrapped;
    try (DataKey key = keys.generateDataKey(root, CONTEXT)) {
      wrapped = key.wrapped();
    }
    EncryptionContext other = EncryptionContext.of("format", "1", "tenant", "t2", "object", "o1");

    EnvelopeException e = assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decrypt(wrapped, other).close());
    assertFalse(e.getMessage().contains("t2"), e.getMessage());
  }

  @Test
  void decrypt_whenTheAnswerNamesAnotherKey_failsWithInvalidWrappedKey() throws Exception {
    String root = kms.createKey();
    String other = kms.createKey();
    WrappedKey wrapped;
    try (DataKey key = keys.generateDataKey(root, CONTEXT)) {
      wrapped = key.wrapped();
    }
    String plaintext = Base64.getEncoder().encodeToString(new byte[32]);
    try (FaultyHttpProxy proxy = FaultyHttpProxy.start(kms.endpoint());
         AwsKmsKeyService viaProxy = AwsKmsKeyService.create(kms.config().toBuilder().endpoint(proxy.endpoint())
             .build())) {
      proxy.respondNext(1, 200, JSON, "{\"KeyId\":\"" + other + "\",\"Plaintext\":\"" + plaintext
          + "\",\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"}");
      assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> viaProxy.decrypt(wrapped, CONTEXT).close());

      String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
      proxy.respondNext(1, 200, JSON, "{\"KeyId\":\"" + root + "\",\"Plaintext\":\"" + shortKey + "\"}");
      assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> viaProxy.decrypt(wrapped, CONTEXT).close());

      try (DataKey decrypted = viaProxy.decrypt(wrapped, CONTEXT)) { // the proxy passes through again
        assertEquals(root, decrypted.wrapped().rootKeyId());
      }
    }
  }

  @Test
  void generateDataKey_whenTheAnswerHoldsAShortKey_fails() throws Exception {
    String root = kms.createKey();
    try (FaultyHttpProxy proxy = FaultyHttpProxy.start(kms.endpoint());
         AwsKmsKeyService viaProxy = AwsKmsKeyService.create(kms.config().toBuilder().endpoint(proxy.endpoint())
             .build())) {
      proxy.respondNext(1, 200, JSON, "{\"KeyId\":\"" + root + "\",\"CiphertextBlob\":\"AQID\",\"Plaintext\":\""
          + Base64.getEncoder().encodeToString(new byte[16]) + "\"}");
      assertFails(ErrorCode.INTERNAL, () -> viaProxy.generateDataKey(root, CONTEXT).close());
    }
  }

  @Test
  void reEncrypt_toAnAlias_namesTheTargetArn_andDecrypts() throws Exception {
    String first = kms.createKey();
    String second = kms.createKey();
    String alias = "alias/rewrap-" + UUID.randomUUID();
    kms.createAlias(alias, second);
    try (DataKey original = keys.generateDataKey(first, CONTEXT)) {
      WrappedKey rewrapped = keys.reEncrypt(original.wrapped(), CONTEXT, alias);

      assertEquals(second, rewrapped.rootKeyId());
      try (DataKey decrypted = keys.decrypt(rewrapped, CONTEXT)) {
        assertArrayEquals(original.copyPlaintext(InsecureKeyAccess.get()),
            decrypted.copyPlaintext(InsecureKeyAccess.get()));
      }
    }
  }

  @Test
  void describeRootKey_byIdArnAliasAndAliasArn_returnsTheArn() throws Exception {
    String arn = kms.createKey();
    String alias = "alias/describe-" + UUID.randomUUID();
    kms.createAlias(alias, arn);
    String keyId = arn.substring(arn.indexOf(":key/") + ":key/".length());
    String aliasArn = arn.substring(0, arn.indexOf(":key/") + 1) + alias;

    for (String ref : new String[] {arn, keyId, alias, aliasArn}) {
      assertEquals(arn, keys.describeRootKey(ref), ref);
    }
  }

  @Test
  void describeRootKey_ofAMissingKey_failsWithKeyNotFound() {
    assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.describeRootKey("alias/no-such-alias"));
    assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.describeRootKey(UUID.randomUUID().toString()));
    assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.describeRootKey(
        "arn:aws:kms:eu-west-3:999999999999:key/" + UUID.randomUUID()));
  }

  @Test
  void describeRootKey_ofADisabledKey_failsWithKeyDisabled() throws Exception {
    String arn = kms.createKey();
    kms.client().disableKey(r -> r.keyId(arn));

    EnvelopeException e = assertFails(ErrorCode.KEY_DISABLED, () -> keys.describeRootKey(arn));
    assertTrue(e.getMessage().contains(arn), e.getMessage());
  }

  @Test
  void describeRootKey_ofAKeyPendingDeletion_failsWithKeyInvalidState() throws Exception {
    String arn = kms.createKey();
    kms.client().scheduleKeyDeletion(r -> r.keyId(arn).pendingWindowInDays(7));

    assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.describeRootKey(arn));
    assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.generateDataKey(arn, CONTEXT).close());
  }

  /** The key server makes only symmetric keys, so the proxy gives the answer AWS KMS gives for an RSA key. */
  @Test
  void describeRootKey_ofAnAsymmetricKey_failsWithInvalidArgument() throws Exception {
    String arn = "arn:aws:kms:us-east-1:111122223333:key/" + UUID.randomUUID();
    try (FaultyHttpProxy proxy = FaultyHttpProxy.start(kms.endpoint());
         AwsKmsKeyService viaProxy = AwsKmsKeyService.create(kms.config().toBuilder().endpoint(proxy.endpoint())
             .build())) {
      proxy.respond(200, JSON, "{\"KeyMetadata\":{\"Arn\":\"" + arn + "\",\"KeyId\":\"x\",\"Enabled\":true,"
          + "\"KeyState\":\"Enabled\",\"KeyUsage\":\"SIGN_VERIFY\",\"KeySpec\":\"RSA_2048\"}}");

      EnvelopeException e = assertFails(ErrorCode.INVALID_ARGUMENT, () -> viaProxy.describeRootKey(arn));
      assertTrue(e.getMessage().contains("RSA_2048"), e.getMessage());

      proxy.respond(200, JSON, "{\"KeyMetadata\":{\"Arn\":\"" + arn + "\",\"KeyId\":\"x\",\"Enabled\":true,"
          + "\"KeyState\":\"Enabled\",\"KeyUsage\":\"GENERATE_VERIFY_MAC\",\"KeySpec\":\"HMAC_256\"}}");
      assertFails(ErrorCode.INVALID_ARGUMENT, () -> viaProxy.describeRootKey(arn));

      proxy.respond(200, JSON, "{\"KeyMetadata\":{\"Arn\":\"" + arn + "\",\"KeyId\":\"x\",\"Enabled\":false,"
          + "\"KeyState\":\"PendingImport\",\"KeyUsage\":\"ENCRYPT_DECRYPT\",\"KeySpec\":\"SYMMETRIC_DEFAULT\"}}");
      assertFails(ErrorCode.KEY_INVALID_STATE, () -> viaProxy.describeRootKey(arn));
    }
  }

  @Test
  void wrongEmptyHugeAndHostileKeyNames_failClearly() throws Exception {
    String huge = "k".repeat(5000);
    for (String bad : new String[] {"", "   ", huge, "alias/x\n", "key\u0000id"}) {
      String shown = bad.length() > 20 ? bad.substring(0, 20) + "..." : bad;
      assertFails(ErrorCode.INVALID_ARGUMENT, () -> keys.generateDataKey(bad, CONTEXT).close(), shown);
      assertFails(ErrorCode.INVALID_ARGUMENT, () -> keys.describeRootKey(bad), shown);
    }
    assertFails(ErrorCode.INVALID_ARGUMENT, () -> keys.generateDataKey(null, CONTEXT).close(), "null");
    for (String unknown : new String[] {"not-a-key", "alias/../../etc/passwd", "alias/aws/s3",
        "arn:aws:kms:us-east-1:111122223333:alias/none", "' OR 1=1 --", "\u00e9\u4e2d\ud83d\udd11"}) {
      assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.generateDataKey(unknown, CONTEXT).close(), unknown);
    }
  }

  @Test
  void damagedAndForeignWrappedKeys_failWithInvalidWrappedKeyOrKeyNotFound() throws Exception {
    String root = kms.createKey();
    byte[] random = new byte[200];
    new java.security.SecureRandom().nextBytes(random);
    assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decrypt(WrappedKey.of(root, 0, random), CONTEXT).close());
    assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decrypt(WrappedKey.of(root, 0, new byte[1]), CONTEXT)
        .close());
    assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decrypt(WrappedKey.of(root, 0,
        new byte[WrappedKey.MAX_CIPHERTEXT_BYTES]), CONTEXT).close());
    // A wrapped key naming a bare key id (as the local keyring's do): no key of this KMS answers to it.
    byte[] real;
    try (DataKey key = keys.generateDataKey(root, CONTEXT)) {
      real = key.wrapped().ciphertext();
    }
    assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.decrypt(WrappedKey.of(UUID.randomUUID().toString(), 3,
        real), CONTEXT).close());
  }

  @Test
  void aLargeContext_works_andAnOversizedOne_failsWithoutUnavailable() throws Exception {
    String root = kms.createKey();
    Map<String, String> large = new HashMap<>();
    for (int i = 0; i < 8; i++) {
      large.put("k" + i, "v".repeat(500));
    }
    EncryptionContext context = EncryptionContext.of(large);
    try (DataKey key = keys.generateDataKey(root, context); DataKey again = keys.decrypt(key.wrapped(), context)) {
      assertArrayEquals(key.copyPlaintext(InsecureKeyAccess.get()), again.copyPlaintext(InsecureKeyAccess.get()));
    }
    Map<String, String> oversized = new HashMap<>();
    for (int i = 0; i < EncryptionContext.MAX_ENTRIES; i++) {
      oversized.put("k" + i, "v".repeat(EncryptionContext.MAX_VALUE_BYTES));
    }
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> keys.generateDataKey(root, EncryptionContext.of(oversized)).close());
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), e.getMessage());
  }

  @Test
  void overAnEmbeddersClient_works_andLeavesTheClientOpen() throws Exception {
    String root = kms.createKey();
    AwsKmsKeyService embedded = AwsKmsKeyService.over(kms.client(), kms.endpoint().toString());
    try (DataKey key = embedded.generateDataKey(root, CONTEXT);
         DataKey again = embedded.decrypt(key.wrapped(), CONTEXT)) {
      assertArrayEquals(key.copyPlaintext(InsecureKeyAccess.get()), again.copyPlaintext(InsecureKeyAccess.get()));
    }
    embedded.close();
    assertEquals(root, kms.client().describeKey(r -> r.keyId(root)).keyMetadata().arn());
  }

  static EnvelopeException assertFails(ErrorCode expected, Executable call) {
    return assertFails(expected, call, "");
  }

  static EnvelopeException assertFails(ErrorCode expected, Executable call, String what) {
    EnvelopeException e = assertThrows(EnvelopeException.class, call, what);
    assertEquals(expected, e.code(), what + ": " + e.getMessage());
    return e;
  }
}
