package dev.envelope.service;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An S3 object: a key in a bucket that names one file of the bucket's tenant. The file row holds the wrapped key
 * and the blob; this row holds what S3 clients see beside it (ETag, user metadata) and what a listing needs without
 * reading the file rows.
 *
 * @param bucket the bucket
 * @param key the object key (1 to 1024 bytes of UTF-8)
 * @param tenant the bucket's tenant, which is also the file's
 * @param fileId the file that holds the content
 * @param size the plaintext size in bytes
 * @param etag the ETag without quotes: 32 lower-case hex digits (MD5 of the plaintext), or for a multipart
 *     object the MD5 of the parts' MD5s, a dash and the part count (later)
 * @param contentType the media type
 * @param userMetadata the {@code x-amz-meta-*} entries, names in lower case without the prefix
 * @param lastModified when it was stored, at millisecond precision
 */
public record ObjectRecord(String bucket, String key, String tenant, String fileId, long size, String etag,
    String contentType, Map<String, String> userMetadata, Instant lastModified) {
  public ObjectRecord {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(fileId, "fileId");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(lastModified, "lastModified");
    userMetadata = Collections.unmodifiableMap(new TreeMap<>(userMetadata));
    if (size < 0) {
      throw new IllegalArgumentException("negative size");
    }
  }

  /** The user metadata as one string, the form every store keeps it in: {@code name=value&...}, URL-encoded. */
  public static String encodeMetadata(Map<String, String> metadata) {
    List<String> pairs = new ArrayList<>();
    new TreeMap<>(metadata).forEach((k, v) -> pairs.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return String.join("&", pairs);
  }

  /** The inverse of {@link #encodeMetadata}. */
  public static Map<String, String> decodeMetadata(String encoded) {
    Map<String, String> out = new TreeMap<>();
    if (encoded == null || encoded.isEmpty()) {
      return out;
    }
    for (String pair : encoded.split("&")) {
      int eq = pair.indexOf('=');
      out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }
}
