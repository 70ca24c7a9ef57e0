package dev.envelope.bench;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeCipher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.SplittableRandom;

/**
 * Latency of range reads at random offsets through {@link EnvelopeCipher#newSeekableDecryptingChannel}: the
 * cost a ranged GET pays, which grows with the segment size because whole segments are decrypted.
 *
 * <p>Each read opens a fresh channel (header parse and key derivation included), as an independent ranged
 * request would, so no segment decrypted by an earlier read is reused. Offsets are uniform over the bytes,
 * not segment-aligned. Every read is compared with the plaintext, outside the timed region.
 */
final class RangeReads {
  private final EnvelopeCipher cipher;
  private final DataKey key;
  private final EncryptionContext context;
  private final SplittableRandom random = new SplittableRandom();

  RangeReads(EnvelopeCipher cipher, DataKey key, EncryptionContext context) {
    this.cipher = cipher;
    this.key = key;
    this.context = context;
  }

  /**
   * Performs {@code warmups} unrecorded and then {@code reads} recorded reads of {@code readBytes} from the
   * ciphertext of {@code plaintext[0, length)}.
   *
   * @throws IOException if a read fails or returns anything but the plaintext at its offset
   */
  Measurement measure(byte[] plaintext, int length, byte[] ciphertext, int ciphertextLength, int readBytes,
      int warmups, int reads) throws IOException {
    Measurement latency = new Measurement();
    byte[] buffer = new byte[readBytes];
    for (int i = 0; i < warmups + reads; i++) {
      int offset = random.nextInt(length - readBytes + 1);
      Measurement.Probe probe = Measurement.start();
      int n = read(ciphertext, ciphertextLength, offset, buffer);
      probe.stop();
      if (n != readBytes) {
        throw new IOException("range read at " + offset + " returned " + n + " bytes, expected " + readBytes);
      }
      int at = java.util.Arrays.mismatch(buffer, 0, readBytes, plaintext, offset, offset + readBytes);
      if (at >= 0) {
        throw new IOException("range read at " + offset + " differs from the plaintext at byte " + (offset + at));
      }
      if (i >= warmups) {
        latency.addLatency(probe, readBytes);
      }
    }
    return latency;
  }

  private int read(byte[] ciphertext, int ciphertextLength, long offset, byte[] buffer) throws IOException {
    ByteBuffer dst = ByteBuffer.wrap(buffer);
    try (SeekableByteChannel channel = cipher.newSeekableDecryptingChannel(
        key, context, new ByteArraySeekableChannel(ciphertext, ciphertextLength))) {
      channel.position(offset);
      while (dst.hasRemaining()) {
        if (channel.read(dst) == -1) {
          break;
        }
      }
    }
    return dst.position();
  }
}
