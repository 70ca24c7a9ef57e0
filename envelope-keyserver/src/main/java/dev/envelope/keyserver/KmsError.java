package dev.envelope.keyserver;

/**
 * The error types the key server answers with: the {@code __type} of the JSON error body and its HTTP status.
 * Names are AWS KMS's own, so that every AWS SDK maps them to the exception class it would get from the real
 * service. Only the errors that mean "the service is broken" are 5xx, because SDKs retry exactly those.
 */
enum KmsError {
  // Authentication (the SDKs surface these as a plain KmsException with this error code).
  MISSING_AUTHENTICATION_TOKEN("MissingAuthenticationTokenException", 400),
  INCOMPLETE_SIGNATURE("IncompleteSignatureException", 400),
  UNRECOGNIZED_CLIENT("UnrecognizedClientException", 400),
  INVALID_SIGNATURE("InvalidSignatureException", 400),
  ACCESS_DENIED("AccessDeniedException", 400),
  // The request itself.
  UNKNOWN_OPERATION("UnknownOperationException", 400),
  SERIALIZATION("SerializationException", 400),
  VALIDATION("ValidationException", 400),
  INVALID_MARKER("InvalidMarkerException", 400),
  INVALID_ALIAS_NAME("InvalidAliasNameException", 400),
  INVALID_KEY_USAGE("InvalidKeyUsageException", 400),
  UNSUPPORTED_OPERATION("UnsupportedOperationException", 400),
  // Keys and ciphertexts.
  NOT_FOUND("NotFoundException", 400),
  ALREADY_EXISTS("AlreadyExistsException", 400),
  DISABLED("DisabledException", 400),
  INVALID_STATE("KMSInvalidStateException", 400),
  INVALID_CIPHERTEXT("InvalidCiphertextException", 400),
  INCORRECT_KEY("IncorrectKeyException", 400),
  // Too many failed authentications from one address (the SDKs back off and retry this type).
  THROTTLING("ThrottlingException", 429),
  // The service.
  INTERNAL("KMSInternalException", 500),
  KEY_UNAVAILABLE("KeyUnavailableException", 500);

  private final String type;
  private final int status;

  KmsError(String type, int status) {
    this.type = type;
    this.status = status;
  }

  /** The {@code __type} of the error body, e.g. {@code NotFoundException}. */
  String type() {
    return type;
  }

  int status() {
    return status;
  }

  /** An exception of this type; {@code message} is sent to the client, so it must hold nothing secret. */
  KmsException exception(String message) {
    return new KmsException(this, message);
  }
}
