package dev.envelope.server;

/**
 * The settings of {@code envelope serve}: each with its config-file key, flag, environment variable, default
 * and meaning, in one place, so that the flags, the help and {@link ServerSettings} cannot drift apart.
 */
public enum Setting {
  HOME("home", "ENVELOPE_HOME", "./envelope-data", "data directory: keyring, master key, blobs, metadata"),
  HOST("host", "ENVELOPE_HOST", ServerSettings.DEFAULT_HOST, "address to listen on"),
  PORT("port", "ENVELOPE_PORT", "8080", "port to listen on, 0 for any free port"),
  MAX_UPLOAD("max-upload", "ENVELOPE_MAX_UPLOAD", "unlimited",
      "largest upload in bytes, with an optional K, M or G suffix (powers of 1024)"),
  ROOT_KEY("root-key", "ENVELOPE_ROOT_KEY", "envelope-files",
      "id or alias of the root key that wraps every file's data key (created on first start by local and"
          + " pkcs11; with aws-kms a key id, ARN or alias/NAME that must exist)"),
  ORPHAN_GRACE("orphan-grace", "ENVELOPE_ORPHAN_GRACE", "1h",
      "age after which a blob without a row (a failed upload) is removed; 90s, 10m, 1h, 2d (default 1d"
          + " with blob = s3: longer than any upload)"),
  SWEEP_INTERVAL("sweep-interval", "ENVELOPE_SWEEP_INTERVAL", "10m",
      "how often to look for such blobs; off on all nodes of a cluster but one, to list a big bucket once"),
  IDLE_TIMEOUT("idle-timeout", "ENVELOPE_IDLE_TIMEOUT", "30s",
      "how long a connection may stall before it is closed"),
  HEADER_TIMEOUT("header-timeout", "ENVELOPE_HEADER_TIMEOUT", "10s",
      "how long a request's line and headers may take from their first byte; a slower client is closed"),
  MAX_CONNECTIONS("max-connections", "ENVELOPE_MAX_CONNECTIONS", "1024",
      "open connections in all; beyond it new ones wait to be accepted"),
  MAX_CONNECTIONS_PER_ADDRESS("max-connections-per-address", "ENVELOPE_MAX_CONNECTIONS_PER_ADDRESS", "64",
      "open connections from one client address; more are closed at once (behind a proxy, its address counts)"),
  MAX_THREADS("max-threads", "ENVELOPE_MAX_THREADS", "256",
      "request threads; on Java 21+ requests run on virtual threads and this bounds only the server's own"),
  MIN_DATA_RATE("min-data-rate", "ENVELOPE_MIN_DATA_RATE", "1K",
      "bytes per second a client must move while the server waits for it (an upload's body, a download's"
          + " reader), once min-data-rate-grace of waiting is over; a slower one is cut (0: no minimum)"),
  MIN_DATA_RATE_GRACE("min-data-rate-grace", "ENVELOPE_MIN_DATA_RATE_GRACE", "10s",
      "how long the server waits for a client before min-data-rate applies"),
  MAX_HEADER_SIZE("max-header-size", "ENVELOPE_MAX_HEADER_SIZE", "16K",
      "largest request line plus headers, in bytes; a larger one is answered 431"),
  DRAIN_LIMIT("drain-limit", "ENVELOPE_DRAIN_LIMIT", "1M",
      "how much of a refused upload's body is taken in (without a thread) so that the client reads the answer;"
          + " a body declared larger is not waited for"),
  DRAIN_TIME("drain-time", "ENVELOPE_DRAIN_TIME", "5s", "how long a refused upload's body is taken in at most"),
  AUTH_FAILURES("auth-failures-per-minute", "ENVELOPE_AUTH_FAILURES_PER_MINUTE", "30",
      "failed authentications one client address may make per minute; beyond it the address gets 429"
          + " (with Retry-After) until its budget refills"),
  MAX_JSON_SIZE("max-json-size", "ENVELOPE_MAX_JSON_SIZE", "16K", "largest JSON request body (the token API)"),
  MAX_JSON_DEPTH("max-json-depth", "ENVELOPE_MAX_JSON_DEPTH", "16", "deepest nesting of a JSON request body"),
  MAX_FORM_PARTS("max-form-parts", "ENVELOPE_MAX_FORM_PARTS", "16",
      "most parts of a multipart/form-data upload (each part's headers are bounded by max-header-size)"),
  AUDIT_LOG("audit-log", "ENVELOPE_AUDIT_LOG", "",
      "directory of the audit log (empty: audit under the home), or off to keep none (it warns); each node"
          + " writes its own hash-chained NODE.NNNNNN.jsonl there"),
  AUDIT_LOG_MAX_SIZE("audit-log-max-size", "ENVELOPE_AUDIT_LOG_MAX_SIZE", "64M",
      "size after which the audit log goes on in a new file, its chain unbroken"),
  NODE("node", "ENVELOPE_NODE", "",
      "this node's name in its audit lines and audit file name (empty: host name and port)"),
  BLOB("blob", "ENVELOPE_BLOB", "fs", "where ciphertext lives: fs (a directory under the home) or s3"),
  METADATA("metadata", "ENVELOPE_METADATA", "sqlite",
      "where file rows and tokens live: sqlite (a file under the home), postgres or dynamodb"),
  KEYS("keys", "ENVELOPE_KEYS", "local",
      "the key service: local (keyring under the home), pkcs11 (an HSM) or aws-kms"),
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

  private final String key;
  private final String variable;
  private final String defaultValue;
  private final String description;

  Setting(String key, String variable, String defaultValue, String description) {
    this.key = key;
    this.variable = variable;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** The key in the config file. */
  public String key() {
    return key;
  }

  /** The command-line flag. */
  public String flag() {
    return "--" + key;
  }

  /** The environment variable. */
  public String variable() {
    return variable;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }
}
