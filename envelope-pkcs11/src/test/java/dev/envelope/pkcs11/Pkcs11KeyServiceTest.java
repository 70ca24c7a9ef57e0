package dev.envelope.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.MutableClock;
import dev.envelope.core.RootKey;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.testing.FileModes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the PKCS#11 key service does beyond the contract: the token, its metadata file, its configuration. */
class Pkcs11KeyServiceTest {
  @TempDir
  Path home;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
  private final EncryptionContext context = EncryptionContext.of("tenant", "t1");

  @Test
  void keysPersistAcrossANewProviderAndSession() throws Exception {
    ManagedKeyService first = open();
    String id = first.createKey("kept").id();
    first.createAlias("persistent", id);
    WrappedKey v1 = first.encrypt(id, new byte[] {1}, context);
    first.rotateKey(id);
    WrappedKey v2;
    try (DataKey key = first.generateDataKey("persistent", context)) {
      v2 = key.wrapped();
    }

    ManagedKeyService restarted = open(); // a new SunPKCS11 provider: new sessions, a new login

    RootKey described = restarted.describeKey("persistent");
    assertEquals(id, described.id());
    assertEquals(2, described.currentVersion());
    assertArrayEquals(new byte[] {1}, restarted.decryptBytes(v1, context));
    assertEquals(32, restarted.decryptBytes(v2, context).length);
  }

  @Test
  void rootKeyMaterialCannotBeReadOutOfTheToken() throws Exception {
    ManagedKeyService keys = open();
    String id = keys.createKey("").id();
    Token token = Pkcs11KeyService.token(keys);
    Key material = token.key(Pkcs11KeyService.label(id, 1));
    assertNotNull(material);

    assertNull(material.getEncoded(), "the provider handed out the key's value");
    assertTrue(material.toString().contains("sensitive") && material.toString().contains("unextractable"),
        material.toString()); // SunPKCS11 reads CKA_SENSITIVE and CKA_EXTRACTABLE from the token here
    SecretKeyFactory factory = SecretKeyFactory.getInstance("AES", token.provider());
    assertThrows(Exception.class, () -> factory.getKeySpec((SecretKey) material, SecretKeySpec.class));
    Key other = token.generateAes("envelope/test-wrapping-key/" + id);
    for (String transformation : List.of("AES/GCM/NoPadding", "AES/ECB/NoPadding", "AES/CBC/NoPadding")) {
      assertThrows(Exception.class, () -> {
        Cipher wrap = Cipher.getInstance(transformation, token.provider());
        wrap.init(Cipher.WRAP_MODE, other);
        wrap.wrap(material);
      }, transformation);
    }
    token.destroy("envelope/test-wrapping-key/" + id);
  }

  @Test
  void theMetadataHmacKeyIsNotExtractableEither() throws Exception {
    ManagedKeyService keys = open();
    keys.createKey("");
    Key hmac = Pkcs11KeyService.token(keys).key(MetadataFile.HMAC_LABEL);
    assertNull(hmac.getEncoded());
    assertTrue(hmac.toString().contains("sensitive") && hmac.toString().contains("unextractable"), hmac.toString());
  }

  @Test
  void aDestroyedKeyLosesItsTokenObjects() throws Exception {
    ManagedKeyService keys = open();
    String id = keys.createKey("").id();
    keys.rotateKey(id);
    keys.scheduleKeyDeletion(id, 7);
    clock.advance(Duration.ofDays(7).minusSeconds(1));
    assertNotNull(Pkcs11KeyService.token(open()).key(Pkcs11KeyService.label(id, 1)), "destroyed before its date");
    clock.advance(Duration.ofSeconds(1));

    keys.createKey("a write after the date");

    Token fresh = Pkcs11KeyService.token(open()); // a new provider sees only what is in the token
    assertNull(fresh.key(Pkcs11KeyService.label(id, 1)));
    assertNull(fresh.key(Pkcs11KeyService.label(id, 2)));
    assertFalse(Files.readString(home.resolve(MetadataFile.FILE_NAME), java.nio.charset.StandardCharsets.ISO_8859_1)
        .contains(id), "the metadata still names the destroyed key");
  }

  @Test
  void aWrongPinIsAClearKeyringUnavailableError() throws Exception {
    Pkcs11Config wrong = SoftHsmToken.config(SoftHsmToken.LONELY, home).withPin("9999-0000".toCharArray());

    EnvelopeException e = assertThrows(EnvelopeException.class, () -> Pkcs11KeyService.open(wrong, clock));

    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("wrong PIN"), e.getMessage());
    assertFalse(e.getMessage().contains("9999") || e.getMessage().contains("Exception"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void changedMetadataIsRefused() throws Exception {
    open().createKey("");
    Path file = home.resolve(MetadataFile.FILE_NAME);
    byte[] good = Files.readAllBytes(file);
    for (int i = 0; i < good.length; i += Math.max(1, good.length / 60)) {
      byte[] bad = good.clone();
      bad[i] ^= 0x04;
      Files.write(file, bad);
      EnvelopeException e = assertThrows(EnvelopeException.class, this::open, "byte " + i);
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code(), e.getMessage());
    }
    Files.write(file, Arrays.copyOf(good, good.length - 1));
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, assertThrows(EnvelopeException.class, this::open).code());
    Files.write(file, good);
    open();
  }

