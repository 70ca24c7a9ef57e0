package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

/**
 * The server's SigV4 verifier (the shared one, with the KMS rules) agrees with the AWS SDK's {@link Aws4Signer} (the oracle) on requests shaped as
 * each client shapes them, and on the awkward corners of the canonical request: paths, query strings, header
 * values with runs of spaces, repeated headers.
 */
class KmsSignaturesTest {
  static final Instant NOW = Instant.parse("2026-11-27T08:00:00Z");
  static final AccessKey KEY = new AccessKey("ENVKTESTTESTTESTTEST", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      "test", NOW, Set.of(), Set.of());
  final KmsSignatures verifier = new KmsSignatures("us-east-1",
      id -> id.equals(KEY.id()) ? Optional.of(KEY) : Optional.empty(), Clock.fixed(NOW, ZoneOffset.UTC));

  private static SdkHttpFullRequest sign(SdkHttpFullRequest.Builder request, byte[] body) {
    return Aws4Signer.create().sign(request.contentStreamProvider(() -> new java.io.ByteArrayInputStream(body))
        .build(), Aws4SignerParams.builder().awsCredentials(AwsBasicCredentials.create(KEY.id(), KEY.secret()))
        .signingName("kms").signingRegion(Region.US_EAST_1)
        .signingClockOverride(Clock.fixed(NOW, ZoneOffset.UTC)).build());
  }

  private static SdkHttpFullRequest.Builder post(String uri) {
    return SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(URI.create(uri))
        .putHeader("X-Amz-Target", "TrentService.Decrypt");
  }

  /** The request as the server sees it: header names lower-cased, the path and query as sent. */
  private static SignedRequest received(SdkHttpFullRequest signed, byte[] body) {
    Map<String, List<String>> headers = new TreeMap<>();
    signed.headers().forEach((k, v) -> headers.computeIfAbsent(k.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
        .addAll(v));
    URI uri = signed.getUri();
    return new SignedRequest("POST", uri.getRawPath(), uri.getRawQuery() == null ? "" : uri.getRawQuery(),
        headers, body);
  }

  private AccessKey verify(SdkHttpFullRequest.Builder request, byte[] body) throws Exception {
    return received(sign(request, body), body).verifiedBy(verifier);
  }

  @Test
  void aRequestSignedWithTheAwsCliHeaderSetVerifies() throws Exception {
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    assertEquals(KEY, verify(post("http://127.0.0.1:8420/").putHeader("Content-Type", "application/x-amz-json-1.1"),
        body));
  }

  @Test
  void aRequestSignedWithTheJavaSdkHeaderSetVerifies() throws Exception {
    byte[] body = "{\"KeyId\":\"k\"}".getBytes(StandardCharsets.UTF_8);
    assertEquals(KEY, verify(post("http://localhost:8420/")
        .putHeader("Content-Type", "application/x-amz-json-1.1")
        .putHeader("Content-Length", String.valueOf(body.length))
        .putHeader("amz-sdk-invocation-id", "b2f3d0a4-1c2b-4f5e-9a8b-7c6d5e4f3a2b")
        .putHeader("amz-sdk-request", "attempt=1; max=4")
        .putHeader("x-amz-content-sha256", "required-by-the-sdk-but-hashed-by-the-server-anyway"), body));
  }

  @Test
  void pathsQueriesSpacesAndRepeatedHeadersAreCanonicalisedAsTheSdkDoes() throws Exception {
    byte[] body = new byte[0];
    assertEquals(KEY, verify(post("https://kms.example.com/a%20b/c~d/?z=1&a=b%2Fc&a=a&empty=")
        .putHeader("X-Custom", "  several   spaces  here ")
        .appendHeader("X-Repeated", "one")
        .appendHeader("X-Repeated", "two"), body));
  }

  @Test
  void everyFlippedCharacterOfTheSignatureIsRefused() {
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    SignedRequest good = received(sign(post("http://127.0.0.1:8420/"), body), body);
    String authorization = good.header("authorization").orElseThrow();
    int at = authorization.indexOf("Signature=") + "Signature=".length();
    for (int i = at; i < authorization.length(); i++) {
      char c = authorization.charAt(i);
      String bad = authorization.substring(0, i) + (c == '0' ? '1' : '0') + authorization.substring(i + 1);
      Map<String, List<String>> headers = new TreeMap<>(good.headers());
      headers.put("authorization", List.of(bad));
      KmsException e = assertThrows(KmsException.class, () ->
          new SignedRequest("POST", "/", "", headers, body).verifiedBy(verifier));
      assertEquals(KmsError.INVALID_SIGNATURE, e.error());
    }
  }

  @Test
  void aDifferentPathOrQueryThanTheOneSignedIsRefused() {
    byte[] body = new byte[0];
    SignedRequest good = received(sign(post("http://127.0.0.1:8420/?a=1"), body), body);
    for (SignedRequest bad : List.of(new SignedRequest("POST", "/x", "a=1", good.headers(), body),
        new SignedRequest("POST", "/", "a=2", good.headers(), body),
        new SignedRequest("PUT", "/", "a=1", good.headers(), body))) {
      assertEquals(KmsError.INVALID_SIGNATURE, assertThrows(KmsException.class, () -> bad.verifiedBy(verifier)).error());
    }
  }

  @Test
  void theCredentialDateMustBeTheDayOfXAmzDate() {
    byte[] body = new byte[0];
    SignedRequest good = received(sign(post("http://127.0.0.1:8420/"), body), body);
    Map<String, List<String>> headers = new TreeMap<>(good.headers());
    headers.put("authorization", List.of(good.header("authorization").orElseThrow().replace("/20261127/",
        "/20261126/")));
    assertEquals(KmsError.INVALID_SIGNATURE, assertThrows(KmsException.class, () ->
        new SignedRequest("POST", "/", "", headers, body).verifiedBy(verifier)).error());
  }

  @Test
  void aMissingDateIsAnIncompleteSignature() {
    byte[] body = new byte[0];
    SignedRequest good = received(sign(post("http://127.0.0.1:8420/"), body), body);
    Map<String, List<String>> headers = new TreeMap<>(good.headers());
    headers.remove("x-amz-date");
    assertEquals(KmsError.INCOMPLETE_SIGNATURE, assertThrows(KmsException.class, () ->
        new SignedRequest("POST", "/", "", headers, body).verifiedBy(verifier)).error());
  }
}
