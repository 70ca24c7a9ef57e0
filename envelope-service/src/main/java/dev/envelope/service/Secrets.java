package dev.envelope.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The credentials Envelope hands out, tokens and share links alike: a public id (80 random bits, 16 characters of
 * lower-case base32) and a secret (256 random bits, 43 characters of base64url) of which only SHA-256 is stored.
 * The secret is random and long, so a slow password hash would add nothing.
 */
final class Secrets {
  /** The shape of an id, as a regular expression. */
  static final String ID = "[a-z2-7]{16}";
  /** The shape of a secret, as a regular expression. */
  static final String SECRET = "[A-Za-z0-9_-]{43}";
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  static String randomId() {
    char[] id = new char[16];
    for (int i = 0; i < id.length; i++) {
      id[i] = BASE32[RANDOM.nextInt(32)];
    }
    return new String(id);
  }

  static String randomSecret() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }

  /**
   * Whether {@code presented} hashes to {@code stored}, in constant time; a null {@code stored} (no such id) is
   * compared against a dummy hash, so that both paths do the same work.
   */
  static boolean matches(String presented, byte[] stored) {
    boolean match = MessageDigest.isEqual(sha256(presented), stored == null ? new byte[32] : stored);
    return stored != null && match;
  }
}
