package dev.envelope.s3;

import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns SDK exceptions into {@link IOException}s with one clear line: what failed, and S3's error code and
 * HTTP status or the client-side reason. No cause is attached, so no SDK stack trace and no request
 * details (which could carry signed headers) travel further; the reason text is cut to one short line.
 */
final class S3Failures {
  private static final int MAX_REASON = 200;

  private S3Failures() {}

  static IOException io(String what, SdkException e) {
    return new IOException("S3 " + what + " failed: " + reason(e));
  }

  static int status(SdkException e) {
    return e instanceof AwsServiceException s ? s.statusCode() : 0;
  }

  static String errorCode(SdkException e) {
    if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
      String code = s.awsErrorDetails().errorCode();
      return code == null ? "" : code;
    }
    return "";
  }

  static String reason(SdkException e) {
    if (e instanceof AwsServiceException s) {
      String code = errorCode(s);
      return (code.isEmpty() ? "error" : code) + " (HTTP " + s.statusCode() + ")";
    }
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return "timed out";
    }
    if (e instanceof AbortedException) {
      return "interrupted";
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    message = message.lines().findFirst().orElse("").strip();
    return message.length() > MAX_REASON ? message.substring(0, MAX_REASON) + "..." : message;
  }
}
