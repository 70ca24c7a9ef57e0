package dev.envelope.cli;

import java.io.InputStream;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/**
 * Pseudo-random bytes made as they are read and digested on the way: a body of any size that nobody holds,
 * the test included. {@link #pauseAt} runs a check once, at an exact offset, before the rest is produced: a
 * test can look at the server while it holds the rest of the body back.
 */
final class GeneratedBody extends InputStream {
  private final SplittableRandom random;
  private final MessageDigest digest;
  private long left;
  private long produced;
  private long word;
  private int wordBytes;
  private long pauseOffset = -1;
  private Runnable pause;

  GeneratedBody(long size, long seed, MessageDigest digest) {
    this.random = new SplittableRandom(seed);
    this.digest = digest;
    this.left = size;
  }

  /** Runs {@code check} once when {@code offset} bytes have been read, before the next one is made. */
  GeneratedBody pauseAt(long offset, Runnable check) {
    this.pauseOffset = offset;
    this.pause = check;
    return this;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (pause != null && produced == pauseOffset) {
      Runnable check = pause;
      pause = null;
      check.run();
    }
    if (left == 0) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n = (int) Math.min(len, left);
    if (pause != null && produced < pauseOffset) {
      n = (int) Math.min(n, pauseOffset - produced);
    }
    for (int i = off; i < off + n; i++) {
      if (wordBytes == 0) {
        word = random.nextLong();
        wordBytes = 8;
      }
      b[i] = (byte) word;
      word >>>= 8;
      wordBytes--;
    }
    digest.update(b, off, n);
    left -= n;
    produced += n;
    return n;
  }
}
