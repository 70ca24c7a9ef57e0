package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.AlreadyExistsException;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidAliasNameException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/** Every KMS error a client can meet through the SDK, each as the exception class the real service gives. */
class KmsErrorsTest {
  @TempDir
  static Path home;
  static KeyServerFixture fixture;
  static KmsClient kms;
  static final SdkBytes SECRET = SdkBytes.fromUtf8String("the secret");

  @BeforeAll
  static void start() throws Exception {
    fixture = KeyServerFixture.start(home);
    kms = fixture.kms;
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static String newKey() {
    return kms.createKey(b -> b.description("errors")).keyMetadata().keyId();
  }

  private static <T extends KmsException> T fails(Class<T> type, Executable call) {
    T e = assertThrows(type, call);
    assertEquals(400, e.statusCode());
    return e;
  }

  private static void failsWithCode(String code, Executable call) {
    KmsException e = assertThrows(KmsException.class, call);
    assertEquals(code, e.awsErrorDetails().errorCode());
    assertEquals(400, e.statusCode());
  }

  @Test
  void unknownKeysAreNotFoundInEveryForm() {
    for (String ref : new String[] {"5b4c7a4e-0d2f-4c8c-9d3b-6a2d1f0e9c11",
        "arn:aws:kms:us-east-1:111122223333:key/5b4c7a4e-0d2f-4c8c-9d3b-6a2d1f0e9c11", "alias/nobody",
        "arn:aws:kms:us-east-1:111122223333:alias/nobody", "not-a-key-id"}) {
      fails(NotFoundException.class, () -> kms.describeKey(b -> b.keyId(ref)));
      fails(NotFoundException.class, () -> kms.encrypt(b -> b.keyId(ref).plaintext(SECRET)));
    }
  }

  @Test
  void aKeyOfAnotherRegionOrAccountIsNotFound() {
    String id = newKey();
    fails(NotFoundException.class, () -> kms.describeKey(b -> b.keyId("arn:aws:kms:eu-west-1:111122223333:key/" + id)));
    fails(NotFoundException.class, () -> kms.describeKey(b -> b.keyId("arn:aws:kms:us-east-1:999999999999:key/" + id)));
  }

  @Test
  void aBareAliasNameIsNotAKeyId() {
    String id = newKey();
    kms.createAlias(b -> b.aliasName("alias/bare").targetKeyId(id));
    fails(NotFoundException.class, () -> kms.describeKey(b -> b.keyId("bare")));
  }

  @Test
  void aDisabledKeyNeitherEncryptsNorDecrypts() {
    String id = newKey();
    SdkBytes blob = kms.encrypt(b -> b.keyId(id).plaintext(SECRET)).ciphertextBlob();
    kms.disableKey(b -> b.keyId(id));
    fails(DisabledException.class, () -> kms.encrypt(b -> b.keyId(id).plaintext(SECRET)));
    fails(DisabledException.class, () -> kms.decrypt(b -> b.ciphertextBlob(blob)));
    fails(DisabledException.class, () -> kms.generateDataKey(b -> b.keyId(id).keySpec(DataKeySpec.AES_256)));
  }

  @Test
  void aKeyPendingDeletionIsInAnInvalidState() {
    String id = newKey();
    SdkBytes blob = kms.encrypt(b -> b.keyId(id).plaintext(SECRET)).ciphertextBlob();
    kms.scheduleKeyDeletion(b -> b.keyId(id).pendingWindowInDays(7));
    fails(KmsInvalidStateException.class, () -> kms.encrypt(b -> b.keyId(id).plaintext(SECRET)));
    fails(KmsInvalidStateException.class, () -> kms.decrypt(b -> b.ciphertextBlob(blob)));
    fails(KmsInvalidStateException.class, () -> kms.enableKey(b -> b.keyId(id)));
  }

  /** As in AWS KMS: a key pending deletion is neither disabled nor scheduled again, and keeps its date. */
  @Test
  void aKeyPendingDeletionCanNeitherBeDisabledNorScheduledAgain_norUsedByArn() {
    String id = newKey();
    String arn = "arn:aws:kms:us-east-1:111122223333:key/" + id;
    SdkBytes blob = kms.generateDataKey(b -> b.keyId(id).keySpec(DataKeySpec.AES_256)).ciphertextBlob();
    Instant date = kms.scheduleKeyDeletion(b -> b.keyId(id).pendingWindowInDays(7)).deletionDate();

    fails(KmsInvalidStateException.class, () -> kms.disableKey(b -> b.keyId(id)));
    fails(KmsInvalidStateException.class, () -> kms.scheduleKeyDeletion(b -> b.keyId(arn).pendingWindowInDays(7)));
    fails(KmsInvalidStateException.class, () -> kms.scheduleKeyDeletion(b -> b.keyId(arn).pendingWindowInDays(30)));
    fails(KmsInvalidStateException.class, () -> kms.generateDataKey(b -> b.keyId(arn)
        .keySpec(DataKeySpec.AES_256)));
    KmsInvalidStateException e = fails(KmsInvalidStateException.class, () -> kms.decrypt(b -> b.keyId(arn)
        .ciphertextBlob(blob)));
    assertTrue(e.awsErrorDetails().errorMessage().contains("pending deletion"), e.getMessage());
    KeyMetadata pending = kms.describeKey(b -> b.keyId(arn)).keyMetadata();
    assertEquals(KeyState.PENDING_DELETION, pending.keyState());
    assertEquals(date, pending.deletionDate(), "the first date stays");
    assertFalse(pending.enabled());
  }

  /** As in AWS KMS, the operations that change a key's state or rotation take a key id or key ARN, never an alias. */
  @Test
  void stateAndRotationOperationsTakeAKeyIdOrKeyArn_neverAnAlias() {
    String id = newKey();
    kms.createAlias(b -> b.aliasName("alias/by-id-only").targetKeyId(id));
    for (String alias : new String[] {"alias/by-id-only", "arn:aws:kms:us-east-1:111122223333:alias/by-id-only"}) {
      NotFoundException e = fails(NotFoundException.class, () -> kms.disableKey(b -> b.keyId(alias)));
      assertTrue(e.awsErrorDetails().errorMessage().startsWith("Invalid keyId " + alias), e.getMessage());
      fails(NotFoundException.class, () -> kms.enableKey(b -> b.keyId(alias)));
      fails(NotFoundException.class, () -> kms.scheduleKeyDeletion(b -> b.keyId(alias).pendingWindowInDays(7)));
      fails(NotFoundException.class, () -> kms.cancelKeyDeletion(b -> b.keyId(alias)));
      fails(NotFoundException.class, () -> kms.enableKeyRotation(b -> b.keyId(alias)));
      fails(NotFoundException.class, () -> kms.disableKeyRotation(b -> b.keyId(alias)));
      fails(NotFoundException.class, () -> kms.getKeyRotationStatus(b -> b.keyId(alias)));
      fails(NotFoundException.class, () -> kms.rotateKeyOnDemand(b -> b.keyId(alias)));
      assertEquals(KeyState.ENABLED, kms.describeKey(b -> b.keyId(alias)).keyMetadata().keyState(),
          "DescribeKey takes aliases, and nothing changed");
    }
    kms.disableKey(b -> b.keyId("arn:aws:kms:us-east-1:111122223333:key/" + id));
    kms.enableKey(b -> b.keyId(id));
    assertEquals(KeyState.ENABLED, kms.describeKey(b -> b.keyId("alias/by-id-only")).keyMetadata().keyState());
  }

  @Test
  void cancellingTheDeletionOfAKeyThatIsNotPendingIsAnInvalidState() {
    String id = newKey();
    fails(KmsInvalidStateException.class, () -> kms.cancelKeyDeletion(b -> b.keyId(id)));
  }

  @Test
  void anAliasCanOnlyBeTakenOnce() {
    String a = newKey();
    String b2 = newKey();
    kms.createAlias(b -> b.aliasName("alias/taken").targetKeyId(a));
    fails(AlreadyExistsException.class, () -> kms.createAlias(b -> b.aliasName("alias/taken").targetKeyId(b2)));
  }

  @Test
  void awsManagedAliasesAreRefused() {
    String id = newKey();
    fails(InvalidAliasNameException.class, () -> kms.createAlias(b -> b.aliasName("alias/aws/s3").targetKeyId(id)));
    fails(NotFoundException.class, () -> kms.describeKey(b -> b.keyId("alias/aws/s3")));
    failsWithCode("ValidationException", () -> kms.createAlias(b -> b.aliasName("no-prefix").targetKeyId(id)));
  }

  @Test
  void deletingAnUnknownAliasIsNotFound() {
    fails(NotFoundException.class, () -> kms.deleteAlias(b -> b.aliasName("alias/never-made")));
  }

  @Test
  void decryptUnderAnotherContextIsAnInvalidCiphertext() {
    String id = newKey();
    SdkBytes blob = kms.encrypt(b -> b.keyId(id).plaintext(SECRET).encryptionContext(Map.of("tenant", "a")))
        .ciphertextBlob();
    fails(InvalidCiphertextException.class, () -> kms.decrypt(b -> b.ciphertextBlob(blob)
        .encryptionContext(Map.of("tenant", "b"))));
    fails(InvalidCiphertextException.class, () -> kms.decrypt(b -> b.ciphertextBlob(blob)));
    fails(InvalidCiphertextException.class, () -> kms.reEncrypt(b -> b.ciphertextBlob(blob).destinationKeyId(id)
        .sourceEncryptionContext(Map.of("tenant", "c"))));
  }

  @Test
  void aTamperedCiphertextIsInvalid() {
    String id = newKey();
    byte[] blob = kms.encrypt(b -> b.keyId(id).plaintext(SECRET)).ciphertextBlob().asByteArray();
    blob[blob.length - 1] ^= 1;
    fails(InvalidCiphertextException.class, () -> kms.decrypt(b -> b.ciphertextBlob(SdkBytes.fromByteArray(blob))));
    fails(InvalidCiphertextException.class, () -> kms.decrypt(b -> b.ciphertextBlob(
        SdkBytes.fromByteArray(new byte[] {9, 9, 9}))));
  }

  @Test
  void decryptOrReEncryptWithAnotherKeyIdIsAnIncorrectKey() {
    String id = newKey();
    String other = newKey();
    SdkBytes blob = kms.encrypt(b -> b.keyId(id).plaintext(SECRET)).ciphertextBlob();
    fails(IncorrectKeyException.class, () -> kms.decrypt(b -> b.ciphertextBlob(blob).keyId(other)));
    fails(IncorrectKeyException.class, () -> kms.reEncrypt(b -> b.ciphertextBlob(blob).sourceKeyId(other)
        .destinationKeyId(id)));
  }

  @Test
  void plaintextsOutsideOneTo4096BytesAreRefused() {
    String id = newKey();
    failsWithCode("ValidationException", () -> kms.encrypt(b -> b.keyId(id)
        .plaintext(SdkBytes.fromByteArray(new byte[4097]))));
    failsWithCode("ValidationException", () -> kms.encrypt(b -> b.keyId(id)
        .plaintext(SdkBytes.fromByteArray(new byte[0]))));
  }

  @Test
  void ciphertextsOver6144BytesAreRefused() {
    failsWithCode("ValidationException", () -> kms.decrypt(b -> b.ciphertextBlob(
        SdkBytes.fromByteArray(new byte[6145]))));
  }

  @Test
  void dataKeySizesOutsideTheLimitsAreRefused() {
    String id = newKey();
    failsWithCode("ValidationException", () -> kms.generateDataKey(b -> b.keyId(id).numberOfBytes(1025)));
    failsWithCode("ValidationException", () -> kms.generateDataKey(b -> b.keyId(id)));
    failsWithCode("ValidationException", () -> kms.generateDataKey(b -> b.keyId(id).numberOfBytes(32)
        .keySpec(DataKeySpec.AES_256)));
    failsWithCode("ValidationException", () -> kms.generateRandom(b -> b.numberOfBytes(1025)));
    failsWithCode("ValidationException", () -> kms.generateRandom(b -> b.numberOfBytes(0)));
  }

  @Test
  void waitingPeriodsAndRotationPeriodsOutsideTheLimitsAreRefused() {
    String id = newKey();
    failsWithCode("ValidationException", () -> kms.scheduleKeyDeletion(b -> b.keyId(id).pendingWindowInDays(6)));
    failsWithCode("ValidationException", () -> kms.scheduleKeyDeletion(b -> b.keyId(id).pendingWindowInDays(31)));
    failsWithCode("ValidationException", () -> kms.scheduleKeyDeletion(b -> b.keyId(id).pendingWindowInDays(0)));
    failsWithCode("ValidationException", () -> kms.scheduleKeyDeletion(b -> b.keyId(id).pendingWindowInDays(-7)));
    assertEquals(KeyState.ENABLED, kms.describeKey(b -> b.keyId(id)).keyMetadata().keyState(),
        "a refused schedule changes nothing");
    failsWithCode("ValidationException", () -> kms.enableKeyRotation(b -> b.keyId(id).rotationPeriodInDays(89)));
  }

  @Test
  void anAccessKeyLimitedToSomeOperationsAndKeysIsDeniedTheRest() throws Exception {
    String allowed = newKey();
    String forbidden = newKey();
    AccessKey limited = fixture.credentials.create("decrypt-only", Set.of("Encrypt", "Decrypt"), Set.of(allowed));
    try (KmsClient client = fixture.client(limited.id(), limited.secret())) {
      SdkBytes blob = client.encrypt(b -> b.keyId(allowed).plaintext(SECRET)).ciphertextBlob();
      assertEquals(SECRET, client.decrypt(b -> b.ciphertextBlob(blob)).plaintext());
      failsWithCode("AccessDeniedException", () -> client.encrypt(b -> b.keyId(forbidden).plaintext(SECRET)));
      SdkBytes other = kms.encrypt(b -> b.keyId(forbidden).plaintext(SECRET)).ciphertextBlob();
      failsWithCode("AccessDeniedException", () -> client.decrypt(b -> b.ciphertextBlob(other)));
      failsWithCode("AccessDeniedException", () -> client.createKey(b -> b.description("no")));
      failsWithCode("AccessDeniedException", () -> client.reEncrypt(b -> b.ciphertextBlob(blob)
          .destinationKeyId(allowed)));
    }
  }

  @Test
  void anAccessKeyLimitedToSomeKeys_cannotCreateKeys_andNoKeyIsLeftBehind() throws Exception {
    String allowed = newKey();
    AccessKey limited = fixture.credentials.create("one-key", Set.of(), Set.of(allowed));
    int before = kms.listKeys().keys().size();
    try (KmsClient client = fixture.client(limited.id(), limited.secret())) {
      failsWithCode("AccessDeniedException", () -> client.createKey(b -> b.description("no")));
    }
    assertEquals(before, kms.listKeys().keys().size(), "the refused CreateKey created nothing");
  }
}
