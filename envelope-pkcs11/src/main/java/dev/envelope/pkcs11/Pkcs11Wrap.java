package dev.envelope.pkcs11;

import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.core.WrappedKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The PKCS#11 key service's wrapped-key layout, version 1: {@code 0x01 | IV (12) | AES-256-GCM ciphertext of
 * the plaintext | tag (16)}, computed inside the token (61 bytes for a data key, 30 to 4,125 bytes for the 1
 * to 4,096 bytes of {@code encrypt}). The associated data is
 * {@code "envelope/pkcs11-wrap/v1" | u16 id length | root key id | u32 version | canonical context}, so a
 * wrapped key unwraps only under the key version and the context it was made for, and never as a local
 * keyring key (another label). The IV is random, from this JVM's {@link SecureRandom}; the service rotates a
 * version before it has wrapped {@link dev.envelope.core.internal.WrapBudget#DEFAULT_WRAPS_PER_VERSION} keys.
 */
final class Pkcs11Wrap {
  static final byte LAYOUT_VERSION = 1;
  static final int IV_BYTES = 12;
  static final int OVERHEAD_BYTES = 1 + IV_BYTES + 16;
  private static final byte[] LABEL = "envelope/pkcs11-wrap/v1".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  private Pkcs11Wrap() {}

  static WrappedKey wrap(Token token, Key key, String keyId, int version, byte[] plaintext,
      EncryptionContext context) throws EnvelopeException {
    byte[] iv = new byte[IV_BYTES];
    RANDOM.nextBytes(iv);
    byte[] sealed = token.encrypt(key, iv, aad(keyId, version, context), plaintext);
    byte[] out = ByteBuffer.allocate(1 + IV_BYTES + sealed.length).put(LAYOUT_VERSION).put(iv).put(sealed).array();
    return WrappedKey.of(keyId, version, out);
  }

  /** Returns the plaintext; the caller zeroes it. */
  static byte[] unwrap(Token token, Key key, String keyId, WrappedKey wrapped, EncryptionContext context)
      throws EnvelopeException {
    byte[] in = wrapped.ciphertext();
    if (in.length <= OVERHEAD_BYTES || in[0] != LAYOUT_VERSION) {
      throw invalid();
    }
    try {
      return token.decrypt(key, Arrays.copyOfRange(in, 1, 1 + IV_BYTES), aad(keyId, wrapped.rootKeyVersion(), context),
          in, 1 + IV_BYTES, in.length - 1 - IV_BYTES);
    } catch (GeneralSecurityException e) {
      throw invalid();
    }
  }

  private static byte[] aad(String keyId, int version, EncryptionContext context) {
    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
    byte[] ctx = context.canonicalBytes();
    return ByteBuffer.allocate(LABEL.length + 2 + id.length + 4 + ctx.length)
        .put(LABEL).putShort((short) id.length).put(id).putInt(version).put(ctx).array();
  }

  private static EnvelopeException invalid() {
    return new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "the wrapped key does not unwrap: it belongs to"
        + " another file or encryption context, or it is damaged");
  }
}
