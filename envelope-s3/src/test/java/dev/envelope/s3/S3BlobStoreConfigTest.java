package dev.envelope.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

class S3BlobStoreConfigTest {
  @Test
  void defaults() {
    S3BlobStoreConfig config = S3BlobStoreConfig.builder("blobs").build();
    assertEquals("", config.prefix());
    assertEquals(8L << 20, config.partSize());
    assertEquals(4, config.parallelism());
    assertFalse(config.pathStyle());
    assertEquals(null, config.region());
    assertEquals(null, config.credentials());
    assertEquals(Duration.ofSeconds(3), config.connectTimeout());
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "my-bucket", "my.bucket.1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" , "0bucket"})
  void validBuckets_areAccepted(String bucket) {
    assertEquals(bucket, S3BlobStoreConfig.builder(bucket).build().bucket());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ab", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Bucket", "my_bucket", "-bucket", "bucket-", "my..bucket",
      "my.-bucket", "192.168.1.1", "xn--bucket", "sthree-x", "b-s3alias", "b--ol-s3", "a/b", "a b", "bück",
      "a\u0000b", "../x"})
  void invalidBuckets_areRefused(String bucket) {
    assertThrows(IllegalArgumentException.class, () -> S3BlobStoreConfig.builder(bucket).build());
  }

  @Test
  void nullBucket_isRefused() {
    assertThrows(NullPointerException.class, () -> S3BlobStoreConfig.builder(null).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"envelope/", "a", "tenant-1/blobs/", "x y~!", "a//b"})
  void validPrefixes_areAccepted(String prefix) {
    assertEquals(prefix, S3BlobStoreConfig.builder("blobs").prefix(prefix).build().prefix());
  }

  @Test
  void longestPrefix_isAccepted_andNullMeansNone() {
    assertEquals(512, S3BlobStoreConfig.builder("blobs").prefix("p".repeat(512)).build().prefix().length());
    assertEquals("", S3BlobStoreConfig.builder("blobs").prefix(null).build().prefix());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/envelope/", "/", "é/", "a\u0000b", "a\nb", "a\tb", "a\u007fb", "\u202e/"})
  void invalidPrefixes_areRefused(String prefix) {
    assertThrows(IllegalArgumentException.class, () -> S3BlobStoreConfig.builder("blobs").prefix(prefix).build());
  }

  @Test
  void tooLongPrefix_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> S3BlobStoreConfig.builder("blobs").prefix("p".repeat(513)).build());
  }

  @Test
  void partSize_mustBeWithinS3sLimits() {
    assertEquals(5L << 20, S3BlobStoreConfig.builder("b12").partSize(5L << 20).build().partSize());
    assertEquals(5L << 30, S3BlobStoreConfig.builder("b12").partSize(5L << 30).build().partSize());
    for (long bad : new long[] {(5L << 20) - 1, (5L << 30) + 1, 0, -1, Long.MAX_VALUE}) {
      assertThrows(IllegalArgumentException.class, () -> S3BlobStoreConfig.builder("b12").partSize(bad).build(),
          Long.toString(bad));
    }
  }

  @Test
  void parallelism_isOneTo64() {
    assertEquals(1, S3BlobStoreConfig.builder("b12").parallelism(1).build().parallelism());
    assertEquals(64, S3BlobStoreConfig.builder("b12").parallelism(64).build().parallelism());
    for (int bad : new int[] {0, -1, 65, Integer.MAX_VALUE}) {
      assertThrows(IllegalArgumentException.class, () -> S3BlobStoreConfig.builder("b12").parallelism(bad).build());
    }
  }

  @Test
  void maxUploadTime_isOneSecondToSevenDays_defaultTwelveHours() {
    assertEquals(Duration.ofHours(12), S3BlobStoreConfig.builder("b12").build().maxUploadTime());
    assertEquals(Duration.ofSeconds(1),
        S3BlobStoreConfig.builder("b12").maxUploadTime(Duration.ofSeconds(1)).build().maxUploadTime());
    assertEquals(Duration.ofDays(7),
        S3BlobStoreConfig.builder("b12").maxUploadTime(Duration.ofDays(7)).build().maxUploadTime());
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(999), Duration.ofSeconds(-1),
        Duration.ofDays(7).plusSeconds(1)}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> S3BlobStoreConfig.builder("b12").maxUploadTime(bad).build());
      assertEquals("maxUploadTime must be from 1 second to 7 days", e.getMessage());
    }
    assertThrows(NullPointerException.class, () -> S3BlobStoreConfig.builder("b12").maxUploadTime(null).build());
  }

  static Stream<UnaryOperator<S3BlobStoreConfig.Builder>> badTimeouts() {
    return Stream.of(b -> b.connectTimeout(Duration.ZERO), b -> b.readTimeout(Duration.ofSeconds(-1)),
        b -> b.requestTimeout(null), b -> b.transferTimeout(Duration.ofHours(2)));
  }

  @ParameterizedTest
  @MethodSource("badTimeouts")
  void badTimeouts_areRefused(UnaryOperator<S3BlobStoreConfig.Builder> change) {
    assertThrows(RuntimeException.class, () -> change.apply(S3BlobStoreConfig.builder("b12")).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://host", "http:///path", "http://user:pass@host", "http://host/?q=1",
      "http://host/#f", "file:/etc/passwd", "host:9000"})
  void badEndpoints_areRefused_withoutEchoingThem(String endpoint) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> S3BlobStoreConfig.builder("b12").endpoint(URI.create(endpoint)).build());
    assertFalse(e.getMessage().contains("pass"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "US-EAST-1", "us east 1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "us-east-1\n"})
  void badRegions_areRefused(String region) {
    assertThrows(IllegalArgumentException.class, () -> S3BlobStoreConfig.builder("b12").region(region).build());
  }

  @Test
  void toString_namesNoCredentials() {
    S3BlobStoreConfig config = S3BlobStoreConfig.builder("b12").credentials(
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG"))).build();
    assertFalse(config.toString().contains("wJalrXUtnFEMI"), config.toString());
    assertFalse(config.toString().contains("AKIDEXAMPLE"), config.toString());
    assertTrue(config.toString().contains("StaticCredentialsProvider"), config.toString());
  }

  @Test
  void missingRegion_failsClearly_whenTheDefaultChainHasNone() {
    boolean regionInEnvironment = System.getenv("AWS_REGION") != null || System.getenv("AWS_DEFAULT_REGION") != null;
    String[] properties = {"aws.region", "aws.configFile", "aws.disableEc2Metadata"};
    String[] saved = new String[properties.length];
    for (int i = 0; i < properties.length; i++) {
      saved[i] = System.getProperty(properties[i]);
    }
    System.clearProperty("aws.region");
    System.setProperty("aws.configFile", "/nonexistent/envelope-test-aws-config");
    System.setProperty("aws.disableEc2Metadata", "true");
    try {
      S3BlobStoreConfig config = S3BlobStoreConfig.builder("b12").build();
      if (regionInEnvironment) {
        S3BlobStore.create(config).close(); // the chain finds the environment's region
      } else {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> S3BlobStore.create(config));
        assertTrue(e.getMessage().startsWith("no AWS region"), e.getMessage());
      }
    } finally {
      for (int i = 0; i < properties.length; i++) {
        if (saved[i] == null) {
          System.clearProperty(properties[i]);
        } else {
          System.setProperty(properties[i], saved[i]);
        }
      }
    }
  }
}
