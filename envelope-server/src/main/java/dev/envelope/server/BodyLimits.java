package dev.envelope.server;

/**
 * The bounds on request bodies the API parses (besides {@code max-upload}, which is the file service's).
 *
 * @param jsonBytes the largest JSON request body (the token API)
 * @param jsonDepth the deepest nesting of a JSON request body
 * @param formParts the most parts of a {@code multipart/form-data} upload
 */
public record BodyLimits(int jsonBytes, int jsonDepth, int formParts) {
  public static final BodyLimits DEFAULTS = new BodyLimits(16 * 1024, 16, 16);

  public BodyLimits {
    if (jsonBytes < 1024 || jsonBytes > 1 << 20) {
      throw new IllegalArgumentException("jsonBytes must be from 1 KiB to 1 MiB");
    }
    if (jsonDepth < 2 || jsonDepth > 1000) {
      throw new IllegalArgumentException("jsonDepth must be from 2 to 1000");
    }
    if (formParts < 1 || formParts > 1000) {
      throw new IllegalArgumentException("formParts must be from 1 to 1000");
    }
  }
}
