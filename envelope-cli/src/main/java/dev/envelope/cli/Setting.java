package dev.envelope.cli;

import dev.envelope.server.SettingKey;

/**
 * The settings of a node that {@code envelope serve} (and {@code envelope tokens}, {@code envelope admin})
 * assembles: its home, the file service's limits, the orphan sweeper, and the stores and key service with their
 * own settings. The HTTP server's settings are {@link dev.envelope.server.HttpSetting}; both come from the same
 * sources ({@link NodeSettings}).
 */
enum Setting implements SettingKey {
  HOME("home", "ENVELOPE_HOME", "./envelope-data", "data directory: keyring, master key, blobs, metadata"),
  MAX_UPLOAD("max-upload", "ENVELOPE_MAX_UPLOAD", "unlimited",
      "largest upload in bytes, with an optional K, M or G suffix (powers of 1024)"),
  ROOT_KEY("root-key", "ENVELOPE_ROOT_KEY", "envelope-files",
      "id or alias of the root key that wraps every file's data key (created on first start by local and"
          + " pkcs11; with aws-kms a key id, ARN or alias/NAME that must exist)"),
  ORPHAN_GRACE("orphan-grace", "ENVELOPE_ORPHAN_GRACE", "1h",
      "age after which a blob without a row (a failed upload) is removed; 90s, 10m, 1h, 2d (with blob = s3 at"
          + " least twice s3-max-upload-time)"),
  SWEEP_INTERVAL("sweep-interval", "ENVELOPE_SWEEP_INTERVAL", "10m",
      "how often to look for such blobs; off on all nodes of a cluster but one, to list a big bucket once"),
  DATA_KEY_CACHE("data-key-cache", "ENVELOPE_DATA_KEY_CACHE", "off",
      "reuse one data key per tenant for several uploads of declared size, within AGE,FILES,BYTES such as"
          + " 5m,1000,1G (fewer key service calls for small files); off by default"),
  AUDIT_LOG("audit-log", "ENVELOPE_AUDIT_LOG", "",
      "directory of the audit log (empty: audit under the home), or off to keep none (it warns); each node"
          + " writes its own hash-chained NODE.NNNNNN.jsonl there"),
  AUDIT_LOG_MAX_SIZE("audit-log-max-size", "ENVELOPE_AUDIT_LOG_MAX_SIZE", "64M",
      "size after which the audit log goes on in a new file, its chain unbroken"),
  AUDIT_LOG_TIMEOUT("audit-log-timeout", "ENVELOPE_AUDIT_LOG_TIMEOUT", "10s",
      "longest a request waits for its audit line to be durable, 1s to 10m; then it fails with 503 and /readyz"
          + " says not ready while the disk stays stuck"),
  NODE("node", "ENVELOPE_NODE", "",
      "this node's name in its audit lines and audit file name (empty: host name and port)"),
  LOG_FORMAT("log-format", "ENVELOPE_LOG_FORMAT", "text",
      "how serve logs on stderr: text (lines for people) or json (one JSON object per line with time, level,"
          + " logger, message, thread, the request's requestId and any exception)"),
  BLOB("blob", "ENVELOPE_BLOB", "fs", "where ciphertext lives: fs (a directory under the home) or s3"),
  METADATA("metadata", "ENVELOPE_METADATA", "sqlite",
      "where file rows and tokens live: sqlite (a file under the home), postgres or dynamodb"),
  KEYS("keys", "ENVELOPE_KEYS", "local",
      "the key service: local (keyring under the home), pkcs11 (an HSM) or aws-kms"),
  MASTER_KEY_FILE("master-key-file", "ENVELOPE_MASTER_KEY_FILE", "",
      "file holding the local keyring's master key in base64 (or set ENVELOPE_MASTER_KEY; never a flag); empty:"
          + " master.key in the home, generated on first use, for trying Envelope out"),
  PKCS11_LIBRARY("pkcs11-library", "ENVELOPE_PKCS11_LIBRARY", "",
      "PKCS#11 module (keys = pkcs11), such as /usr/lib/softhsm/libsofthsm2.so"),
  PKCS11_SLOT("pkcs11-slot", "ENVELOPE_PKCS11_SLOT", "", "slot number of the token (or pkcs11-token-label)"),
  PKCS11_TOKEN_LABEL("pkcs11-token-label", "ENVELOPE_PKCS11_TOKEN_LABEL", "",
      "label of the token (or pkcs11-slot)"),
  PKCS11_PIN_FILE("pkcs11-pin-file", "ENVELOPE_PKCS11_PIN_FILE", "",
      "file holding the token's user PIN (or set ENVELOPE_PKCS11_PIN; never a flag)"),
  AWS_REGION("aws-region", "ENVELOPE_AWS_REGION", "",
      "AWS region of S3, DynamoDB and KMS; empty: the AWS SDK's default (AWS_REGION, ~/.aws/config)"),
  S3_BUCKET("s3-bucket", "ENVELOPE_S3_BUCKET", "", "bucket of the ciphertext (blob = s3)"),
  S3_PREFIX("s3-prefix", "ENVELOPE_S3_PREFIX", "", "key prefix in the bucket, such as envelope/"),
  S3_ENDPOINT("s3-endpoint", "ENVELOPE_S3_ENDPOINT", "",
      "URL of an S3-compatible store; empty for AWS S3"),
  S3_PATH_STYLE("s3-path-style", "ENVELOPE_S3_PATH_STYLE", "false",
      "true for path-style requests, which most S3-compatible stores need"),
  S3_PROFILE("s3-profile", "ENVELOPE_S3_PROFILE", "",
      "AWS profile (~/.aws/credentials) to sign S3 requests with; empty: the SDK's default credentials"),
  S3_PART_SIZE("s3-part-size", "ENVELOPE_S3_PART_SIZE", "8M",
      "multipart upload part size, 5M to 5G; an upload holds about (parallelism + 1) parts in memory"),
  S3_PARALLELISM("s3-parallelism", "ENVELOPE_S3_PARALLELISM", "4", "parts of one upload in flight, 1 to 64"),
  S3_MAX_UPLOAD_TIME("s3-max-upload-time", "ENVELOPE_S3_MAX_UPLOAD_TIME", "12h",
      "longest an upload to S3 may take, 1s to 7d; a slower one fails, and orphan-grace is at least twice this"),
  DYNAMODB_TABLE("dynamodb-table", "ENVELOPE_DYNAMODB_TABLE", "envelope",
      "DynamoDB table (metadata = dynamodb; made by 'envelope admin init-dynamodb')"),
  DYNAMODB_ENDPOINT("dynamodb-endpoint", "ENVELOPE_DYNAMODB_ENDPOINT", "",
      "URL of a DynamoDB-compatible endpoint; empty for AWS"),
  DYNAMODB_PROFILE("dynamodb-profile", "ENVELOPE_DYNAMODB_PROFILE", "",
      "AWS profile to sign DynamoDB requests with; empty: the SDK's default credentials"),
  POSTGRES_URL("postgres-url", "ENVELOPE_POSTGRES_URL", "",
      "JDBC URL (metadata = postgres), such as jdbc:postgresql://db.internal:5432/envelope"),
  POSTGRES_USER("postgres-user", "ENVELOPE_POSTGRES_USER", "envelope", "PostgreSQL user"),
  POSTGRES_PASSWORD_FILE("postgres-password-file", "ENVELOPE_POSTGRES_PASSWORD_FILE", "",
      "file holding the PostgreSQL password (or set ENVELOPE_POSTGRES_PASSWORD; never a flag)"),
  POSTGRES_POOL_SIZE("postgres-pool-size", "ENVELOPE_POSTGRES_POOL_SIZE", "16",
      "connections to PostgreSQL per node, 1 to 1000"),
  KMS_ENDPOINT("kms-endpoint", "ENVELOPE_KMS_ENDPOINT", "",
      "URL of AWS KMS or of an Envelope key server (keys = aws-kms); empty for AWS KMS"),
  KMS_PROFILE("kms-profile", "ENVELOPE_KMS_PROFILE", "",
      "AWS profile to sign KMS requests with; empty: the SDK's default credentials");

  private final Definition definition;

  Setting(String key, String variable, String defaultValue, String description) {
    this.definition = new Definition(key, variable, defaultValue, description);
  }

  @Override
  public Definition definition() {
    return definition;
  }
}
