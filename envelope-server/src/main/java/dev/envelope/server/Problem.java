package dev.envelope.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.ErrorCode;
import java.util.Locale;

/**
 * An RFC 9457 problem: what every error response of the API carries, as {@code application/problem+json}.
 * The {@code code} is stable (an {@link ErrorCode#id()}, or {@value #METHOD_NOT_ALLOWED} and
 * {@value #NOT_IMPLEMENTED} for the HTTP-only cases) and the {@code type} URI is derived from it, so clients can
 * switch on either.
 *
 * @param status the HTTP status
 * @param code the stable code
 * @param detail a sentence for people; never a stack trace or an internal path
 */
record Problem(int status, String code, String detail) {
  static final String MEDIA_TYPE = "application/problem+json";
  static final String TYPE_PREFIX = "https://envelope.dev/problems/";
  /** A code without an {@link ErrorCode}: a route that exists, asked with a method it does not take. */
  static final String METHOD_NOT_ALLOWED = "method-not-allowed";
  /** A code without an {@link ErrorCode}: a transfer coding the server does not implement (501). */
  static final String NOT_IMPLEMENTED = "not-implemented";

  /** The problem of a service error, with the status its code maps to. */
  static Problem of(ErrorCode code, String detail) {
    return new Problem(status(code), code.id(), detail);
  }

  /** The HTTP status of each error code. */
  static int status(ErrorCode code) {
    return switch (code) {
      case INVALID_ARGUMENT, IO -> 400;
      case UNAUTHENTICATED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, KEY_IN_USE, CONFLICT -> 409;
      case TENANT_SHREDDED -> 410;
      case TOO_LARGE, QUOTA_EXCEEDED -> 413;
      case RANGE_NOT_SATISFIABLE -> 416;
      case PRECONDITION_FAILED -> 412;
      case THROTTLED -> 429;
      // insecure-file: a keyring or database the operator must chmod; the server is misconfigured, like a
      // keyring it cannot open, and the file's path is for its log, not for clients.
      case UNAVAILABLE, KEYRING_UNAVAILABLE, KEY_DISABLED, KEY_NOT_FOUND, KEY_INVALID_STATE, INSECURE_FILE -> 503;
      // context-mismatch cannot come from a request (the server chooses every context): like the other
      // integrity failures it means the stored data is not what was written.
      case INVALID_CIPHERTEXT, INVALID_WRAPPED_KEY, UNSUPPORTED_FORMAT, CONTEXT_MISMATCH, INTERNAL -> 500;
      // Never a request's doing: the server's own audit log is damaged (it refuses to start on one).
      case AUDIT_CHAIN_BROKEN -> 500;
    };
  }

  /** Whether a code means stored data failed an integrity check: a security event, not a bug. */
  static boolean isIntegrityFailure(ErrorCode code) {
    return code == ErrorCode.INVALID_CIPHERTEXT || code == ErrorCode.INVALID_WRAPPED_KEY
        || code == ErrorCode.UNSUPPORTED_FORMAT || code == ErrorCode.CONTEXT_MISMATCH;
  }

  /** A short title per code, the same for every occurrence (RFC 9457 section 3.1.3). */
  String title() {
    return switch (code) {
      case "invalid-argument" -> "Invalid request";
      case "io" -> "Request body could not be read";
      case "unauthenticated" -> "Authentication required";
      case "forbidden" -> "Forbidden";
      case "not-found" -> "Not found";
      case "already-exists" -> "Already exists";
      case "key-in-use" -> "Root key still in use";
      case "tenant-shredded" -> "Tenant shredded";
      case "too-large" -> "Too large";
      case "range-not-satisfiable" -> "Range not satisfiable";
      case "precondition-failed" -> "Precondition failed";
      case "conflict" -> "Conflict";
      case "quota-exceeded" -> "Quota exceeded";
      case METHOD_NOT_ALLOWED -> "Method not allowed";
      case NOT_IMPLEMENTED -> "Not implemented";
      case "throttled" -> "Too many requests";
      case "invalid-ciphertext", "invalid-wrapped-key", "unsupported-format", "context-mismatch" ->
          "Stored file failed its integrity check";
      case "unavailable", "keyring-unavailable", "key-disabled", "key-not-found", "key-invalid-state", "insecure-file" ->
          "Service unavailable";
      case "audit-chain-broken" -> "Audit log damaged";
      default -> "Internal error";
    };
  }

  ObjectNode toJson() {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("type", TYPE_PREFIX + code.toLowerCase(Locale.ROOT));
    json.put("title", title());
    json.put("status", status);
    json.put("detail", detail);
    json.put("code", code);
    return json;
  }
}
