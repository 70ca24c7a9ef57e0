package dev.envelope.service;

import java.util.Locale;
import java.util.Optional;

/**
 * The rule for text a client names things with and that is shown back to people (file names, token names):
 * nothing that cannot be shown or sent back safely. Refused are control characters (NUL included), the
 * bidirectional overrides and isolates that make "txt.exe" look like "exe.txt", line and paragraph separators,
 * and unpaired surrogates.
 */
final class DisplayText {
  private DisplayText() {}

  /** What is wrong with {@code text}, as the end of a sentence ("may not contain ..."), or empty if nothing. */
  static Optional<String> problem(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) || isSpoofing(c)) {
        return Optional.of(String.format(Locale.ROOT, "may not contain control characters (U+%04X)", (int) c));
      }
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return Optional.of("must be valid Unicode");
      }
    }
    return Optional.empty();
  }

  private static boolean isSpoofing(char c) {
    return (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u2028' || c == '\u2029';
  }
}
