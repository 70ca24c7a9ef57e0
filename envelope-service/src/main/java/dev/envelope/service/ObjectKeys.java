package dev.envelope.service;

import java.util.List;
import java.util.Optional;

/**
 * The order of S3 object keys, for the stores of {@link BucketStore}: by the bytes of their UTF-8 encoding, which is
 * the order of their code points (UTF-8 keeps it), and not Java's {@link String#compareTo} (UTF-16 code units,
 * which puts a supplementary character such as U+1F600 before U+E000..U+FFFF).
 */
public final class ObjectKeys {
  private ObjectKeys() {}

  /** Compares two keys as their UTF-8 bytes compare. */
  public static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  /**
   * The least string that sorts after every key starting with {@code prefix} ({@link #compare}), so that a prefix
   * is a key range {@code [prefix, end)} an index can seek, with no LIKE pattern (whose {@code %}, {@code _} and
   * escape character a key may hold). Empty when there is no such bound: an empty prefix, or one of U+10FFFF only.
   */
  public static Optional<String> prefixEnd(String prefix) {
    String rest = prefix;
    while (!rest.isEmpty()) {
      int last = rest.codePointBefore(rest.length());
      rest = rest.substring(0, rest.length() - Character.charCount(last));
      if (last < Character.MAX_CODE_POINT) {
        int next = last + 1 == Character.MIN_SURROGATE ? Character.MAX_SURROGATE + 1 : last + 1;
        return Optional.of(rest + Character.toString(next));
      }
    }
    return Optional.empty();
  }

  /**
   * For the SQL stores: the condition on columns {@code object_key} and {@code upload_id} that selects a page of
   * {@link BucketStore#listUploads} (the prefix as a key range, then S3's markers), with its order; its arguments are
   * appended to {@code args}, in order.
   */
  public static String uploadPageSql(String prefix, String keyMarker, String uploadIdMarker, List<Object> args) {
    Optional<String> end = prefixEnd(prefix);
    args.add(prefix);
    end.ifPresent(args::add);
    args.add(keyMarker);
    String after = "object_key > ?";
    if (!uploadIdMarker.isEmpty()) {
      after = "(object_key > ? OR (object_key = ? AND upload_id > ?))";
      args.add(keyMarker);
      args.add(uploadIdMarker);
    }
    return "object_key >= ?" + (end.isPresent() ? " AND object_key < ?" : "") + " AND " + after
        + " ORDER BY object_key, upload_id";
  }
}
