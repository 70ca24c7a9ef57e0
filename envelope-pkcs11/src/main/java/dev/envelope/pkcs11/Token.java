package dev.envelope.pkcs11;

import dev.envelope.api.EnvelopeException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.InvalidParameterException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * One logged-in PKCS#11 token, through a SunPKCS11 provider of its own (never installed JVM-wide). Keys are
 * generated inside the token as sensitive, non-extractable token objects named by a label; this class hands
 * out only handles to them and the results of operations the token performs.
 *
 * <h2>Security guarantees</h2>
 * Every secret key the provider generates gets {@code CKA_SENSITIVE=true} and {@code CKA_EXTRACTABLE=false}
 * (the provider's {@code attributes(generate, ...)} configuration): its value can never be read out of the
 * token, by this program or any other. The PIN stays in this object (it is needed to re-read the token's
 * object list) and is never printed.
 */
final class Token {
  private static final AtomicInteger PROVIDERS = new AtomicInteger();
  private static final String NON_EXTRACTABLE = "{\n  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n}\n";

  private final Provider provider;
  private final KeyStore store;
  private final char[] pin;
  private final String name;
  private final Map<String, Key> keys = new ConcurrentHashMap<>();

  private Token(Provider provider, KeyStore store, char[] pin, String name) {
    this.provider = provider;
    this.store = store;
    this.pin = pin;
    this.name = name;
  }

  /** Loads the module, opens the slot and logs in with the configured PIN. */
  static Token open(Pkcs11Config config) throws EnvelopeException {
    long slot = config.slot() != null ? config.slot() : TokenSlots.slotOf(config.library(), config.tokenLabel());
    String name = "the PKCS#11 token in slot " + slot + (config.tokenLabel() == null ? ""
        : " ('" + config.tokenLabel() + "')");
    String configuration = "--name = envelope-" + PROVIDERS.incrementAndGet() + "\n"
        + "library = \"" + config.library() + "\"\n"
        + "slot = " + slot + "\n"
        + "attributes(generate, CKO_SECRET_KEY, CKK_AES) = " + NON_EXTRACTABLE
        + "attributes(generate, CKO_SECRET_KEY, CKK_GENERIC_SECRET) = " + NON_EXTRACTABLE;
    Provider provider;
    KeyStore store;
    try {
      provider = Security.getProvider("SunPKCS11").configure(configuration);
      store = KeyStore.getInstance("PKCS11", provider);
    } catch (InvalidParameterException | ProviderException | GeneralSecurityException e) {
      throw Pkcs11Config.unavailable("cannot open " + name + " with " + config.library() + ": " + reason(e));
    }
    char[] pin = config.pin();
    try {
      store.load(null, pin);
    } catch (IOException | GeneralSecurityException | ProviderException e) {
      Arrays.fill(pin, '\0');
      if (isWrongPin(e)) {
        throw Pkcs11Config.unavailable("cannot log in to " + name + ": wrong PIN");
      }
      throw Pkcs11Config.unavailable("cannot log in to " + name + ": " + reason(e));
    }
    return new Token(provider, store, pin, name);
  }

  String name() {
    return name;
  }

  /** Generates a non-extractable AES-256 key inside the token and stores it as a token object. */
  Key generateAes(String label) throws EnvelopeException {
    return generate("AES", label);
  }

  /** Generates a non-extractable HMAC-SHA256 key (a generic secret) inside the token. */
  Key generateHmac(String label) throws EnvelopeException {
    return generate("HmacSHA256", label);
  }

  private Key generate(String algorithm, String label) throws EnvelopeException {
    try {
      KeyGenerator generator = KeyGenerator.getInstance(algorithm, provider);
      generator.init(256);
      SecretKey sessionKey = generator.generateKey();
      synchronized (store) {
        store.setEntry(label, new KeyStore.SecretKeyEntry(sessionKey), null);
        Key stored = store.getKey(label, null);
        keys.put(label, stored);
        return stored;
      }
    } catch (GeneralSecurityException | ProviderException e) {
      throw failed("generate a key", e);
    }
  }

  /** The token object with this label, or null if there is none (rereads the token's list once). */
  Key key(String label) throws EnvelopeException {
    Key key = keys.get(label);
    if (key != null) {
      return key;
    }
    try {
      synchronized (store) {
        if (!store.containsAlias(label)) {
          store.load(null, pin); // another process may have made it since the list was read
        }
        key = store.containsAlias(label) ? store.getKey(label, null) : null;
      }
    } catch (IOException | GeneralSecurityException | ProviderException e) {
      throw failed("find a key", e);
    }
    if (key != null) {
      keys.put(label, key);
    }
    return key;
  }

  /** Destroys the token object with this label, if there is one. */
  void destroy(String label) throws EnvelopeException {
    keys.remove(label);
    try {
      synchronized (store) {
        if (!store.containsAlias(label)) {
          store.load(null, pin);
        }
        if (store.containsAlias(label)) {
          store.deleteEntry(label);
        }
      }
    } catch (IOException | GeneralSecurityException | ProviderException e) {
      throw failed("destroy a key", e);
    }
  }

  /** AES-GCM inside the token: the ciphertext and its 16-byte tag. */
  byte[] encrypt(Key key, byte[] iv, byte[] aad, byte[] plaintext) throws EnvelopeException {
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding", provider);
      gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      gcm.updateAAD(aad);
      return gcm.doFinal(plaintext);
    } catch (GeneralSecurityException | ProviderException e) {
      throw failed("encrypt", e);
    }
  }

  /** AES-GCM decryption inside the token; a wrong tag is a {@link javax.crypto.AEADBadTagException}. */
  byte[] decrypt(Key key, byte[] iv, byte[] aad, byte[] in, int offset, int length)
      throws GeneralSecurityException, EnvelopeException {
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding", provider);
      gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
      gcm.updateAAD(aad);
      return gcm.doFinal(in, offset, length);
    } catch (ProviderException e) {
      throw failed("decrypt", e);
    }
  }

  /** HMAC-SHA256 inside the token. */
  byte[] hmac(Key key, byte[] data) throws EnvelopeException {
    try {
      Mac mac = Mac.getInstance("HmacSHA256", provider);
      mac.init(key);
      return mac.doFinal(data);
    } catch (GeneralSecurityException | ProviderException e) {
      throw failed("authenticate the key metadata", e);
    }
  }

  /** The provider, for tests that try to get key material out (and must fail). */
  Provider provider() {
    return provider;
  }

  @Override
  public String toString() {
    return "Token[" + name + "]";
  }

  private EnvelopeException failed(String what, Exception e) {
    return Pkcs11Config.unavailable(name + " could not " + what + ": " + reason(e));
  }

  private static boolean isWrongPin(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof javax.security.auth.login.FailedLoginException || message.contains("CKR_PIN_INCORRECT")
          || message.contains("CKR_PIN_LEN_RANGE")) {
        return true;
      }
    }
    return false;
  }

  /** The innermost message, on one line: PKCS#11 return codes such as CKR_DEVICE_ERROR are what helps. */
  private static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.replaceAll("\\s+", " ").strip();
  }
}
