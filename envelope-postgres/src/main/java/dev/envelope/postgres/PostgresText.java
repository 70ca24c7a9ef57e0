package dev.envelope.postgres;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;

/**
 * Text PostgreSQL can store as given: no NUL (a {@code text} value cannot hold one) and well-formed UTF-16
 * (the driver would turn a lone surrogate into {@code ?}). Checked before any statement, so that such text is a
 * clean {@link ErrorCode#INVALID_ARGUMENT} on insert and finds nothing on lookup, never a driver error.
 */
final class PostgresText {
  /** Longest id or tenant in UTF-8 bytes. */
  static final int MAX_KEY_BYTES = 1024;

  private PostgresText() {}

  /** {@link #checkText}, and at most {@link #MAX_KEY_BYTES} bytes of UTF-8: for ids and tenants (indexed). */
  static void checkKey(String what, String value) throws EnvelopeException {
    checkText(what, value);
    if (utf8Length(value) > MAX_KEY_BYTES) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "the " + what + " is longer than " + MAX_KEY_BYTES + " bytes of UTF-8");
    }
  }

  /** INVALID_ARGUMENT, naming {@code what} (never the value), if PostgreSQL cannot store {@code value}. */
  static void checkText(String what, String value) throws EnvelopeException {
    if (value.indexOf('\0') >= 0) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "the " + what + " contains a NUL character, which PostgreSQL cannot store");
    }
    if (!isWellFormed(value)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the " + what + " is not valid Unicode (a lone surrogate)");
    }
  }

  /** Whether a row could have this id or tenant: when not, a lookup can answer "none" without asking. */
  static boolean isStorableKey(String value) {
    return value.indexOf('\0') < 0 && isWellFormed(value) && utf8Length(value) <= MAX_KEY_BYTES;
  }

  /** Whether a column could hold {@code value}: when not, no row can equal it. */
  static boolean isStorableText(String value) {
    return value.indexOf('\0') < 0 && isWellFormed(value);
  }

  private static boolean isWellFormed(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static int utf8Length(String value) {
    int bytes = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a pair counts 4
    }
    return bytes;
  }
}
