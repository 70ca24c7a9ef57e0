package dev.envelope.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * The parallel engines built directly, for tests: every segment goes to the workers from the first one (no
 * choice by length), with the in-flight bound the test asks for.
 */
final class ParallelStreams {
  static final byte[] AAD = CipherFixtures.CONTEXT.canonicalBytes();

  private ParallelStreams() {}

  static byte[] rawKey(long seed) {
    return CipherFixtures.randomBytes(DataKey.SIZE_BYTES, seed);
  }

  static StreamKey newKey(byte[] rawKey) {
    try {
      return StreamKey.forNewStream(rawKey, AAD);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  static ParallelEncryptingStream encrypter(StreamKey key, int segmentSize, OutputStream out, int inFlight)
      throws IOException {
    return encrypter(key, segmentSize, out, inFlight, CipherWorkers.shared());
  }

  static ParallelEncryptingStream encrypter(StreamKey key, int segmentSize, OutputStream out, int inFlight,
      Executor workers) throws IOException {
    return new ParallelEncryptingStream(key, segmentSize, out, workers, inFlight);
  }

  static ParallelDecryptingStream decrypter(byte[] rawKey, int segmentSize, InputStream in, int inFlight) {
    return decrypter(rawKey, segmentSize, in, inFlight, CipherWorkers.shared());
  }

  static ParallelDecryptingStream decrypter(byte[] rawKey, int segmentSize, InputStream in, int inFlight,
      Executor workers) {
    return new ParallelDecryptingStream(rawKey, AAD, segmentSize, in, workers, inFlight);
  }

  /** The parallel decrypter over a known-answer file's content stream, under its own key and context. */
  static ParallelDecryptingStream decrypterFor(KnownAnswerFiles.Stream stream, int inFlight) {
    return new ParallelDecryptingStream(stream.dataKey(), stream.context().canonicalBytes(), stream.segmentSize(),
        new ByteArrayInputStream(stream.ciphertext()), CipherWorkers.shared(), inFlight);
  }

  /** Encrypts {@code plaintext} in writes of {@code chunk} bytes (0: the single-byte {@code write(int)}). */
  static byte[] encrypt(StreamKey key, int segmentSize, byte[] plaintext, int chunk, int inFlight) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream encrypting = encrypter(key, segmentSize, out, inFlight)) {
      write(encrypting, plaintext, chunk);
    }
    return out.toByteArray();
  }

  static void write(OutputStream out, byte[] plaintext, int chunk) throws IOException {
    if (chunk == 0) {
      for (byte b : plaintext) {
        out.write(b);
      }
      return;
    }
    for (int off = 0; off < plaintext.length; off += chunk) {
      out.write(plaintext, off, Math.min(chunk, plaintext.length - off));
    }
  }

  /** Decrypts in reads of {@code chunk} bytes (0: the single-byte {@code read()}). */
  static byte[] decrypt(byte[] rawKey, int segmentSize, byte[] ciphertext, int chunk, int inFlight) throws IOException {
    try (InputStream in = decrypter(rawKey, segmentSize, new ByteArrayInputStream(ciphertext), inFlight)) {
      return readAll(in, chunk);
    }
  }

  static byte[] readAll(InputStream in, int chunk) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (chunk == 0) {
      for (int b; (b = in.read()) != -1; ) {
        out.write(b);
      }
      return out.toByteArray();
    }
    byte[] buffer = new byte[chunk];
    for (int n; (n = in.read(buffer, 0, chunk)) != -1; ) {
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  /** The salt (bytes 1 to 32) of a stream header. */
  static byte[] salt(byte[] ciphertext) {
    return Arrays.copyOfRange(ciphertext, 1, 1 + StreamKey.SALT_BYTES);
  }

  /** The nonce prefix (bytes 33 to 39) of a stream header. */
  static byte[] noncePrefix(byte[] ciphertext) {
    return Arrays.copyOfRange(ciphertext, 1 + StreamKey.SALT_BYTES, StreamKey.HEADER_BYTES);
  }
}
