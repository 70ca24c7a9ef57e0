package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rules for what a client may call a file, and for the media type it gives. A name is data, never a path:
 * "../x" or "a/b" are fine names, stored and returned as they are. What is refused is what cannot be shown or
 * sent back safely ({@link DisplayText}: control characters, bidirectional overrides and isolates, line and
 * paragraph separators, unpaired surrogates), and names over {@value #MAX_NAME_BYTES} bytes of UTF-8.
 */
public final class FileNames {
  /** The longest name, in UTF-8 bytes (as S3 object keys). */
  public static final int MAX_NAME_BYTES = 1024;
  /** The media type of a file uploaded without one. */
  public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
  private static final int MAX_CONTENT_TYPE = 255;
  // RFC 9110 token characters for type and subtype; parameters are printable ASCII.
  private static final Pattern MEDIA_TYPE = Pattern.compile(
      "[A-Za-z0-9!#$%&'*+.^_`|~-]+/[A-Za-z0-9!#$%&'*+.^_`|~-]+(\\s*;[\\x20-\\x7e]*)?");

  private FileNames() {}

  /** Returns {@code name} if it is acceptable, else throws {@link ErrorCode#INVALID_ARGUMENT}. */
  public static String checkName(String name) throws EnvelopeException {
    if (name == null || name.isEmpty()) {
      throw invalid("a file needs a name");
    }
    Optional<String> problem = DisplayText.problem(name);
    if (problem.isPresent()) {
      throw invalid("a file name " + problem.get());
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw new EnvelopeException(ErrorCode.TOO_LARGE,
          "a file name may be at most " + MAX_NAME_BYTES + " bytes of UTF-8");
    }
    return name;
  }

  /**
   * Returns the media type to store: {@code contentType} if it is a well-formed media type, the default when
   * it is null or blank, else throws {@link ErrorCode#INVALID_ARGUMENT}.
   */
  public static String checkContentType(String contentType) throws EnvelopeException {
    if (contentType == null || contentType.isBlank()) {
      return DEFAULT_CONTENT_TYPE;
    }
    String trimmed = contentType.strip();
    if (trimmed.length() > MAX_CONTENT_TYPE || !MEDIA_TYPE.matcher(trimmed).matches()) {
      throw invalid("the content type must be a media type such as text/plain, at most "
          + MAX_CONTENT_TYPE + " characters");
    }
    return trimmed;
  }

  private static EnvelopeException invalid(String message) {
    return new EnvelopeException(ErrorCode.INVALID_ARGUMENT, message);
  }
}
