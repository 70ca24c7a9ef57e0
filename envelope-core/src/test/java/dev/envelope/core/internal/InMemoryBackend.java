package dev.envelope.core.internal;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.WrappedKey;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** A {@link ManagedKeyBackend} in memory, which logs the store calls {@link ManagedKeys} makes. */
final class InMemoryBackend implements ManagedKeyBackend {
  private static final WrapFormat WRAP = WrapFormat.withLabel("envelope/test-wrap/v1");
  private static final SecureRandom RANDOM = new SecureRandom();

  final List<String> calls = new ArrayList<>();
  private final Map<String, byte[]> material = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private volatile List<KeyRecord> keys = List.of();
  private volatile int writes;

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public Object stamp() {
    return writes;
  }

  @Override
  public List<KeyRecord> read() {
    return keys;
  }

  @Override
  public WriteLock lock() {
    lock.lock();
    return lock::unlock;
  }

  @Override
  public void write(List<KeyRecord> next) {
    check();
    calls.add("write");
    keys = List.copyOf(next);
    writes++;
  }

  @Override
  public void makeMaterial(String keyId, int version) {
    check();
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    material.put(KeyRecordJson.slot(keyId, version), bytes);
  }

  @Override
  public void destroyMaterial(String keyId, int version) {
    check();
    calls.add("destroy " + keyId + "/v" + version);
    material.remove(KeyRecordJson.slot(keyId, version));
  }

  private void check() {
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalStateException("a store change outside the write lock");
    }
  }

  @Override
  public WrappedKey wrap(String keyId, int version, byte[] plaintext, EncryptionContext context)
      throws EnvelopeException {
    return WRAP.wrap(keyId, version, plaintext, context, gcm(keyId, version));
  }

  @Override
  public byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    return WRAP.unwrap(wrapped, context, gcm(wrapped.rootKeyId(), wrapped.rootKeyVersion()));
  }

  private WrapFormat.Gcm gcm(String keyId, int version) {
    byte[] key = material.get(KeyRecordJson.slot(keyId, version));
    return new WrapFormat.Gcm() {
      @Override
      public byte[] seal(byte[] nonce, byte[] aad, byte[] plaintext) {
        try {
          return cipher(Cipher.ENCRYPT_MODE, key, nonce, aad).doFinal(plaintext);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public byte[] open(byte[] nonce, byte[] aad, byte[] in, int offset, int length)
          throws GeneralSecurityException {
        return cipher(Cipher.DECRYPT_MODE, key, nonce, aad).doFinal(in, offset, length);
      }
    };
  }

  private static Cipher cipher(int mode, byte[] key, byte[] nonce, byte[] aad) throws GeneralSecurityException {
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    gcm.updateAAD(aad);
    return gcm;
  }
}
