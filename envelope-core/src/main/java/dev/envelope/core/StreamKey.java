package dev.envelope.core;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-stream key and nonces of Tink's AES-GCM-HKDF streaming AEAD (Tink 1.24.0,
 * {@code com.google.crypto.tink.subtle.AesGcmHkdfStreaming}, checked against its bytecode), computed with the
 * JCE so that segments can be encrypted and decrypted independently, on any thread:
 * <ul>
 *   <li>stream header: {@code 0x28} (its own length, 40) | 32-byte salt | 7-byte nonce prefix;</li>
 *   <li>key: HKDF-SHA256 (RFC 5869) with the data key as input keying material, the salt as salt and the
 *       associated data as info, 32 bytes, used as an AES-256 key;</li>
 *   <li>segment {@code i}: AES-GCM with a 128-bit tag, no GCM associated data, nonce {@code prefix | u32 i
 *       big-endian | 0x01 if last else 0x00}; {@code i} below 2^32, as Tink's encrypter requires.</li>
 * </ul>
 * {@code ParallelStreamsTinkIdentityTest} holds the bytes to Tink's own encrypter and decrypter.
 *
 * <p>Security: the key lives only inside the {@link SecretKeySpec} (a copy the JCE keeps, which Java 17 cannot
 * zero); every array of key material computed here is zeroed before returning. {@link #toString()} shows no key.
 * Immutable and thread-safe: each caller brings its own {@link Cipher}.
 */
final class StreamKey {
  static final int HEADER_BYTES = 40;
  static final int SALT_BYTES = 32;
  static final int NONCE_PREFIX_BYTES = 7;
  static final int TAG_BYTES = 16;
  private static final int KEY_BYTES = 32;
  private static final long SEGMENT_LIMIT = 1L << 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final byte[] header;

  private StreamKey(SecretKeySpec key, byte[] header) {
    this.key = key;
    this.header = header;
  }

  /** A key for a new stream: random salt and nonce prefix, as Tink's encrypter draws them. */
  static StreamKey forNewStream(byte[] dataKey, byte[] associatedData) throws GeneralSecurityException {
    byte[] salt = new byte[SALT_BYTES];
    byte[] noncePrefix = new byte[NONCE_PREFIX_BYTES];
    RANDOM.nextBytes(salt);
    RANDOM.nextBytes(noncePrefix);
    return of(dataKey, salt, noncePrefix, associatedData);
  }

  /** The key of the stream whose header has {@code salt} and {@code noncePrefix}. */
  static StreamKey of(byte[] dataKey, byte[] salt, byte[] noncePrefix, byte[] associatedData)
      throws GeneralSecurityException {
    if (salt.length != SALT_BYTES || noncePrefix.length != NONCE_PREFIX_BYTES) {
      throw new IllegalArgumentException("salt must be 32 bytes and the nonce prefix 7");
    }
    byte[] header = ByteBuffer.allocate(HEADER_BYTES).put((byte) HEADER_BYTES).put(salt).put(noncePrefix).array();
    byte[] derived = hkdfSha256(dataKey, salt, associatedData);
    try {
      return new StreamKey(new SecretKeySpec(derived, "AES"), header);
    } finally {
      Arrays.fill(derived, (byte) 0);
    }
  }

  /** The key of the stream that starts with {@code header}; a malformed header does not authenticate. */
  static StreamKey fromHeader(byte[] dataKey, byte[] header, byte[] associatedData)
      throws GeneralSecurityException {
    if (header.length != HEADER_BYTES || header[0] != HEADER_BYTES) {
      throw new GeneralSecurityException("invalid stream header");
    }
    return of(dataKey, Arrays.copyOfRange(header, 1, 1 + SALT_BYTES),
        Arrays.copyOfRange(header, 1 + SALT_BYTES, HEADER_BYTES), associatedData);
  }

  /** The 40-byte stream header (a copy). */
  byte[] header() {
    return header.clone();
  }

  /** Encrypts segment {@code index} from {@code in} into {@code out}; returns the ciphertext length. */
  int encrypt(Cipher cipher, long index, boolean last, byte[] in, int inOff, int length, byte[] out, int outOff)
      throws GeneralSecurityException {
    cipher.init(Cipher.ENCRYPT_MODE, key, nonce(index, last));
    return cipher.doFinal(in, inOff, length, out, outOff);
  }

  /** Decrypts and authenticates segment {@code index}; returns the plaintext length. */
  int decrypt(Cipher cipher, long index, boolean last, byte[] in, int inOff, int length, byte[] out, int outOff)
      throws GeneralSecurityException {
    cipher.init(Cipher.DECRYPT_MODE, key, nonce(index, last));
    return cipher.doFinal(in, inOff, length, out, outOff);
  }

  private GCMParameterSpec nonce(long index, boolean last) throws GeneralSecurityException {
    if (index < 0 || index >= SEGMENT_LIMIT) {
      throw new GeneralSecurityException("segment index out of range");
    }
    byte[] nonce = new byte[NONCE_PREFIX_BYTES + 4 + 1];
    System.arraycopy(header, 1 + SALT_BYTES, nonce, 0, NONCE_PREFIX_BYTES);
    ByteBuffer.wrap(nonce, NONCE_PREFIX_BYTES, 5).putInt((int) index).put((byte) (last ? 1 : 0));
    return new GCMParameterSpec(8 * TAG_BYTES, nonce);
  }

  /** RFC 5869 with HMAC-SHA256 and one output block: {@code HMAC(HMAC(salt, ikm), info | 0x01)}. */
  static byte[] hkdfSha256(byte[] ikm, byte[] salt, byte[] info) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt, "HmacSHA256"));
    byte[] prk = mac.doFinal(ikm);
    try {
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
    mac.update(info);
    mac.update((byte) 1);
    byte[] okm = mac.doFinal();
    if (okm.length != KEY_BYTES) {
      Arrays.fill(okm, (byte) 0);
      throw new GeneralSecurityException("unexpected HMAC-SHA256 length");
    }
    return okm;
  }

  @Override
  public String toString() {
    return "StreamKey[AES-256-GCM, HKDF-SHA256]";
  }
}
