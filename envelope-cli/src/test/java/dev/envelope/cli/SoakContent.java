package dev.envelope.cli;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The content of one soak upload: {@code size} bytes that are a pure function of {@code seed} and the offset
 * (SplitMix64 of a counter), so that the soak never holds a file whole: an upload streams it, a read-back
 * hashes it, and a range read recomputes exactly the slice it asked for, in time proportional to the slice.
 *
 * @param seed what makes this content differ from every other upload's
 * @param size its length in bytes
 */
record SoakContent(long seed, long size) {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  /** The content as a stream, generated as it is read. */
  InputStream stream() {
    return new InputStream() {
      private long position;

      @Override
      public int read() {
        return position < size ? byteAt(position++) : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (len == 0) {
          return 0;
        }
        if (position >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - position);
        fill(position, b, off, n);
        position += n;
        return n;
      }

      @Override
      public long skip(long n) {
        long skipped = Math.max(0, Math.min(n, size - position));
        position += skipped;
        return skipped;
      }
    };
  }

  /** The bytes at {@code [offset, offset + length)}. */
  byte[] slice(long offset, int length) {
    byte[] out = new byte[length];
    fill(offset, out, 0, length);
    return out;
  }

  /** SHA-256 of the whole content, computed by streaming it. */
  byte[] sha256() {
    MessageDigest digest = newSha256();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = stream()) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new IllegalStateException("generated content cannot fail", e);
    }
    return digest.digest();
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void fill(long offset, byte[] b, int off, int len) {
    long word = offset >>> 3;
    int shift = (int) (offset & 7);
    long bits = mix(seed + word * GOLDEN) >>> (8 * shift);
    for (int i = 0; i < len; i++) {
      if (shift == 8) {
        word++;
        shift = 0;
        bits = mix(seed + word * GOLDEN);
      }
      b[off + i] = (byte) bits;
      bits >>>= 8;
      shift++;
    }
  }

  private int byteAt(long offset) {
    return (int) (mix(seed + (offset >>> 3) * GOLDEN) >>> (8 * (offset & 7))) & 0xff;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
