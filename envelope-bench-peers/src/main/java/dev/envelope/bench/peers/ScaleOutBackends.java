package dev.envelope.bench.peers;

import dev.envelope.awskms.KmsFixture;
import dev.envelope.dynamodb.DynaliteFixture;
import dev.envelope.s3.S3ProxyFixture;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The scale-out backends of one benchmarked node, each a real server on loopback: S3Proxy in this JVM over its
 * {@code filesystem} backend (objects as files under {@code dir/s3}, on whatever disk {@code dir} is on), the key
 * server in this JVM ({@link KmsFixture}: the AWS KMS API over a local keyring, with an audit log the KMS calls
 * are counted from), and dynalite as a Node.js process (data under {@code dir/dynamo}). The DynamoDB table is made
 * the operator's way, by {@code envelope admin init-dynamodb}.
 *
 * <p>{@link #env()} is what a node needs: the backend settings as {@code ENVELOPE_*} variables and an AWS
 * credentials file with one profile per service (S3Proxy's keys, the key server's access key, dummy keys for
 * dynalite), the way {@code SharedBackends} in envelope-cli's tests does it. The secrets are in that file only,
 * never on a command line or in this object's {@code toString}.
 */
final class ScaleOutBackends implements AutoCloseable {
  static final String BUCKET = "envelope-bench";
  static final String TABLE = "envelope";
  static final String ROOT_ALIAS = "alias/envelope-files";

  final S3ProxyFixture s3;
  final KmsFixture kms;
  final DynaliteFixture dynamo;
  private final Path awsFiles;
  private final long partSize;
  private final int parallelism;

  private ScaleOutBackends(S3ProxyFixture s3, KmsFixture kms, DynaliteFixture dynamo, Path awsFiles, long partSize,
      int parallelism) {
    this.s3 = s3;
    this.kms = kms;
    this.dynamo = dynamo;
    this.awsFiles = awsFiles;
    this.partSize = partSize;
    this.parallelism = parallelism;
  }

  /**
   * Starts the three stand-ins under {@code dir} and makes the bucket, the root key (under {@link #ROOT_ALIAS})
   * and the table (running {@code envelopeJar}); what was started is stopped again on failure.
   *
   * @param partSize the nodes' {@code s3-part-size} in bytes
   * @param parallelism the nodes' {@code s3-parallelism}
   */
  static ScaleOutBackends start(Path dir, Path envelopeJar, long partSize, int parallelism) throws Exception {
    S3ProxyFixture s3 = null;
    KmsFixture kms = null;
    DynaliteFixture dynamo = null;
    try {
      s3 = S3ProxyFixture.start(Files.createDirectories(dir.resolve("s3")));
      s3.createBucket(BUCKET);
      kms = KmsFixture.start();
      kms.createAlias(ROOT_ALIAS, kms.createKey());
      dynamo = DynaliteFixture.start(Files.createDirectories(dir.resolve("dynamo")));
      Path aws = Files.createDirectories(dir.resolve("aws"));
      Files.writeString(aws.resolve("credentials"), String.join("\n",
          "[store]", "aws_access_key_id = " + s3.accessKey(), "aws_secret_access_key = " + s3.secretKey(),
          "[keys]", "aws_access_key_id = " + kms.accessKeyId(), "aws_secret_access_key = " + kms.secretKey(),
          "[dynamo]", "aws_access_key_id = AKIDYNALITEANYKEY", "aws_secret_access_key = dynalite-checks-none",
          ""), StandardCharsets.UTF_8);
      Files.writeString(aws.resolve("config"), "", StandardCharsets.UTF_8);
      ScaleOutBackends backends = new ScaleOutBackends(s3, kms, dynamo, aws, partSize, parallelism);
      backends.initDynamoDb(envelopeJar, dir);
      return backends;
    } catch (Exception | Error e) {
      closeAll(e, dynamo, kms, s3);
      throw e;
    }
  }

  /** The environment of a node on these backends. */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_SHARED_CREDENTIALS_FILE", awsFiles.resolve("credentials").toString());
    env.put("AWS_CONFIG_FILE", awsFiles.resolve("config").toString());
    env.put("ENVELOPE_AWS_REGION", "us-east-1");
    env.put("ENVELOPE_BLOB", "s3");
    env.put("ENVELOPE_S3_BUCKET", BUCKET);
    env.put("ENVELOPE_S3_PREFIX", "files/");
    env.put("ENVELOPE_S3_ENDPOINT", s3.endpoint().toString());
    env.put("ENVELOPE_S3_PATH_STYLE", "true");
    env.put("ENVELOPE_S3_PROFILE", "store");
    env.put("ENVELOPE_S3_PART_SIZE", Long.toString(partSize));
    env.put("ENVELOPE_S3_PARALLELISM", Integer.toString(parallelism));
    env.put("ENVELOPE_KEYS", "aws-kms");
    env.put("ENVELOPE_KMS_ENDPOINT", kms.endpoint().toString());
    env.put("ENVELOPE_KMS_PROFILE", "keys");
    env.put("ENVELOPE_ROOT_KEY", ROOT_ALIAS);
    env.put("ENVELOPE_METADATA", "dynamodb");
    env.put("ENVELOPE_DYNAMODB_TABLE", TABLE);
    env.put("ENVELOPE_DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
    env.put("ENVELOPE_DYNAMODB_PROFILE", "dynamo");
    return env;
  }

  /** {@code envelope admin init-dynamodb}, as an operator runs it once before the first node starts. */
  private void initDynamoDb(Path envelopeJar, Path dir) throws IOException, InterruptedException {
    if (!Files.isRegularFile(envelopeJar)) {
      throw new IOException(envelopeJar + " is missing: build it with mvn -pl envelope-cli -am package");
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", envelopeJar.toAbsolutePath().toString(), "admin", "init-dynamodb"));
    Path output = dir.resolve("init-dynamodb.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().keySet().removeIf(k -> k.startsWith("ENVELOPE_"));
    builder.environment().putAll(env());
    Process process = builder.start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
      throw new IOException("envelope admin init-dynamodb did not finish within 120 s");
    }
    if (process.exitValue() != 0) {
      throw new IOException("envelope admin init-dynamodb exited with status " + process.exitValue() + ": "
          + Files.readString(output, StandardCharsets.UTF_8).strip());
    }
  }

  @Override
  public void close() {
    closeAll(null, dynamo, kms, s3);
  }

  private static void closeAll(Throwable failure, AutoCloseable... fixtures) {
    for (AutoCloseable c : fixtures) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        // Best effort: each fixture also stops its server when the JVM exits.
        if (failure != null) {
          failure.addSuppressed(e);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "ScaleOutBackends[" + s3 + ", " + kms + ", dynalite " + dynamo.endpoint() + "]";
  }
}
