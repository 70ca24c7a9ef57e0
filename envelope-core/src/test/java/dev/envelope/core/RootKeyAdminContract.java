package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import dev.envelope.api.ErrorCode;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The contract of a {@link KeyService} that is also a {@link RootKeyAdmin} (the local keyring, PKCS#11, AWS KMS):
 * everything of {@link KeyServiceContract}, and {@link RootKeyAdmin#wrapDataKey}, which a migration between key
 * services uses. The service from {@link #keyService()} must implement {@link RootKeyAdmin}.
 */
public abstract class RootKeyAdminContract extends KeyServiceContract {
  // ---- RootKeyAdmin.wrapDataKey: a data key from elsewhere (another key service), wrapped here ----

  /** The service under test, as the {@link RootKeyAdmin} every subclass's service is. */
  private RootKeyAdmin admin() {
    return (RootKeyAdmin) service;
  }

  /** A data key as another key service would hand it out: its own wrapped key, which means nothing here. */
  private static DataKey foreignKey(long seed) {
    byte[] plaintext = new byte[DataKey.SIZE_BYTES];
    new java.util.Random(seed).nextBytes(plaintext);
    try {
      return DataKey.of(plaintext, WrappedKey.of("a-key-of-another-service", 7, new byte[] {1, 2, 3}));
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Test
  void wrapDataKey_ofAKeyFromElsewhere_decryptsToTheSameBytes_underItsContextOnly() throws Exception {
    RootKeyAdmin admin = admin();
    String root = createRootKey();
    try (DataKey foreign = foreignKey(1)) {
      byte[] expected = foreign.copyPlaintext(InsecureKeyAccess.get());
      WrappedKey wrapped = admin.wrapDataKey(root, foreign, CONTEXT);

      assertEquals(root, wrapped.rootKeyId());
      assertFalse(containsSubsequence(wrapped.ciphertext(), expected), "the wrapped key holds the plaintext");
      assertFalse(foreign.isClosed(), "the caller's key stays open: its owner closes it");
      assertArrayEquals(expected, foreign.copyPlaintext(InsecureKeyAccess.get()), "and unchanged");
      try (DataKey back = service.decrypt(wrapped, CONTEXT)) {
        assertArrayEquals(expected, back.copyPlaintext(InsecureKeyAccess.get()));
        assertEquals(wrapped, back.wrapped());
      }
      for (EncryptionContext other : otherContexts()) {
        assertFailsWith(ErrorCode.INVALID_WRAPPED_KEY, () -> service.decrypt(wrapped, other).close(),
            "context " + other);
      }
      WrappedKey again = admin.wrapDataKey(root, foreign, CONTEXT);
      assertFalse(Arrays.equals(wrapped.ciphertext(), again.ciphertext()), "a fresh IV each time");
      try (DataKey back = service.decrypt(again, CONTEXT)) {
        assertArrayEquals(expected, back.copyPlaintext(InsecureKeyAccess.get()));
      }
    }
  }

  @Test
  void wrapDataKey_wrapsUnderTheCurrentVersion_likeGenerateDataKey() throws Exception {
    RootKeyAdmin admin = admin();
    String root = createRootKey();
    rotateRootKey(root);
    try (DataKey foreign = foreignKey(2); DataKey generated = service.generateDataKey(root, CONTEXT)) {
      WrappedKey wrapped = admin.wrapDataKey(root, foreign, CONTEXT);
      assertEquals(generated.wrapped().rootKeyVersion(), wrapped.rootKeyVersion());
      assertEquals(admin.currentVersion(root), wrapped.rootKeyVersion());
      rotateRootKey(root);
      try (DataKey back = service.decrypt(wrapped, CONTEXT)) {
        assertArrayEquals(foreign.copyPlaintext(InsecureKeyAccess.get()), back.copyPlaintext(InsecureKeyAccess.get()),
            "still unwraps after a later rotation");
      }
    }
  }

  @Test
  void wrapDataKey_underAnUnknownOrDisabledKey_orOfAClosedKey_fails() throws Exception {
    RootKeyAdmin admin = admin();
    String root = createRootKey();
    try (DataKey foreign = foreignKey(3)) {
      assertFailsWith(ErrorCode.KEY_NOT_FOUND, () -> admin.wrapDataKey(unknownRootKeyId(), foreign, CONTEXT),
          "unknown root key");
      disableRootKey(root);
      assertFailsWith(ErrorCode.KEY_DISABLED, () -> admin.wrapDataKey(root, foreign, CONTEXT), "disabled root key");
      enableRootKey(root);
      foreign.close();
      assertThrows(IllegalStateException.class, () -> admin.wrapDataKey(root, foreign, CONTEXT), "closed key");
    }
  }

}
