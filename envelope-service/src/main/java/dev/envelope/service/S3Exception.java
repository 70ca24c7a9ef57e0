package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;

/**
 * A failure of an S3 operation that S3 clients know by its own code ({@code NoSuchBucket}, {@code BucketNotEmpty},
 * ...): the S3 adapter answers with that code; everything else answers with the code of {@link #code()}.
 */
public final class S3Exception extends EnvelopeException {
  private final String s3Code;

  public S3Exception(String s3Code, ErrorCode code, String message) {
    super(code, message);
    this.s3Code = s3Code;
  }

  /** The S3 error code, e.g. {@code NoSuchBucket}. */
  public String s3Code() {
    return s3Code;
  }

  static S3Exception noSuchBucket(String bucket) {
    return new S3Exception("NoSuchBucket", ErrorCode.NOT_FOUND, "The specified bucket does not exist: " + bucket);
  }

  static S3Exception noSuchKey(String key) {
    return new S3Exception("NoSuchKey", ErrorCode.NOT_FOUND, "The specified key does not exist.");
  }

  static S3Exception accessDenied() {
    return new S3Exception("AccessDenied", ErrorCode.FORBIDDEN, "Access Denied");
  }
}