  @Test
  void theTokenLabelFindsTheSlot() throws Exception {
    Pkcs11Config byLabel = Pkcs11Config.builder(SoftHsmToken.library(), home).tokenLabel(SoftHsmToken.MAIN)
        .pin(SoftHsmToken.PIN.toCharArray()).build();
    String id = Pkcs11KeyService.open(byLabel, clock).createKey("").id();
    assertEquals(id, open().describeKey(id).id());
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> Pkcs11KeyService.open(Pkcs11Config.builder(
        SoftHsmToken.library(), home).tokenLabel("no-such-token").pin(SoftHsmToken.PIN.toCharArray()).build(), clock));
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("no-such-token"), e.getMessage());
  }

  @Test
  void aVersionIsRotatedBeforeItWrapsMoreThanTheLimit() throws Exception {
    ManagedKeyService keys = Pkcs11KeyService.open(SoftHsmToken.config(SoftHsmToken.MAIN, home), clock, 40);
    String id = keys.createKey("").id();
    List<WrappedKey> wrapped = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      wrapped.add(keys.encrypt(id, new byte[] {(byte) i}, context));
    }
    Map<Integer, Long> perVersion = wrapped.stream()
        .collect(Collectors.groupingBy(WrappedKey::rootKeyVersion, Collectors.counting()));
    assertTrue(perVersion.values().stream().allMatch(n -> n <= 40), perVersion.toString());
    assertTrue(keys.describeKey(id).currentVersion() >= 3, perVersion.toString());
    for (int i = 0; i < wrapped.size(); i++) {
      assertArrayEquals(new byte[] {(byte) i}, keys.decryptBytes(wrapped.get(i), context));
    }
  }

  @Test
  void aWrappedKeyOfThisServiceHasLayoutVersion1AndTheDocumentedLength() throws Exception {
    ManagedKeyService keys = open();
    String id = keys.createKey("").id();
    try (DataKey key = keys.generateDataKey(id, context)) {
      byte[] ciphertext = key.wrapped().ciphertext();
      assertEquals(1, ciphertext[0]);
      assertEquals(1 + 12 + 32 + 16, ciphertext.length);
      assertArrayEquals(key.copyPlaintext(InsecureKeyAccess.get()), keys.decryptBytes(key.wrapped(), context));
    }
    assertEquals(1 + 12 + 4096 + 16, keys.encrypt(id, new byte[4096], context).ciphertext().length);
  }

  @Test
  void theServiceIsNamedPkcs11AndItsToStringShowsNoSecret() throws Exception {
    ManagedKeyService keys = open();
    assertEquals("pkcs11", keys.name());
    assertFalse(keys.toString().contains(SoftHsmToken.PIN), keys.toString());
    assertFalse(SoftHsmToken.config(SoftHsmToken.MAIN, home).toString().contains(SoftHsmToken.PIN));
  }

  @Test
  void metadataOthersMayWrite_isRefused() throws Exception {
    open().createKey("");
    Path file = home.resolve(MetadataFile.FILE_NAME);
    for (String mode : new String[] {"rw-rw----", "rw-r--rw-"}) {
      FileModes.set(file, mode);
      EnvelopeException e = assertThrows(EnvelopeException.class, this::open, mode);
      assertEquals(ErrorCode.INSECURE_FILE, e.code(), e.getMessage());
      assertTrue(e.getMessage().startsWith("refusing to use the PKCS#11 key metadata " + file), e.getMessage());
    }
    FileModes.set(file, "rw-r--r--"); // others may read it: it names keys, it holds none
    open();
  }

  @Test
  void metadataOfAnotherUser_orInAHomeOthersMayWrite_isRefused() throws Exception {
    open().createKey("");
    FileModes.set(home, "rwxrwxrwx");
    assertEquals(ErrorCode.INSECURE_FILE, assertThrows(EnvelopeException.class, this::open).code());
    FileModes.set(home, "rwx------");
    FileModes.giveToNobody(home.resolve(MetadataFile.FILE_NAME));
    assertEquals(ErrorCode.INSECURE_FILE, assertThrows(EnvelopeException.class, this::open).code());
  }

  private ManagedKeyService open() throws Exception {
    return Pkcs11KeyService.open(SoftHsmToken.config(SoftHsmToken.MAIN, home), clock);
  }
}
