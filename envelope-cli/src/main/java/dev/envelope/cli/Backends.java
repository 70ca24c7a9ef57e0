package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.awskms.AwsKmsConfig;
import dev.envelope.awskms.AwsKmsKeyService;
import dev.envelope.core.KeyService;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKeyAdmin;
import dev.envelope.service.FileService;
import dev.envelope.core.internal.PrivateFiles;
import dev.envelope.dynamodb.DynamoDbConfig;
import dev.envelope.dynamodb.DynamoDbMetadataStore;
import dev.envelope.postgres.PostgresConfig;
import dev.envelope.postgres.PostgresMetadataStore;
import dev.envelope.s3.S3BlobStore;
import dev.envelope.s3.S3BlobStoreConfig;
import dev.envelope.service.BlobStore;
import dev.envelope.service.LinkStore;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.TenantStore;
import dev.envelope.service.TokenStore;
import dev.envelope.service.local.DirectoryBlobStore;
import dev.envelope.service.local.LocalStores;
import dev.envelope.service.local.SqliteMetadataStore;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;

/**
 * The three backends of {@code envelope serve}, chosen by the settings {@code keys} ({@code local}, {@code
 * pkcs11}, {@code aws-kms}), {@code blob} ({@code fs}, {@code s3}) and {@code metadata} ({@code sqlite},
 * {@code postgres}, {@code dynamodb}), opened and closed together. Every bad or missing setting is one
 * {@link ErrorCode#INVALID_ARGUMENT} line that names the setting and where its value came from.
 *
 * <p>AWS credentials always come from the AWS SDK's default provider chain (environment, profile, container or
 * instance role), never from Envelope's settings; the region from {@code aws-region}, else the SDK's default
 * chain. The PostgreSQL password comes from {@code ENVELOPE_POSTGRES_PASSWORD} or the file named by {@code
 * postgres-password-file}, never from a flag (flags show in {@code ps}).
 */
final class Backends implements AutoCloseable {
  static final String ENV_POSTGRES_PASSWORD = "ENVELOPE_POSTGRES_PASSWORD";

  final KeyService keys;
  final BlobStore blobs;
  final MetadataStore metadata;
  final TokenStore tokens;
  final TenantStore tenants;
  final LinkStore links;
  /** The S3 API's store (credentials, buckets, the object index): the metadata store. */
  final dev.envelope.service.BucketStore buckets;
  private final Deque<AutoCloseable> opened;

  private Backends(KeyService keys, BlobStore blobs, MetadataAndTokens rows, Deque<AutoCloseable> opened) {
    this.keys = keys;
    this.blobs = blobs;
    this.metadata = rows.metadata();
    this.tokens = rows.tokens();
    this.tenants = rows.tenants();
    this.links = rows.links();
    this.buckets = rows.metadata() instanceof dev.envelope.service.BucketStore b ? b : null;
    this.opened = opened;
  }

