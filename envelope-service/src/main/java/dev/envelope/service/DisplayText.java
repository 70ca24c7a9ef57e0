package dev.envelope.service;

import java.util.Locale;
import java.util.Optional;

/**
 * The rule for text a client names things with and that is shown back to people (file names, token names):
 * nothing that cannot be shown or sent back safely. Refused are control characters (NUL included), the
 * bidirectional formatting characters (overrides, embeddings, isolates and the LRM, RLM and ALM marks) that make
 * "txt.exe" look like "exe.txt", line and paragraph separators, and unpaired surrogates.
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

  /** Every bidirectional formatting character of Unicode (marks, embeddings, overrides, isolates), and the line
   * and paragraph separators. */
  private static boolean isSpoofing(char c) {
    return (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f'
        || c == '\u061c' || c == '\u2028' || c == '\u2029';
  }
}
