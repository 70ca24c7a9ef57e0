package dev.envelope.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.ManagedKeyServiceContract;
import dev.envelope.core.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ManagedKeys} keeps the {@link ManagedKeyServiceContract} over a backend in memory, and calls the backend
 * the way {@link ManagedKeyBackend} promises: changes only under the lock, material destroyed before the records
 * that forget it are written.
 */
class ManagedKeysTest extends ManagedKeyServiceContract {
  private InMemoryBackend backend;

  @Override
  protected ManagedKeyService managedKeyService(MutableClock clock) throws Exception {
    backend = new InMemoryBackend();
    return ManagedKeys.open(backend, clock, WrapBudget.DEFAULT_WRAPS_PER_VERSION);
  }

  @Test
  void aKeyPastItsDeletionDate_hasItsMaterialDestroyedBeforeTheRecordsForgetIt() throws Exception {
    String id = keys.createKey("doomed").id();
    keys.rotateKey(id);
    keys.scheduleKeyDeletion(id, ManagedKeyService.MIN_PENDING_DAYS);
    clock.advance(Duration.ofDays(ManagedKeyService.MIN_PENDING_DAYS));
    backend.calls.clear();

    keys.createKey("next");

    assertEquals(List.of("destroy " + id + "/v1", "destroy " + id + "/v2", "write"), backend.calls);
    assertEquals(ErrorCode.KEY_NOT_FOUND, assertThrows(EnvelopeException.class, () -> keys.describeKey(id)).code());
  }

  @Test
  void ensureKey_makesTheAliasedKeyOnce_andThenReturnsIt() throws Exception {
    String id = ManagedKeyService.ensureKey(keys, "files", "first start").id();
    assertEquals(id, ManagedKeyService.ensureKey(keys, "files", "second start").id());
    assertEquals(1, keys.listKeys().size());
  }

  @Test
  void ensureKey_thatLosesTheRaceForTheAlias_usesTheWinnersKey() throws Exception {
    String winner = keys.createKey("winner").id();
    ManagedKeyService late = claimingAliasBeforeCreateKey("files", winner);

    assertEquals(winner, ManagedKeyService.ensureKey(late, "files", "loser").id());
  }

  @Test
  void ensureKey_passesOnErrorsOtherThanAMissingKey() throws Exception {
    assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(EnvelopeException.class,
        () -> ManagedKeyService.ensureKey(keys, "not a valid alias!", "")).code());
  }

  /** {@link #keys}, on which another process gives {@code alias} to {@code id} just before our createKey. */
  private ManagedKeyService claimingAliasBeforeCreateKey(String alias, String id) {
    boolean[] raced = {false};
    return (ManagedKeyService) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {ManagedKeyService.class}, (proxy, method, args) -> {
          if (method.getName().equals("createKey") && !raced[0]) {
            raced[0] = true;
            keys.createAlias(alias, id);
          }
          try {
            return method.invoke(keys, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void aWrappedKeyOfThisServiceCarriesTheSharedLayout() throws Exception {
    String id = keys.createKey("").id();
    byte[] ciphertext = keys.encrypt(id, new byte[] {7}, EncryptionContext.of("tenant", "t")).ciphertext();
    assertEquals(WrapFormat.OVERHEAD_BYTES + 1, ciphertext.length);
    assertTrue(ciphertext[0] == WrapFormat.LAYOUT_VERSION);
  }
}
