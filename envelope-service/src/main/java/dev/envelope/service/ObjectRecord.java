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
 * @param parts for an object completed from a multipart upload (its file's id is the upload's id), the numbers of
 *     its parts in order ({@link BucketStore#findPart}); empty for an object stored in one piece
 */
public record ObjectRecord(String bucket, String key, String tenant, String fileId, long size, String etag,
    String contentType, Map<String, String> userMetadata, Instant lastModified,
    List<Integer> parts) {
  public ObjectRecord {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(fileId, "fileId");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(lastModified, "lastModified");
    userMetadata = Collections.unmodifiableMap(new TreeMap<>(userMetadata));
    parts = List.copyOf(parts);
    if (size < 0) {
      throw new IllegalArgumentException("negative size");
    }
  }

  /** An object stored in one piece. */
  public ObjectRecord(String bucket, String key, String tenant, String fileId, long size, String etag,
      String contentType, Map<String, String> userMetadata, Instant lastModified) {
    this(bucket, key, tenant, fileId, size, etag, contentType, userMetadata, lastModified, List.of());
  }

  /** The part numbers as one string, the form every store keeps them in: runs such as {@code 1-9,11}. */
  public static String encodeParts(List<Integer> parts) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < parts.size(); ) {
      int j = i;
      while (j + 1 < parts.size() && parts.get(j + 1) == parts.get(j) + 1) {
        j++;
      }
      if (out.length() > 0) {
        out.append(',');
      }
      out.append(parts.get(i));
      if (j > i) {
        out.append('-').append(parts.get(j));
      }
      i = j + 1;
    }
    return out.toString();
  }

  /** The inverse of {@link #encodeParts}. */
  public static List<Integer> decodeParts(String encoded) {
    List<Integer> out = new ArrayList<>();
    if (encoded == null || encoded.isEmpty()) {
      return out;
    }
    for (String run : encoded.split(",")) {
      int dash = run.indexOf('-');
      int first = Integer.parseInt(dash < 0 ? run : run.substring(0, dash));
      int last = dash < 0 ? first : Integer.parseInt(run.substring(dash + 1));
      for (int n = first; n <= last; n++) {
        out.add(n);
      }
    }
    return out;
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
