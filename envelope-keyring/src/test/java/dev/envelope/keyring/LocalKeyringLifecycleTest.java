package dev.envelope.keyring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.ManagedKeyService.KeyState;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.MutableClock;
import dev.envelope.core.RootKey;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.internal.KeyRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the local keyring does beyond the contract: its file, its wrap counting, its old format. */
class LocalKeyringLifecycleTest {
  private static final Path KAT = Path.of("..", "testdata", "kat", "v1");

  @TempDir
  Path home;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
  private final EncryptionContext context = EncryptionContext.of("tenant", "t1");
  private final MasterKey master = MasterKey.fromBase64(Keyrings.newMasterKeyBase64(), "test");

  LocalKeyringLifecycleTest() throws Exception {}

  @Test
  void aVersionIsRotatedBeforeItWrapsMoreThanTheLimit_andEveryWrapCounts() throws Exception {
    ManagedKeyService keyring = LocalKeyring.open(home, master, clock, 100);
    String id = keyring.createKey("").id();
    List<WrappedKey> wrapped = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      try (DataKey key = keyring.generateDataKey(id, context)) {
        wrapped.add(key.wrapped());
      }
      wrapped.add(keyring.encrypt(id, new byte[] {(byte) i}, context));
    }

    java.util.Map<Integer, Long> perVersion = wrapped.stream()
        .collect(Collectors.groupingBy(WrappedKey::rootKeyVersion, Collectors.counting()));
    assertTrue(perVersion.values().stream().allMatch(n -> n <= 100), perVersion.toString());
    assertTrue(keyring.describeKey(id).currentVersion() >= 5, perVersion.toString());
    for (KeyRecord.Version v : storedKey(id).versions()) {
      assertTrue(v.wraps() <= 100, "version " + v.version() + " counted " + v.wraps());
      assertTrue(v.wraps() >= perVersion.getOrDefault(v.version(), 0L), "version " + v.version()
          + " counted " + v.wraps() + " but wrapped " + perVersion.get(v.version()));
    }
    for (int i = 0; i < wrapped.size(); i += 2) {
      assertEquals(32, keyring.decryptBytes(wrapped.get(i), context).length);
      assertArrayEquals(new byte[] {(byte) (i / 2)}, keyring.decryptBytes(wrapped.get(i + 1), context));
    }
  }

  @Test
  void twoProcessesSharingAKeyring_neverTogetherExceedTheLimitOfAVersion() throws Exception {
    ManagedKeyService first = LocalKeyring.open(home, master, clock, 64);
    String id = first.createKey("").id();
    ManagedKeyService second = LocalKeyring.open(home, master, clock, 64);
    List<WrappedKey> wrapped = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      wrapped.add((i % 3 == 0 ? second : first).encrypt(id, new byte[] {1}, context));
    }
    java.util.Map<Integer, Long> perVersion = wrapped.stream()
        .collect(Collectors.groupingBy(WrappedKey::rootKeyVersion, Collectors.counting()));
    assertTrue(perVersion.values().stream().allMatch(n -> n <= 64), perVersion.toString());
  }

  @Test
  void theMaterialOfADeletedKeyLeavesTheFileAtTheFirstWriteAfterTheDate() throws Exception {
    ManagedKeyService keyring = LocalKeyring.open(home, master, clock);
    String doomed = keyring.createKey("").id();
    keyring.scheduleKeyDeletion(doomed, 7);
    clock.advance(Duration.ofDays(7).minusSeconds(1));
    keyring.createKey("");
    assertTrue(storedIds().contains(doomed), "destroyed before its date");

    clock.advance(Duration.ofSeconds(1));
    keyring.createKey("");

    assertEquals(2, storedIds().size());
    assertTrue(!storedIds().contains(doomed), "its material is still in the keyring file");
  }

  @Test
  void openingAKeyringAfterADeletionDate_purgesTheKey() throws Exception {
    String doomed;
    {
      ManagedKeyService keyring = LocalKeyring.open(home, master, clock);
      doomed = keyring.createKey("").id();
      keyring.scheduleKeyDeletion(doomed, 30);
    }
    clock.advance(Duration.ofDays(31));

    LocalKeyring.open(home, master, clock);

    assertTrue(storedIds().isEmpty(), "opening after the date did not purge " + doomed);
  }

  @Test
  void aFormat1KeyringOpens_keepsItsKeys_andIsRewrittenAsFormat2() throws Exception {
    Files.createDirectories(home);
    Files.copy(KAT.resolve("keyring").resolve("keyring"), home.resolve(KeyringFile.FILE_NAME));
    MasterKey katMaster = MasterKey.fromBase64(Files.readString(KAT.resolve("master.key")), "kat");
    ManagedKeyService keyring = LocalKeyring.open(home, katMaster, clock);

    RootKey kat = keyring.describeKey("kat");
    assertEquals(List.of("kat"), kat.aliases());
    assertEquals(2, kat.currentVersion());
    assertEquals(KeyState.ENABLED, kat.state());
    assertEquals(KeyState.DISABLED, keyring.describeKey("kat-disabled").state());

    keyring.setAutomaticRotation("kat", Duration.ofDays(365)); // a write: format 2 from now on
    byte[] secret = {4, 2};
    WrappedKey wrapped = keyring.encrypt("kat", secret, context);
    ManagedKeyService reopened = LocalKeyring.open(home, katMaster, clock);
    assertArrayEquals(secret, reopened.decryptBytes(wrapped, context));
    assertEquals(java.util.Optional.of(Duration.ofDays(365)), reopened.describeKey("kat").rotationPeriod());
  }

  @Test
  void aWrappedDataKeyIsExactlyWhatEncryptMakesOf32Bytes() throws Exception {
    ManagedKeyService keyring = LocalKeyring.open(home, master, clock);
    String id = keyring.createKey("").id();
    try (DataKey key = keyring.generateDataKey(id, context)) {
      assertEquals(dev.envelope.core.internal.WrapFormat.OVERHEAD_BYTES + 32, key.wrapped().ciphertext().length);
      WrappedKey viaEncrypt = keyring.encrypt(id, key.copyPlaintext(InsecureKeyAccess.get()), context);
      assertEquals(key.wrapped().ciphertext().length, viaEncrypt.ciphertext().length);
      assertEquals(1, viaEncrypt.ciphertext()[0]);
    }
  }

  private KeyRecord storedKey(String id) throws Exception {
    return new KeyringFile(home, master).read().keys().stream().filter(k -> k.id().equals(id)).findFirst()
        .orElseThrow();
  }

  private List<String> storedIds() throws Exception {
    return new KeyringFile(home, master).read().keys().stream().map(KeyRecord::id).toList();
  }
}
