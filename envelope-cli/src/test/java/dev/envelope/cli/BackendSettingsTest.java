package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend settings of {@code envelope serve}, wrong: each is one line naming the setting and its source,
 * with the stable exit status, before anything listens. (The process tests run the right ones.)
 */
class BackendSettingsTest {
  @TempDir
  Path home;

  private final String master = Keyrings.newMasterKeyBase64();

  private CliRunner.Result serve(String... args) {
    CliRunner runner = new CliRunner(home, master);
    runner.env.put("ENVELOPE_POSTGRES_PASSWORD", "pg-secret-never-printed");
    String[] all = new String[args.length + 3];
    all[0] = "serve";
    all[1] = "--port";
    all[2] = "0";
    System.arraycopy(args, 0, all, 3, args.length);
    return runner.run(all);
  }

  /** The error is the last line; a warning about mixing shared and local stores may come before it. */
  private static void assertInvalid(CliRunner.Result r, String message) {
    assertEquals(2, r.status, r.stderr);
    assertTrue(r.stderr.endsWith("\n"), r.stderr);
    assertEquals("envelope: error: " + message + " [invalid-argument]",
        r.stderr.lines().reduce((first, second) -> second).orElse(""));
    assertTrue(r.stderr.lines().count() == 1 || r.stderr.startsWith("envelope: warning: file rows are in a shared"),
        r.stderr);
  }

  @Test
  void aWrongChoice_isRefusedBeforeAnythingIsMade() {
    assertInvalid(serve("--metadata", "mysql"), "flag --metadata: 'mysql' is not sqlite, postgres or dynamodb");
    assertFalse(Files.exists(home.resolve("keyring")), "no keyring made for a server that cannot start");
  }

  @Test
  void unknownBackends_nameTheChoices() {
    assertInvalid(serve("--blob", "nfs"), "flag --blob: 'nfs' is not fs or s3");
    assertInvalid(serve("--metadata", "mysql"), "flag --metadata: 'mysql' is not sqlite, postgres or dynamodb");
    assertInvalid(serve("--keys", "vault"), "flag --keys: 'vault' is not local, pkcs11 or aws-kms");
    assertInvalid(serve("--blob", ""), "flag --blob: '' is not fs or s3");
  }

  @Test
  void s3WithoutABucket_saysWhereToGiveIt() {
    assertInvalid(serve("--blob", "s3"), "blob = s3 needs s3-bucket (flag --s3-bucket, ENVELOPE_S3_BUCKET or"
        + " 's3-bucket = ...' in the config file)");
  }

  @Test
  void s3SettingsOutOfRange_orHostile_areRefused() {
    assertInvalid(serve("--blob", "s3", "--s3-bucket", "b-1", "--s3-part-size", "1M"),
        "flag --s3-part-size: '1M' is not a size from 5242880 to 5368709120 bytes (K, M or G suffix)");
    assertInvalid(serve("--blob", "s3", "--s3-bucket", "b-1", "--s3-parallelism", "0"),
        "flag --s3-parallelism: '0' is not a whole number from 1 to 64");
    assertInvalid(serve("--blob", "s3", "--s3-bucket", "b-1", "--s3-max-upload-time", "500ms"),
        "flag --s3-max-upload-time: '500ms' is not a duration from 1s to 7d (such as 90s, 10m, 1h or 2d)");
    assertInvalid(serve("--blob", "s3", "--s3-bucket", "b-1", "--s3-max-upload-time", "8d"),
        "flag --s3-max-upload-time: '8d' is not a duration from 1s to 7d (such as 90s, 10m, 1h or 2d)");
    assertInvalid(serve("--blob", "s3", "--s3-bucket", "b-1", "--s3-path-style", "yes"),
        "flag --s3-path-style: 'yes' is not true or false");
    assertInvalid(serve("--blob", "s3", "--s3-bucket", "b-1", "--s3-endpoint", "file:///etc/passwd"),
        "flag --s3-endpoint: 'file:///etc/passwd' is not an http:// or https:// URL with a host (and without user"
            + " info, query or fragment)");
    CliRunner.Result withSecret = serve("--blob", "s3", "--s3-bucket", "b-1", "--s3-endpoint",
        "http://AKID:s3cr3t-in-url@host");
    assertInvalid(withSecret, "flag --s3-endpoint: the value is not an http:// or https:// URL with a host (and"
        + " without user info, query or fragment)");
    assertFalse(withSecret.stderr.contains("s3cr3t-in-url"), withSecret.stderr);
    assertInvalid(serve("--keys", "aws-kms", "--kms-endpoint", "http://127.0.0.1:1/?x=1"),
        "flag --kms-endpoint: 'http://127.0.0.1:1/?x=1' is not an http:// or https:// URL with a host (and"
            + " without user info, query or fragment)");
    assertInvalid(serve("--keys", "aws-kms", "--aws-region", "local"),
        "flag --aws-region: 'local' is not a region name such as eu-west-1");
    assertInvalid(serve("--blob", "s3", "--s3-bucket", "b-1", "--aws-region", "eu west 1"),
        "flag --aws-region: 'eu west 1' is not a region name such as eu-west-1");
    assertInvalid(serve("--blob", "s3", "--s3-bucket", "b-1", "--s3-profile", "x;rm -rf"),
        "flag --s3-profile: 'x;rm -rf' is not a profile name");
    CliRunner.Result badBucket = serve("--blob", "s3", "--s3-bucket", "Not_A_Bucket");
    assertEquals(2, badBucket.status, badBucket.stderr);
    assertTrue(badBucket.stderr.contains("envelope: error: blob = s3: "), badBucket.stderr);
  }

