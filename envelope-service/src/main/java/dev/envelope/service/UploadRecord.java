package dev.envelope.service;

import dev.envelope.core.WrappedKey;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An S3 multipart upload in progress. Its data key is made when it starts and wrapped here; every part is encrypted
 * under it as its own stream, bound to the upload and the part's number, and the completed object's file row takes
 * the key over. The upload's id is the id the completed file will have.
 *
 * @param uploadId the upload's random id ({@link FileId}), which is also the completed file's id
 * @param bucket the bucket
 * @param key the object key it completes into
 * @param tenant the bucket's tenant
 * @param keyService the {@link dev.envelope.core.KeyService#name()} that wrapped the data key
 * @param wrappedKey the upload's data key, wrapped
 * @param contentType the media type given when it started
 * @param userMetadata the {@code x-amz-meta-*} entries given when it started
 * @param initiatedAt when it started, at millisecond precision
 */
public record UploadRecord(String uploadId, String bucket, String key, String tenant, String keyService,
    WrappedKey wrappedKey, String contentType, Map<String, String> userMetadata, Instant initiatedAt) {
  public UploadRecord {
    Objects.requireNonNull(uploadId, "uploadId");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(keyService, "keyService");
    Objects.requireNonNull(wrappedKey, "wrappedKey");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(initiatedAt, "initiatedAt");
    userMetadata = Collections.unmodifiableMap(new TreeMap<>(userMetadata));
  }
}
