package dev.envelope.core;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A {@link KeyService} that keeps its root keys in memory, for tests only (other modules get it through the
 * test-jar). Data keys are wrapped with AES-256-GCM under the current version of a root key, with the key id,
 * version and canonical context as associated data. Thread-safe.
 */
public final class InMemoryKeyService implements KeyService {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] LABEL = "envelope-test-wrap-v1".getBytes(StandardCharsets.US_ASCII);

  private final Map<String, RootKey> keys = new ConcurrentHashMap<>();

  private static final class RootKey {
    final List<byte[]> versions = new CopyOnWriteArrayList<>(); // version n is at index n - 1
    volatile boolean enabled = true;
  }

  @Override
  public String name() {
    return "in-memory";
  }

  /** Creates an enabled root key with one version and returns its id. */
  public String createKey() {
    String id = UUID.randomUUID().toString();
    RootKey key = new RootKey();
    key.versions.add(randomBytes(32));
    keys.put(id, key);
    return id;
  }

  public void disable(String id) throws EnvelopeException {
    find(id).enabled = false;
  }

  public void enable(String id) throws EnvelopeException {
    find(id).enabled = true;
  }

  /** Adds a version; new data keys are wrapped under it. */
  public void rotate(String id) throws EnvelopeException {
    RootKey key = find(id);
    synchronized (key) {
      key.versions.add(randomBytes(32));
    }
  }

  @Override
  public DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException {
    byte[] plaintext = randomBytes(DataKey.SIZE_BYTES);
    try {
      return DataKey.of(plaintext, wrap(rootKey, plaintext, context));
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    RootKey key = usable(wrapped.rootKeyId());
    int version = wrapped.rootKeyVersion();
    List<byte[]> versions = key.versions;
    if (version < 1 || version > versions.size()) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "root key " + wrapped.rootKeyId()
          + " has no version " + version);
    }
    byte[] ciphertext = wrapped.ciphertext();
    if (ciphertext.length < NONCE_BYTES + TAG_BITS / 8) {
      throw invalid();
    }
    byte[] plaintext = null;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(versions.get(version - 1), "AES"),
          new GCMParameterSpec(TAG_BITS, ciphertext, 0, NONCE_BYTES));
      cipher.updateAAD(aad(wrapped.rootKeyId(), version, context));
      plaintext = cipher.doFinal(ciphertext, NONCE_BYTES, ciphertext.length - NONCE_BYTES);
      if (plaintext.length != DataKey.SIZE_BYTES) {
        throw invalid();
      }
      return DataKey.of(plaintext, wrapped);
    } catch (AEADBadTagException e) {
      throw invalid();
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(ErrorCode.INTERNAL, "AES-GCM is not available", e);
    } finally {
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  @Override
  public WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
      throws EnvelopeException {
    usable(newRootKey);
    try (DataKey key = decrypt(wrapped, context)) {
      byte[] plaintext = key.copyPlaintext(InsecureKeyAccess.get());
      try {
        return wrap(newRootKey, plaintext, context);
      } finally {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  private WrappedKey wrap(String id, byte[] plaintext, EncryptionContext context) throws EnvelopeException {
    RootKey key = usable(id);
    byte[] material;
    int version;
    synchronized (key) {
      version = key.versions.size();
      material = key.versions.get(version - 1);
    }
    byte[] nonce = randomBytes(NONCE_BYTES);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad(id, version, context));
      byte[] sealed = cipher.doFinal(plaintext);
      return WrappedKey.of(id, version, ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed)
          .array());
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(ErrorCode.INTERNAL, "AES-GCM is not available", e);
    }
  }

  private RootKey find(String id) throws EnvelopeException {
    RootKey key = keys.get(id);
    if (key == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no root key " + id);
    }
    return key;
  }

  private RootKey usable(String id) throws EnvelopeException {
    RootKey key = find(id);
    if (!key.enabled) {
      throw new EnvelopeException(ErrorCode.KEY_DISABLED, "root key " + id + " is disabled");
    }
    return key;
  }

  private static byte[] aad(String id, int version, EncryptionContext context) {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    byte[] ctx = context.canonicalBytes();
    return ByteBuffer.allocate(LABEL.length + 2 + idBytes.length + 4 + ctx.length)
        .put(LABEL).putShort((short) idBytes.length).put(idBytes).putInt(version).put(ctx).array();
  }

  private static EnvelopeException invalid() {
    return new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY,
        "the wrapped data key does not unwrap under its root key and this encryption context");
  }

  private static byte[] randomBytes(int n) {
    byte[] out = new byte[n];
    RANDOM.nextBytes(out);
    return out;
  }
}
