package dev.envelope.service;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * File ids: 130 random bits from {@link SecureRandom}, as 26 lower-case base32 characters. They say nothing
 * about order, time or owner, and are safe as blob keys and in URLs.
 */
public final class FileId {
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final Pattern SHAPE = Pattern.compile("[a-z2-7]{26}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private FileId() {}

  /** A new random id. */
  public static String random() {
    byte[] bytes = new byte[17];
    RANDOM.nextBytes(bytes);
    char[] id = new char[26];
    long buffer = 0;
    int bits = 0;
    int at = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5 && at < id.length) {
        bits -= 5;
        id[at++] = ALPHABET[(int) (buffer >>> bits) & 31];
      }
    }
    return new String(id);
  }

  /** Whether {@code text} has the shape of a file id (says nothing about whether the file exists). */
  public static boolean isWellFormed(String text) {
    return text != null && SHAPE.matcher(text).matches();
  }
}
