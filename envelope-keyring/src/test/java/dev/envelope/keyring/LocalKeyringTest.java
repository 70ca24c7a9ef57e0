package dev.envelope.keyring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKeyringTest {
  @TempDir
  Path home;

  private final String master = Keyrings.newMasterKeyBase64();
  private final EncryptionContext context = EncryptionContext.of("tenant", "t1");

  @Test
  void createdKeysPersistAcrossReopening() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    String id = Keyrings.createKey(keyring, "payroll");
    DataKey key = keyring.generateDataKey("payroll", context);

    ManagedKeyService reopened = Keyrings.open(home, master);
    assertEquals(List.of(id), reopened.listKeys().stream().map(RootKey::id).toList());
    assertEquals(List.of("payroll"), reopened.describeKey(id).aliases());
    assertEquals(keyring.describeKey(id).aliasCreatedAt(), reopened.describeKey(id).aliasCreatedAt(),
        "when each alias was made is kept too");
    assertEquals(1, reopened.describeKey(id).aliasCreatedAt().size());
    try (DataKey again = reopened.decrypt(key.wrapped(), context)) {
      assertArrayEquals(key.copyPlaintext(InsecureKeyAccess.get()), again.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void keyringFileIsPrivateAndSealed() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    Keyrings.createKey(keyring, "visible-alias");
    Path file = home.resolve(KeyringFile.FILE_NAME);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        home.resolve(KeyringFile.LOCK_NAME))));
    String raw = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    assertFalse(raw.contains("visible-alias"), "the keyring content must be encrypted");
    assertFalse(raw.contains("material"));
  }

  @Test
  void unknownKeysAndAliasesAreNotFound() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    for (String missing : new String[] {"nope", "01a82b29-0fc4-4369-a072-dd58e9809509", "x".repeat(10_000)}) {
      assertEquals(ErrorCode.KEY_NOT_FOUND,
          assertThrows(EnvelopeException.class, () -> keyring.generateDataKey(missing, context)).code());
      assertEquals(ErrorCode.KEY_NOT_FOUND, assertThrows(EnvelopeException.class, () -> keyring.rotateKey(missing)).code());
      assertEquals(ErrorCode.KEY_NOT_FOUND, assertThrows(EnvelopeException.class, () -> keyring.disableKey(missing)).code());
    }
  }

  @Test
  void rotationKeepsOldVersionsDecrypting() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    String id = keyring.createKey("").id();
    DataKey before = keyring.generateDataKey(id, context);
    assertEquals(2, keyring.rotateKey(id).currentVersion());
    DataKey after = keyring.generateDataKey(id, context);
    assertEquals(1, before.wrapped().rootKeyVersion());
    assertEquals(2, after.wrapped().rootKeyVersion());
    try (DataKey old = Keyrings.open(home, master).decrypt(before.wrapped(), context)) {
      assertArrayEquals(before.copyPlaintext(InsecureKeyAccess.get()), old.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void idsAreFoundWhateverTheirCase() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    String id = keyring.createKey("").id();
    assertEquals(id, keyring.generateDataKey(id.toUpperCase(java.util.Locale.ROOT), context).wrapped().rootKeyId());
  }

  @Test
  void aWrappedKeyNamingAMissingVersionIsNotFound() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    String id = keyring.createKey("").id();
    DataKey key = keyring.generateDataKey(id, context);
    var forged = dev.envelope.core.WrappedKey.of(id, 7, key.wrapped().ciphertext());
    assertEquals(ErrorCode.KEY_NOT_FOUND, assertThrows(EnvelopeException.class, () -> keyring.decrypt(forged, context)).code());
  }

  @Test
  void aWrappedKeyNamingAnAliasInsteadOfAnIdIsRefused() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    Keyrings.createKey(keyring, "alias");
    DataKey key = keyring.generateDataKey("alias", context);
    var byAlias = dev.envelope.core.WrappedKey.of("alias", 1, key.wrapped().ciphertext());
    assertEquals(ErrorCode.KEY_NOT_FOUND, assertThrows(EnvelopeException.class, () -> keyring.decrypt(byAlias, context)).code());
  }

  @Test
  void aDisabledKeyRefusesToMakeOrUnwrapKeysUntilEnabled() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    String id = keyring.createKey("").id();
    DataKey key = keyring.generateDataKey(id, context);
    keyring.disableKey(id);
    assertEquals(ManagedKeyService.KeyState.DISABLED, keyring.describeKey(id).state());
    assertEquals(ErrorCode.KEY_DISABLED, assertThrows(EnvelopeException.class, () -> keyring.generateDataKey(id, context)).code());
    assertEquals(ErrorCode.KEY_DISABLED, assertThrows(EnvelopeException.class, () -> keyring.decrypt(key.wrapped(), context)).code());
    keyring.enableKey(id);
    keyring.decrypt(key.wrapped(), context).close();
  }

  @Test
  void changesByAnotherProcessAreSeenAtTheNextOperation() throws Exception {
    ManagedKeyService server = Keyrings.open(home, master);
    String id = server.createKey("").id();
    DataKey key = server.generateDataKey(id, context);
    ManagedKeyService admin = Keyrings.open(home, master); // stands for the CLI in another process
    admin.disableKey(id);
    assertEquals(ErrorCode.KEY_DISABLED, assertThrows(EnvelopeException.class, () -> server.decrypt(key.wrapped(), context)).code());
    String second = Keyrings.createKey(admin, "new");
    assertEquals(second, server.generateDataKey("new", context).wrapped().rootKeyId());
  }

  @Test
  void concurrentWritersLoseNoKeys() throws Exception {
    ManagedKeyService a = Keyrings.open(home, master);
    ManagedKeyService b = Keyrings.open(home, master);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<String>> created = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ManagedKeyService keyring = i % 2 == 0 ? a : b;
      created.add(pool.submit(() -> keyring.createKey("").id()));
    }
    Set<String> ids = new HashSet<>();
    for (Future<String> f : created) {
      ids.add(f.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();
    assertEquals(40, ids.size());
    Set<String> listed = new HashSet<>();
    Keyrings.open(home, master).listKeys().forEach(k -> listed.add(k.id()));
    assertEquals(ids, listed);
  }

  @Test
  void aHalfWrittenTemporaryFileFromACrashIsIgnored() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    String id = Keyrings.createKey(keyring, "survivor");
    byte[] before = Files.readAllBytes(home.resolve(KeyringFile.FILE_NAME));
    // What a crash in the middle of a write leaves: a partial temp file; the real file is the old one.
    Path temp = home.resolve(AtomicFile.TEMP_MARKER + "0123456789abcdef");
    Files.write(temp, java.util.Arrays.copyOf(before, before.length / 2));

    ManagedKeyService reopened = Keyrings.open(home, master);
    assertEquals(id, reopened.describeKey("survivor").id());
    Keyrings.createKey(reopened, "after-crash");
    assertEquals(2, Keyrings.open(home, master).listKeys().size());
  }

  @Test
  void aWrongMasterKeyIsReportedAsSuch() throws Exception {
    Keyrings.open(home, master).createKey("");
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> Keyrings.open(home, Keyrings.newMasterKeyBase64()));
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("wrong master key"), e.getMessage());
  }

  @Test
  void everyDamageToTheKeyringFileGivesOneClearError() throws Exception {
    Keyrings.open(home, master).createKey("");
    Path file = home.resolve(KeyringFile.FILE_NAME);
    byte[] good = Files.readAllBytes(file);
    List<byte[]> damaged = new ArrayList<>();
    damaged.add(new byte[0]);
    damaged.add("not a keyring".getBytes(StandardCharsets.US_ASCII));
    for (int cut : new int[] {1, 4, 5, 13, 25, good.length / 2, good.length - 1}) {
      damaged.add(java.util.Arrays.copyOf(good, cut));
    }
    for (int i = 0; i < good.length; i += Math.max(1, good.length / 97)) {
      byte[] flipped = good.clone();
      flipped[i] ^= 0x01;
      damaged.add(flipped);
    }
    byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
    damaged.add(longer);
    for (byte[] content : damaged) {
      Files.write(file, content);
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> Keyrings.open(home, master));
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
      assertFalse(e.getMessage().contains("Exception"), e.getMessage());
    }
  }

  @Test
  void contextIsBoundToTheWrappedKey() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home, master);
    String id = keyring.createKey("").id();
    DataKey key = keyring.generateDataKey(id, context);
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> keyring.decrypt(key.wrapped(), EncryptionContext.of("tenant", "t2")));
    assertEquals(ErrorCode.INVALID_WRAPPED_KEY, e.code());
    assertNotEquals(key.wrapped(), keyring.generateDataKey(id, context).wrapped());
  }
}
