package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.AliasListEntry;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.GetKeyRotationStatusResponse;
import software.amazon.awssdk.services.kms.model.KeyListEntry;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.ListKeysResponse;
import software.amazon.awssdk.services.kms.model.ReEncryptResponse;
import software.amazon.awssdk.services.kms.model.ScheduleKeyDeletionResponse;

/** The AWS SDK for Java v2 drives every operation of the key server, over a real local keyring. */
class KmsOperationsTest {
  @TempDir
  static Path home;
  static KeyServerFixture fixture;
  static KmsClient kms;
  static final String ARN_PREFIX = "arn:aws:kms:us-east-1:111122223333:key/";

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
    return kms.createKey(b -> b.description("test")).keyMetadata().keyId();
  }

  @Test
  void createKeyAnswersWithTheMetadataOfAnEnabledSymmetricKeyAndItsArn() {
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    KeyMetadata m = kms.createKey(b -> b.description("payroll")).keyMetadata();
    assertEquals(ARN_PREFIX + m.keyId(), m.arn());
    assertEquals("111122223333", m.awsAccountId());
    assertEquals("payroll", m.description());
    assertEquals(KeyState.ENABLED, m.keyState());
    assertTrue(m.enabled());
    assertEquals("SYMMETRIC_DEFAULT", m.keySpecAsString());
    assertEquals("ENCRYPT_DECRYPT", m.keyUsageAsString());
    assertFalse(m.creationDate().isBefore(before.minusSeconds(1)));
  }

  @Test
  void describeKeyFindsAKeyByIdArnAliasAndAliasArn() {
    String id = newKey();
    kms.createAlias(b -> b.aliasName("alias/describe-me").targetKeyId(id));
    for (String ref : List.of(id, ARN_PREFIX + id, "alias/describe-me",
        "arn:aws:kms:us-east-1:111122223333:alias/describe-me")) {
      assertEquals(id, kms.describeKey(b -> b.keyId(ref)).keyMetadata().keyId(), ref);
    }
  }

  @Test
  void listKeysPagesThroughEveryKeyWithMarkers() {
    Set<String> created = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      created.add(newKey());
    }
    List<String> seen = new ArrayList<>();
    String marker = null;
    int pages = 0;
    do {
      String m = marker;
      ListKeysResponse page = kms.listKeys(b -> b.limit(2).marker(m));
      page.keys().forEach(k -> assertEquals(ARN_PREFIX + k.keyId(), k.keyArn()));
      page.keys().stream().map(KeyListEntry::keyId).forEach(seen::add);
      assertTrue(page.keys().size() <= 2);
      marker = page.truncated() ? page.nextMarker() : null;
      pages++;
    } while (marker != null);
    assertTrue(seen.containsAll(created));
    assertEquals(seen.size(), new HashSet<>(seen).size(), "no key twice");
    assertTrue(pages >= 3);
  }

  @Test
  void aliasesAreCreatedListedPerKeyAndDeleted() {
    String id = newKey();
    kms.createAlias(b -> b.aliasName("alias/team/a").targetKeyId(id));
    kms.createAlias(b -> b.aliasName("alias/team/b").targetKeyId(ARN_PREFIX + id));
    List<AliasListEntry> aliases = kms.listAliases(b -> b.keyId(id)).aliases();
    assertEquals(List.of("alias/team/a", "alias/team/b"), aliases.stream().map(AliasListEntry::aliasName).toList());
    assertEquals("arn:aws:kms:us-east-1:111122223333:alias/team/a", aliases.get(0).aliasArn());
    assertEquals(id, aliases.get(0).targetKeyId());
    java.time.Instant keyMade = kms.describeKey(b -> b.keyId(id)).keyMetadata().creationDate();
    for (AliasListEntry alias : aliases) {
      assertTrue(alias.creationDate() != null && !alias.creationDate().isBefore(keyMade.minusSeconds(1)),
          alias.toString());
      assertTrue(alias.creationDate().isBefore(java.time.Instant.now().plusSeconds(60)), alias.toString());
      assertEquals(alias.creationDate(), alias.lastUpdatedDate(), "never re-pointed, so last updated when made");
    }
    kms.deleteAlias(b -> b.aliasName("alias/team/a"));
    assertEquals(List.of("alias/team/b"),
        kms.listAliases(b -> b.keyId(id)).aliases().stream().map(AliasListEntry::aliasName).toList());
    assertTrue(kms.listAliases(b -> b.limit(1000)).aliases().stream()
        .anyMatch(a -> a.aliasName().equals("alias/team/b")));
  }

  @Test
  void disableAndEnableKeyChangeItsState() {
    String id = newKey();
    kms.disableKey(b -> b.keyId(id));
    assertEquals(KeyState.DISABLED, kms.describeKey(b -> b.keyId(id)).keyMetadata().keyState());
    kms.enableKey(b -> b.keyId(id));
    assertEquals(KeyState.ENABLED, kms.describeKey(b -> b.keyId(id)).keyMetadata().keyState());
  }

  @Test
  void scheduledDeletionCanBeCancelledAndLeavesTheKeyDisabled() {
    String id = newKey();
    ScheduleKeyDeletionResponse scheduled = kms.scheduleKeyDeletion(b -> b.keyId(id).pendingWindowInDays(7));
    assertEquals(ARN_PREFIX + id, scheduled.keyId());
    assertEquals(KeyState.PENDING_DELETION, scheduled.keyState());
    assertEquals(7, scheduled.pendingWindowInDays());
    long days = ChronoUnit.HOURS.between(Instant.now(), scheduled.deletionDate()) / 24;
    assertTrue(days >= 6 && days <= 7, "deletion in 7 days, was " + scheduled.deletionDate());
    KeyMetadata pending = kms.describeKey(b -> b.keyId(id)).keyMetadata();
    assertEquals(KeyState.PENDING_DELETION, pending.keyState());
    assertNotNull(pending.deletionDate());
    assertEquals(ARN_PREFIX + id, kms.cancelKeyDeletion(b -> b.keyId(id)).keyId());
    KeyMetadata after = kms.describeKey(b -> b.keyId(id)).keyMetadata();
    assertEquals(KeyState.DISABLED, after.keyState());
    assertNull(after.deletionDate());
  }

  @Test
  void createKeyTakesTheSymmetricSpecAndUsageSpelledOut_andDisablingTwiceIsNoError() {
    KeyMetadata m = kms.createKey(b -> b.description("tenant acme").keySpec(KeySpec.SYMMETRIC_DEFAULT)
        .keyUsage(KeyUsageType.ENCRYPT_DECRYPT)).keyMetadata();
    assertEquals(KeyState.ENABLED, m.keyState());
    assertEquals("tenant acme", m.description());
    kms.disableKey(b -> b.keyId(m.arn()));
    kms.disableKey(b -> b.keyId(m.arn())); // AWS KMS answers a disabled key's DisableKey with success too
    KeyMetadata disabled = kms.describeKey(b -> b.keyId(m.keyId())).keyMetadata();
    assertEquals(KeyState.DISABLED, disabled.keyState());
    assertFalse(disabled.enabled());
  }

  @Test
  void scheduleKeyDeletionDatesTheDeletionWindowDaysFromNow_30ByDefault_andTakesADisabledKey() {
    String a = newKey();
    String b = newKey();
    kms.disableKey(r -> r.keyId(b));
    Instant before = Instant.now();
    ScheduleKeyDeletionResponse seven = kms.scheduleKeyDeletion(r -> r.keyId(a).pendingWindowInDays(7));
    ScheduleKeyDeletionResponse byDefault = kms.scheduleKeyDeletion(r -> r.keyId(b));
    Instant after = Instant.now();

    assertEquals(7, seven.pendingWindowInDays());
    assertBetween(before.plus(7, ChronoUnit.DAYS), seven.deletionDate(), after.plus(7, ChronoUnit.DAYS));
    assertEquals(30, byDefault.pendingWindowInDays());
    assertEquals(KeyState.PENDING_DELETION, byDefault.keyState());
    assertBetween(before.plus(30, ChronoUnit.DAYS), byDefault.deletionDate(), after.plus(30, ChronoUnit.DAYS));
    assertEquals(seven.deletionDate(), kms.describeKey(r -> r.keyId(a)).keyMetadata().deletionDate());
  }

  /** Within {@code [low, high]}, allowing for the microseconds a KMS timestamp (a double) loses. */
  private static void assertBetween(Instant low, Instant value, Instant high) {
    assertTrue(!value.isBefore(low.minusMillis(1)) && !value.isAfter(high.plusMillis(1)),
        value + " not within " + low + " .. " + high);
  }

  @Test
  void rotationIsEnabledWithAPeriodReportedAndDisabled() {
    String id = newKey();
    assertFalse(kms.getKeyRotationStatus(b -> b.keyId(id)).keyRotationEnabled());
    kms.enableKeyRotation(b -> b.keyId(id).rotationPeriodInDays(180));
    GetKeyRotationStatusResponse status = kms.getKeyRotationStatus(b -> b.keyId(id));
    assertTrue(status.keyRotationEnabled());
    assertEquals(180, status.rotationPeriodInDays());
    assertEquals(ARN_PREFIX + id, status.keyId());
    assertNotNull(status.nextRotationDate());
    kms.disableKeyRotation(b -> b.keyId(id));
    assertFalse(kms.getKeyRotationStatus(b -> b.keyId(id)).keyRotationEnabled());
  }

  @Test
  void onDemandRotationKeepsOldCiphertextsDecryptable() {
    String id = newKey();
    SdkBytes secret = SdkBytes.fromUtf8String("before rotation");
    SdkBytes blob = kms.encrypt(b -> b.keyId(id).plaintext(secret)).ciphertextBlob();
    assertEquals(ARN_PREFIX + id, kms.rotateKeyOnDemand(b -> b.keyId(id)).keyId());
    SdkBytes newBlob = kms.encrypt(b -> b.keyId(id).plaintext(secret)).ciphertextBlob();
    assertFalse(blob.equals(newBlob));
    assertEquals(secret, kms.decrypt(b -> b.ciphertextBlob(blob)).plaintext());
    assertEquals(secret, kms.decrypt(b -> b.ciphertextBlob(newBlob)).plaintext());
  }

  @Test
  void encryptThenDecryptWithoutKeyIdReturnsThePlaintextUnderTheSameContext() {
    String id = newKey();
    Map<String, String> context = Map.of("tenant", "t1", "file", "f9");
    String alias = aliasFor(id);
    for (int size : new int[] {1, 32, 4096}) {
      SdkBytes plaintext = SdkBytes.fromByteArray(new byte[size]);
      EncryptResponse encrypted = kms.encrypt(b -> b.keyId("alias/" + alias).plaintext(plaintext)
          .encryptionContext(context));
      assertEquals(ARN_PREFIX + id, encrypted.keyId());
      assertEquals("SYMMETRIC_DEFAULT", encrypted.encryptionAlgorithmAsString());
      DecryptResponse decrypted = kms.decrypt(b -> b.ciphertextBlob(encrypted.ciphertextBlob())
          .encryptionContext(context));
      assertEquals(plaintext, decrypted.plaintext());
      assertEquals(ARN_PREFIX + id, decrypted.keyId());
    }
  }

  @Test
  void decryptAcceptsTheRightKeyIdInAnyForm() {
    String id = newKey();
    SdkBytes blob = kms.encrypt(b -> b.keyId(id).plaintext(SdkBytes.fromUtf8String("x"))).ciphertextBlob();
    assertEquals("x", kms.decrypt(b -> b.ciphertextBlob(blob).keyId(ARN_PREFIX + id)).plaintext().asUtf8String());
  }

  @Test
  void reEncryptMovesACiphertextToAnotherKeyAndContext() {
    String source = newKey();
    String destination = newKey();
    SdkBytes blob = kms.encrypt(b -> b.keyId(source).plaintext(SdkBytes.fromUtf8String("moving"))
        .encryptionContext(Map.of("v", "1"))).ciphertextBlob();
    ReEncryptResponse moved = kms.reEncrypt(b -> b.ciphertextBlob(blob).sourceEncryptionContext(Map.of("v", "1"))
        .destinationKeyId(destination).destinationEncryptionContext(Map.of("v", "2")));
    assertEquals(ARN_PREFIX + source, moved.sourceKeyId());
    assertEquals(ARN_PREFIX + destination, moved.keyId());
    DecryptResponse decrypted = kms.decrypt(b -> b.ciphertextBlob(moved.ciphertextBlob())
        .encryptionContext(Map.of("v", "2")));
    assertEquals("moving", decrypted.plaintext().asUtf8String());
    assertEquals(ARN_PREFIX + destination, decrypted.keyId());
  }

  @Test
  void generateDataKeyMakesKeysOfEverySpecAndSizeThatDecryptToTheSamePlaintext() {
    String id = newKey();
    Map<String, String> context = Map.of("object", "o1");
    List<GenerateDataKeyResponse> made = List.of(
        kms.generateDataKey(b -> b.keyId(id).keySpec(DataKeySpec.AES_256).encryptionContext(context)),
        kms.generateDataKey(b -> b.keyId(id).keySpec(DataKeySpec.AES_128).encryptionContext(context)),
        kms.generateDataKey(b -> b.keyId(id).numberOfBytes(1).encryptionContext(context)),
        kms.generateDataKey(b -> b.keyId(id).numberOfBytes(1024).encryptionContext(context)));
    assertEquals(List.of(32, 16, 1, 1024), made.stream().map(r -> r.plaintext().asByteArray().length).toList());
    for (GenerateDataKeyResponse r : made) {
      assertEquals(ARN_PREFIX + id, r.keyId());
      assertArrayEquals(r.plaintext().asByteArray(), kms.decrypt(b -> b.ciphertextBlob(r.ciphertextBlob())
          .encryptionContext(context)).plaintext().asByteArray());
    }
  }

  @Test
  void generateDataKeyWithoutPlaintextReturnsOnlyTheCiphertext() {
    String id = newKey();
    var response = kms.generateDataKeyWithoutPlaintext(b -> b.keyId(id).keySpec(DataKeySpec.AES_256));
    assertEquals(ARN_PREFIX + id, response.keyId());
    assertEquals(32, kms.decrypt(b -> b.ciphertextBlob(response.ciphertextBlob())).plaintext().asByteArray().length);
  }

  @Test
  void generateRandomReturnsFreshBytesOfTheAskedLength() {
    byte[] a = kms.generateRandom(b -> b.numberOfBytes(1024)).plaintext().asByteArray();
    byte[] b2 = kms.generateRandom(b -> b.numberOfBytes(1024)).plaintext().asByteArray();
    assertEquals(1024, a.length);
    assertFalse(java.util.Arrays.equals(a, b2));
    assertEquals(1, kms.generateRandom(b -> b.numberOfBytes(1)).plaintext().asByteArray().length);
  }

  private static String aliasFor(String id) {
    String alias = "enc-" + id.substring(0, 8);
    kms.createAlias(b -> b.aliasName("alias/" + alias).targetKeyId(id));
    return alias;
  }
}
