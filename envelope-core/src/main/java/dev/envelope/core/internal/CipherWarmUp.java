package dev.envelope.core.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gets the JVM's AES-GCM code compiled before a short-lived process needs it.
 *
 * <p>Why: HotSpot runs the JCE's AES-CTR and GHASH loops through their hardware intrinsics only once their
 * callers are compiled, and compilation is triggered by call counts. A stream cipher makes one call per
 * segment, so a fresh process encrypts its first few hundred MiB at about 40 MB/s, interpreted, instead of
 * about 2 GB/s. A few thousand tiny encryptions, on another core, get the same code compiled in well under a
 * second. Measured with {@code envelope encrypt|decrypt - -} of 1 GiB on {@code -Xmx64m}, 2 cores: encrypt
 * 5.1 s without the warm-up, 1.7 s with it; decrypt 5.3-6.3 s and 1.5 s; a 100-byte file 0.47 s either way.
 * ({@code -XX:CompileThresholdScaling=0.1} instead reached only 2.0 s and slowed small files to 0.75 s.)
 * The system property {@code envelope.noWarmUp=true} turns it off, to repeat that measurement.
 *
 * <p>The warm-up uses a random throwaway key and zero plaintext; it touches no data key and no user data.
 */
public final class CipherWarmUp {
  private static final int ROUNDS = 20_000;
  private static volatile boolean started;

  private CipherWarmUp() {}

  /** Starts the warm-up on a daemon thread, once per JVM; it never delays the caller or process exit. */
  public static void startInBackground() {
    if (started || Boolean.getBoolean("envelope.noWarmUp")) {
      return;
    }
    started = true;
    Thread thread = new Thread(CipherWarmUp::run, "envelope-cipher-warm-up");
    thread.setDaemon(true);
    thread.setPriority(Thread.MIN_PRIORITY);
    thread.start();
  }

  static void run() {
    try {
      byte[] keyBytes = new byte[32];
      new SecureRandom().nextBytes(keyBytes);
      SecretKeySpec key = new SecretKeySpec(keyBytes, "AES");
      Cipher encrypt = Cipher.getInstance("AES/GCM/NoPadding");
      Cipher decrypt = Cipher.getInstance("AES/GCM/NoPadding");
      ByteBuffer plaintext = ByteBuffer.allocate(64);
      ByteBuffer ciphertext = ByteBuffer.allocate(64 + 16);
      ByteBuffer decrypted = ByteBuffer.allocate(64);
      byte[] nonce = new byte[12];
      for (int i = 0; i < ROUNDS; i++) {
        // A distinct nonce per encryption under the throwaway key, as GCM requires.
        nonce[0] = (byte) i;
        nonce[1] = (byte) (i >>> 8);
        nonce[2] = (byte) (i >>> 16);
        encrypt.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
        encrypt.updateAAD(nonce);
        plaintext.clear();
        ciphertext.clear();
        encrypt.doFinal(plaintext, ciphertext);
        ciphertext.flip();
        decrypt.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
        decrypt.updateAAD(nonce);
        decrypted.clear();
        decrypt.doFinal(ciphertext, decrypted);
      }
    } catch (GeneralSecurityException e) {
      // Only a runtime without AES-GCM gets here, and the real work will report that clearly.
    }
  }
}
