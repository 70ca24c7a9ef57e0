package dev.envelope.cli;

/**
 * Makes untrusted text safe to print on a terminal: a file's context or key id comes from whoever wrote the
 * file, and must not move the cursor, retitle the window, fake an extra line or reverse the text.
 */
final class Printable {
  private Printable() {}

  /** {@code text} with control, format (bidi) and line/paragraph separator characters as {@code \\uXXXX}. */
  static String of(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int type = Character.getType(c);
      boolean unsafe = type == Character.CONTROL || type == Character.FORMAT
          || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
          || Character.isSurrogate(c) && !isPairedSurrogate(text, i);
      if (unsafe || c == '\\') {
        if (out == null) {
          out = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        out.append(c == '\\' ? "\\\\" : String.format("\\u%04x", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }

  private static boolean isPairedSurrogate(String s, int i) {
    char c = s.charAt(i);
    return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
        : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
