package dev.envelope.server.audit;

import java.util.Objects;

/**
 * What one line of the audit log says: which event, its outcome, who asked (tenant, token id, client address)
 * and what it touched (file id, the token or tenant acted on, range, bytes). The writer adds the rest: sequence
 * number, time, node and the hash of the line before.
 *
 * <p><b>Security guarantees.</b> There is no field a plaintext, a key, a token's secret or a file's name could go
 * into: names are user data and stay in the metadata store. Values a client chose (a file id in a path) are
 * clipped to {@value AuditLines#MAX_VALUE} characters and written as escaped JSON, so they cannot start a line.
 */
public final class AuditEvent {
  /**
   * The kinds of event. New kinds (tenant operations as {@code tenant.create}, {@code tenant.delete}; rewrap runs
   * as {@code keys.rewrap}, with the root key as {@code target}) slot in here; the verifier does not look at kinds, so old logs stay valid.
   */
  public enum Type {
    /** A node (re)opened its log; {@code bytes} says how many bytes of a line cut by a crash it dropped. */
    AUDIT_OPEN("audit.open"),
    /** The first line of a file the log rotated into; {@code previousFile} names the file before. */
    AUDIT_CONTINUE("audit.continue"),
    /** A request whose credentials were missing, wrong, unknown or revoked. */
    AUTH_FAILURE("auth.failure"),
    /** A request refused without looking at its credentials: its address failed too often. */
    AUTH_THROTTLED("auth.throttled"),
    FILE_UPLOAD("file.upload"),
    FILE_DOWNLOAD("file.download"),
    FILE_HEAD("file.head"),
    FILE_METADATA("file.metadata"),
    FILE_LIST("file.list"),
    FILE_DELETE("file.delete"),
    /** A rename or content-type change ({@code PATCH /v1/files/{id}}). */
    FILE_RENAME("file.rename"),
    /** A tenant's usage read ({@code GET /v1/usage}). */
    USAGE_READ("usage.read"),
    /** A share link made; {@code fileId} its file, {@code target} the link's id (never its secret). */
    LINK_CREATE("link.create"),
    LINK_LIST("link.list"),
    LINK_REVOKE("link.revoke"),
    /** A download by share link, without a token; {@code target} is the link's id. */
    LINK_DOWNLOAD("link.download"),
    LINK_HEAD("link.head"),
    TOKEN_CREATE("token.create"),
    TOKEN_LIST("token.list"),
    TOKEN_REVOKE("token.revoke"),
    TENANT_CREATE("tenant.create"),
    TENANT_LIST("tenant.list"),
    TENANT_DESCRIBE("tenant.describe"),
    TENANT_SET_KEY("tenant.set-key"),
    TENANT_SET_QUOTA("tenant.set-quota"),
    TENANT_SHRED("tenant.shred"),
    TENANT_PURGE("tenant.purge"),
    /** A rewrap run ({@code envelope admin rewrap}); {@code bytes} is the number of rows re-wrapped. */
    KEYS_REWRAP("keys.rewrap"),
    /** A key version destroyed ({@code envelope keys destroy-version}); {@code target} is {@code KEY:VERSION}. */
    KEYS_DESTROY_VERSION("keys.destroy-version"),
    /**
     * A migration of the node's files, tokens and tenants to other backends ({@code envelope admin migrate}); {@code
     * target} names the target's kinds of backends, {@code bytes} is the number of rows copied.
     */
    ADMIN_MIGRATE("admin.migrate"),
    /** S3 API: CreateBucket. */
    S3_BUCKET_CREATE("s3.bucket.create"),
    /** S3 API: DeleteBucket. */
    S3_BUCKET_DELETE("s3.bucket.delete"),
    /** S3 API: ListBuckets. */
    S3_BUCKET_LIST("s3.bucket.list"),
    /** S3 API: HeadBucket, GetBucketLocation. */
    S3_BUCKET_READ("s3.bucket.read"),
    /** S3 API: ListObjects (v1 and v2), ListMultipartUploads. */
    S3_OBJECT_LIST("s3.object.list"),
    /** S3 API: CopyObject (a new file, re-encrypted under a fresh data key). */
    S3_OBJECT_COPY("s3.object.copy"),
    /** S3 API: DeleteObjects (one line for the request; each object's file delete is logged by the service). */
    S3_OBJECTS_DELETE("s3.objects.delete"),
    /** S3 API: CreateMultipartUpload ({@code fileId} is the upload's id, the file it completes into). */
    S3_UPLOAD_START("s3.upload.start"),
    /** S3 API: UploadPart. */
    S3_UPLOAD_PART("s3.upload.part"),
    /** S3 API: CompleteMultipartUpload. */
    S3_UPLOAD_COMPLETE("s3.upload.complete"),
    /** S3 API: AbortMultipartUpload. */
    S3_UPLOAD_ABORT("s3.upload.abort");

