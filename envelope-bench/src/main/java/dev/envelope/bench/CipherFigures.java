package dev.envelope.bench;

/**
 * The figures of the cipher tables that goals are read against, for a {@link BenchExtension}'s goals: medians in
 * MB/s of the stream rows (NaN where a row failed) and the median of the range reads at the default segment size.
 *
 * @param envelopeEncrypt Envelope's cipher (default segments), encrypt
 * @param rawEncrypt raw JCE AES/GCM, encrypt
 * @param envelopeDecrypt Envelope's cipher, decrypt
 * @param rawDecrypt raw JCE, decrypt
 * @param tinkEncrypt Tink's streaming AEAD used directly, encrypt
 * @param tinkDecrypt Tink used directly, decrypt
 * @param rangeMedianMillis 1 MiB range reads in memory at the default segment size, median (NaN if failed)
 * @param target the cipher table's own target, as a fraction of raw JCE
 */
public record CipherFigures(double envelopeEncrypt, double rawEncrypt, double envelopeDecrypt, double rawDecrypt,
    double tinkEncrypt, double tinkDecrypt, double rangeMedianMillis, double target) {
  public double encryptRatio() {
    return envelopeEncrypt / rawEncrypt;
  }

  public double decryptRatio() {
    return envelopeDecrypt / rawDecrypt;
  }
}
