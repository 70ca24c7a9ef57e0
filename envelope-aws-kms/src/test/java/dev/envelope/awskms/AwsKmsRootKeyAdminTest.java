package dev.envelope.awskms;

import static dev.envelope.awskms.AwsKmsKeyServiceTest.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.RootKeyAdmin;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.testing.FaultyHttpProxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeyState;

/**
 * {@link RootKeyAdmin} over AWS KMS: the real {@link AwsKmsKeyService} and SDK against the real key server over
 * HTTP ({@link KmsFixture}); a {@link FaultyHttpProxy} in between only where a test needs an answer the key server
 * cannot give (another client's change between two calls, a key kind it does not make, an outage).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AwsKmsRootKeyAdminTest {
  private static final EncryptionContext CONTEXT = EncryptionContext.of("format", "1", "tenant", "acme", "object",
      "o1");
  private static final Map<String, String> JSON = Map.of("Content-Type", "application/x-amz-json-1.1");
  private static final Duration SEVEN_DAYS = Duration.ofDays(7);
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
  void createRootKey_makesAnEnabledSymmetricKeyNamedByItsArn_thatMakesAndUnwrapsDataKeys() throws Exception {
    long before = kms.calls("CreateKey");
    String arn = keys.createRootKey("tenant acme");

    assertEquals(before + 1, kms.calls("CreateKey"));
    assertTrue(arn.startsWith("arn:aws:kms:" + kms.region() + ":"), arn);
    KeyMetadata made = describe(arn);
    assertEquals(arn, made.arn());
    assertEquals(KeyState.ENABLED, made.keyState());
    assertEquals("SYMMETRIC_DEFAULT", made.keySpecAsString());
    assertEquals("ENCRYPT_DECRYPT", made.keyUsageAsString());
    assertEquals("tenant acme", made.description());

    assertEquals(arn, keys.resolveRootKey(arn));
    assertEquals(0, keys.currentVersion(arn));
    try (DataKey key = keys.generateDataKey(arn, CONTEXT); DataKey again = keys.decrypt(key.wrapped(), CONTEXT)) {
      assertEquals(arn, key.wrapped().rootKeyId(), "wrapped keys name the same ARN");
      assertEquals(0, key.wrapped().rootKeyVersion());
      assertArrayEquals(key.copyPlaintext(InsecureKeyAccess.get()), again.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void createRootKey_withoutADescription_orWithAnOversizedOne() throws Exception {
    assertEquals("", describe(keys.createRootKey(null)).description());
    assertEquals("", describe(keys.createRootKey("")).description());
    long before = kms.calls("CreateKey");
    assertFails(ErrorCode.INVALID_ARGUMENT, () -> keys.createRootKey("d".repeat(8193)));
    assertEquals(before, kms.calls("CreateKey"), "refused before any call");
  }

  @Test
  void resolveRootKey_byIdArnAliasAndAliasArn_givesTheArn() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    String alias = "alias/tenant-" + UUID.randomUUID();
    kms.createAlias(alias, arn);
    String keyId = arn.substring(arn.indexOf(":key/") + ":key/".length());
    String aliasArn = arn.substring(0, arn.indexOf(":key/") + 1) + alias;

    for (String ref : new String[] {arn, keyId, alias, aliasArn}) {
      assertEquals(arn, keys.resolveRootKey(ref), ref);
      assertEquals(0, keys.currentVersion(ref), ref);
    }
  }

  @Test
  void anUnknownKey_isKeyNotFound_forEveryMethodThatAsksKms() {
    String unknownId = UUID.randomUUID().toString();
    for (String ref : new String[] {unknownId, "arn:aws:kms:" + kms.region() + ":111122223333:key/" + unknownId,
        "arn:aws:kms:eu-west-3:999999999999:key/" + unknownId, "alias/no-such-tenant",
        "arn:aws:kms:" + kms.region() + ":111122223333:alias/no-such-tenant"}) {
      assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.resolveRootKey(ref), ref);
      assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.currentVersion(ref), ref);
      assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.disableRootKey(ref), ref);
      assertFails(ErrorCode.KEY_NOT_FOUND, () -> keys.scheduleRootKeyDeletion(ref), ref);
    }
  }

  @Test
  void aDisabledKey_resolvesToKeyDisabled_andRefusesDataKeys_disablingAgainChangesNothing() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    WrappedKey wrapped;
    try (DataKey key = keys.generateDataKey(arn, CONTEXT)) {
      wrapped = key.wrapped();
    }
    long before = kms.calls("DisableKey");

    keys.disableRootKey(arn);
    keys.disableRootKey(arn);

    assertEquals(before + 1, kms.calls("DisableKey"), "the second call saw a disabled key and left it");
    assertEquals(KeyState.DISABLED, describe(arn).keyState());
    EnvelopeException e = assertFails(ErrorCode.KEY_DISABLED, () -> keys.resolveRootKey(arn));
    assertTrue(e.getMessage().contains(arn), e.getMessage());
    assertFails(ErrorCode.KEY_DISABLED, () -> keys.generateDataKey(arn, CONTEXT).close());
    assertFails(ErrorCode.KEY_DISABLED, () -> keys.decrypt(wrapped, CONTEXT).close());
    assertEquals(0, keys.currentVersion(arn), "a disabled key still exists");
  }

  /** DisableKey and ScheduleKeyDeletion take no alias in AWS KMS (nor in the key server): the ARN is sent. */
  @Test
  void disableAndScheduleDeletion_byAlias_actOnTheKeyItNames() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    String alias = "alias/tenant-" + UUID.randomUUID();
    kms.createAlias(alias, arn);

    keys.disableRootKey(alias);
    assertEquals(KeyState.DISABLED, describe(arn).keyState());
    Instant date = keys.scheduleRootKeyDeletion(alias);
    assertEquals(KeyState.PENDING_DELETION, describe(arn).keyState());
    assertEquals(date, keys.scheduleRootKeyDeletion(arn));
  }

  @Test
  void scheduleRootKeyDeletion_takesSevenDaysByTheServersClock_andIsIdempotent() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    long scheduled = kms.calls("ScheduleKeyDeletion");

    Instant before = Instant.now();
    Instant date = keys.scheduleRootKeyDeletion(arn);
    Instant after = Instant.now();

    // The in-process key server dates deletions by this JVM's clock; KMS timestamps lose sub-microseconds.
    assertTrue(!date.isBefore(before.plus(SEVEN_DAYS).minusMillis(1))
        && !date.isAfter(after.plus(SEVEN_DAYS).plusMillis(1)), date + " is not 7 days after " + before);
    KeyMetadata pending = describe(arn);
    assertEquals(KeyState.PENDING_DELETION, pending.keyState());
    assertEquals(date, pending.deletionDate());

    assertEquals(date, keys.scheduleRootKeyDeletion(arn), "a second call keeps the first date");
    assertEquals(scheduled + 1, kms.calls("ScheduleKeyDeletion"), "and does not ask KMS to schedule again");
    long disabled = kms.calls("DisableKey");
    keys.disableRootKey(arn); // pending deletion: as good as disabled
    assertEquals(disabled, kms.calls("DisableKey"));
    assertEquals(0, keys.currentVersion(arn), "a key pending deletion still exists");
    EnvelopeException e = assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.resolveRootKey(arn));
    assertTrue(e.getMessage().contains("PendingDeletion"), e.getMessage());
  }

  @Test
  void theShreddingOrder_disableThenSchedule_works() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    keys.disableRootKey(arn);
    Instant date = keys.scheduleRootKeyDeletion(arn);
    assertEquals(KeyState.PENDING_DELETION, describe(arn).keyState());
    assertEquals(date, describe(arn).deletionDate());
  }

  @Test
  void afterDeletionIsScheduled_aKeyWrappedUnderIt_failsToDecryptClearly() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    WrappedKey wrapped;
    try (DataKey key = keys.generateDataKey(arn, CONTEXT)) {
      wrapped = key.wrapped();
    }
    String other = keys.createRootKey("tenant other");
    keys.scheduleRootKeyDeletion(arn);

    EnvelopeException e = assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.decrypt(wrapped, CONTEXT).close());
    String keyId = arn.substring(arn.indexOf(":key/") + ":key/".length());
    assertTrue(e.getMessage().contains(keyId) && e.getMessage().contains("pending deletion"), e.getMessage());
    assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.generateDataKey(arn, CONTEXT).close());
    assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.reEncrypt(wrapped, CONTEXT, other), "no rewrap out of it");
  }

  @Test
  void destroyRootKeyNow_isKeyInvalidState_sayingWhy_andTouchesNothing() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    int before = kms.auditOperations().size();

    EnvelopeException e = assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.destroyRootKeyNow(arn));

    assertTrue(e.getMessage().contains(arn) && e.getMessage().contains("7 days")
        && e.getMessage().contains("schedule its deletion"), e.getMessage());
    assertEquals(before, kms.auditOperations().size(), "no request");
    assertEquals(arn, keys.resolveRootKey(arn), "still enabled");
    keys.disableRootKey(arn);
    assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.destroyRootKeyNow(arn), "disabled");
    keys.scheduleRootKeyDeletion(arn);
    assertFails(ErrorCode.KEY_INVALID_STATE, () -> keys.destroyRootKeyNow(arn), "pending deletion");
  }

  @Test
  void hostileKeyNames_areRefusedBeforeAnyCall() {
    int before = kms.auditOperations().size();
    for (String bad : new String[] {"", "  ", "k".repeat(5000), "alias/x\n", "key\u0000id"}) {
      String shown = bad.length() > 20 ? bad.substring(0, 20) + "..." : bad;
      for (Executable call : new Executable[] {() -> keys.resolveRootKey(bad), () -> keys.currentVersion(bad),
          () -> keys.disableRootKey(bad), () -> keys.scheduleRootKeyDeletion(bad),
          () -> keys.destroyRootKeyNow(bad)}) {
        assertFails(ErrorCode.INVALID_ARGUMENT, call, shown);
      }
    }
    assertFails(ErrorCode.INVALID_ARGUMENT, () -> keys.resolveRootKey(null), "null");
    assertEquals(before, kms.auditOperations().size());
  }

  @Test
  void wrapDataKey_isOneEncrypt_byArnIdOrAlias_andDecryptsLikeAGeneratedKey() throws Exception {
    String arn = keys.createRootKey("migration target");
    String id = arn.substring(arn.lastIndexOf('/') + 1);
    kms.createAlias("alias/migrated", arn);
    byte[] bytes = new byte[DataKey.SIZE_BYTES];
    new java.util.Random(5).nextBytes(bytes);
    try (DataKey foreign = DataKey.of(bytes, WrappedKey.of("local-key-id", 3, new byte[] {9}))) {
      for (String ref : new String[] {arn, id, "alias/migrated"}) {
        long before = kms.calls("Encrypt");
        WrappedKey wrapped = keys.wrapDataKey(ref, foreign, CONTEXT);
        assertEquals(before + 1, kms.calls("Encrypt"), ref);
        assertEquals(arn, wrapped.rootKeyId(), "named by the ARN KMS answered, whatever the reference: " + ref);
        assertEquals(0, wrapped.rootKeyVersion());
        try (DataKey back = keys.decrypt(wrapped, CONTEXT)) {
          assertArrayEquals(bytes, back.copyPlaintext(InsecureKeyAccess.get()));
        }
      }
    }
  }

  /** The key server answers for the key it used; the proxy plays a KMS that wrapped under another one. */
  @Test
  void wrapDataKey_answeredForAnotherKey_isInvalidWrappedKey() throws Exception {
    String arn = keys.createRootKey("asked for");
    String other = keys.createRootKey("answered");
    byte[] blob;
    try (DataKey made = keys.generateDataKey(other, CONTEXT)) {
      blob = made.wrapped().ciphertext();
    }
    String answer = "{\"CiphertextBlob\":\"" + java.util.Base64.getEncoder().encodeToString(blob) + "\",\"KeyId\":\""
        + other + "\",\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"}";
    byte[] bytes = new byte[DataKey.SIZE_BYTES];
    try (FaultyHttpProxy proxy = FaultyHttpProxy.start(kms.endpoint());
         AwsKmsKeyService viaProxy = AwsKmsKeyService.create(kms.config().toBuilder().endpoint(proxy.endpoint())
             .build());
         DataKey foreign = DataKey.of(bytes, WrappedKey.of("k", 1, new byte[] {1}))) {
      proxy.respond(200, JSON, answer);
      for (String ref : new String[] {arn, arn.substring(arn.lastIndexOf('/') + 1)}) {
        EnvelopeException e = assertFails(ErrorCode.INVALID_WRAPPED_KEY, () -> viaProxy.wrapDataKey(ref, foreign,
            CONTEXT));
        assertTrue(e.getMessage().contains(other), e.getMessage());
      }
      proxy.respond(200, JSON, "{\"CiphertextBlob\":\"AQI=\",\"KeyId\":\"not-an-arn\"}");
      assertFails(ErrorCode.INTERNAL, () -> viaProxy.wrapDataKey("alias/x", foreign, CONTEXT), "no ARN");
    }
  }

  /** Another client schedules the deletion between this one's DescribeKey and its DisableKey. */
  @Test
  void disableRootKey_whenTheKeyWasScheduledForDeletionMeanwhile_succeeds() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    kms.client().scheduleKeyDeletion(r -> r.keyId(arn).pendingWindowInDays(7));
    long before = kms.calls("DisableKey");
    try (FaultyHttpProxy proxy = FaultyHttpProxy.start(kms.endpoint());
         AwsKmsKeyService viaProxy = AwsKmsKeyService.create(kms.config().toBuilder().endpoint(proxy.endpoint())
             .build())) {
      proxy.respondNext(1, 200, JSON, describeAnswer(arn, "Enabled", "CUSTOMER", "SYMMETRIC_DEFAULT",
          "ENCRYPT_DECRYPT")); // the DescribeKey answer from before the other client's change

      viaProxy.disableRootKey(arn);
    }
    assertEquals(before + 1, kms.calls("DisableKey"), "KMSInvalidStateException, then DescribeKey again");
    assertEquals(KeyState.PENDING_DELETION, describe(arn).keyState());
  }

  /** Another client schedules the deletion between this one's DescribeKey and its ScheduleKeyDeletion. */
  @Test
  void scheduleRootKeyDeletion_whenScheduledMeanwhile_returnsTheDateKmsHas() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    Instant theirs = kms.client().scheduleKeyDeletion(r -> r.keyId(arn).pendingWindowInDays(30)).deletionDate();
    try (FaultyHttpProxy proxy = FaultyHttpProxy.start(kms.endpoint());
         AwsKmsKeyService viaProxy = AwsKmsKeyService.create(kms.config().toBuilder().endpoint(proxy.endpoint())
             .build())) {
      proxy.respondNext(1, 200, JSON, describeAnswer(arn, "Disabled", "CUSTOMER", "SYMMETRIC_DEFAULT",
          "ENCRYPT_DECRYPT"));

      assertEquals(theirs, viaProxy.scheduleRootKeyDeletion(arn));
    }
  }

  /** The key server makes only symmetric customer keys, so the proxy gives AWS KMS's answers for other kinds. */
  @Test
  void resolveRootKey_ofAKeyThatCannotBeATenantsRootKey_isKeyInvalidState() throws Exception {
    String arn = "arn:aws:kms:us-east-1:111122223333:key/" + UUID.randomUUID();
    try (FaultyHttpProxy proxy = FaultyHttpProxy.start(kms.endpoint());
         AwsKmsKeyService viaProxy = AwsKmsKeyService.create(kms.config().toBuilder().endpoint(proxy.endpoint())
             .build())) {
      proxy.respond(200, JSON, describeAnswer(arn, "Enabled", "CUSTOMER", "RSA_2048", "SIGN_VERIFY"));
      EnvelopeException e = assertFails(ErrorCode.KEY_INVALID_STATE, () -> viaProxy.resolveRootKey(arn));
      assertTrue(e.getMessage().contains("RSA_2048"), e.getMessage());
      assertFails(ErrorCode.INVALID_ARGUMENT, () -> viaProxy.describeRootKey(arn), "describeRootKey is unchanged");

      proxy.respond(200, JSON, describeAnswer(arn, "Enabled", "CUSTOMER", "HMAC_256", "GENERATE_VERIFY_MAC"));
      assertFails(ErrorCode.KEY_INVALID_STATE, () -> viaProxy.resolveRootKey(arn));

      proxy.respond(200, JSON, describeAnswer(arn, "Enabled", "AWS", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"));
      e = assertFails(ErrorCode.KEY_INVALID_STATE, () -> viaProxy.resolveRootKey(arn));
      assertTrue(e.getMessage().contains("AWS managed"), e.getMessage());

      proxy.respond(200, JSON, describeAnswer(arn, "PendingImport", "CUSTOMER", "SYMMETRIC_DEFAULT",
          "ENCRYPT_DECRYPT"));
      assertFails(ErrorCode.KEY_INVALID_STATE, () -> viaProxy.resolveRootKey(arn));

      proxy.respond(200, JSON, "{\"KeyMetadata\":{\"KeyId\":\"x\",\"KeyState\":\"Enabled\"}}");
      assertFails(ErrorCode.KEYRING_UNAVAILABLE, () -> viaProxy.resolveRootKey(arn), "no ARN");
      proxy.respond(200, JSON, describeAnswer(arn, "PendingDeletion", "CUSTOMER", "SYMMETRIC_DEFAULT",
          "ENCRYPT_DECRYPT"));
      assertFails(ErrorCode.KEYRING_UNAVAILABLE, () -> viaProxy.scheduleRootKeyDeletion(arn), "no DeletionDate");
    }
  }

  @Test
  void anUnreachableOrFailingKms_isKeyringUnavailable_afterBoundedRetries() throws Exception {
    String arn = keys.createRootKey("tenant acme");
    int attempts = 3;
    try (FaultyHttpProxy proxy = FaultyHttpProxy.start(kms.endpoint());
         AwsKmsKeyService viaProxy = AwsKmsKeyService.create(kms.config().toBuilder().endpoint(proxy.endpoint())
             .maxAttempts(attempts).baseDelay(Duration.ofMillis(10)).throttlingBaseDelay(Duration.ofMillis(20))
             .maxBackoff(Duration.ofMillis(100)).attemptTimeout(Duration.ofMillis(700))
             .callTimeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofMillis(500)).build())) {
      proxy.respond(500, JSON, "{\"__type\":\"KMSInternalException\",\"message\":\"down\"}");
      long created = kms.calls("CreateKey");
      EnvelopeException e = assertFails(ErrorCode.KEYRING_UNAVAILABLE, () -> viaProxy.createRootKey("t"));
      assertEquals(attempts, proxy.requests());
      assertEquals(created, kms.calls("CreateKey"));
      assertTrue(e.getMessage().contains("after " + attempts + " attempts"), e.getMessage());

      proxy.refuseConnections();
      for (Executable call : new Executable[] {() -> viaProxy.createRootKey("t"),
          () -> viaProxy.resolveRootKey(arn), () -> viaProxy.currentVersion(arn), () -> viaProxy.disableRootKey(arn),
          () -> viaProxy.scheduleRootKeyDeletion(arn)}) {
        e = assertFails(ErrorCode.KEYRING_UNAVAILABLE, call);
        assertTrue(e.getMessage().contains(proxy.endpoint().toString()), e.getMessage());
        assertFalse(e.getMessage().contains(kms.secretKey()), e.getMessage());
      }
    }
    assertEquals(KeyState.ENABLED, describe(arn).keyState(), "nothing changed");
  }

  private static KeyMetadata describe(String keyRef) {
    return kms.client().describeKey(r -> r.keyId(keyRef)).keyMetadata();
  }

  private static String describeAnswer(String arn, String state, String manager, String spec, String usage) {
    return "{\"KeyMetadata\":{\"Arn\":\"" + arn + "\",\"KeyId\":\"" + arn.substring(arn.lastIndexOf('/') + 1)
        + "\",\"Enabled\":" + "Enabled".equals(state) + ",\"KeyState\":\"" + state + "\",\"KeyManager\":\"" + manager
        + "\",\"KeyUsage\":\"" + usage + "\",\"KeySpec\":\"" + spec + "\"}}";
  }
}
