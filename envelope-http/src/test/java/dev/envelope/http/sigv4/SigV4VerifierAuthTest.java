package dev.envelope.http.sigv4;

import static dev.envelope.http.sigv4.SigV4Exception.Reason.AMBIGUOUS_AUTHENTICATION;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.MALFORMED_AUTHORIZATION;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.MALFORMED_PRESIGNED;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.MISSING_AUTHENTICATION;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.PRESIGN_EXPIRED;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.REQUEST_TIME_TOO_SKEWED;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.SIGNATURE_MISMATCH;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.UNKNOWN_ACCESS_KEY;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.WRONG_SCOPE;
import static dev.envelope.http.sigv4.SigV4VerifierS3Test.CLOCK;
import static dev.envelope.http.sigv4.SigV4VerifierS3Test.ID;
import static dev.envelope.http.sigv4.SigV4VerifierS3Test.NOW;
import static dev.envelope.http.sigv4.SigV4VerifierS3Test.SECRET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner.AuthLocation;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Header and presigned-URL authentication with the S3 rules, against the AWS SDK's signer: awkward keys and
 * queries, wrong secrets and keys, skewed and expired dates; and the AWS documentation's chunked-upload example.
 */
class SigV4VerifierAuthTest {
  static final Duration EXPIRY = Duration.ofMinutes(10);
  static final Consumer<SignRequest.Builder<AwsCredentialsIdentity>> HEADER = r -> r
      .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false);
  static final Consumer<SignRequest.Builder<AwsCredentialsIdentity>> PRESIGNED = r -> r
      .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
      .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AuthLocation.QUERY_STRING)
      .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, EXPIRY);

  final SigV4Verifier<String> verifier = SigV4VerifierS3Test.verifier(CLOCK);

  static SignedWire sign(String url, Consumer<SignRequest.Builder<AwsCredentialsIdentity>> how) {
    return SignedWire.sign(ID, SECRET, CLOCK, SdkHttpMethod.GET, url, new byte[0], how);
  }

  static Presented<String> precheck(SigV4Verifier<String> verifier, SignedWire wire) throws Exception {
    return verifier.precheck(wire.method(), wire.rawPath(), wire.rawQuery(), wire.headers());
  }

  static SigV4Exception.Reason refusal(SigV4Verifier<String> verifier, SignedWire wire) {
    return assertThrows(SigV4Exception.class, () -> precheck(verifier, wire)).reason();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/bucket/a%20b/c", "/bucket/%C3%BC%E2%82%AC%F0%9F%94%91.txt", "/bucket/1%2B1%3D2",
      "/bucket/wow%21%2A%27%28%29", "/bucket/literal%252F", "/bucket/~tilde_-.x", "/bucket/",
      "/bucket/dir//double", "/bucket/a%3Bb%40c%26d%24e"})
  void awkwardKeysVerifyWithHeaderAndPresignedAuthentication(String path) throws Exception {
    for (Consumer<SignRequest.Builder<AwsCredentialsIdentity>> how : List.of(HEADER, PRESIGNED)) {
      SignedWire wire = sign("https://s3.example.com" + path, how);
      assertEquals(path, wire.rawPath());
      Presented<String> presented = precheck(verifier, wire);
      assertEquals("alice", presented.principal());
      assertEquals(how == PRESIGNED, presented.presigned());
      assertEquals(SIGNATURE_MISMATCH, refusal(verifier, wire.withPath(path + "x")), path);
    }
  }

  /**
   * S3 signs the key, not the wire's spelling of it: the AWS SDK for Java signs "a//b" and its HTTP client then
   * sends "a/%2Fb" (Apache's URI handling would fold "//"); real S3 takes that, and so does the verifier.
   */
  @Test
  void aSlashSentAsPercent2FIsASlashOfTheKey() throws Exception {
    for (Consumer<SignRequest.Builder<AwsCredentialsIdentity>> how : List.of(HEADER, PRESIGNED)) {
      SignedWire wire = sign("https://s3.example.com/bucket/dir//double", how);
      assertEquals("alice", precheck(verifier, wire.withPath("/bucket/dir/%2Fdouble")).principal());
      assertEquals(SIGNATURE_MISMATCH, refusal(verifier, wire.withPath("/bucket/dir/%252Fdouble")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"a=1&a=0&b=2", "empty=&flag", "plus=%2B&space=%20&slash=%2F&tilde=~",
      "uploads", "list-type=2&prefix=%C3%BC&delimiter=%2F", "x=%3D%26"})
  void queriesVerifyAsTheSdkSignsThem(String query) throws Exception {
    for (Consumer<SignRequest.Builder<AwsCredentialsIdentity>> how : List.of(HEADER, PRESIGNED)) {
      SignedWire wire = sign("https://s3.example.com/bucket/key?" + query, how);
      assertEquals("alice", precheck(verifier, wire).principal(), wire.rawQuery());
      assertEquals(SIGNATURE_MISMATCH, refusal(verifier, wire.withQuery(wire.rawQuery() + "&more=1")));
    }
  }

  @Test
  void aPresignedUrlVerifiesUntilItExpires() throws Exception {
    SignedWire wire = sign("https://s3.example.com/bucket/key", PRESIGNED);
    assertTrue(wire.rawQuery().contains("X-Amz-Expires=600"), wire.rawQuery());
    assertFalse(wire.headers().containsKey("authorization"));
    Presented<String> presented = precheck(SigV4VerifierS3Test.verifier(at(NOW.plus(EXPIRY))), wire);
    assertArrayEquals(new byte[0], verifier.body(presented, new ByteArrayInputStream(new byte[0])).readAllBytes());
    assertEquals(PRESIGN_EXPIRED, refusal(SigV4VerifierS3Test.verifier(at(NOW.plus(EXPIRY).plusSeconds(1))),
        wire));
    assertEquals("alice", precheck(SigV4VerifierS3Test.verifier(at(NOW.minusSeconds(299))), wire).principal());
    assertEquals(REQUEST_TIME_TOO_SKEWED, refusal(SigV4VerifierS3Test.verifier(at(NOW.minusSeconds(301))), wire));
  }

  @ParameterizedTest
  @ValueSource(strings = {"604801", "0", "-1", "abc", "", "99999999999999999999"})
  void aPresignedExpiryOutOfBoundsIsRefused(String expires) {
    SignedWire wire = sign("https://s3.example.com/bucket/key", PRESIGNED);
    String query = wire.rawQuery().replace("X-Amz-Expires=600", "X-Amz-Expires=" + expires);
    assertEquals(MALFORMED_PRESIGNED, refusal(verifier, wire.withQuery(query)));
    String without = wire.rawQuery().replace("X-Amz-Expires=600&", "").replace("&X-Amz-Expires=600", "");
    assertEquals(MALFORMED_PRESIGNED, refusal(verifier, wire.withQuery(without)));
  }

  @Test
  void aLongestPresignedExpiryIsAccepted() throws Exception {
    SignedWire wire = SignedWire.sign(ID, SECRET, CLOCK, SdkHttpMethod.GET, "https://s3.example.com/b/k",
        new byte[0], PRESIGNED.andThen(r -> r.putProperty(AwsV4HttpSigner.EXPIRATION_DURATION,
            Duration.ofSeconds(SignatureClaim.MAX_EXPIRES_SECONDS))));
    assertEquals("alice", precheck(SigV4VerifierS3Test.verifier(at(NOW.plus(Duration.ofDays(7)))), wire)
        .principal());
  }

  @Test
  void aRepeatedPresignParameterOrBothMechanismsAreRefused() {
    SignedWire wire = sign("https://s3.example.com/bucket/key", PRESIGNED);
    assertEquals(MALFORMED_PRESIGNED, refusal(verifier, wire.withQuery(wire.rawQuery() + "&X-Amz-Expires=600")));
    SignedWire header = sign("https://s3.example.com/bucket/key", HEADER);
    assertEquals(AMBIGUOUS_AUTHENTICATION, refusal(verifier, wire.withHeader("authorization",
        header.header("authorization"))));
  }

  @Test
  void aWrongSecretUnknownKeyOrSkewedDateIsRefused() {
    for (Consumer<SignRequest.Builder<AwsCredentialsIdentity>> how : List.of(HEADER, PRESIGNED)) {
      String url = "https://s3.example.com/bucket/key";
      assertEquals(SIGNATURE_MISMATCH, refusal(verifier, SignedWire.sign(ID, SECRET.replace('K', 'Q'), CLOCK,
          SdkHttpMethod.GET, url, new byte[0], how)));
      assertEquals(UNKNOWN_ACCESS_KEY, refusal(verifier, SignedWire.sign("ENVS3UNKNOWNUNKNOWN0", SECRET, CLOCK,
          SdkHttpMethod.GET, url, new byte[0], how)));
    }
    SignedWire wire = sign("https://s3.example.com/bucket/key", HEADER);
    assertEquals(REQUEST_TIME_TOO_SKEWED, refusal(SigV4VerifierS3Test.verifier(at(NOW.plusSeconds(301))), wire));
    assertEquals(REQUEST_TIME_TOO_SKEWED, refusal(SigV4VerifierS3Test.verifier(at(NOW.minusSeconds(301))), wire));
    SigV4Verifier<String> otherRegion = new SigV4Verifier<>("eu-west-1", ServiceRules.S3,
        id -> Optional.of(Credential.of(SECRET, "alice")), CLOCK);
    assertEquals(WRONG_SCOPE, refusal(otherRegion, wire));
  }

  @Test
  void headerAuthenticationMustSignTheContentSha256() {
    SignedWire wire = sign("https://s3.example.com/bucket/key", HEADER);
    Map<String, List<String>> without = new TreeMap<>(wire.headers());
    without.remove("x-amz-content-sha256");
    SigV4Exception e = assertThrows(SigV4Exception.class, () -> verifier.precheck("GET", wire.rawPath(), "",
        without));
    assertEquals(MALFORMED_AUTHORIZATION, e.reason());
    assertEquals("Missing required header for this request: x-amz-content-sha256", e.getMessage());
    String unsigned = wire.header("authorization").replace("x-amz-content-sha256;", "");
    assertEquals(MALFORMED_AUTHORIZATION, refusal(verifier, wire.withHeader("authorization", unsigned)));
    without.remove("authorization");
    assertEquals(MISSING_AUTHENTICATION, assertThrows(SigV4Exception.class, () -> verifier.precheck("GET", "/", "",
        without)).reason());
  }

  @Test
  void noMessageNamesTheSecretOrAComputedSignature() {
    SignedWire wire = SignedWire.sign(ID, SECRET.replace('K', 'Q'), CLOCK, SdkHttpMethod.GET,
        "https://s3.example.com/b/k", new byte[0], HEADER);
    SigV4Exception e = assertThrows(SigV4Exception.class, () -> precheck(verifier, wire));
    assertFalse(e.getMessage().contains(SECRET) || e.getMessage().matches(".*[0-9a-f]{64}.*"), e.getMessage());
    assertEquals(0, e.getStackTrace().length);
  }

  /** The example of "Transferring Payload in Multiple Chunks" in the Amazon S3 API reference, byte for byte. */
  @Test
  void theAwsDocumentationChunkedUploadExampleVerifies() throws Exception {
    Instant at = Instant.parse("2013-05-24T00:00:00Z");
    SigV4Verifier<String> aws = new SigV4Verifier<>("us-east-1", ServiceRules.S3, id -> id.equals(
        "AKIAIOSFODNN7EXAMPLE") ? Optional.of(Credential.of("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "example"))
        : Optional.empty(), at(at));
    Map<String, List<String>> headers = new TreeMap<>();
    headers.put("host", List.of("s3.amazonaws.com"));
    headers.put("x-amz-date", List.of("20130524T000000Z"));
    headers.put("x-amz-storage-class", List.of("REDUCED_REDUNDANCY"));
    headers.put("x-amz-content-sha256", List.of("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"));
    headers.put("content-encoding", List.of("aws-chunked"));
    headers.put("x-amz-decoded-content-length", List.of("66560"));
    headers.put("content-length", List.of("66824"));
    headers.put("authorization", List.of("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3"
        + "/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        + "x-amz-decoded-content-length;x-amz-storage-class,Signature="
        + "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"));
    String first = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
    String second = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
    String last = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.writeBytes(("10000;chunk-signature=" + first + "\r\n" + "a".repeat(65536) + "\r\n").getBytes(
        StandardCharsets.US_ASCII));
    body.writeBytes(("400;chunk-signature=" + second + "\r\n" + "a".repeat(1024) + "\r\n").getBytes(
        StandardCharsets.US_ASCII));
    body.writeBytes(("0;chunk-signature=" + last + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    assertEquals(66824, body.size());
    Presented<String> presented = aws.precheck("PUT", "/examplebucket/chunkObject.txt", "", headers);
    byte[] payload = aws.body(presented, new ByteArrayInputStream(body.toByteArray())).readAllBytes();
    assertArrayEquals("a".repeat(66560).getBytes(StandardCharsets.US_ASCII), payload);
  }

  static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }
}
