package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.awskms.KmsFixture;
import dev.envelope.core.testing.FileModes;
import dev.envelope.s3.S3ProxyFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope serve} with the root keys in AWS KMS (Envelope's own key server) and something else local, on a
 * home that does not exist yet: the home is made (0700) for whatever local store needs it, as it is when the keys
 * are local too. The shaded jar as a process, against the key server and S3Proxy over real connections.
 */
class FreshHomeIT {
  @TempDir
  Path dir;

  @Test
  void awsKmsWithSqliteMetadata_andS3Blobs_makesTheHomeForTheDatabase() throws Exception {
    try (KmsFixture kms = KmsFixture.start(); S3ProxyFixture s3 = S3ProxyFixture.start(dir.resolve("s3"))) {
      s3.createBucket("envelope");
      Map<String, String> env = awsKms(kms, s3);
      env.put("ENVELOPE_BLOB", "s3");
      env.put("ENVELOPE_S3_BUCKET", "envelope");
      env.put("ENVELOPE_S3_ENDPOINT", s3.endpoint().toString());
      env.put("ENVELOPE_S3_PATH_STYLE", "true");
      env.put("ENVELOPE_S3_PROFILE", "store");
      Path home = dir.resolve("fresh/home");

      serveOnce(home, env);

      assertEquals("rwx------", FileModes.of(home));
      assertEquals("rwx------", FileModes.of(home.getParent()));
      assertEquals("rw-------", FileModes.of(home.resolve("envelope.db")));
      assertFalse(Files.exists(home.resolve("blobs")), "no blob directory: the blobs are in S3");
    }
  }

  @Test
  void awsKmsWithDirectoryBlobs_makesTheHomeForTheBlobs() throws Exception {
    try (KmsFixture kms = KmsFixture.start(); S3ProxyFixture s3 = S3ProxyFixture.start(dir.resolve("s3"))) {
      Map<String, String> env = awsKms(kms, s3);
      env.put("ENVELOPE_BLOB", "fs");
      Path home = dir.resolve("fresh/home");

      serveOnce(home, env);

      assertEquals("rwx------", FileModes.of(home));
      assertEquals("rwx------", FileModes.of(home.resolve("blobs")));
      assertFalse(Files.exists(home.resolve(dev.envelope.keyring.LocalKeyring.FILE_NAME)) || Files.exists(home.resolve("master.key")),
          "no local keyring: the keys are in KMS");
    }
  }

  /** The settings of keys = aws-kms on the key server, with profiles for its credentials and S3Proxy's. */
  private Map<String, String> awsKms(KmsFixture kms, S3ProxyFixture s3) throws Exception {
    kms.createAlias("alias/files", kms.createKey());
    Path credentials = Files.writeString(dir.resolve("aws-credentials"), "[keys]\n"
        + "aws_access_key_id = " + kms.accessKeyId() + "\naws_secret_access_key = " + kms.secretKey() + "\n"
        + "[store]\naws_access_key_id = " + s3.accessKey() + "\naws_secret_access_key = " + s3.secretKey() + "\n");
    Map<String, String> env = new HashMap<>();
    env.put("AWS_SHARED_CREDENTIALS_FILE", credentials.toString());
    env.put("AWS_CONFIG_FILE", dir.resolve("aws-config-none").toString());
    env.put("ENVELOPE_AWS_REGION", kms.region());
    env.put("ENVELOPE_KEYS", "aws-kms");
    env.put("ENVELOPE_KMS_ENDPOINT", kms.endpoint().toString());
    env.put("ENVELOPE_KMS_PROFILE", "keys");
    env.put("ENVELOPE_ROOT_KEY", "alias/files");
    return env;
  }

  private void serveOnce(Path home, Map<String, String> env) throws Exception {
    assertFalse(Files.exists(home.getParent()));
    ServeProcess server = ServeProcess.start(home, "unused-by-aws-kms", dir, List.of("-Xmx128m"), env);
    try {
      assertTrue(server.firstToken().isPresent(), "a first start: " + server.stdout());
    } finally {
      server.process().destroy();
      assertTrue(server.process().waitFor(60, TimeUnit.SECONDS));
    }
  }
}
