package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import io.javalin.http.Context;
import java.time.Instant;

/**
 * Conditional requests on a file (RFC 9110, section 13): a file's content never changes, so its ETag (its id,
 * quoted) is a strong validator and its {@code Last-Modified} is when it was stored. {@code If-None-Match} and
 * {@code If-Modified-Since} make GET and HEAD answer 304; {@code If-Match} and {@code If-Unmodified-Since} make any
 * request on a file (GET, HEAD, PATCH, DELETE) answer 412 when they do not hold, and are evaluated first (RFC 9110,
 * section 13.2.2). As the RFC orders it, an entity-tag condition, when present, decides
 * alone and the date beside it is ignored; an unparseable date is ignored too.
 */
final class Conditions {
  private Conditions() {}

  /** Whether any condition of a GET or HEAD is present (only then does it cost a lookup of its own). */
  static boolean readConditions(Context ctx) {
    return ctx.header("If-None-Match") != null || ctx.header("If-Modified-Since") != null;
  }

  /** Whether an {@code If-Match} or {@code If-Unmodified-Since} is present. */
  static boolean writeConditions(Context ctx) {
    return ctx.header("If-Match") != null || ctx.header("If-Unmodified-Since") != null;
  }

  /** GET and HEAD: whether the client's copy is current, so the answer is 304 with no body. */
  static boolean notModified(Context ctx, String etag, Instant storedAt) {
    String noneMatch = all(ctx, "If-None-Match");
    if (noneMatch != null) {
      return matches(noneMatch, etag, false);
    }
    long since = date(ctx, "If-Modified-Since");
    return since >= 0 && storedAt.getEpochSecond() <= since / 1000;
  }

  /** Throws {@link ErrorCode#PRECONDITION_FAILED} unless the file is the one the conditions name. */
  static void requireMatch(Context ctx, String etag, Instant storedAt) throws EnvelopeException {
    String match = all(ctx, "If-Match");
    if (match != null) {
      if (!matches(match, etag, true)) {
        throw new EnvelopeException(ErrorCode.PRECONDITION_FAILED, "If-Match names no version of this file"
            + " (its ETag is " + etag + "): the request was not carried out");
      }
      return;
    }
    long since = date(ctx, "If-Unmodified-Since");
    if (since >= 0 && storedAt.getEpochSecond() > since / 1000) {
      throw new EnvelopeException(ErrorCode.PRECONDITION_FAILED, "the file was stored after the If-Unmodified-Since"
          + " date: the request was not carried out");
    }
  }

  /**
   * Whether a list of entity tags ({@code *}, or {@code "a", W/"b"}) names {@code etag}: strong comparison for
   * {@code If-Match} (a weak tag never matches), weak for {@code If-None-Match}.
   */
  static boolean matches(String header, String etag, boolean strong) {
    String list = header.strip();
    if (list.equals("*")) {
      return true;
    }
    for (String tag : list.split(",")) {
      String t = tag.strip();
      boolean weak = t.startsWith("W/");
      if (weak) {
        if (strong) {
          continue;
        }
        t = t.substring(2);
      }
      if (t.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** Every field line of a list header, joined as one list (RFC 9110, section 5.3); null when there is none. */
  private static String all(Context ctx, String name) {
    java.util.List<String> lines = java.util.Collections.list(ctx.req().getHeaders(name));
    return lines.isEmpty() ? null : String.join(",", lines);
  }

  /**
   * IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), the one form RFC 9110 has senders write; a one-digit
   * day is taken too, as Java's {@code RFC_1123_DATE_TIME} writes it.
   */
  private static final java.util.regex.Pattern IMF_FIXDATE = java.util.regex.Pattern.compile(
      "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4}"
          + " \\d{2}:\\d{2}:\\d{2} GMT");

  /**
   * An HTTP-date header in epoch milliseconds, or -1 when absent, repeated, or not an IMF-fixdate (then it is
   * ignored, as RFC 9110 says of an invalid date: a lenient parser read {@code ... -1200} as GMT and answered a
   * wrong 412). The two obsolete forms are ignored too: ignoring a condition only ever sends the full answer.
   */
  static long date(Context ctx, String name) {
    java.util.List<String> lines = java.util.Collections.list(ctx.req().getHeaders(name));
    if (lines.size() != 1) {
      return -1;
    }
    return imfFixdate(lines.get(0).strip());
  }

  static long imfFixdate(String value) {
    if (!IMF_FIXDATE.matcher(value).matches()) {
      return -1;
    }
    try {
      return java.time.ZonedDateTime.parse(value, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
          .withResolverStyle(java.time.format.ResolverStyle.STRICT)).toInstant().toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      return -1; // a day or month that does not exist, or a weekday that does not match the date
    }
  }
}
