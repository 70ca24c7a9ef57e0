package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 API on a cluster: two {@code envelope serve --s3-port} processes on shared backends (S3Proxy, the key server,
 * and dynalite or PostgreSQL by subclass). Credentials made once, by the command, are known to both nodes; what one
 * node stores the other serves; a multipart upload's parts go to both nodes and it completes on either; a revoked
 * credential is refused by both from the next request on.
 */
abstract class S3ClusterIT extends ClusterBase {
  @Test
  void credentialsObjectsAndMultipartUploadsSpanTheNodes() throws Exception {
    int portA = freePort();
    int portB = freePort();
    a = node("a", "--s3-port", String.valueOf(portA));
    rememberToken(a);
    b = node("b", "--s3-port", String.valueOf(portB));
    Process made = envelope(backends.env(), "s3", "credentials", "create", "--tenant", "default", "--name", "cluster");
    String out = new String(made.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(made.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(made.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, made.exitValue(), out + err);
    String id = out.lines().filter(l -> l.startsWith("access key id:")).findFirst().orElseThrow()
        .substring("access key id:".length()).strip();
    String secret = out.lines().filter(l -> l.startsWith("secret access key:")).findFirst().orElseThrow()
        .substring("secret access key:".length()).strip();
    try (S3Client onA = client(portA, id, secret); S3Client onB = client(portB, id, secret)) {
      onA.createBucket(r -> r.bucket("cluster-bucket"));
      byte[] small = random(300_000, 1);
      onA.putObject(r -> r.bucket("cluster-bucket").key("small.bin"), RequestBody.fromBytes(small));
      assertArrayEquals(small, onB.getObjectAsBytes(r -> r.bucket("cluster-bucket").key("small.bin")).asByteArray());

      String upload = onB.createMultipartUpload(r -> r.bucket("cluster-bucket").key("big.bin")).uploadId();
      byte[] one = random(5 << 20, 2);
      byte[] two = random(1_000_000, 3);
      CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> onA.uploadPart(r -> r
          .bucket("cluster-bucket").key("big.bin").uploadId(upload).partNumber(1), RequestBody.fromBytes(one)).eTag());
      CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> onB.uploadPart(r -> r
          .bucket("cluster-bucket").key("big.bin").uploadId(upload).partNumber(2), RequestBody.fromBytes(two)).eTag());
      onA.completeMultipartUpload(r -> r.bucket("cluster-bucket").key("big.bin").uploadId(upload)
          .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(first.join()).build(),
              CompletedPart.builder().partNumber(2).eTag(second.join()).build())));
      byte[] whole = new byte[one.length + two.length];
      System.arraycopy(one, 0, whole, 0, one.length);
      System.arraycopy(two, 0, whole, one.length, two.length);
      assertArrayEquals(whole, onB.getObjectAsBytes(r -> r.bucket("cluster-bucket").key("big.bin")).asByteArray());
      assertArrayEquals(java.util.Arrays.copyOfRange(whole, one.length - 10, one.length + 10), onA.getObjectAsBytes(
          r -> r.bucket("cluster-bucket").key("big.bin").range("bytes=" + (one.length - 10) + "-"
              + (one.length + 9))).asByteArray());
      assertEquals(List.of("big.bin", "small.bin"), onB.listObjectsV2(r -> r.bucket("cluster-bucket")).contents()
          .stream().map(S3Object::key).toList());

      Process revoke = envelope(backends.env(), "s3", "credentials", "revoke", id);
      assertTrue(revoke.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, revoke.exitValue(), new String(revoke.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      for (S3Client node : List.of(onA, onB)) {
        S3Exception refused = assertThrows(S3Exception.class, node::listBuckets);
        assertEquals("InvalidAccessKeyId", refused.awsErrorDetails().errorCode());
      }
    }
  }

  static S3Client client(int port, String id, String secret) {
    return S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
        .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id,
            secret))).build();
  }

  static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
