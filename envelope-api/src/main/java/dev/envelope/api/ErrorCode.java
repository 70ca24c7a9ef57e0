package dev.envelope.api;

/**
 * The stable error codes of Envelope. Each has a short identifier that never changes (it appears in CLI
 * messages and, later, in problem+json {@code type} URIs) and the process exit code the CLI uses for it.
 * New codes may be added; existing identifiers and exit codes are never reused for something else.
 */
public enum ErrorCode {
  /** Anything unexpected: a bug. */
  INTERNAL("internal", 1),
  /** A command line or argument the user got wrong (picocli reports its own usage errors with this too). */
  INVALID_ARGUMENT("invalid-argument", 2),
  /** Reading or writing a file or stream failed (missing input, full disk, closed pipe). */
  IO("io", 3),
  /** The local keyring cannot be opened: wrong or missing master key, or a damaged keyring file. */
  KEYRING_UNAVAILABLE("keyring-unavailable", 4),
  /** No root key with that id or alias, or no such version of it. */
  KEY_NOT_FOUND("key-not-found", 5),
  /** The root key exists but is disabled: it neither makes nor unwraps data keys. */
  KEY_DISABLED("key-disabled", 6),
  /** The encryption context the caller expects differs from the one the file was written with. */
  CONTEXT_MISMATCH("context-mismatch", 7),
  /** The ciphertext failed authentication: tampered, truncated, extended, or read with the wrong context. */
  INVALID_CIPHERTEXT("invalid-ciphertext", 8),
  /** The wrapped data key does not unwrap under its root key and context: damaged, or moved from elsewhere. */
  INVALID_WRAPPED_KEY("invalid-wrapped-key", 9),
  /** Not an Envelope file, a format version this build does not read, or a key service it does not have. */
  UNSUPPORTED_FORMAT("unsupported-format", 10),
  /** The key exists but its state forbids the operation (for example it is pending deletion). */
  KEY_INVALID_STATE("key-invalid-state", 11),
  /** The name (an alias, say) is already taken. */
  ALREADY_EXISTS("already-exists", 12),
  /** No such file (or not one the caller may see: another tenant's file answers exactly like a missing one). */
  NOT_FOUND("not-found", 13),
  /** No credentials, or credentials that are wrong, unknown or revoked. */
  UNAUTHENTICATED("unauthenticated", 14),
  /** The credentials are good but their role does not allow the operation. */
  FORBIDDEN("forbidden", 15),
  /** The upload (or a name, or a request) is larger than the configured limit. */
  TOO_LARGE("too-large", 16),
  /** The requested byte range lies outside the file. */
  RANGE_NOT_SATISFIABLE("range-not-satisfiable", 17),
  /** A store or the key service cannot be reached now; trying again later may work. */
  UNAVAILABLE("unavailable", 18),
  /**
   * A file holding keys, secrets or audit records that someone else could change (another user owns it, or
   * group or others may write it or its directory), or a plaintext secret others may read: refused, never used.
   */
  INSECURE_FILE("insecure-file", 19),
  /** Too many failed attempts (authentications) from one client: it may try again after a while. */
  THROTTLED("throttled", 20),
  /**
   * An audit log's hash chain does not hold: a line is missing, altered or out of order, or the log ends in a
   * line cut short.
   */
  AUDIT_CHAIN_BROKEN("audit-chain-broken", 21),
  /**
   * The tenant was crypto-shredded: its root key is disabled and being destroyed, and its files are gone for good.
   */
  TENANT_SHREDDED("tenant-shredded", 22),
  /** The root key (or key version) still wraps stored files: disabling or deleting it would make them unreadable. */
  KEY_IN_USE("key-in-use", 23),
  /** A condition of the request ({@code If-Match}, {@code If-Unmodified-Since}) does not hold for the file now. */
  PRECONDITION_FAILED("precondition-failed", 24),
  /**
   * The change conflicts with the object's state: a file stored under a shared data key (format 2) binds its name
   * and content type into its ciphertext, so renaming it would make it unreadable; a file has as many share links
   * as it may.
   */
  CONFLICT("conflict", 25),
  /** The upload would take the tenant past its quota of stored bytes. */
  QUOTA_EXCEEDED("quota-exceeded", 26);

  private final String id;
  private final int exitCode;

  ErrorCode(String id, int exitCode) {
    this.id = id;
    this.exitCode = exitCode;
  }

  /** The stable identifier, e.g. {@code invalid-ciphertext}. */
  public String id() {
    return id;
  }

  /** The CLI's exit status for this error. */
  public int exitCode() {
    return exitCode;
  }
}
