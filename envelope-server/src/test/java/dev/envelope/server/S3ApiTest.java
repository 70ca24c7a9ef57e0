package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.service.Role;
import dev.envelope.service.S3Credentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 API as the AWS SDK for Java v2 sees it: its own S3Client, with its default checksums and signing, against
 * a real server on local stores. What a bad client can do (wrong secrets, tampered payloads, other tenants) is here
 * too.
 */
class S3ApiTest {
  static TestServer server;
  static S3Client s3;
  static S3Client other;
  static S3Client readOnly;
  static S3Credentials.Created creds;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.withS3();
    creds = server.s3Credentials().create("default", Role.WRITE, "test");
    s3 = client(creds.record().accessKeyId(), creds.secret());
    S3Credentials.Created acme = server.s3Credentials().create("acme", Role.WRITE, "acme");
    other = client(acme.record().accessKeyId(), acme.secret());
    S3Credentials.Created reader = server.s3Credentials().create("default", Role.READ, "reader");
    readOnly = client(reader.record().accessKeyId(), reader.secret());
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
    other.close();
    readOnly.close();
    server.close();
  }

  static S3Client client(String id, String secret) {
    return S3Client.builder().endpointOverride(URI.create(server.server.s3Url())).region(Region.US_EAST_1)
        .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id,
            secret))).build();
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String md5(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
  }

  @Test
  void bucketsBelongToOneTenant() {
    s3.createBucket(b -> b.bucket("mine-1"));
    assertTrue(s3.listBuckets().buckets().stream().anyMatch(b -> b.name().equals("mine-1")));
    s3.headBucket(b -> b.bucket("mine-1"));
    S3Exception again = assertThrows(S3Exception.class, () -> s3.createBucket(b -> b.bucket("mine-1")));
    assertEquals("BucketAlreadyOwnedByYou", again.awsErrorDetails().errorCode());
    S3Exception taken = assertThrows(S3Exception.class, () -> other.createBucket(b -> b.bucket("mine-1")));
    assertEquals("BucketAlreadyExists", taken.awsErrorDetails().errorCode());
    S3Exception denied = assertThrows(S3Exception.class, () -> other.listObjectsV2(b -> b.bucket("mine-1")));
    assertEquals("AccessDenied", denied.awsErrorDetails().errorCode());
    assertEquals(403, assertThrows(S3Exception.class, () -> other.headBucket(b -> b.bucket("mine-1")))
        .statusCode());
    assertFalse(other.listBuckets().buckets().stream().anyMatch(b -> b.name().equals("mine-1")));
    S3Exception bad = assertThrows(S3Exception.class, () -> s3.createBucket(b -> b.bucket("xn--bad-name")));
    assertEquals("InvalidBucketName", bad.awsErrorDetails().errorCode());
    assertThrows(NoSuchBucketException.class, () -> s3.listObjectsV2(b -> b.bucket("no-such-bucket")));
    s3.putObject(b -> b.bucket("mine-1").key("k"), RequestBody.fromString("x"));
    S3Exception notEmpty = assertThrows(S3Exception.class, () -> s3.deleteBucket(b -> b.bucket("mine-1")));
    assertEquals("BucketNotEmpty", notEmpty.awsErrorDetails().errorCode());
    s3.deleteObject(b -> b.bucket("mine-1").key("k"));
    s3.deleteBucket(b -> b.bucket("mine-1"));
    assertEquals(404, assertThrows(S3Exception.class, () -> s3.headBucket(b -> b.bucket("mine-1"))).statusCode());
  }

  @Test
  void putGetHeadRangeAndMetadata() throws Exception {
    s3.createBucket(b -> b.bucket("objects"));
    byte[] data = random(300_000, 1);
    var put = s3.putObject(b -> b.bucket("objects").key("dir/data.bin").contentType("application/x-test")
        .metadata(Map.of("owner", "ana", "note", "a b=c&d")), RequestBody.fromBytes(data));
    assertEquals("\"" + md5(data) + "\"", put.eTag());
    assertEquals("aws:kms", put.serverSideEncryptionAsString());
    ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket("objects").key("dir/data.bin"));
    assertArrayEquals(data, got.asByteArray());
    assertEquals("application/x-test", got.response().contentType());
    assertEquals(Map.of("owner", "ana", "note", "a b=c&d"), got.response().metadata());
    assertEquals("\"" + md5(data) + "\"", got.response().eTag());
    HeadObjectResponse head = s3.headObject(b -> b.bucket("objects").key("dir/data.bin"));
    assertEquals(data.length, head.contentLength());
    assertTrue(head.ssekmsKeyId() != null && !head.ssekmsKeyId().isEmpty());
    byte[] range = s3.getObjectAsBytes(b -> b.bucket("objects").key("dir/data.bin").range("bytes=4000-204799"))
        .asByteArray();
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 4000, 204800), range);
    byte[] suffix = s3.getObjectAsBytes(b -> b.bucket("objects").key("dir/data.bin").range("bytes=-10"))
        .asByteArray();
    assertArrayEquals(java.util.Arrays.copyOfRange(data, data.length - 10, data.length), suffix);
    S3Exception outside = assertThrows(S3Exception.class, () -> s3.getObjectAsBytes(b -> b.bucket("objects")
        .key("dir/data.bin").range("bytes=400000-400001")));
    assertEquals("InvalidRange", outside.awsErrorDetails().errorCode());
    String etag = "\"" + md5(data) + "\"";
    assertEquals(304, assertThrows(S3Exception.class, () -> s3.getObjectAsBytes(b -> b.bucket("objects")
        .key("dir/data.bin").ifNoneMatch(etag))).statusCode());
    assertEquals(412, assertThrows(S3Exception.class, () -> s3.getObjectAsBytes(b -> b.bucket("objects")
        .key("dir/data.bin").ifMatch("\"0123\""))).statusCode());
    var overridden = s3.getObjectAsBytes(b -> b.bucket("objects").key("dir/data.bin")
        .responseContentType("text/plain").responseContentDisposition("attachment; filename=x.bin"));
    assertEquals("text/plain", overridden.response().contentType());
    assertEquals("attachment; filename=x.bin", overridden.response().contentDisposition());
    assertThrows(NoSuchKeyException.class, () -> s3.getObjectAsBytes(b -> b.bucket("objects").key("nope")));
    // An empty object, and a key of odd characters.
    for (String key : List.of("empty", "a//b", "../up", "sp ace+plus&amp;", "pct%2Fslash", "é😀", "trailing/")) {
      try {
        s3.putObject(b -> b.bucket("objects").key(key), RequestBody.fromString(key.equals("empty") ? "" : key));
      } catch (S3Exception e) {
        throw new AssertionError("key " + key, e);
      }
      assertEquals(key.equals("empty") ? "" : key, s3.getObjectAsBytes(b -> b.bucket("objects").key(key))
          .asUtf8String(), key);
    }
  }

  @Test
  void overwriteReplacesAndFreesTheOldFile() throws Exception {
    s3.createBucket(b -> b.bucket("overwrite"));
    int before = server.fileCount();
    s3.putObject(b -> b.bucket("overwrite").key("k"), RequestBody.fromString("one"));
    s3.putObject(b -> b.bucket("overwrite").key("k"), RequestBody.fromString("two"));
    assertEquals("two", s3.getObjectAsBytes(b -> b.bucket("overwrite").key("k")).asUtf8String());
    assertEquals(before + 1, server.fileCount());
  }

  @Test
  void listingsPageWithPrefixesAndDelimiters() {
    s3.createBucket(b -> b.bucket("listing"));
    List<String> keys = List.of("a/1", "a/2", "b/1", "c", "d", "e/f/g");
    for (String key : keys) {
      s3.putObject(b -> b.bucket("listing").key(key), RequestBody.fromString(key));
    }
    List<String> seen = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      String t = token;
      ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket("listing").maxKeys(2).continuationToken(t));
      page.contents().forEach(o -> seen.add(o.key()));
      token = page.nextContinuationToken();
      pages++;
    } while (token != null);
    assertEquals(keys, seen);
    assertEquals(3, pages);
    ListObjectsV2Response top = s3.listObjectsV2(b -> b.bucket("listing").delimiter("/"));
    assertEquals(List.of("c", "d"), top.contents().stream().map(S3Object::key).toList());
    assertEquals(List.of("a/", "b/", "e/"), top.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    ListObjectsV2Response small = s3.listObjectsV2(b -> b.bucket("listing").delimiter("/").maxKeys(2));
    assertEquals(List.of("a/", "b/"), small.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    assertTrue(small.isTruncated());
    ListObjectsV2Response rest = s3.listObjectsV2(b -> b.bucket("listing").delimiter("/")
        .continuationToken(small.nextContinuationToken()));
    assertEquals(List.of("c", "d"), rest.contents().stream().map(S3Object::key).toList());
    assertEquals(List.of("e/"), rest.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    assertEquals(List.of("a/1", "a/2"), s3.listObjectsV2(b -> b.bucket("listing").prefix("a/")).contents().stream()
        .map(S3Object::key).toList());
    assertEquals(List.of("c", "d", "e/f/g"), s3.listObjectsV2(b -> b.bucket("listing").startAfter("b/1"))
        .contents().stream().map(S3Object::key).toList());
    var v1 = s3.listObjects(b -> b.bucket("listing").marker("c").maxKeys(1));
    assertEquals(List.of("d"), v1.contents().stream().map(S3Object::key).toList());
    assertTrue(v1.isTruncated());
  }

  @Test
  void copyReencryptsAndKeepsOrReplacesMetadata() throws Exception {
    s3.createBucket(b -> b.bucket("copies"));
    byte[] data = random(50_000, 2);
    s3.putObject(b -> b.bucket("copies").key("src").metadata(Map.of("m", "1")).contentType("text/x-a"),
        RequestBody.fromBytes(data));
    CopyObjectResponse copied = s3.copyObject(b -> b.sourceBucket("copies").sourceKey("src")
        .destinationBucket("copies").destinationKey("dst"));
    assertEquals("\"" + md5(data) + "\"", copied.copyObjectResult().eTag());
    var dst = s3.getObjectAsBytes(b -> b.bucket("copies").key("dst"));
    assertArrayEquals(data, dst.asByteArray());
    assertEquals(Map.of("m", "1"), dst.response().metadata());
    s3.copyObject(b -> b.sourceBucket("copies").sourceKey("src").destinationBucket("copies").destinationKey("dst2")
        .metadataDirective(MetadataDirective.REPLACE).metadata(Map.of("n", "2")).contentType("text/x-b"));
    var dst2 = s3.headObject(b -> b.bucket("copies").key("dst2"));
    assertEquals(Map.of("n", "2"), dst2.metadata());
    assertEquals("text/x-b", dst2.contentType());
    S3Exception self = assertThrows(S3Exception.class, () -> s3.copyObject(b -> b.sourceBucket("copies")
        .sourceKey("src").destinationBucket("copies").destinationKey("src")));
    assertEquals("InvalidRequest", self.awsErrorDetails().errorCode());
    // Each copy is its own file, under its own data key: its blob differs from the source's.
    assertNotEquals(server.fileCount(), 0);
  }

  @Test
  void deleteObjectsAndReadOnlyCredentials() {
    s3.createBucket(b -> b.bucket("deletes"));
    for (String key : List.of("x", "y", "z")) {
      s3.putObject(b -> b.bucket("deletes").key(key), RequestBody.fromString(key));
    }
    S3Exception denied = assertThrows(S3Exception.class, () -> readOnly.putObject(b -> b.bucket("deletes")
        .key("w"), RequestBody.fromString("w")));
    assertEquals("AccessDenied", denied.awsErrorDetails().errorCode());
    assertEquals("x", readOnly.getObjectAsBytes(b -> b.bucket("deletes").key("x")).asUtf8String());
    DeleteObjectsResponse deleted = s3.deleteObjects(b -> b.bucket("deletes").delete(Delete.builder().objects(
        ObjectIdentifier.builder().key("x").build(), ObjectIdentifier.builder().key("y").build(),
        ObjectIdentifier.builder().key("never-was").build()).build()));
    assertEquals(3, deleted.deleted().size());
    assertEquals(List.of("z"), s3.listObjectsV2(b -> b.bucket("deletes")).contents().stream().map(S3Object::key)
        .toList());
    s3.deleteObject(b -> b.bucket("deletes").key("never-was")); // 204, as S3
  }

  @Test
  void presignedGetAndPutAndExpiry() throws Exception {
    s3.createBucket(b -> b.bucket("presigned"));
    s3.putObject(b -> b.bucket("presigned").key("p"), RequestBody.fromString("presigned body"));
    try (S3Presigner presigner = S3Presigner.builder().endpointOverride(URI.create(server.server.s3Url()))
        .region(Region.US_EAST_1).serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
            .pathStyleAccessEnabled(true).build())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            creds.record().accessKeyId(), creds.secret()))).build()) {
      URI get = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(g -> g.bucket("presigned").key("p"))).url().toURI();
      assertEquals("presigned body", server.send(HttpRequest.newBuilder(get).build()).body());
      URI put = presigner.presignPutObject(p -> p.signatureDuration(Duration.ofMinutes(5))
          .putObjectRequest(g -> g.bucket("presigned").key("q"))).url().toURI();
      HttpResponse<String> putAnswer = server.send(HttpRequest.newBuilder(put)
          .PUT(HttpRequest.BodyPublishers.ofString("put by url")).build());
      assertEquals(200, putAnswer.statusCode(), putAnswer.body());
      assertEquals("put by url", s3.getObjectAsBytes(b -> b.bucket("presigned").key("q")).asUtf8String());
      // An x-amz-* header the signature does not cover (here: turning the presigned PUT into a copy) is refused.
      HttpResponse<String> injected = server.send(HttpRequest.newBuilder(put).header("x-amz-copy-source",
          "/presigned/p").PUT(HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(403, injected.statusCode(), injected.body());
      assertTrue(injected.body().contains("not signed"), injected.body());
      assertEquals("put by url", s3.getObjectAsBytes(b -> b.bucket("presigned").key("q")).asUtf8String());
      // Tampered: another key under the same signature.
      HttpResponse<String> moved = server.send(HttpRequest.newBuilder(URI.create(get.toString()
          .replace("/presigned/p?", "/presigned/q?"))).build());
      assertEquals(403, moved.statusCode());
      assertTrue(moved.body().contains("<Code>SignatureDoesNotMatch</Code>"), moved.body());
      URI shortLived = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofSeconds(1))
          .getObjectRequest(g -> g.bucket("presigned").key("p"))).url().toURI();
      Thread.sleep(2100);
      HttpResponse<String> expired = server.send(HttpRequest.newBuilder(shortLived).build());
      assertEquals(403, expired.statusCode());
      assertTrue(expired.body().contains("<Code>AccessDenied</Code>") && expired.body().contains("expired"),
          expired.body());
    }
  }

  @Test
  void wrongSecretsUnknownAndRevokedKeysAreRefused() throws Exception {
    try (S3Client wrong = client(creds.record().accessKeyId(), creds.secret().substring(1) + "A")) {
      S3Exception e = assertThrows(S3Exception.class, wrong::listBuckets);
      assertEquals("SignatureDoesNotMatch", e.awsErrorDetails().errorCode());
      assertFalse(e.awsErrorDetails().errorMessage().contains(creds.secret()));
    }
    try (S3Client unknown = client("EKAAAAAAAAAAAAAAAAAA", creds.secret())) {
      assertEquals("InvalidAccessKeyId", assertThrows(S3Exception.class, unknown::listBuckets)
          .awsErrorDetails().errorCode());
    }
    S3Credentials.Created doomed = server.s3Credentials().create("default", Role.WRITE, "doomed");
    try (S3Client c = client(doomed.record().accessKeyId(), doomed.secret())) {
      c.listBuckets();
      server.s3Credentials().revoke(null, doomed.record().accessKeyId());
      assertEquals("InvalidAccessKeyId", assertThrows(S3Exception.class, c::listBuckets)
          .awsErrorDetails().errorCode());
    }
    HttpResponse<String> anonymous = server.send(HttpRequest.newBuilder(URI.create(server.server.s3Url() + "/"))
        .build());
    assertEquals(403, anonymous.statusCode());
    assertTrue(anonymous.body().startsWith("<?xml") && anonymous.body().contains("<Code>AccessDenied</Code>"));
    assertTrue(anonymous.headers().firstValue("x-amz-request-id").isPresent());
  }

  @Test
  void aBadDigestStoresNothing() throws Exception {
    s3.createBucket(b -> b.bucket("digests"));
    int files = server.fileCount();
    int blobs = server.blobCount();
    S3Exception md5 = assertThrows(S3Exception.class, () -> s3.putObject(b -> b.bucket("digests").key("k")
        .contentMD5("1B2M2Y8AsgTpgAmY7PhCfg=="), RequestBody.fromString("not empty")));
    assertEquals("BadDigest", md5.awsErrorDetails().errorCode());
    assertEquals(files, server.fileCount());
    assertEquals(blobs, server.blobCount());
    assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket("digests").key("k")));
  }

  @Test
  void aTamperedBlobIsNeverServedWhole() throws Exception {
    s3.createBucket(b -> b.bucket("tamper"));
    byte[] data = random(100_000, 3);
    s3.putObject(b -> b.bucket("tamper").key("t"), RequestBody.fromBytes(data));
    String fileId = server.stores.metadata().findObject("tamper", "t").orElseThrow().fileId();
    Path blob;
    try (Stream<Path> all = Files.walk(server.home.resolve(dev.envelope.service.local.LocalStores.BLOBS))) {
      blob = all.filter(p -> p.getFileName().toString().equals(fileId)).findFirst().orElseThrow();
    }
    byte[] ciphertext = Files.readAllBytes(blob);
    ciphertext[ciphertext.length / 2] ^= 1;
    Files.write(blob, ciphertext);
    int[] read = {-1};
    assertThrows(Exception.class, () -> {
      try (InputStream in = s3.getObject(b -> b.bucket("tamper").key("t"))) {
        read[0] = in.readAllBytes().length;
      }
    });
    assertEquals(-1, read[0], "a tampered object was read to a clean end");
  }

  @Test
  void objectsAreFilesOfTheV1Api() throws Exception {
    s3.createBucket(b -> b.bucket("v1view"));
    s3.putObject(b -> b.bucket("v1view").key("docs/report.txt"), RequestBody.fromString("report"));
    String fileId = server.stores.metadata().findObject("v1view", "docs/report.txt").orElseThrow().fileId();
    HttpResponse<String> meta = server.send(server.request("/v1/files/" + fileId + "/metadata", server.reader)
        .build());
    assertTrue(meta.body().contains("\"name\":\"docs/report.txt\""), meta.body());
    assertEquals("report", server.send(server.request("/v1/files/" + fileId, server.reader).build()).body());
    HttpResponse<String> rename = server.send(server.request("/v1/files/" + fileId, server.writer)
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\":\"other.txt\"}")).build());
    assertEquals(409, rename.statusCode(), rename.body());
    assertEquals(204, server.send(server.request("/v1/files/" + fileId, server.writer).DELETE().build())
        .statusCode());
    assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket("v1view").key("docs/report.txt")));
    assertEquals(0, s3.listObjectsV2(b -> b.bucket("v1view")).keyCount());
  }

  static final int MIB = 1 << 20;

  @Test
  void multipartInParallelPartsOutOfOrderReadsAcrossParts() throws Exception {
    s3.createBucket(b -> b.bucket("multi"));
    byte[] data = random(64 * MIB + 12345, 7);
    int partSize = 8 * MIB;
    int count = (data.length + partSize - 1) / partSize;
    String uploadId = s3.createMultipartUpload(b -> b.bucket("multi").key("big.bin").contentType("application/x-big")
        .metadata(Map.of("kind", "big"))).uploadId();
    assertTrue(s3.listMultipartUploads(b -> b.bucket("multi")).uploads().stream()
        .anyMatch(u -> u.uploadId().equals(uploadId)));
    String[] etags = new String[count];
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
      for (int i = count - 1; i >= 0; i--) { // last part first: out of order
        int n = i;
        futures.add(pool.submit(() -> {
          byte[] part = java.util.Arrays.copyOfRange(data, n * partSize, Math.min(data.length, (n + 1) * partSize));
          etags[n] = s3.uploadPart(b -> b.bucket("multi").key("big.bin").uploadId(uploadId).partNumber(n + 1),
              RequestBody.fromBytes(part)).eTag();
          return null;
        }));
      }
      for (var f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertEquals(count, s3.listParts(b -> b.bucket("multi").key("big.bin").uploadId(uploadId)).parts().size());
    List<software.amazon.awssdk.services.s3.model.CompletedPart> done = new ArrayList<>();
    MessageDigest md5s = MessageDigest.getInstance("MD5");
    for (int i = 0; i < count; i++) {
      int n = i;
      done.add(software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(n + 1).eTag(etags[n])
          .build());
      md5s.update(MessageDigest.getInstance("MD5").digest(java.util.Arrays.copyOfRange(data, n * partSize,
          Math.min(data.length, (n + 1) * partSize))));
    }
    var completed = s3.completeMultipartUpload(b -> b.bucket("multi").key("big.bin").uploadId(uploadId)
        .multipartUpload(m -> m.parts(done)));
    assertEquals("\"" + HexFormat.of().formatHex(md5s.digest()) + "-" + count + "\"", completed.eTag());
    ResponseBytes<GetObjectResponse> whole = s3.getObjectAsBytes(b -> b.bucket("multi").key("big.bin"));
    assertArrayEquals(data, whole.asByteArray());
    assertEquals("application/x-big", whole.response().contentType());
    assertEquals(Map.of("kind", "big"), whole.response().metadata());
    long from = partSize - 100;
    long to = 3L * partSize + 99; // across three part boundaries
    byte[] range = s3.getObjectAsBytes(b -> b.bucket("multi").key("big.bin").range("bytes=" + from + "-" + to))
        .asByteArray();
    assertArrayEquals(java.util.Arrays.copyOfRange(data, (int) from, (int) to + 1), range);
    assertEquals(data.length, s3.headObject(b -> b.bucket("multi").key("big.bin")).contentLength());
    assertTrue(s3.listMultipartUploads(b -> b.bucket("multi")).uploads().isEmpty());
    assertEquals("NoSuchUpload", assertThrows(S3Exception.class, () -> s3.uploadPart(b -> b.bucket("multi")
        .key("big.bin").uploadId(uploadId).partNumber(1), RequestBody.fromString("late"))).awsErrorDetails()
        .errorCode());
    // The /v1 API reads the same object, whole.
    String fileId = server.stores.metadata().findObject("multi", "big.bin").orElseThrow().fileId();
    assertArrayEquals(data, server.sendBytes(server.request("/v1/files/" + fileId, server.reader).build()).body());
    // Deleting it removes every part's blob.
    int blobs = server.blobCount();
    s3.deleteObject(b -> b.bucket("multi").key("big.bin"));
    assertEquals(blobs - count, server.blobCount());
  }

  @Test
  void multipartRefusesWhatS3Refuses() throws Exception {
    s3.createBucket(b -> b.bucket("multi-bad"));
    String uploadId = s3.createMultipartUpload(b -> b.bucket("multi-bad").key("k")).uploadId();
    String small = s3.uploadPart(b -> b.bucket("multi-bad").key("k").uploadId(uploadId).partNumber(1),
        RequestBody.fromString("too small to be first")).eTag();
    String last = s3.uploadPart(b -> b.bucket("multi-bad").key("k").uploadId(uploadId).partNumber(2),
        RequestBody.fromString("last")).eTag();
    var p1 = software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(small).build();
    var p2 = software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(2).eTag(last).build();
    var wrong = software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(2)
        .eTag("\"00000000000000000000000000000000\"").build();
    assertEquals("EntityTooSmall", assertThrows(S3Exception.class, () -> s3.completeMultipartUpload(b -> b
        .bucket("multi-bad").key("k").uploadId(uploadId).multipartUpload(m -> m.parts(p1, p2))))
        .awsErrorDetails().errorCode());
    assertEquals("InvalidPart", assertThrows(S3Exception.class, () -> s3.completeMultipartUpload(b -> b
        .bucket("multi-bad").key("k").uploadId(uploadId).multipartUpload(m -> m.parts(wrong))))
        .awsErrorDetails().errorCode());
    assertEquals("InvalidPartOrder", assertThrows(S3Exception.class, () -> s3.completeMultipartUpload(b -> b
        .bucket("multi-bad").key("k").uploadId(uploadId).multipartUpload(m -> m.parts(p2, p1))))
        .awsErrorDetails().errorCode());
    // After those refusals the upload is still there: one part alone completes.
    s3.completeMultipartUpload(b -> b.bucket("multi-bad").key("k").uploadId(uploadId)
        .multipartUpload(m -> m.parts(p2)));
    assertEquals("last", s3.getObjectAsBytes(b -> b.bucket("multi-bad").key("k")).asUtf8String());
    String other = s3.createMultipartUpload(b -> b.bucket("multi-bad").key("j")).uploadId();
    assertEquals("NoSuchUpload", assertThrows(S3Exception.class, () -> s3.uploadPart(b -> b.bucket("multi-bad")
        .key("not-j").uploadId(other).partNumber(1), RequestBody.fromString("x"))).awsErrorDetails().errorCode());
    assertEquals("AccessDenied", assertThrows(S3Exception.class, () -> other().abortMultipartUpload(b -> b
        .bucket("multi-bad").key("j").uploadId(other))).awsErrorDetails().errorCode());
    S3Exception notEmpty = assertThrows(S3Exception.class, () -> s3.deleteBucket(b -> b.bucket("multi-bad")));
    assertEquals("BucketNotEmpty", notEmpty.awsErrorDetails().errorCode());
    s3.abortMultipartUpload(b -> b.bucket("multi-bad").key("j").uploadId(other));
    assertEquals("NoSuchUpload", assertThrows(S3Exception.class, () -> s3.abortMultipartUpload(b -> b
        .bucket("multi-bad").key("j").uploadId(other))).awsErrorDetails().errorCode());
  }

  static S3Client other() {
    return other;
  }

  @Test
  void aSwappedOrTamperedPartIsNeverServedWhole() throws Exception {
    s3.createBucket(b -> b.bucket("multi-tamper"));
    byte[] one = random(5 * MIB, 11);
    byte[] two = random(5 * MIB, 12);
    String uploadId = s3.createMultipartUpload(b -> b.bucket("multi-tamper").key("t")).uploadId();
    String e1 = s3.uploadPart(b -> b.bucket("multi-tamper").key("t").uploadId(uploadId).partNumber(1),
        RequestBody.fromBytes(one)).eTag();
    String e2 = s3.uploadPart(b -> b.bucket("multi-tamper").key("t").uploadId(uploadId).partNumber(2),
        RequestBody.fromBytes(two)).eTag();
    s3.completeMultipartUpload(b -> b.bucket("multi-tamper").key("t").uploadId(uploadId).multipartUpload(m -> m
        .parts(software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(e1).build(),
            software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(2).eTag(e2).build())));
    Path b1 = blobPath(server.stores.metadata().findPart(uploadId, 1).orElseThrow().blobId());
    Path b2 = blobPath(server.stores.metadata().findPart(uploadId, 2).orElseThrow().blobId());
    byte[] c1 = Files.readAllBytes(b1);
    byte[] c2 = Files.readAllBytes(b2);
    // Swapped parts: the same key, the same lengths, but each is bound to its own part number.
    Files.write(b1, c2);
    Files.write(b2, c1);
    assertNotServedWhole("multi-tamper", "t");
    Files.write(b1, c1);
    Files.write(b2, c2);
    assertEquals(2 * 5 * MIB, s3.getObjectAsBytes(b -> b.bucket("multi-tamper").key("t")).asByteArray().length);
    c2[c2.length - 20] ^= 1;
    Files.write(b2, c2);
    assertNotServedWhole("multi-tamper", "t");
  }

  @Test
  void anOlderUploadOfAPartPutBackIsRefused() throws Exception {
    s3.createBucket(b -> b.bucket("rollback"));
    String uploadId = s3.createMultipartUpload(b -> b.bucket("rollback").key("r")).uploadId();
    s3.uploadPart(b -> b.bucket("rollback").key("r").uploadId(uploadId).partNumber(1),
        RequestBody.fromString("first version"));
    byte[] older = Files.readAllBytes(blobPath(server.stores.metadata().findPart(uploadId, 1).orElseThrow()
        .blobId()));
    String etag = s3.uploadPart(b -> b.bucket("rollback").key("r").uploadId(uploadId).partNumber(1),
        RequestBody.fromString("other version")).eTag(); // same length, so the blob's length check passes
    s3.completeMultipartUpload(b -> b.bucket("rollback").key("r").uploadId(uploadId).multipartUpload(m -> m.parts(
        software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(etag).build())));
    assertEquals("other version", s3.getObjectAsBytes(b -> b.bucket("rollback").key("r")).asUtf8String());
    Files.write(blobPath(server.stores.metadata().findPart(uploadId, 1).orElseThrow().blobId()), older);
    assertNotServedWhole("rollback", "r");
  }

  @Test
  void partsCountAgainstTheQuota() throws Exception {
    new dev.envelope.service.TenantAdmin(server.files, server.stores.tokens(), server.keyring)
        .setQuota(dev.envelope.service.Principal.localOperator(), "quota", 12L * MIB);
    S3Credentials.Created q = server.s3Credentials().create("quota", Role.WRITE, "quota");
    try (S3Client c = client(q.record().accessKeyId(), q.secret())) {
      c.createBucket(b -> b.bucket("quota-bucket"));
      String uploadId = c.createMultipartUpload(b -> b.bucket("quota-bucket").key("k")).uploadId();
      c.uploadPart(b -> b.bucket("quota-bucket").key("k").uploadId(uploadId).partNumber(1),
          RequestBody.fromBytes(random(6 * MIB, 21)));
      S3Exception over = assertThrows(S3Exception.class, () -> c.uploadPart(b -> b.bucket("quota-bucket").key("k")
          .uploadId(uploadId).partNumber(2), RequestBody.fromBytes(random(7 * MIB, 22))));
      assertEquals("QuotaExceeded", over.awsErrorDetails().errorCode());
      // A part uploaded again replaces the earlier one: it counts once.
      c.uploadPart(b -> b.bucket("quota-bucket").key("k").uploadId(uploadId).partNumber(1),
          RequestBody.fromBytes(random(11 * MIB, 23)));
      c.abortMultipartUpload(b -> b.bucket("quota-bucket").key("k").uploadId(uploadId));
    }
  }

  @Test
  void invalidUtf8InAKeyIsRefusedNotReplaced() throws Exception {
    s3.createBucket(b -> b.bucket("utf8"));
    String query = "";
    HttpResponse<String> bad = server.send(HttpRequest.newBuilder(URI.create(server.server.s3Url() + "/utf8/inv%FFkey"
        + query)).header("Authorization", "AWS4-HMAC-SHA256 Credential=x").build());
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("<Code>InvalidURI</Code>"), bad.body());
  }

  @Test
  void overwritingAnObjectUploadedInPartsDeletesItsParts() throws Exception {
    s3.createBucket(b -> b.bucket("multi-over"));
    int blobs = server.blobCount();
    String uploadId = s3.createMultipartUpload(b -> b.bucket("multi-over").key("k")).uploadId();
    String e1 = s3.uploadPart(b -> b.bucket("multi-over").key("k").uploadId(uploadId).partNumber(1),
        RequestBody.fromBytes(random(5 * MIB, 31))).eTag();
    String e2 = s3.uploadPart(b -> b.bucket("multi-over").key("k").uploadId(uploadId).partNumber(2),
        RequestBody.fromString("end")).eTag();
    s3.completeMultipartUpload(b -> b.bucket("multi-over").key("k").uploadId(uploadId).multipartUpload(m -> m.parts(
        software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(e1).build(),
        software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(2).eTag(e2).build())));
    assertEquals(blobs + 2, server.blobCount());
    s3.putObject(b -> b.bucket("multi-over").key("k"), RequestBody.fromString("one piece"));
    assertEquals(blobs + 1, server.blobCount(), "the parts went with the file they were");
    assertTrue(server.stores.metadata().findPart(uploadId, 1).isEmpty());
    assertEquals("one piece", s3.getObjectAsBytes(b -> b.bucket("multi-over").key("k")).asUtf8String());
  }

  static Path blobPath(String blobId) throws IOException {
    try (Stream<Path> all = Files.walk(server.home.resolve(dev.envelope.service.local.LocalStores.BLOBS))) {
      return all.filter(p -> p.getFileName().toString().equals(blobId)).findFirst().orElseThrow();
    }
  }

  static void assertNotServedWhole(String bucket, String key) {
    int[] read = {-1};
    assertThrows(Exception.class, () -> {
      try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key))) {
        read[0] = in.readAllBytes().length;
      }
    });
    assertEquals(-1, read[0], "a tampered object was read to a clean end");
  }

  @Test
  void incompleteUploadsExpireWithTheirParts() throws Exception {
    s3.createBucket(b -> b.bucket("expiring"));
    String uploadId = s3.createMultipartUpload(b -> b.bucket("expiring").key("k")).uploadId();
    s3.uploadPart(b -> b.bucket("expiring").key("k").uploadId(uploadId).partNumber(1), RequestBody.fromString("p"));
    int blobs = server.blobCount();
    dev.envelope.service.S3Objects objects = new dev.envelope.service.S3Objects(server.files, server.stores.metadata(),
        java.time.Clock.systemUTC());
    assertEquals(0, objects.expireUploads(Duration.ofHours(1)));
    assertTrue(objects.expireUploads(Duration.ZERO) >= 1);
    assertEquals(blobs - 1, server.blobCount());
    assertEquals("NoSuchUpload", assertThrows(S3Exception.class, () -> s3.uploadPart(b -> b.bucket("expiring")
        .key("k").uploadId(uploadId).partNumber(2), RequestBody.fromString("q"))).awsErrorDetails().errorCode());
    s3.deleteBucket(b -> b.bucket("expiring"));
  }

  @Test
  void virtualHostedStyleWithADomain() throws Exception {
    try (TestServer hosted = TestServer.withS3("s3.test");
        S3Client v = S3Client.builder().endpointOverride(URI.create("http://s3.test:" + hosted.server.s3Port()))
            .region(Region.US_EAST_1).forcePathStyle(false)
            .httpClientBuilder(software.amazon.awssdk.http.apache.ApacheHttpClient.builder().dnsResolver(host ->
                new java.net.InetAddress[] {java.net.InetAddress.getLoopbackAddress()}))
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                (hostedCreds = hosted.s3Credentials().create("default", Role.WRITE, "v")).record().accessKeyId(),
                hostedCreds.secret()))).build()) {
      v.createBucket(b -> b.bucket("hosted"));
      v.putObject(b -> b.bucket("hosted").key("dir/k"), RequestBody.fromString("virtual"));
      assertEquals("virtual", v.getObjectAsBytes(b -> b.bucket("hosted").key("dir/k")).asUtf8String());
      assertEquals(List.of("dir/k"), v.listObjectsV2(b -> b.bucket("hosted")).contents().stream()
          .map(S3Object::key).toList());
    }
  }

  static S3Credentials.Created hostedCreds;

  @Test
  void rawRequestsGetS3Errors() throws IOException, InterruptedException {
    HttpResponse<String> unsigned = server.send(HttpRequest.newBuilder(URI.create(server.server.s3Url()
        + "/any/key")).PUT(HttpRequest.BodyPublishers.ofString("x")).build());
    assertEquals(403, unsigned.statusCode());
    assertTrue(unsigned.body().contains("<Code>AccessDenied</Code>"), unsigned.body());
    HttpResponse<String> garbage = server.send(HttpRequest.newBuilder(URI.create(server.server.s3Url() + "/"))
        .header("Authorization", "AWS4-HMAC-SHA256 nonsense").build());
    assertEquals(400, garbage.statusCode());
    assertTrue(garbage.body().contains("<Code>AuthorizationHeaderMalformed</Code>"), garbage.body());
    assertFalse(garbage.body().contains("Exception"), garbage.body());
    assertEquals(StandardCharsets.UTF_8.name(), "UTF-8");
  }
}