  @Test
  void postgres_needsAUrl_andAReadablePasswordFile() {
    assertInvalid(serve("--metadata", "postgres"), "metadata = postgres needs postgres-url (flag --postgres-url,"
        + " ENVELOPE_POSTGRES_URL or 'postgres-url = ...' in the config file)");
    assertInvalid(serve("--metadata", "postgres", "--postgres-url", "jdbc:postgresql://127.0.0.1:1/x",
        "--postgres-password-file", home.resolve("missing").toString()),
        "flag --postgres-password-file: cannot read " + home.resolve("missing") + " (NoSuchFileException)");
    assertInvalid(serve("--metadata", "postgres", "--postgres-url", "jdbc:postgresql://127.0.0.1:1/x",
        "--postgres-pool-size", "0"), "flag --postgres-pool-size: '0' is not a whole number from 1 to 1000");
    CliRunner.Result notJdbc = serve("--metadata", "postgres", "--postgres-url", "postgres://db/x");
    assertEquals(2, notJdbc.status, notJdbc.stderr);
    assertTrue(notJdbc.stderr.contains("envelope: error: metadata = postgres: "), notJdbc.stderr);
  }

  @Test
  void aPasswordFileOthersCouldRead_orNoRegularFile_isRefused_beforeItIsRead() throws Exception {
    Path shared = Files.writeString(home.resolve("pw-shared"), "pg-file-secret\n");
    Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    Path fifo = home.resolve("pw-fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).start().waitFor());

    for (Path file : new Path[] {shared, fifo}) {
      CliRunner.Result r = serve("--metadata", "postgres", "--postgres-url", "jdbc:postgresql://127.0.0.1:1/x",
          "--postgres-password-file", file.toString());
      assertEquals(19, r.status, r.stderr);
      assertTrue(r.stderr.contains("envelope: error: refusing to use the PostgreSQL password file " + file),
          r.stderr);
      assertFalse(r.stderr.contains("pg-file-secret"), r.stderr);
    }
  }

  @Test
  void postgresNotListening_isUnavailable_inOneLineWithoutThePassword() throws Exception {
    Files.writeString(home.resolve("pw"), "pg-file-secret\n");
    Files.setPosixFilePermissions(home.resolve("pw"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    CliRunner.Result r = serve("--metadata", "postgres", "--postgres-url", "jdbc:postgresql://127.0.0.1:1/envelope",
        "--postgres-password-file", home.resolve("pw").toString());

    assertEquals(18, r.status, r.stderr);
    assertTrue(r.stderr.contains("\nenvelope: error: ") && r.stderr.endsWith(" [unavailable]\n"), r.stderr);
    assertTrue(r.stderr.startsWith("envelope: warning: file rows are in a shared store (postgres) but ciphertext"
        + " is in this node's directory"), r.stderr);
    assertEquals(2, r.stderr.lines().count(), "the warning, then the error: " + r.stderr);
    assertFalse(r.stderr.contains("pg-file-secret") || r.stderr.contains("pg-secret-never-printed"), r.stderr);
  }

  @Test
  void aConfigFileWithBackendSettings_isReadLikeTheOthers() throws Exception {
    Path conf = Files.writeString(home.resolve("other.conf"), "blob = s3\nmetadata = sqlite\n");
    CliRunner.Result r = serve("--config", conf.toString());

    assertInvalid(r, "blob = s3 needs s3-bucket (flag --s3-bucket, ENVELOPE_S3_BUCKET or 's3-bucket = ...' in the"
        + " config file)");
  }

  @Test
  void tokensWithAConfigNamingAnUnknownStore_isOneLine() throws Exception {
    Path conf = Files.writeString(home.resolve("cluster.conf"), "metadata = cassandra\n");
    CliRunner.Result r = new CliRunner(home, null).run("tokens", "--config", conf.toString(), "list");

    assertInvalid(r, "config file " + conf + ", setting metadata: 'cassandra' is not sqlite, postgres or dynamodb");
    // After the subcommand too, as docs/SCALING-OUT.md writes it.
    CliRunner.Result after = new CliRunner(home, null).run("tokens", "create", "--tenant", "t", "--role", "read",
        "--config", conf.toString());
    assertInvalid(after, "config file " + conf + ", setting metadata: 'cassandra' is not sqlite, postgres or"
        + " dynamodb");
  }
}
