package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * Signature Version 4 as the server enforces it. SDK-driven where the SDK can show it (unknown access key,
 * wrong secret); hand-signed with the {@code Aws4Signer} oracle where it cannot (no signature, a mangled
 * header, another clock), so that the SDK's JVM-wide clock correction never comes into play.
 */
class AuthenticationTest {
  @TempDir
  static Path home;
  static KeyServerFixture fixture;
  static final String TARGET = "TrentService.GenerateRandom";
  static final byte[] BODY = "{\"NumberOfBytes\":8}".getBytes(StandardCharsets.UTF_8);

  @BeforeAll
  static void start() throws Exception {
    fixture = KeyServerFixture.start(home);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static SdkHttpFullRequest signed(Clock clock) {
    return SignedHttp.sign(fixture.endpoint(), TARGET, BODY, fixture.accessKey.id(), fixture.accessKey.secret(), clock);
  }

  private static String errorType(SignedHttp.Response response) throws Exception {
    JsonNode body = KmsRequest.JSON.readTree(response.body());
    assertEquals(400, response.status(), response.body());
    assertEquals(2, body.size(), "only __type and message: " + response.body());
    return body.get("__type").asText();
  }

  private static Map<String, List<String>> headers(SdkHttpFullRequest request) {
    Map<String, List<String>> copy = new HashMap<>();
    request.headers().forEach((k, v) -> copy.put(k, new ArrayList<>(v)));
    return copy;
  }

  @Test
  void aRequestSignedAsTheAwsCliSignsIsAccepted() throws Exception {
    SignedHttp.Response response = SignedHttp.send(signed(Clock.systemUTC()), BODY);
    assertEquals(200, response.status(), response.body());
    assertTrue(response.body().contains("Plaintext"));
  }

  @Test
  void anUnsignedRequestIsMissingItsAuthenticationToken() throws Exception {
    Map<String, List<String>> headers = headers(signed(Clock.systemUTC()));
    headers.remove("Authorization");
    assertEquals("MissingAuthenticationTokenException",
        errorType(SignedHttp.send(fixture.endpoint(), headers, BODY)));
  }

  @Test
  void aMalformedAuthorizationHeaderIsAnIncompleteSignature() throws Exception {
    for (String bad : List.of("AWS4-HMAC-SHA256 Credential=x", "Basic dXNlcjpwYXNz",
        "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-target,"
            + " Signature=zz")) {
      Map<String, List<String>> headers = headers(signed(Clock.systemUTC()));
      headers.put("Authorization", List.of(bad));
      assertEquals("IncompleteSignatureException", errorType(SignedHttp.send(fixture.endpoint(), headers, BODY)),
          bad);
    }
  }

  @Test
  void aSignatureThatLeavesOutTheTargetHeaderIsIncomplete() throws Exception {
    Map<String, List<String>> headers = headers(signed(Clock.systemUTC()));
    String authorization = headers.get("Authorization").get(0).replace(";x-amz-target", "");
    headers.put("Authorization", List.of(authorization));
    assertEquals("IncompleteSignatureException", errorType(SignedHttp.send(fixture.endpoint(), headers, BODY)));
  }

  @Test
  void anUnknownAccessKeyIsUnrecognized() {
    try (KmsClient stranger = fixture.client("ENVKUNKNOWNUNKNOWN00", "secret")) {
      KmsException e = assertThrows(KmsException.class, () -> stranger.generateRandom(b -> b.numberOfBytes(8)));
      assertEquals("UnrecognizedClientException", e.awsErrorDetails().errorCode());
      assertEquals(400, e.statusCode());
    }
  }

  @Test
  void aWrongSecretIsAnInvalidSignature() {
    try (KmsClient impostor = fixture.client(fixture.accessKey.id(), "not the secret")) {
      KmsException e = assertThrows(KmsException.class, () -> impostor.generateRandom(b -> b.numberOfBytes(8)));
      assertEquals("InvalidSignatureException", e.awsErrorDetails().errorCode());
    }
  }

  @Test
  void aBodyChangedAfterSigningIsAnInvalidSignature() throws Exception {
    byte[] other = "{\"NumberOfBytes\":9}".getBytes(StandardCharsets.UTF_8);
    assertEquals("InvalidSignatureException", errorType(SignedHttp.send(signed(Clock.systemUTC()), other)));
  }

  @Test
  void aChangedTargetIsAnInvalidSignature() throws Exception {
    Map<String, List<String>> headers = headers(signed(Clock.systemUTC()));
    headers.put("X-Amz-Target", List.of("TrentService.CreateKey"));
    assertEquals("InvalidSignatureException", errorType(SignedHttp.send(fixture.endpoint(), headers, BODY)));
  }

  @Test
  void aRequestDatedMoreThanFiveMinutesAwayIsAnInvalidSignature() throws Exception {
    for (Duration skew : List.of(Duration.ofMinutes(-6), Duration.ofMinutes(6))) {
      Clock off = Clock.offset(Clock.systemUTC(), skew);
      assertEquals("InvalidSignatureException", errorType(SignedHttp.send(signed(off), BODY)), skew.toString());
    }
  }

  @Test
  void aRequestDatedFourMinutesAwayIsStillAccepted() throws Exception {
    Clock off = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-4));
    assertEquals(200, SignedHttp.send(signed(off), BODY).status());
  }

  @Test
  void aSignatureScopedToAnotherRegionIsInvalid() throws Exception {
    Map<String, List<String>> headers = headers(signed(Clock.systemUTC()));
    headers.put("Authorization", List.of(headers.get("Authorization").get(0).replace("/us-east-1/", "/eu-west-1/")));
    assertEquals("InvalidSignatureException", errorType(SignedHttp.send(fixture.endpoint(), headers, BODY)));
  }

  @Test
  void aRevokedAccessKeyStopsWorkingOnTheNextRequest() throws Exception {
    AccessKey temporary = fixture.credentials.create("temporary", java.util.Set.of(), java.util.Set.of());
    try (KmsClient client = fixture.client(temporary.id(), temporary.secret())) {
      assertEquals(8, client.generateRandom(b -> b.numberOfBytes(8)).plaintext().asByteArray().length);
      assertTrue(fixture.credentials.revoke(temporary.id()));
      KmsException e = assertThrows(KmsException.class, () -> client.generateRandom(b -> b.numberOfBytes(8)));
      assertEquals("UnrecognizedClientException", e.awsErrorDetails().errorCode());
    }
  }

  @Test
  void signingAnotherHostThanTheOneConnectedToIsAnInvalidSignature() throws Exception {
    URI elsewhere = URI.create("http://kms.example.com:" + fixture.server.port());
    SdkHttpFullRequest request = SignedHttp.sign(elsewhere, TARGET, BODY, fixture.accessKey.id(),
        fixture.accessKey.secret(), Clock.systemUTC());
    assertEquals("InvalidSignatureException", errorType(SignedHttp.send(fixture.endpoint(), request.headers(), BODY)));
  }
}
