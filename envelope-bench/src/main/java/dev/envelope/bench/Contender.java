package dev.envelope.bench;

/**
 * One implementation under test: it encrypts a whole plaintext array into a preallocated ciphertext array
 * and decrypts it back into a preallocated output array, so that only the cipher is timed. Stream-based
 * implementations should use {@link StreamContender#of}, so that every stream row gets the same chunking,
 * sink and source.
 */
public interface Contender {
  /** 64 KiB: the chunk size of writes to encrypting streams and reads from decrypting streams. */
  int CHUNK = 64 * 1024;

  /** The row label. */
  String name();

  /** The exact ciphertext size for {@code plaintextSize} bytes; a different size fails the row. */
  long ciphertextSize(long plaintextSize);

  /** Encrypts {@code plaintext[0, length)} into {@code ciphertext}; returns the ciphertext length. */
  int encrypt(byte[] plaintext, int length, byte[] ciphertext) throws Exception;

  /** Decrypts {@code ciphertext[0, length)} into {@code plaintext}; returns the plaintext length. */
  int decrypt(byte[] ciphertext, int length, byte[] plaintext) throws Exception;
}
