package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService.KeyState;
import dev.envelope.core.internal.ManagedKeyRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ManagedKeyService} keeps, on top of the {@link KeyServiceContract} (which runs
 * too, through the managed methods). An implementation's test says only how to make its service over a
 * given clock; the waiting periods of deletion and rotation then pass by moving {@link #clock}.
 *
 * <p>{@link #managedKeyService(MutableClock)} is called once per test; the service must read the time only
 * from the clock it is given.
 */
public abstract class ManagedKeyServiceContract extends RootKeyAdminContract {
  /** The test's clock: starts at a fixed second, moves only when a test moves it. */
  protected final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

  /** The service under test, reading the time from {@code clock}. */
  protected abstract ManagedKeyService managedKeyService(MutableClock clock) throws Exception;

  protected ManagedKeyService keys;

  @Override
  protected final KeyService keyService() throws Exception {
    keys = managedKeyService(clock);
    return keys;
  }

  @Override
  protected final String createRootKey() throws Exception {
    return keys.createKey("contract").id();
  }

  @Override
  protected final void disableRootKey(String id) throws Exception {
    keys.disableKey(id);
  }

  @Override
  protected final void enableRootKey(String id) throws Exception {
    keys.enableKey(id);
  }

  @Override
  protected final void rotateRootKey(String id) throws Exception {
    keys.rotateKey(id);
  }

  // ---- creating, listing, describing ----

  @Test
  void createKey_makesAnEnabledKeyAtVersion1_withAUuidIdAndItsDescription() throws Exception {
    RootKey key = keys.createKey("invoices 2026");

    assertTrue(ManagedKeyRules.isKeyIdShaped(key.id()), key.id());
    assertEquals("invoices 2026", key.description());
    assertEquals(KeyState.ENABLED, key.state());
    assertEquals(1, key.currentVersion());
    assertEquals(clock.instant(), key.createdAt());
    assertEquals(List.of(), key.aliases());
    assertEquals(Optional.empty(), key.deletionDate());
    assertEquals(Optional.empty(), key.rotationPeriod());
    assertEquals(Optional.empty(), key.nextRotation());
    assertEquals(key, keys.describeKey(key.id()));
  }

  @Test
  void listKeys_showsEveryKeyOldestFirst() throws Exception {
    String first = keys.createKey("a").id();
    clock.advance(Duration.ofSeconds(1));
    String second = keys.createKey("b").id();

    List<String> listed = keys.listKeys().stream().map(RootKey::id).toList();
    assertEquals(List.of(first, second), listed);
  }

  @Test
  void everyMethod_givenAnUnknownKey_failsWithKeyNotFound() {
    String unknown = unknownRootKeyId();
    for (String ref : List.of(unknown, "no-such-alias")) {
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.describeKey(ref), "describe " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.resolveKeyId(ref), "resolve " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.enableKey(ref), "enable " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.disableKey(ref), "disable " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.scheduleKeyDeletion(ref, 7), "schedule " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.cancelKeyDeletion(ref), "cancel " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.rotateKey(ref), "rotate " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.setAutomaticRotation(ref, Duration.ofDays(90)),
          "rotation " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.createAlias("new-alias", ref), "alias to " + ref);
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.encrypt(ref, new byte[1], CONTEXT), "encrypt " + ref);
    }
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.deleteAlias("no-such-alias"), "delete alias");
  }

  // ---- states ----

  @Test
  void disableKey_andEnableKey_changeTheState() throws Exception {
    String id = keys.createKey("").id();

    assertEquals(KeyState.DISABLED, keys.disableKey(id).state());
    assertEquals(KeyState.DISABLED, keys.describeKey(id).state());
    assertEquals(KeyState.ENABLED, keys.enableKey(id).state());
    assertEquals(KeyState.ENABLED, keys.describeKey(id).state());
  }

  @Test
  void aDisabledKey_refusesEncryptDecryptBytesAndGenerate_withKeyDisabled() throws Exception {
    String id = keys.createKey("").id();
    WrappedKey wrapped = keys.encrypt(id, new byte[] {1, 2, 3}, CONTEXT);
    keys.disableKey(id);

    assertFailsWith(ErrorCode.KEY_DISABLED, () -> keys.encrypt(id, new byte[1], CONTEXT), "encrypt");
    assertFailsWith(ErrorCode.KEY_DISABLED, () -> keys.decryptBytes(wrapped, CONTEXT), "decryptBytes");
    assertFailsWith(ErrorCode.KEY_DISABLED, () -> keys.generateDataKey(id, CONTEXT).close(), "generate");
  }

  @Test
  void scheduleKeyDeletion_makesTheKeyPending_withADeletionDateThatManyDaysAway() throws Exception {
    String id = keys.createKey("").id();

    RootKey pending = keys.scheduleKeyDeletion(id, 7);

    assertEquals(KeyState.PENDING_DELETION, pending.state());
    assertEquals(Optional.of(clock.instant().plus(Duration.ofDays(7))), pending.deletionDate());
    assertEquals(pending, keys.describeKey(id));
    assertTrue(keys.listKeys().stream().anyMatch(k -> k.id().equals(id)), "a pending key is still listed");
  }

  @Test
  void scheduleKeyDeletion_acceptsOnly7To30Days() throws Exception {
    String id = keys.createKey("").id();
    for (int days : new int[] {Integer.MIN_VALUE, -7, 0, 1, 6, 31, 365, Integer.MAX_VALUE}) {
      assertFailsWith(ErrorCode.INVALID_ARGUMENT, () -> keys.scheduleKeyDeletion(id, days), days + " days");
    }
    assertEquals(KeyState.ENABLED, keys.describeKey(id).state(), "a refused schedule changes nothing");

    assertEquals(Optional.of(clock.instant().plus(Duration.ofDays(30))),
        keys.scheduleKeyDeletion(id, 30).deletionDate());
    keys.cancelKeyDeletion(id);
    assertEquals(Optional.of(clock.instant().plus(Duration.ofDays(7))),
        keys.scheduleKeyDeletion(id, 7).deletionDate());
  }

  @Test
  void aPendingKey_refusesEveryUseAndChange_withKeyInvalidState() throws Exception {
    String id = keys.createKey("").id();
    String other = keys.createKey("").id();
    keys.createAlias("pending-one", id);
    WrappedKey wrapped = keys.encrypt(id, new byte[] {1, 2, 3}, CONTEXT);
    WrappedKey underOther;
    try (DataKey dataKey = keys.generateDataKey(other, CONTEXT)) {
      underOther = dataKey.wrapped();
    }
    keys.scheduleKeyDeletion(id, 10);

    for (String ref : List.of(id, "pending-one")) {
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.encrypt(ref, new byte[1], CONTEXT), "encrypt");
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.generateDataKey(ref, CONTEXT).close(), "generate");
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.reEncrypt(underOther, CONTEXT, ref), "re-encrypt to");
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.rotateKey(ref), "rotate");
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.setAutomaticRotation(ref, Duration.ofDays(90)),
          "automatic rotation");
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.enableKey(ref), "enable");
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.disableKey(ref), "disable");
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.scheduleKeyDeletion(ref, 7), "schedule again");
      assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.createAlias("another-one", ref), "alias");
    }
    assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.decryptBytes(wrapped, CONTEXT), "decryptBytes");
    assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.decrypt(wrapped, CONTEXT).close(), "decrypt");
    assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.reEncrypt(wrapped, CONTEXT, other), "re-encrypt from");
    assertEquals(KeyState.PENDING_DELETION, keys.describeKey(id).state());
  }

  @Test
  void cancelKeyDeletion_bringsTheKeyBackDisabled_withItsMaterial() throws Exception {
    String id = keys.createKey("").id();
    byte[] secret = {9, 8, 7};
    WrappedKey wrapped = keys.encrypt(id, secret, CONTEXT);
    keys.scheduleKeyDeletion(id, 7);
    clock.advance(Duration.ofDays(6));

    RootKey cancelled = keys.cancelKeyDeletion(id);

    assertEquals(KeyState.DISABLED, cancelled.state());
    assertEquals(Optional.empty(), cancelled.deletionDate());
    keys.enableKey(id);
    clock.advance(Duration.ofDays(30));
    assertArrayEquals(secret, keys.decryptBytes(wrapped, CONTEXT), "the cancelled deletion destroyed nothing");
  }

  @Test
  void cancelKeyDeletion_ofAKeyThatIsNotPending_failsWithKeyInvalidState() throws Exception {
    String id = keys.createKey("").id();
    assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.cancelKeyDeletion(id), "enabled key");
    keys.disableKey(id);
    assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.cancelKeyDeletion(id), "disabled key");
  }

  @Test
  void aDisabledKey_canBeScheduledForDeletion() throws Exception {
    String id = keys.createKey("").id();
    keys.disableKey(id);
    assertEquals(KeyState.PENDING_DELETION, keys.scheduleKeyDeletion(id, 7).state());
  }

  @Test
  void justBeforeItsDeletionDate_aPendingKeyStillExists() throws Exception {
    String id = keys.createKey("").id();
    keys.scheduleKeyDeletion(id, 7);
    clock.advance(Duration.ofDays(7).minusSeconds(1));

    assertEquals(KeyState.PENDING_DELETION, keys.describeKey(id).state());
  }

  @Test
  void afterItsDeletionDate_aKeyIsDestroyed_withEveryKeyWrappedUnderIt() throws Exception {
    String id = keys.createKey("").id();
    keys.createAlias("doomed", id);
    String survivor = keys.createKey("").id();
    WrappedKey wrapped = keys.encrypt(id, new byte[] {1}, CONTEXT);
    WrappedKey wrappedSurvivor = keys.encrypt(survivor, new byte[] {2}, CONTEXT);
    keys.rotateKey(id);
    WrappedKey wrappedV2 = keys.encrypt(id, new byte[] {3}, CONTEXT);
    keys.scheduleKeyDeletion(id, 7);

    clock.advance(Duration.ofDays(7));
    keys.createKey("a write after the date"); // an implementation may destroy material on its next write

    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.describeKey(id), "describe");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.describeKey("doomed"), "alias");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.decryptBytes(wrapped, CONTEXT), "version 1");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.decryptBytes(wrappedV2, CONTEXT), "version 2");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.cancelKeyDeletion(id), "cancel too late");
    assertFalse(keys.listKeys().stream().anyMatch(k -> k.id().equals(id)), "a destroyed key is not listed");
    assertArrayEquals(new byte[] {2}, keys.decryptBytes(wrappedSurvivor, CONTEXT), "other keys live on");
    keys.createAlias("doomed", survivor); // the destroyed key's aliases are free again
    assertEquals(survivor, keys.resolveKeyId("doomed"));
  }

  @Test
  void destroyKeyNow_ofADisabledKey_destroysEveryVersionAtOnce_andNothingElse() throws Exception {
    String id = keys.createKey("").id();
    String survivor = keys.createKey("").id();
    WrappedKey wrapped = keys.encrypt(id, new byte[] {1}, CONTEXT);
    keys.rotateKey(id);
    WrappedKey wrappedV2 = keys.encrypt(id, new byte[] {3}, CONTEXT);
    WrappedKey wrappedSurvivor = keys.encrypt(survivor, new byte[] {2}, CONTEXT);
    assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.destroyKeyNow(id), "an enabled key is not destroyed");
    assertArrayEquals(new byte[] {1}, keys.decryptBytes(wrapped, CONTEXT));

    keys.disableKey(id);
    keys.destroyKeyNow(id);

    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.describeKey(id), "describe");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.decryptBytes(wrapped, CONTEXT), "version 1");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.decryptBytes(wrappedV2, CONTEXT), "version 2");
    assertArrayEquals(new byte[] {2}, keys.decryptBytes(wrappedSurvivor, CONTEXT), "other keys live on");
  }

  @Test
  void rootKeyAdmin_shredsAnEnabledKey_inOneCall() throws Exception {
    String id = keys.createRootKey("tenant acme");
    assertEquals(id, keys.resolveRootKey(id));
    WrappedKey wrapped = keys.encrypt(id, new byte[] {1}, CONTEXT);
    keys.destroyRootKeyNow(id);
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.decryptBytes(wrapped, CONTEXT), "destroyed");
  }

  @Test
  void rootKeyAdmin_scheduleDeletion_usesTheShortestWindow_andKeepsAnEarlierDate() throws Exception {
    String id = keys.createRootKey("tenant acme");
    keys.disableRootKey(id);
    keys.disableRootKey(id); // idempotent
    assertFailsWith(ErrorCode.KEY_DISABLED, () -> keys.resolveRootKey(id), "a disabled key is not resolved");
    Instant date = keys.scheduleRootKeyDeletion(id);
    assertEquals(clock.instant().plus(Duration.ofDays(ManagedKeyService.MIN_PENDING_DAYS)), date);
    clock.advance(Duration.ofDays(1));
    assertEquals(date, keys.scheduleRootKeyDeletion(id));
    assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.resolveRootKey(id), "pending");
  }

  @Test
  void destroyKeyVersion_destroysOnlyThatVersion_neverTheCurrentOne() throws Exception {
    String id = keys.createKey("").id();
    WrappedKey v1 = keys.encrypt(id, new byte[] {1}, CONTEXT);
    keys.rotateKey(id);
    WrappedKey v2 = keys.encrypt(id, new byte[] {2}, CONTEXT);
    keys.rotateKey(id);
    WrappedKey v3 = keys.encrypt(id, new byte[] {3}, CONTEXT);
    assertFailsWith(ErrorCode.KEY_INVALID_STATE, () -> keys.destroyKeyVersion(id, 3), "the current version");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.destroyKeyVersion(id, 9), "no such version");

    assertEquals(3, keys.destroyKeyVersion(id, 1).currentVersion());

    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.decryptBytes(v1, CONTEXT), "version 1 is gone");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.destroyKeyVersion(id, 1), "twice");
    assertArrayEquals(new byte[] {2}, keys.decryptBytes(v2, CONTEXT));
    assertArrayEquals(new byte[] {3}, keys.decryptBytes(v3, CONTEXT));
    assertEquals(4, keys.rotateKey(id).currentVersion(), "a destroyed version's number is never reused");
  }

  @Test
  void aKeyWhoseDeletionDatePassed_isGoneEvenBeforeAnyWrite() throws Exception {
    String id = keys.createKey("").id();
    WrappedKey wrapped = keys.encrypt(id, new byte[] {1}, CONTEXT);
    keys.scheduleKeyDeletion(id, 8);
    clock.advance(Duration.ofDays(8).plusSeconds(1));

    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.decryptBytes(wrapped, CONTEXT), "decrypt");
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.describeKey(id), "describe");
  }

  // ---- rotation ----

  @Test
  void rotateKey_makesANewCurrentVersion_andEveryOldVersionStillDecrypts() throws Exception {
    String id = keys.createKey("").id();
    List<WrappedKey> wrapped = new ArrayList<>();
    for (int version = 1; version <= 4; version++) {
      WrappedKey w = keys.encrypt(id, new byte[] {(byte) version}, CONTEXT);
      assertEquals(version, w.rootKeyVersion());
      wrapped.add(w);
      if (version < 4) {
        assertEquals(version + 1, keys.rotateKey(id).currentVersion());
      }
    }

    assertEquals(4, keys.describeKey(id).currentVersion());
    for (int i = 0; i < wrapped.size(); i++) {
      assertArrayEquals(new byte[] {(byte) (i + 1)}, keys.decryptBytes(wrapped.get(i), CONTEXT), "version " + (i + 1));
    }
  }

  @Test
  void aDisabledKey_cannotBeRotated() throws Exception {
    String id = keys.createKey("").id();
    keys.disableKey(id);
    assertFailsWith(ErrorCode.KEY_DISABLED, () -> keys.rotateKey(id), "rotate");
    assertFailsWith(ErrorCode.KEY_DISABLED, () -> keys.setAutomaticRotation(id, Duration.ofDays(90)), "automatic");
  }

  @Test
  void setAutomaticRotation_turnsItOnWithItsNextDate_andOff() throws Exception {
    String id = keys.createKey("").id();

    RootKey on = keys.setAutomaticRotation(id, Duration.ofDays(365));
    assertEquals(Optional.of(Duration.ofDays(365)), on.rotationPeriod());
    assertEquals(Optional.of(clock.instant().plus(Duration.ofDays(365))), on.nextRotation());
    assertEquals(on, keys.describeKey(id));

    RootKey off = keys.setAutomaticRotation(id, null);
    assertEquals(Optional.empty(), off.rotationPeriod());
    assertEquals(Optional.empty(), off.nextRotation());
  }

  @Test
  void setAutomaticRotation_acceptsOnly90To2560Days() throws Exception {
    String id = keys.createKey("").id();
    for (Duration bad : List.of(Duration.ZERO, Duration.ofDays(-90), Duration.ofDays(89),
        Duration.ofDays(90).minusSeconds(1), Duration.ofDays(2560).plusSeconds(1), Duration.ofDays(100_000))) {
      assertFailsWith(ErrorCode.INVALID_ARGUMENT, () -> keys.setAutomaticRotation(id, bad), bad.toString());
    }
    assertEquals(Optional.empty(), keys.describeKey(id).rotationPeriod());
    keys.setAutomaticRotation(id, Duration.ofDays(90));
    keys.setAutomaticRotation(id, Duration.ofDays(2560));
  }

  @Test
  void automaticRotation_isDueAfterThePeriod_andHappensAtTheNextUse() throws Exception {
    String id = keys.createKey("").id();
    keys.setAutomaticRotation(id, Duration.ofDays(90));
    WrappedKey first = keys.encrypt(id, new byte[] {1}, CONTEXT);

    clock.advance(Duration.ofDays(90).minusSeconds(1));
    assertEquals(1, keys.encrypt(id, new byte[] {1}, CONTEXT).rootKeyVersion(), "not due yet");

    clock.advance(Duration.ofSeconds(1));
    try (DataKey afterPeriod = keys.generateDataKey(id, CONTEXT)) {
      assertEquals(2, afterPeriod.wrapped().rootKeyVersion(), "rotated at the first use after the period");
    }
    RootKey rotated = keys.describeKey(id);
    assertEquals(2, rotated.currentVersion());
    assertEquals(Optional.of(clock.instant().plus(Duration.ofDays(90))), rotated.nextRotation());
    assertArrayEquals(new byte[] {1}, keys.decryptBytes(first, CONTEXT));

    clock.advance(Duration.ofDays(400)); // several periods passed unused: one rotation, not four
    assertEquals(3, keys.encrypt(id, new byte[] {1}, CONTEXT).rootKeyVersion());
  }

  @Test
  void withAutomaticRotationOff_noVersionIsEverAddedByTime() throws Exception {
    String id = keys.createKey("").id();
    keys.setAutomaticRotation(id, Duration.ofDays(90));
    keys.setAutomaticRotation(id, null);
    clock.advance(Duration.ofDays(3000));
    assertEquals(1, keys.encrypt(id, new byte[] {1}, CONTEXT).rootKeyVersion());
  }

  // ---- aliases ----

  @Test
  void aKeyHasSeveralAliases_eachResolvingToIt_listedSorted() throws Exception {
    String id = keys.createKey("").id();
    keys.createAlias("zeta", id);
    keys.createAlias("alpha", "zeta");
    keys.createAlias("alias/app-1", id);

    assertEquals(List.of("alias/app-1", "alpha", "zeta"), keys.describeKey(id).aliases());
    for (String alias : List.of("zeta", "alpha", "alias/app-1")) {
      assertEquals(id, keys.resolveKeyId(alias));
      assertEquals(id, keys.describeKey(alias).id());
      assertEquals(id, keys.encrypt(alias, new byte[1], CONTEXT).rootKeyId(), "a wrapped key names the id");
    }
  }

  @Test
  void deleteAlias_removesOnlyTheAlias() throws Exception {
    String id = keys.createKey("").id();
    keys.createAlias("short-lived", id);
    keys.createAlias("kept", id);

    keys.deleteAlias("short-lived");

    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.describeKey("short-lived"), "deleted alias");
    assertEquals(List.of("kept"), keys.describeKey(id).aliases());
    assertEquals(KeyState.ENABLED, keys.describeKey(id).state());
    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.deleteAlias("short-lived"), "deleted twice");
  }

  @Test
  void anAliasIsUniqueAcrossTheService() throws Exception {
    String first = keys.createKey("").id();
    String second = keys.createKey("").id();
    keys.createAlias("taken", first);

    assertFailsWith(ErrorCode.ALREADY_EXISTS, () -> keys.createAlias("taken", second), "another key");
    assertFailsWith(ErrorCode.ALREADY_EXISTS, () -> keys.createAlias("taken", first), "the same key");
    assertEquals(first, keys.resolveKeyId("taken"));
    assertEquals(List.of(), keys.describeKey(second).aliases());
  }

  @Test
  void anAliasMustBeWellFormed_andNeverShapedLikeAKeyId() throws Exception {
    String id = keys.createKey("").id();
    String otherId = keys.createKey("").id();
    for (String bad : List.of("", " x", "-x", "../x", "a b", "a\u0000b", "ключ", "x".repeat(257), otherId,
        otherId.toUpperCase(java.util.Locale.ROOT))) {
      assertFailsWith(ErrorCode.INVALID_ARGUMENT, () -> keys.createAlias(bad, id), "alias '" + bad + "'");
    }
    assertEquals(List.of(), keys.describeKey(id).aliases());
  }

  @Test
  void aPendingKeysAliasCanBeDeleted() throws Exception {
    String id = keys.createKey("").id();
    keys.createAlias("going", id);
    keys.scheduleKeyDeletion(id, 7);
    keys.deleteAlias("going");
    assertEquals(List.of(), keys.describeKey(id).aliases());
  }

  @Test
  void aWrappedKeyNamingAnAliasInsteadOfTheId_isNotFound() throws Exception {
    String id = keys.createKey("").id();
    keys.createAlias("by-name", id);
    WrappedKey wrapped = keys.encrypt(id, new byte[] {1}, CONTEXT);
    WrappedKey byAlias = WrappedKey.of("by-name", wrapped.rootKeyVersion(), wrapped.ciphertext());

    assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> keys.decryptBytes(byAlias, CONTEXT), "alias in a wrapped key");
  }

  // ---- encrypt and decryptBytes ----

  @Test
  void encrypt_of1And4096Bytes_decryptsBack_andHidesThePlaintext() throws Exception {
    String id = keys.createKey("").id();
    Random random = new Random(11);
    for (int size : new int[] {1, 2, 31, 32, 33, 1000, ManagedKeyService.MAX_PLAINTEXT_BYTES}) {
      byte[] plaintext = new byte[size];
      random.nextBytes(plaintext);

      WrappedKey wrapped = keys.encrypt(id, plaintext, CONTEXT);

      assertEquals(id, wrapped.rootKeyId());
      assertTrue(wrapped.ciphertext().length <= WrappedKey.MAX_CIPHERTEXT_BYTES, size + " bytes");
      if (size >= 16) {
        assertFalse(containsRun(wrapped.ciphertext(), plaintext), "the ciphertext holds the plaintext");
      }
      assertArrayEquals(plaintext, keys.decryptBytes(wrapped, CONTEXT), size + " bytes");
    }
  }

  @Test
  void encrypt_refusesNothingAndMoreThan4096Bytes() throws Exception {
    String id = keys.createKey("").id();
    for (int size : new int[] {0, ManagedKeyService.MAX_PLAINTEXT_BYTES + 1, 100_000}) {
      assertFailsWith(ErrorCode.INVALID_ARGUMENT, () -> keys.encrypt(id, new byte[size], CONTEXT), size + " bytes");
    }
    assertFailsWith(ErrorCode.INVALID_ARGUMENT, () -> keys.encrypt(id, null, CONTEXT), "null");
  }

  @Test
  void encryptingTheSameBytesTwice_givesDifferentCiphertexts() throws Exception {
    String id = keys.createKey("").id();
    assertNotEquals(keys.encrypt(id, new byte[] {1}, CONTEXT), keys.encrypt(id, new byte[] {1}, CONTEXT));
  }

  @Test
  void decryptBytes_underAnotherContext_failsWithInvalidWrappedKey() throws Exception {
    String id = keys.createKey("").id();
    WrappedKey wrapped = keys.encrypt(id, new byte[] {1, 2, 3}, CONTEXT);
    for (EncryptionContext other : otherContexts()) {
      assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decryptBytes(wrapped, other), "context " + other);
    }
  }

  @Test
  void decryptBytes_ofADamagedCiphertext_failsWithInvalidWrappedKey() throws Exception {
    String id = keys.createKey("").id();
    byte[] ciphertext = keys.encrypt(id, new byte[] {1, 2, 3}, CONTEXT).ciphertext();
    for (int i = 0; i < ciphertext.length; i++) {
      byte[] flipped = ciphertext.clone();
      flipped[i] ^= (byte) 0x80;
      WrappedKey damaged = WrappedKey.of(id, 1, flipped);
      assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decryptBytes(damaged, CONTEXT), "byte " + i);
    }
    for (int length : new int[] {1, ciphertext.length - 1}) {
      WrappedKey cut = WrappedKey.of(id, 1, Arrays.copyOf(ciphertext, length));
      assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decryptBytes(cut, CONTEXT), "cut to " + length);
    }
  }

  @Test
  void aGeneratedDataKey_decryptsThroughDecryptBytes_andAnEncrypted32BytesThroughDecrypt() throws Exception {
    String id = keys.createKey("").id();
    try (DataKey generated = keys.generateDataKey(id, CONTEXT)) {
      assertArrayEquals(generated.copyPlaintext(InsecureKeyAccess.get()),
          keys.decryptBytes(generated.wrapped(), CONTEXT));
    }

    byte[] secret = new byte[DataKey.SIZE_BYTES];
    new Random(5).nextBytes(secret);
    WrappedKey wrapped = keys.encrypt(id, secret, CONTEXT);
    try (DataKey decrypted = keys.decrypt(wrapped, CONTEXT)) {
      assertArrayEquals(secret, decrypted.copyPlaintext(InsecureKeyAccess.get()));
    }
  }

  @Test
  void decrypt_ofSomethingThatIsNotA32ByteKey_failsWithInvalidWrappedKey() throws Exception {
    String id = keys.createKey("").id();
    for (int size : new int[] {1, 16, 31, 33, 4096}) {
      WrappedKey wrapped = keys.encrypt(id, new byte[size], CONTEXT);
      assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY, () -> keys.decrypt(wrapped, CONTEXT).close(), size + " bytes");
    }
  }

  // ---- many threads ----

  @Test
  void manyThreads_encryptDecryptGenerateAndManage_atOnce_withoutLosingAnything() throws Exception {
    String id = keys.createKey("").id();
    keys.createAlias("busy", id);
    int threads = 8;
    int rounds = Math.max(4, concurrentOperationsPerThread() / 10);
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<List<WrappedKey>>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        byte[] secret = {(byte) t, 42};
        Callable<List<WrappedKey>> worker = () -> {
          start.await();
          List<WrappedKey> made = new ArrayList<>();
          for (int i = 0; i < rounds; i++) {
            WrappedKey wrapped = keys.encrypt(i % 2 == 0 ? id : "busy", secret, CONTEXT);
            if (!Arrays.equals(secret, keys.decryptBytes(wrapped, CONTEXT))) {
              throw new AssertionError("decryptBytes returned other bytes");
            }
            try (DataKey key = keys.generateDataKey(id, CONTEXT)) {
              made.add(key.wrapped());
            }
            made.add(wrapped);
          }
          return made;
        };
        workers.add(pool.submit(worker));
      }
      Future<Integer> manager = pool.submit(() -> {
        start.await();
        for (int i = 0; i < 5; i++) {
          keys.rotateKey(id);
          keys.createAlias("extra-" + i, id);
          keys.describeKey("busy");
          keys.listKeys();
        }
        return 5;
      });
      start.countDown();
      assertEquals(5, manager.get(10, TimeUnit.MINUTES));
      for (int t = 0; t < threads; t++) {
        for (WrappedKey wrapped : workers.get(t).get(10, TimeUnit.MINUTES)) {
          assertEquals(id, wrapped.rootKeyId());
          byte[] plaintext = keys.decryptBytes(wrapped, CONTEXT);
          assertTrue(plaintext.length == DataKey.SIZE_BYTES || plaintext.length == 2);
        }
      }
      RootKey after = keys.describeKey(id);
      assertEquals(6, after.currentVersion());
      assertEquals(6, after.aliases().size());
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean containsRun(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
