package dev.envelope.awskms;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.model.DependencyTimeoutException;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.InvalidKeyUsageException;
import software.amazon.awssdk.services.kms.model.KeyUnavailableException;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.KmsInternalException;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * Turns what the AWS SDK throws into {@link EnvelopeException}s with stable codes and messages for a person.
 *
 * <p>Messages never hold a secret: for key and ciphertext errors they carry the service's own message (which
 * names keys and states), shortened and stripped of control characters; for refused credentials and for an
 * unreachable service they carry only the error code, the endpoint, the time bound and the attempt count, never
 * the SDK's text (which for credentials lists where it looked) and never an access key.
 */
final class KmsErrors {
  /** Error codes of AWS's authentication layer, which the SDK surfaces as a plain {@link KmsException}. */
  private static final Set<String> CREDENTIAL_ERRORS = Set.of("AccessDeniedException",
      "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException",
      "MissingAuthenticationTokenException", "ExpiredTokenException", "InvalidClientTokenId",
      "SignatureDoesNotMatch", "AuthFailure", "NotAuthorized");
  private static final Set<String> THROTTLING_ERRORS = Set.of("ThrottlingException", "Throttling",
      "TooManyRequestsException", "RequestLimitExceeded", "LimitExceededException");
  private static final int MAX_SERVICE_MESSAGE = 300;

  private final String where;
  private final Duration callTimeout; // null when an embedder's client sets its own

  KmsErrors(String where, Duration callTimeout) {
    this.where = where;
    this.callTimeout = callTimeout;
  }

  String where() {
    return where;
  }

  EnvelopeException translate(String operation, SdkException e) {
    if (e instanceof KmsException kms) {
      return fromService(operation, kms);
    }
    String tls = tlsFailure(e);
    if (tls != null) {
      return new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "AWS KMS at " + where + ": " + tls);
    }
    if (e instanceof SdkClientException && isTransient(e)) {
      return unavailable(e, describeTransient(e));
    }
    String text = String.valueOf(e.getMessage());
    if (text.startsWith("Unable to load credentials")) {
      return new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "no AWS credentials for AWS KMS at " + where
          + ": the default provider chain found none (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a"
          + " profile, or an instance role)");
    }
    return new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "AWS KMS at " + where + " gave no usable answer to "
        + operation + " (" + e.getClass().getSimpleName() + ")");
  }

  private EnvelopeException fromService(String operation, KmsException e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    if (e instanceof NotFoundException) {
      return new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "AWS KMS: " + serviceMessage(e));
    }
    if (e instanceof DisabledException) {
      return new EnvelopeException(ErrorCode.KEY_DISABLED, "AWS KMS: " + serviceMessage(e));
    }
    if (e instanceof KmsInvalidStateException) {
      return new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "AWS KMS: " + serviceMessage(e));
    }
    if (e instanceof InvalidCiphertextException || e instanceof IncorrectKeyException) {
      // One message for a damaged blob, another context and another key, as KMS itself gives.
      return new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "the wrapped data key does not unwrap under its"
          + " root key and this encryption context (AWS KMS: " + code + ")");
    }
    if (e instanceof InvalidKeyUsageException) {
      return new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "AWS KMS: " + serviceMessage(e));
    }
    if (code != null && CREDENTIAL_ERRORS.contains(code)) {
      return new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "AWS KMS at " + where + " refused the credentials"
          + " for " + operation + " (" + code + "): check the access key, its secret and its permissions");
    }
    if (e instanceof KmsInternalException || e instanceof KeyUnavailableException
        || e instanceof DependencyTimeoutException || e.statusCode() >= 500
        || code != null && THROTTLING_ERRORS.contains(code)) {
      return unavailable(e, code != null ? code : "HTTP " + e.statusCode());
    }
    if ("ValidationException".equals(code)) {
      return new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "AWS KMS refused the request: " + serviceMessage(e));
    }
    return new EnvelopeException(ErrorCode.INTERNAL, "AWS KMS at " + where + " refused " + operation + " ("
        + (code != null ? code : "HTTP " + e.statusCode()) + ")");
  }

  private EnvelopeException unavailable(SdkException e, String last) {
    Integer attempts = e.numAttempts();
    return new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "AWS KMS at " + where + " did not answer"
        + (callTimeout != null ? " within " + seconds(callTimeout) : "")
        + (attempts != null ? " after " + attempts + (attempts == 1 ? " attempt" : " attempts") : "")
        + " (last: " + last + ")");
  }

  /**
   * A TLS set-up that cannot work (an untrusted certificate, a trust store the JVM cannot read): said as such,
   * not as a service that "did not answer", since each attempt fails at once and no retry can help; null if
   * the failure is something else.
   */
  static String tlsFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (message.contains("trustAnchors parameter must be non-empty") || t instanceof java.security.KeyStoreException
          || t instanceof java.security.UnrecoverableKeyException) {
        return "this JVM's trust store cannot be read or holds no certificate (check -Djavax.net.ssl.trustStore"
            + " and -Djavax.net.ssl.trustStorePassword in ENVELOPE_JAVA_OPTS)";
      }
      if (t instanceof javax.net.ssl.SSLHandshakeException || t instanceof java.security.cert.CertificateException
          || t instanceof java.security.cert.CertPathValidatorException) {
        if (message.contains("PKIX") || message.contains("certification path") || message.contains("No subject"
            + " alternative") || t instanceof java.security.cert.CertificateException) {
          return "its TLS certificate is not trusted by this JVM (" + shorten(message) + "): put it, or its CA,"
              + " in a trust store and pass -Djavax.net.ssl.trustStore=FILE -Djavax.net.ssl.trustStorePassword=..."
              + " in ENVELOPE_JAVA_OPTS";
        }
        return "the TLS handshake failed (" + shorten(message) + ")";
      }
    }
    return null;
  }

  private static String shorten(String message) {
    String line = message.lines().findFirst().orElse("");
    return line.length() > 160 ? line.substring(0, 160) + "..." : line;
  }

  private static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof ApiCallTimeoutException
          || t instanceof ApiCallAttemptTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** The innermost telling cause: "ApiCallAttemptTimeoutException", "ConnectException", ... (no message text). */
  private static String describeTransient(Throwable e) {
    String name = e.getClass().getSimpleName();
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof SdkException) {
        name = t.getClass().getSimpleName();
      }
    }
    return name;
  }

  private static String seconds(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  /** The service's own message: it names keys and states, nothing secret; bounded and printable. */
  private static String serviceMessage(KmsException e) {
    String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
    if (message == null || message.isBlank()) {
      return e.awsErrorDetails() == null ? "HTTP " + e.statusCode() : e.awsErrorDetails().errorCode();
    }
    StringBuilder clean = new StringBuilder();
    message.codePoints().limit(MAX_SERVICE_MESSAGE)
        .forEach(c -> clean.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return message.length() > MAX_SERVICE_MESSAGE ? clean + "..." : clean.toString();
  }
}