  /** The S3 API's store; {@link ErrorCode#UNAVAILABLE} when the metadata store has none. */
  dev.envelope.service.BucketStore bucketStore() throws EnvelopeException {
    if (buckets == null) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "this metadata store does not keep S3 buckets");
    }
    return buckets;
  }

  /** The key service's administration of root keys (every key service Envelope has offers it). */
  RootKeyAdmin keyAdmin() {
    return (RootKeyAdmin) keys;
  }

  /** The file service over these backends, as {@code envelope serve} and the admin commands build it. */
  FileService fileService(NodeSettings settings) throws EnvelopeException {
    return fileService(settings, dev.envelope.service.ServiceObserver.NONE);
  }

  /** As {@link #fileService(NodeSettings)}, telling {@code observer} its key calls and store failures. */
  FileService fileService(NodeSettings settings, dev.envelope.service.ServiceObserver observer)
      throws EnvelopeException {
    FileService.Builder files = FileService.builder().keyService(keys, settings.rootKey()).blobStore(blobs)
        .metadataStore(metadata).tenantStore(tenants).linkStore(links).maxUploadBytes(settings.maxUploadBytes())
        .dataKeyCache(settings.dataKeyCache()).observer(observer);
    if (buckets != null) {
      files.bucketStore(buckets);
    }
    return files.build();
  }

  /**
   * Opens the key service (making the root key on first start for {@code local} and {@code pkcs11}; checking
   * that it exists and may be used for {@code aws-kms}), then the blob store, then the metadata store. On any
   * failure, what was opened is closed again.
   */
  static Backends open(NodeSettings settings, Cli cli) throws EnvelopeException {
    checkChoices(settings);
    createHomeIfLocal(settings);
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    try {
      KeyService keys = openKeys(settings, cli, opened);
      BlobStore blobs = openBlobs(settings, opened);
      MetadataAndTokens rows = openMetadata(settings, cli.env(), opened);
      return new Backends(keys, blobs, rows, opened);
    } catch (EnvelopeException | RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  /**
   * Creates the home (and missing parents, each 0700; an existing one is left as it is) when a backend keeps
   * something in it: the local keyring or the PKCS#11 key file, the blob directory, the SQLite file. Whatever the
   * key service is: with keys = aws-kms nothing else would make it.
   */
  private static void createHomeIfLocal(NodeSettings settings) throws EnvelopeException {
    String keys = choice(settings, Setting.KEYS);
    if (keys.equals(KeyBackend.LOCAL) || keys.equals(KeyBackend.PKCS11) || choice(settings, Setting.BLOB).equals("fs")
        || choice(settings, Setting.METADATA).equals("sqlite")) {
      try {
        PrivateFiles.createDirectories(settings.home());
      } catch (IOException e) {
        throw new EnvelopeException(ErrorCode.IO, "cannot create the data directory " + settings.home().toAbsolutePath()
            + ": " + e, e);
      }
    }
  }

  /**
   * Opens a node's backends to look at them without changing anything (the target of {@code admin migrate
   * --dry-run}): the metadata store, and the key service when it has keys already. Nothing is created: a home
   * without its SQLite file is {@link EmptyStores}, a local keyring or PKCS#11 key file that does not exist yet is
   * no key service (null), and no root key is made; the blob store is not opened (null). A PostgreSQL store is
   * opened as {@code serve} opens it, which makes its tables in an empty database.
   */
  static Backends openToInspect(NodeSettings settings, Cli cli) throws EnvelopeException {
    checkChoices(settings);
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    try {
      KeyService keys;
      String choice = choice(settings, Setting.KEYS);
      if (choice.equals("aws-kms")) {
        keys = openKeys(settings, cli, opened);
      } else {
        String file = choice.equals(KeyBackend.LOCAL) ? dev.envelope.keyring.LocalKeyring.FILE_NAME
            : dev.envelope.pkcs11.Pkcs11KeyService.METADATA_FILE_NAME;
        if (Files.exists(settings.home().resolve(file))) {
          keys = KeyBackend.open(settings, cli.env(), false, cli.stderr());
        } else {
          keys = null;
        }
      }
      MetadataAndTokens rows;
      if (choice(settings, Setting.METADATA).equals("sqlite")
          && !Files.exists(settings.home().resolve(LocalStores.DATABASE))) {
        EmptyStores empty = new EmptyStores();
        rows = new MetadataAndTokens(empty, empty, empty, empty);
      } else {
        rows = openMetadata(settings, cli.env(), opened);
      }
      return new Backends(keys, null, rows, opened);
    } catch (EnvelopeException | RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  /**
   * Checks the three choices before anything is opened (a wrong one must not leave a new keyring behind), and
   * returns the warning a node on these settings should print, or null: a shared store beside a node-local one.
   */
  static String checkChoices(NodeSettings settings) throws EnvelopeException {
    checkChoice(settings, Setting.BLOB, "fs or s3", "fs", "s3");
    checkChoice(settings, Setting.METADATA, "sqlite, postgres or dynamodb", "sqlite", "postgres", "dynamodb");
    checkChoice(settings, Setting.KEYS, "local, pkcs11 or aws-kms", KeyBackend.LOCAL, KeyBackend.PKCS11, "aws-kms");
    String blob = choice(settings, Setting.BLOB);
    String metadata = choice(settings, Setting.METADATA);
    String keys = choice(settings, Setting.KEYS);
    boolean sharedRows = !metadata.equals("sqlite");
    if (sharedRows && (blob.equals("fs") || !keys.equals("aws-kms"))) {
      return "warning: file rows are in a shared store (" + metadata + ") but "
          + (blob.equals("fs") ? "ciphertext is in this node's directory" : "root keys are in this node's "
              + keys + " key service")
          + ": other nodes will list files they cannot read. Use blob = s3 and keys = aws-kms on every node.";
    }
    return null;
  }

  private static KeyService openKeys(NodeSettings settings, Cli cli, Deque<AutoCloseable> opened)
      throws EnvelopeException {
    String choice = choice(settings, Setting.KEYS);
    switch (choice) {
      case KeyBackend.LOCAL, KeyBackend.PKCS11 -> {
        ManagedKeyService keyring = KeyBackend.open(settings, cli.env(), true, cli.stderr());
        ManagedKeyService.ensureKey(keyring, settings.rootKey(), "root key of the file service (envelope serve)");
        return keyring;
      }
      case "aws-kms" -> {
        AwsKmsConfig.Builder config = AwsKmsConfig.builder();
        uri(settings, Setting.KMS_ENDPOINT).ifPresent(config::endpoint);
        region(settings).ifPresent(config::region);
        profile(settings, Setting.KMS_PROFILE).ifPresent(config::credentials);
        AwsKmsConfig built;
        try {
          built = config.build();
        } catch (IllegalArgumentException e) {
          throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "keys = aws-kms: " + e.getMessage(), e);
        }
        AwsKmsKeyService kms = AwsKmsKeyService.create(built);
        opened.push(kms);
        try {
          kms.describeRootKey(settings.rootKey());
        } catch (EnvelopeException e) {
          throw new EnvelopeException(e.code(), "root key '" + settings.rootKey() + "' ("
              + settings.where(Setting.ROOT_KEY) + "): " + e.getMessage()
              + (e.code() == ErrorCode.KEY_NOT_FOUND && !settings.rootKey().startsWith("alias/")
                  && !settings.rootKey().startsWith("arn:")
                  ? "; with keys = aws-kms name it by key id, ARN or alias/NAME" : ""), e);
        }
        return kms;
      }
      default -> throw invalid(settings, Setting.KEYS, "local, pkcs11 or aws-kms");
    }
  }

  private static BlobStore openBlobs(NodeSettings settings, Deque<AutoCloseable> opened)
      throws EnvelopeException {
    switch (choice(settings, Setting.BLOB)) {
      case "fs" -> {
        DirectoryBlobStore blobs = LocalStores.openBlobs(settings.home());
        opened.push(blobs);
        return blobs;
      }
      case "s3" -> {
        String bucket = required(settings, Setting.S3_BUCKET, "blob = s3");
        S3BlobStoreConfig.Builder config = S3BlobStoreConfig.builder(bucket)
            .prefix(settings.value(Setting.S3_PREFIX))
            .pathStyle(settings.bool(Setting.S3_PATH_STYLE))
            .partSize(settings.size(Setting.S3_PART_SIZE, 5L << 20, 5L << 30))
            .parallelism(settings.integer(Setting.S3_PARALLELISM, 1, 64))
            .maxUploadTime(settings.duration(Setting.S3_MAX_UPLOAD_TIME, java.time.Duration.ofSeconds(1),
                S3BlobStoreConfig.MAX_MAX_UPLOAD_TIME));
        uri(settings, Setting.S3_ENDPOINT).ifPresent(config::endpoint);
        region(settings).ifPresent(config::region);
        profile(settings, Setting.S3_PROFILE).ifPresent(config::credentials);
        S3BlobStore blobs;
        try {
          blobs = S3BlobStore.create(config.build());
        } catch (IllegalArgumentException e) {
          throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "blob = s3: " + e.getMessage(), e);
        }
        opened.push(blobs);
        try {
          // Like the metadata store and the key service: reachable at start, or the node does not start (a
          // wrong bucket or endpoint is found now, not at the first upload). Later outages answer 503.
          blobs.checkReady();
        } catch (S3BlobStore.BucketRefused e) {
          // A setup mistake, not an outage: exit as one (2), saying what to fix.
          throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "blob = s3: " + e.getMessage()
              + (e.getMessage().endsWith("does not exist") ? ": create it (aws s3 mb s3://" + bucket
                  + "), or fix s3-bucket" : ""), e);
        } catch (IOException e) {
          throw new EnvelopeException(ErrorCode.UNAVAILABLE, "blob = s3: " + e.getMessage(), e);
        }
        return blobs;
      }
      default -> throw invalid(settings, Setting.BLOB, "fs or s3");
    }
  }

  /** The file rows, the tokens, the tenants and the share links: one store, which {@code envelope tokens} opens too. */
  record MetadataAndTokens(MetadataStore metadata, TokenStore tokens, TenantStore tenants, LinkStore links) {}

  static MetadataAndTokens openMetadata(NodeSettings settings, Map<String, String> env,
      Deque<AutoCloseable> opened)
      throws EnvelopeException {
    switch (choice(settings, Setting.METADATA)) {
      case "sqlite" -> {
        SqliteMetadataStore store = SqliteMetadataStore.open(
            settings.home().toAbsolutePath().normalize().resolve(LocalStores.DATABASE));
        opened.push(store);
        return new MetadataAndTokens(store, store, store, store);
      }
      case "postgres" -> {
        String url = required(settings, Setting.POSTGRES_URL, "metadata = postgres");
        PostgresConfig.Builder config = PostgresConfig.builder(url)
            .user(settings.value(Setting.POSTGRES_USER))
            .maxPoolSize(settings.integer(Setting.POSTGRES_POOL_SIZE, 1, 1000));
        String password = postgresPassword(settings, env);
        if (password != null) {
          config.password(password);
        }
        PostgresMetadataStore store;
        try {
          store = PostgresMetadataStore.open(config.build());
        } catch (IllegalArgumentException e) {
          throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "metadata = postgres: " + e.getMessage(), e);
        }
        opened.push(store);
        return new MetadataAndTokens(store, store, store, store);
      }
      case "dynamodb" -> {
        DynamoDbMetadataStore store = DynamoDbMetadataStore.open(dynamoDbConfig(settings));
        opened.push(store);
        return new MetadataAndTokens(store, store, store, store);
      }
      default -> throw invalid(settings, Setting.METADATA, "sqlite, postgres or dynamodb");
    }
  }

  static DynamoDbConfig dynamoDbConfig(NodeSettings settings) throws EnvelopeException {
    DynamoDbConfig.Builder config = DynamoDbConfig.builder().tableName(settings.value(Setting.DYNAMODB_TABLE));
    uri(settings, Setting.DYNAMODB_ENDPOINT).ifPresent(config::endpoint);
    region(settings).ifPresent(config::region);
    profile(settings, Setting.DYNAMODB_PROFILE).ifPresent(config::credentials);
    try {
      return config.build();
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(Setting.DYNAMODB_TABLE) + ": "
          + e.getMessage(), e);
    }
  }

  private static final long MAX_PASSWORD_FILE = 4096;

  private static String postgresPassword(NodeSettings settings, Map<String, String> env) throws EnvelopeException {
    String file = settings.value(Setting.POSTGRES_PASSWORD_FILE);
    if (!file.isEmpty()) {
      Path path = settings.path(Setting.POSTGRES_PASSWORD_FILE);
      try {
        // A secret: refused when others could read or change it, and when it is no regular file (a FIFO would
        // hang the start) or too large to be a password.
        PrivateFiles.checkSecret(path, "PostgreSQL password file");
        if (Files.size(path) > MAX_PASSWORD_FILE) {
          throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(Setting.POSTGRES_PASSWORD_FILE)
              + ": " + file + " is larger than " + MAX_PASSWORD_FILE + " bytes, too large for a password");
        }
        return Files.readString(path, StandardCharsets.UTF_8).strip();
      } catch (IOException | RuntimeException e) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(Setting.POSTGRES_PASSWORD_FILE)
            + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
      }
    }
    return env.get(ENV_POSTGRES_PASSWORD);
  }

  private static void checkChoice(NodeSettings settings, Setting setting, String expected, String... choices)
      throws EnvelopeException {
    if (!java.util.List.of(choices).contains(choice(settings, setting))) {
      throw invalid(settings, setting, expected);
    }
  }

  private static String choice(NodeSettings settings, Setting setting) {
    return settings.value(setting).toLowerCase(Locale.ROOT);
  }

  private static String required(NodeSettings settings, Setting setting, String because)
      throws EnvelopeException {
    String value = settings.value(setting);
    if (value.isEmpty()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, because + " needs " + setting.key() + " (flag "
          + setting.flag() + ", " + setting.variable() + " or '" + setting.key() + " = ...' in the config file)");
    }
    return value;
  }

  private static java.util.Optional<URI> uri(NodeSettings settings, Setting setting) throws EnvelopeException {
    String text = settings.value(setting);
    if (text.isEmpty()) {
      return java.util.Optional.empty();
    }
    try {
      URI uri = new URI(text);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
          || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new URISyntaxException(text, "not an http(s) URL with a host");
      }
      return java.util.Optional.of(uri);
    } catch (URISyntaxException e) {
      // Never echo a URL that may carry user info: "http://KEY:SECRET@host" must not reach a log.
      String shown = text.contains("@") ? "the value" : "'" + text + "'";
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(setting) + ": " + shown
          + " is not an http:// or https:// URL with a host (and without user info, query or fragment)");
    }
  }

  private static java.util.Optional<String> region(NodeSettings settings) throws EnvelopeException {
    String region = settings.value(Setting.AWS_REGION);
    if (region.isEmpty()) {
      return java.util.Optional.empty();
    }
    if (!region.matches("[a-z]{2}(-[a-z0-9]+){1,4}")) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(Setting.AWS_REGION) + ": '"
          + region + "' is not a region name such as eu-west-1");
    }
    return java.util.Optional.of(region);
  }

  /**
   * The credentials of a named AWS profile, for stores that sign with keys of their own (an S3-compatible
   * store and a key server, say); empty means the SDK's default chain. The profile is read lazily, on first
   * use, from the SDK's usual files ({@code AWS_SHARED_CREDENTIALS_FILE}, {@code ~/.aws/credentials}).
   */
  private static java.util.Optional<AwsCredentialsProvider> profile(NodeSettings settings, Setting setting)
      throws EnvelopeException {
    String name = settings.value(setting);
    if (name.isEmpty()) {
      return java.util.Optional.empty();
    }
    if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(setting) + ": '" + name
          + "' is not a profile name");
    }
    if (software.amazon.awssdk.profiles.ProfileFile.defaultProfileFile().profile(name).isEmpty()) {
      // Said now, as a setting's mistake: later it would read as a service that gave no usable answer.
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(setting) + ": there is no AWS profile '"
          + name + "' in the shared credentials or config file (AWS_SHARED_CREDENTIALS_FILE, else"
          + " ~/.aws/credentials; AWS_CONFIG_FILE, else ~/.aws/config)");
    }
    return java.util.Optional.of(ProfileCredentialsProvider.create(name));
  }

  private static EnvelopeException invalid(NodeSettings settings, Setting setting, String expected) {
    return new EnvelopeException(ErrorCode.INVALID_ARGUMENT, settings.where(setting) + ": '"
        + settings.value(setting) + "' is not " + expected);
  }

  private static void closeAll(Deque<AutoCloseable> opened) {
    while (!opened.isEmpty()) {
      try {
        opened.pop().close();
      } catch (Exception e) {
        // Closing after a failure or at shutdown: the first failure is what the user needs to see.
      }
    }
  }

  /** Closes the stores and the key service, the metadata store first (it finishes pending writes). */
  @Override
  public void close() {
    closeAll(opened);
  }
}
