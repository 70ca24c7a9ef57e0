package dev.envelope.core.internal;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.WrappedKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The wrapped-key layout of the managed key services, version 1: {@code 0x01 | nonce (12) | AES-256-GCM
 * ciphertext | tag (16)}: 61 bytes for a 32-byte data key, 30 to 4,125 bytes for the 1 to 4,096 bytes of
 * {@code encrypt} (docs/FORMAT.md). The associated data is {@code label | u16 id length | root key id |
 * u32 version | canonical context}, so a wrapped key unwraps only under the root key version and the context it
 * was made for, and never under another key service (each has its own label). Only the cipher differs between
 * the services ({@link Gcm}: the JDK's, or a PKCS#11 token's). Nonces are random: the services rotate a version
 * before {@link WrapBudget#DEFAULT_WRAPS_PER_VERSION} wraps.
 */
public final class WrapFormat {
  public static final byte LAYOUT_VERSION = 1;
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;
  public static final int OVERHEAD_BYTES = 1 + NONCE_BYTES + TAG_BYTES;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** AES-GCM under one root key version, wherever that key lives. */
  public interface Gcm {
    /** Returns ciphertext and tag. */
    byte[] seal(byte[] nonce, byte[] aad, byte[] plaintext) throws EnvelopeException;

    /** Returns the plaintext; a {@link GeneralSecurityException} means it does not authenticate. */
    byte[] open(byte[] nonce, byte[] aad, byte[] in, int offset, int length)
        throws GeneralSecurityException, EnvelopeException;
  }

  private final byte[] label;

  private WrapFormat(String label) {
    this.label = label.getBytes(StandardCharsets.US_ASCII);
  }

  /** The layout with {@code label} (such as {@code envelope/local-wrap/v1}) at the head of the associated data. */
  public static WrapFormat withLabel(String label) {
    return new WrapFormat(label);
  }

  public WrappedKey wrap(String keyId, int version, byte[] plaintext, EncryptionContext context, Gcm gcm)
      throws EnvelopeException {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    byte[] sealed = gcm.seal(nonce, aad(keyId, version, context), plaintext);
    byte[] out = ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(LAYOUT_VERSION).put(nonce).put(sealed)
        .array();
    return WrappedKey.of(keyId, version, out);
  }

  /** Returns the plaintext; the caller zeroes it. */
  public byte[] unwrap(WrappedKey wrapped, EncryptionContext context, Gcm gcm) throws EnvelopeException {
    byte[] in = wrapped.ciphertext();
    if (in.length <= OVERHEAD_BYTES || in[0] != LAYOUT_VERSION) {
      throw invalid();
    }
    try {
      return gcm.open(Arrays.copyOfRange(in, 1, 1 + NONCE_BYTES),
          aad(wrapped.rootKeyId(), wrapped.rootKeyVersion(), context), in, 1 + NONCE_BYTES,
          in.length - 1 - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw invalid();
    }
  }

  private byte[] aad(String keyId, int version, EncryptionContext context) {
    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
    byte[] ctx = context.canonicalBytes();
    return ByteBuffer.allocate(label.length + 2 + id.length + 4 + ctx.length)
        .put(label).putShort((short) id.length).put(id).putInt(version).put(ctx).array();
  }

  private static EnvelopeException invalid() {
    return new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "the wrapped key does not unwrap: it belongs to"
        + " another file or encryption context, or it is damaged");
  }
}