    private final String id;

    Type(String id) {
      this.id = id;
    }

    /** The stable name in the log, such as {@code file.download}. */
    public String id() {
      return id;
    }
  }

  /** How it ended, or that it began: effects and downloads are logged before they happen, then how they ended. */
  public enum Outcome {
    /** Logged (and fsynced) before the effect or the first byte: the log holds the attempt even if all else fails. */
    STARTED("started"),
    OK("ok"),
    /** A download that ended before its last byte (the client went away, or the file failed its check). */
    CUT("cut"),
    /** Refused or failed; {@code code} is the stable error code. */
    ERROR("error");

    private final String id;

    Outcome(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }
  }

  final Type type;
  final Outcome outcome;
  final String code;
  final String requestId;
  final String address;
  final String tenant;
  final String tokenId;
  final String fileId;
  final String target;
  final String role;
  final String range;
  final Long bytes;
  final String previousFile;

  private AuditEvent(Builder b) {
    this.type = Objects.requireNonNull(b.type, "type");
    this.outcome = Objects.requireNonNull(b.outcome, "outcome");
    this.code = b.code;
    this.requestId = b.requestId;
    this.address = b.address;
    this.tenant = b.tenant;
    this.tokenId = b.tokenId;
    this.fileId = b.fileId;
    this.target = b.target;
    this.role = b.role;
    this.range = b.range;
    this.bytes = b.bytes;
    this.previousFile = b.previousFile;
  }

  public static Builder of(Type type, Outcome outcome) {
    return new Builder(type, outcome);
  }

  public Type type() {
    return type;
  }

  public Outcome outcome() {
    return outcome;
  }

  @Override
  public String toString() {
    return type.id() + " " + outcome.id() + (code == null ? "" : " " + code);
  }

  /** Builds an {@link AuditEvent}; every field but the kind and outcome is optional. */
  public static final class Builder {
    private final Type type;
    private final Outcome outcome;
    private String code;
    private String requestId;
    private String address;
    private String tenant;
    private String tokenId;
    private String fileId;
    private String target;
    private String role;
    private String range;
    private Long bytes;
    private String previousFile;

    private Builder(Type type, Outcome outcome) {
      this.type = type;
      this.outcome = outcome;
    }

    /** The stable error code of a refusal or failure. */
    public Builder code(String code) {
      this.code = code;
      return this;
    }

    public Builder requestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    /** The client's address, as the server saw it. */
    public Builder address(String address) {
      this.address = address;
      return this;
    }

    public Builder tenant(String tenant) {
      this.tenant = tenant;
      return this;
    }

    /** The id of the caller's token: never its secret. */
    public Builder tokenId(String tokenId) {
      this.tokenId = tokenId;
      return this;
    }

    public Builder fileId(String fileId) {
      this.fileId = fileId;
      return this;
    }

    /** What the event acts on other than a file: the token created or revoked, a tenant, a root key. */
    public Builder target(String target) {
      this.target = target;
      return this;
    }

    /**
     * The role of the token created ({@code read}, {@code write}, {@code admin}, {@code operator}): without it an
     * operator token, which acts across tenants, would look like any read token in the log.
     */
    public Builder role(String role) {
      this.role = role;
      return this;
    }

    /** A byte range read, as {@code first-last}. */
    public Builder range(String range) {
      this.range = range;
      return this;
    }

    public Builder bytes(long bytes) {
      this.bytes = bytes;
      return this;
    }

    Builder previousFile(String name) {
      this.previousFile = name;
      return this;
    }

    public AuditEvent build() {
      return new AuditEvent(this);
    }
  }
}
