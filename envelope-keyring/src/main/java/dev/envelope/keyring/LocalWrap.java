package dev.envelope.keyring;

import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.core.WrappedKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The local keyring's wrapped-key layout, version 1: {@code 0x01 | nonce (12) | AES-256-GCM ciphertext of
 * the plaintext | tag (16)}: 61 bytes for a 32-byte data key, 30 to 4,125 bytes for the 1 to 4,096 bytes of
 * {@code encrypt}. The associated data is
 * {@code "envelope/local-wrap/v1" | u16 id length | root key id | u32 version | canonical context}, so a
 * wrapped key unwraps only under the root key version and the context it was made for. A data key and a
 * small secret share the layout (a wrapped data key is exactly what {@code encrypt} makes of 32 bytes), so
 * files written before {@code encrypt} existed keep decrypting byte for byte. Nonces are random: the keyring
 * rotates a version before it has wrapped {@link LocalKeyring#DEFAULT_WRAPS_PER_VERSION} keys.
 */
final class LocalWrap {
  static final byte LAYOUT_VERSION = 1;
  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;
  static final int OVERHEAD_BYTES = 1 + NONCE_BYTES + TAG_BYTES;
  private static final byte[] LABEL = "envelope/local-wrap/v1".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  private LocalWrap() {}

  static WrappedKey wrap(String keyId, int version, byte[] material, byte[] dataKey,
      EncryptionContext context) {
    byte[] out = new byte[OVERHEAD_BYTES + dataKey.length];
    out[0] = LAYOUT_VERSION;
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, nonce));
      gcm.updateAAD(aad(keyId, version, context));
      gcm.doFinal(dataKey, 0, dataKey.length, out, 1 + NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this Java runtime", e);
    }
    return WrappedKey.of(keyId, version, out);
  }

  /** Returns the plaintext data key; the caller zeroes it. */
  static byte[] unwrap(String keyId, byte[] material, WrappedKey wrapped, EncryptionContext context)
      throws EnvelopeException {
    byte[] in = wrapped.ciphertext();
    if (in.length <= OVERHEAD_BYTES || in[0] != LAYOUT_VERSION) {
      throw invalid();
    }
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material, "AES"),
          new GCMParameterSpec(128, in, 1, NONCE_BYTES));
      gcm.updateAAD(aad(keyId, wrapped.rootKeyVersion(), context));
      return gcm.doFinal(in, 1 + NONCE_BYTES, in.length - 1 - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw invalid();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this Java runtime", e);
    }
  }

  private static byte[] aad(String keyId, int version, EncryptionContext context) {
    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
    byte[] ctx = context.canonicalBytes();
    return ByteBuffer.allocate(LABEL.length + 2 + id.length + 4 + ctx.length)
        .put(LABEL).putShort((short) id.length).put(id).putInt(version).put(ctx).array();
  }

  private static EnvelopeException invalid() {
    return new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "the wrapped data key does not unwrap: it"
        + " belongs to another file or encryption context, or it is damaged");
  }
}
