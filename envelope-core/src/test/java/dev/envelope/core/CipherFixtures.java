package dev.envelope.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;

/**
 * Small helpers shared by the cipher tests (and, through the test-jar, by other modules' tests): seeded data,
 * throwaway data keys, one-call encryption and decryption.
 */
public final class CipherFixtures {
  /** A context shaped like the file service's: format version, tenant, object id. */
  public static final EncryptionContext CONTEXT =
      EncryptionContext.of("format", "1", "tenant", "t-42", "object", "obj-7f3a");

  private CipherFixtures() {}

  /** {@code length} pseudo-random bytes, the same for the same seed. */
  public static byte[] randomBytes(int length, long seed) {
    byte[] out = new byte[length];
    fill(new SplittableRandom(seed), out, 0, length);
    return out;
  }

  /** A data key whose material is derived from {@code seed}, wrapped by nobody (a placeholder wrapped key). */
  public static DataKey dataKey(long seed) {
    byte[] material = randomBytes(DataKey.SIZE_BYTES, seed);
    return DataKey.of(material, WrappedKey.of("test-root-key", 1, new byte[] {(byte) seed}));
  }

  public static byte[] encrypt(EnvelopeCipher cipher, DataKey key, EncryptionContext context, byte[] plaintext) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream encrypting = cipher.newEncryptingStream(key, context, out)) {
      encrypting.write(plaintext);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] decrypt(EnvelopeCipher cipher, DataKey key, EncryptionContext context, byte[] ciphertext)
      throws IOException {
    try (InputStream in = cipher.newDecryptingStream(key, context, new ByteArrayInputStream(ciphertext))) {
      return in.readAllBytes();
    }
  }

  /** A stream of {@code length} seeded pseudo-random bytes, produced on the fly (nothing is held in memory). */
  public static InputStream randomStream(long length, long seed) {
    return new InputStream() {
      private final SplittableRandom random = new SplittableRandom(seed);
      private long remaining = length;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (len == 0) {
          return 0;
        }
        if (remaining == 0) {
          return -1;
        }
        int n = (int) Math.min(len, remaining);
        fill(random, b, off, n);
        remaining -= n;
        return n;
      }
    };
  }

  private static void fill(SplittableRandom random, byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i + 8 <= end) {
      long v = random.nextLong();
      for (int k = 0; k < 8; k++) {
        b[i++] = (byte) v;
        v >>>= 8;
      }
    }
    if (i < end) {
      long v = random.nextLong();
      while (i < end) {
        b[i++] = (byte) v;
        v >>>= 8;
      }
    }
  }
}
