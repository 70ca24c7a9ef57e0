package dev.envelope.cli;

import dev.envelope.awskms.KmsFixture;
import dev.envelope.dynamodb.DynaliteFixture;
import dev.envelope.postgres.PostgresFixture;
import dev.envelope.s3.S3ProxyFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The shared backends of a cluster of {@code envelope serve} nodes, each a real server on loopback: S3Proxy (S3),
 * Envelope's key server (AWS KMS, reached by the nodes' real {@code KmsClient}), and dynalite (DynamoDB) or a
 * throwaway PostgreSQL cluster. {@link #env()} is what a node needs to use them: the backend settings as
 * {@code ENVELOPE_*} variables, and an AWS credentials file with one profile per service that checks signatures
 * (S3Proxy's keys, the key server's access key), the way an operator would configure it.
 */
final class SharedBackends implements AutoCloseable {
  enum Metadata { DYNAMODB, POSTGRES }

  static final String BUCKET = "envelope-it";
  static final String TABLE = "envelope";
  static final String ROOT_ALIAS = "alias/envelope-files";

  final Metadata metadata;
  final S3ProxyFixture s3;
  final KmsFixture kms;
  final DynaliteFixture dynamo;
  final PostgresFixture postgres;
  private final String database;
  private final Path awsFiles;
  private final Path dynamoDir;

  private SharedBackends(Metadata metadata, S3ProxyFixture s3, KmsFixture kms, DynaliteFixture dynamo,
      PostgresFixture postgres, String database, Path awsFiles, Path dynamoDir) {
    this.metadata = metadata;
    this.dynamoDir = dynamoDir;
    this.s3 = s3;
    this.kms = kms;
    this.dynamo = dynamo;
    this.postgres = postgres;
    this.database = database;
    this.awsFiles = awsFiles;
  }

  static SharedBackends start(Metadata metadata, Path dir) throws Exception {
    S3ProxyFixture s3 = null;
    KmsFixture kms = null;
    DynaliteFixture dynamo = null;
    PostgresFixture postgres = null;
    try {
      s3 = S3ProxyFixture.start(Files.createDirectories(dir.resolve("s3")));
      s3.createBucket(BUCKET);
      kms = KmsFixture.start();
      kms.createAlias(ROOT_ALIAS, kms.createKey());
      String database = null;
      Path dynamoDir = dir.resolve("dynamo");
      if (metadata == Metadata.DYNAMODB) {
        dynamo = DynaliteFixture.start(Files.createDirectories(dynamoDir));
      } else {
        postgres = PostgresFixture.start(Files.createDirectories(dir.resolve("postgres")));
        database = postgres.createDatabase();
      }
      Path aws = Files.createDirectories(dir.resolve("aws"));
      Files.writeString(aws.resolve("credentials"), String.join("\n",
          "[store]", "aws_access_key_id = " + s3.accessKey(), "aws_secret_access_key = " + s3.secretKey(),
          "[keys]", "aws_access_key_id = " + kms.accessKeyId(), "aws_secret_access_key = " + kms.secretKey(),
          "[dynamo]", "aws_access_key_id = AKIDYNALITEANYKEY", "aws_secret_access_key = dynalite-checks-none",
          ""), StandardCharsets.UTF_8);
      Files.writeString(aws.resolve("config"), "", StandardCharsets.UTF_8);
      return new SharedBackends(metadata, s3, kms, dynamo, postgres, database, aws, dynamoDir);
    } catch (Exception | Error e) {
      for (AutoCloseable c : new AutoCloseable[] {postgres, dynamo, kms, s3}) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
      }
      throw e;
    }
  }

  /** The environment of a node on these backends. */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_SHARED_CREDENTIALS_FILE", awsFiles.resolve("credentials").toString());
    env.put("AWS_CONFIG_FILE", awsFiles.resolve("config").toString());
    env.remove("AWS_ACCESS_KEY_ID");
    env.put("ENVELOPE_AWS_REGION", "us-east-1");
    env.put("ENVELOPE_BLOB", "s3");
    env.put("ENVELOPE_S3_BUCKET", BUCKET);
    env.put("ENVELOPE_S3_PREFIX", "files/");
    env.put("ENVELOPE_S3_ENDPOINT", s3.endpoint().toString());
    env.put("ENVELOPE_S3_PATH_STYLE", "true");
    env.put("ENVELOPE_S3_PROFILE", "store");
    env.put("ENVELOPE_KEYS", "aws-kms");
    env.put("ENVELOPE_KMS_ENDPOINT", kms.endpoint().toString());
    env.put("ENVELOPE_KMS_PROFILE", "keys");
    env.put("ENVELOPE_ROOT_KEY", ROOT_ALIAS);
    if (metadata == Metadata.DYNAMODB) {
      env.put("ENVELOPE_METADATA", "dynamodb");
      env.put("ENVELOPE_DYNAMODB_TABLE", TABLE);
      env.put("ENVELOPE_DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
      env.put("ENVELOPE_DYNAMODB_PROFILE", "dynamo");
    } else {
      env.put("ENVELOPE_METADATA", "postgres");
      env.put("ENVELOPE_POSTGRES_URL", postgres.jdbcUrl(database));
      env.put("ENVELOPE_POSTGRES_USER", postgres.user());
      env.put("ENVELOPE_POSTGRES_PASSWORD", postgres.password());
    }
    return env;
  }

  /**
   * The backends' settings as a settings file, the way an operator writes one ({@code key = value}, each setting
   * of {@link #env()} under its name), with the PostgreSQL password in an owner-only file beside it. The AWS
   * credentials files stay where {@link #env()} names them ({@code AWS_SHARED_CREDENTIALS_FILE}).
   */
  Path writeSettings(Path file) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(env()).entrySet()) {
      if (!e.getKey().startsWith("ENVELOPE_")) {
        continue;
      }
      String key = e.getKey().substring("ENVELOPE_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      if (key.equals("postgres-password")) {
        Path secret = file.resolveSibling(file.getFileName() + ".postgres-password");
        Files.deleteIfExists(secret);
        Files.createFile(secret, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secret, e.getValue(), StandardCharsets.UTF_8);
        lines.append("postgres-password-file = ").append(secret).append('\n');
      } else {
        lines.append(key).append(" = ").append(e.getValue()).append('\n');
      }
    }
    Files.writeString(file, lines, StandardCharsets.UTF_8);
    return file;
  }

  /** The AWS SDK's variables a process on these backends needs: where its credentials and config files are. */
  Map<String, String> awsEnv() {
    Map<String, String> aws = new HashMap<>();
    env().forEach((k, v) -> {
      if (k.startsWith("AWS_")) {
        aws.put(k, v);
      }
    });
    return aws;
  }

  /** Where the metadata store keeps its rows on disk: dynalite's {@code --path}, or PostgreSQL's data directory. */
  Path rowFiles() {
    return dynamo != null ? dynamoDir : postgres.dataDir();
  }

  /** Makes committed rows reach the metadata store's files (a PostgreSQL checkpoint; dynalite writes at once). */
  void flushMetadata() {
    if (postgres != null) {
      postgres.checkpoint();
    }
  }

  /** The PostgreSQL database the nodes use (null on dynalite). */
  String postgresDatabase() {
    return database;
  }

  /** Stops the metadata store's server (dynalite or PostgreSQL). */
  void stopMetadata() throws Exception {
    if (dynamo != null) {
      dynamo.stop();
    } else {
      postgres.stop();
    }
  }

  void restartMetadata() throws Exception {
    if (dynamo != null) {
      dynamo.restart();
    } else {
      postgres.restart();
    }
  }

  @Override
  public void close() throws IOException {
    for (AutoCloseable c : new AutoCloseable[] {postgres, dynamo, kms, s3}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // Best effort: each fixture also stops its server when the JVM exits.
        }
      }
    }
  }
}
