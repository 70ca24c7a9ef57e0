package dev.envelope.bench;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The baseline: a plain loop of JCE {@code AES/GCM/NoPadding} over fixed plaintext segments, each with a
 * fresh 12-byte IV and its own associated data, {@code doFinal} straight into the output array. Nothing a
 * streaming layer could do is cheaper than this, so it is the denominator of every ratio.
 *
 * <p>Layout: an 8-byte random nonce prefix, then per segment its ciphertext and 16-byte tag. The IV is
 * prefix || segment index (unique per stream and segment, as Tink builds its nonces); the associated data
 * is the segment index and a last-segment flag, so segments cannot be reordered or truncated unnoticed.
 */
final class RawJce implements Contender {
  static final int SEGMENT = 1024 * 1024;
  private static final int PREFIX_BYTES = 8;
  private static final int TAG_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  RawJce(byte[] rawKey) {
    this.key = new SecretKeySpec(rawKey, "AES");
  }

  @Override
  public String name() {
    return "raw JCE AES/GCM, " + Sizes.format(SEGMENT) + " segments";
  }

  @Override
  public long ciphertextSize(long plaintextSize) {
    long segments = Math.max(1, (plaintextSize + SEGMENT - 1) / SEGMENT);
    return PREFIX_BYTES + plaintextSize + segments * TAG_BYTES;
  }

  @Override
  public int encrypt(byte[] plaintext, int length, byte[] ciphertext) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] iv = new byte[12];
    byte[] prefix = new byte[PREFIX_BYTES];
    RANDOM.nextBytes(prefix);
    System.arraycopy(prefix, 0, ciphertext, 0, PREFIX_BYTES);
    byte[] aad = new byte[5];
    int out = PREFIX_BYTES;
    int index = 0;
    int in = 0;
    do {
      int n = Math.min(SEGMENT, length - in);
      boolean last = in + n == length;
      cipher.init(Cipher.ENCRYPT_MODE, key, spec(iv, prefix, index, aad, last));
      cipher.updateAAD(aad);
      out += cipher.doFinal(plaintext, in, n, ciphertext, out);
      in += n;
      index++;
    } while (in < length);
    return out;
  }

  @Override
  public int decrypt(byte[] ciphertext, int length, byte[] plaintext) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] iv = new byte[12];
    byte[] prefix = new byte[PREFIX_BYTES];
    System.arraycopy(ciphertext, 0, prefix, 0, PREFIX_BYTES);
    byte[] aad = new byte[5];
    int in = PREFIX_BYTES;
    int out = 0;
    int index = 0;
    do {
      int n = Math.min(SEGMENT + TAG_BYTES, length - in);
      if (n < TAG_BYTES) {
        throw new AEADBadTagException("truncated segment " + index);
      }
      boolean last = in + n == length;
      if (n - TAG_BYTES > plaintext.length - out) {
        throw new GeneralSecurityException("more plaintext than the output array holds");
      }
      cipher.init(Cipher.DECRYPT_MODE, key, spec(iv, prefix, index, aad, last));
      cipher.updateAAD(aad);
      out += cipher.doFinal(ciphertext, in, n, plaintext, out);
      in += n;
      index++;
    } while (in < length);
    return out;
  }

  private static GCMParameterSpec spec(byte[] iv, byte[] prefix, int index, byte[] aad, boolean last) {
    System.arraycopy(prefix, 0, iv, 0, PREFIX_BYTES);
    ByteBuffer.wrap(iv, PREFIX_BYTES, 4).putInt(index);
    ByteBuffer.wrap(aad).putInt(index).put((byte) (last ? 1 : 0));
    return new GCMParameterSpec(TAG_BYTES * 8, iv);
  }
}
