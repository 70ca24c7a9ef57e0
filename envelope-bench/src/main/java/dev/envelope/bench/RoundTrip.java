package dev.envelope.bench;

import java.io.IOException;
import java.util.Arrays;

/**
 * One checked encrypt-decrypt cycle of a contender over the whole plaintext, each direction timed on its own
 * after a GC and a short pause. The outputs are folded into a checksum that the report prints, so no work
 * can be discarded as unused.
 */
final class RoundTrip {
  private final long settleMillis;
  private long checksum = 1;

  RoundTrip(long settleMillis) {
    this.settleMillis = settleMillis;
  }

  /**
   * Encrypts {@code data} into {@code ciphertext} and decrypts it into {@code decrypted}, then checks the
   * ciphertext size and compares the output with the input. Records into {@code enc} and {@code dec} only
   * when they are non-null and the checks passed.
   *
   * @return the ciphertext length (the ciphertext stays in the array)
   * @throws Exception whatever the contender threw, or an IOException saying which check failed
   */
  int run(Contender c, byte[] data, byte[] ciphertext, byte[] decrypted, Measurement enc, Measurement dec)
      throws Exception {
    // Clear both outputs first, so stale bytes from an earlier row can never pass the comparison.
    Arrays.fill(ciphertext, (byte) 0);
    settle();
    Measurement.Probe encrypting = Measurement.start();
    int ciphertextLength = c.encrypt(data, data.length, ciphertext);
    encrypting.stop();
    if (ciphertextLength != c.ciphertextSize(data.length)) {
      throw new IOException("ciphertext is " + ciphertextLength + " bytes, expected "
          + c.ciphertextSize(data.length));
    }
    Arrays.fill(decrypted, (byte) 0);
    settle();
    Measurement.Probe decrypting = Measurement.start();
    int plaintextLength = c.decrypt(ciphertext, ciphertextLength, decrypted);
    decrypting.stop();
    if (plaintextLength != data.length) {
      throw new IOException("decryption returned " + plaintextLength + " bytes, expected " + data.length);
    }
    int at = Arrays.mismatch(data, decrypted);
    if (at >= 0) {
      throw new IOException("decrypted output differs from the input at byte " + at);
    }
    consume(ciphertextLength + ciphertext[ciphertextLength - 1] + decrypted[data.length - 1]);
    if (enc != null && dec != null) {
      enc.addThroughput(encrypting, data.length);
      dec.addThroughput(decrypting, data.length);
    }
    return ciphertextLength;
  }

  /** Folds a result into the checksum. */
  void consume(long value) {
    checksum = 31 * checksum + value;
  }

  long checksum() {
    return checksum;
  }

  /** A full GC and a short pause between timed regions, never inside one. */
  void settle() {
    System.gc();
    if (settleMillis > 0) {
      try {
        Thread.sleep(settleMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
