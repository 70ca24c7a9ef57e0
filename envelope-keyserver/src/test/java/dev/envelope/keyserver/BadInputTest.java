package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests no SDK would send, signed correctly: each is answered with the matching KMS error type, a 400, and
 * a body of exactly {@code __type} and {@code message} with no stack trace or path in it.
 */
class BadInputTest {
  @TempDir
  static Path home;
  static KeyServerFixture fixture;
  static String keyId;

  @BeforeAll
  static void start() throws Exception {
    fixture = KeyServerFixture.start(home);
    keyId = fixture.keyring.createKey("bad input").id();
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static void answers(String type, String operation, String json) throws Exception {
    answers(type, SignedHttp.post(fixture, "TrentService." + operation, json));
  }

  private static void answers(String type, SignedHttp.Response response) throws Exception {
    assertEquals(400, response.status(), response.body());
    JsonNode body = KmsRequest.JSON.readTree(response.body());
    assertEquals(type, body.get("__type").asText(), response.body());
    assertEquals(2, body.size(), response.body());
    String message = body.get("message").asText();
    for (String leak : List.of("\tat ", ".java:", "dev.envelope", home.toString(), "Exception:")) {
      assertFalse(message.contains(leak), "message leaks '" + leak + "': " + message);
    }
    assertEquals(List.of("application/x-amz-json-1.1"), response.headers().get("content-type"));
  }

  @Test
  void malformedJsonIsASerializationError() throws Exception {
    answers("SerializationException", "DescribeKey", "{\"KeyId\": ");
    answers("SerializationException", "DescribeKey", "[1, 2]");
    answers("SerializationException", "DescribeKey", "\u0000\u0001binary");
    answers("SerializationException", "GenerateRandom", "{\"NumberOfBytes\":8} {\"x\":1}");
  }

  @Test
  void fieldsOfTheWrongTypeAreSerializationErrors() throws Exception {
    answers("SerializationException", "DescribeKey", "{\"KeyId\": 42}");
    answers("SerializationException", "GenerateRandom", "{\"NumberOfBytes\": \"8\"}");
    answers("SerializationException", "Encrypt", "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"AA==\","
        + "\"EncryptionContext\":{\"a\":1}}");
  }

  @Test
  void wrongBase64IsASerializationError() throws Exception {
    answers("SerializationException", "Encrypt", "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"not base64!\"}");
    answers("SerializationException", "Decrypt", "{\"CiphertextBlob\":\"%%%%\"}");
  }

  @Test
  void missingRequiredFieldsAreValidationErrors() throws Exception {
    answers("ValidationException", "DescribeKey", "{}");
    answers("ValidationException", "Encrypt", "{\"KeyId\":\"" + keyId + "\"}");
    answers("ValidationException", "Decrypt", "{}");
    answers("ValidationException", "CreateAlias", "{\"AliasName\":\"alias/x\"}");
    answers("ValidationException", "GenerateRandom", "{}");
    answers("ValidationException", "ReEncrypt", "{\"CiphertextBlob\":\"AQ==\"}");
  }

  @Test
  void unknownKeyIdsAreNotFound() throws Exception {
    answers("NotFoundException", "DescribeKey", "{\"KeyId\":\"00000000-0000-0000-0000-000000000000\"}");
    answers("NotFoundException", "GenerateDataKey", "{\"KeyId\":\"alias/none\",\"KeySpec\":\"AES_256\"}");
  }

  @Test
  void anUnknownOperationIsSaidToBeUnknown() throws Exception {
    answers("UnknownOperationException", "Sign", "{}");
    answers("UnknownOperationException", "CreateCustomKeyStore", "{}");
    answers("UnknownOperationException", SignedHttp.send(SignedHttp.sign(fixture.endpoint(),
        "DynamoDB_20120810.ListTables", new byte[0], fixture.accessKey.id(), fixture.accessKey.secret(),
        Clock.systemUTC()), new byte[0]));
  }

  @Test
  void anOversizedBodyIsRefusedWithoutBeingReadWhole() throws Exception {
    byte[] big = ("{\"Pad\":\"" + "x".repeat(KeyServerSettings.DEFAULT_MAX_BODY_BYTES) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    answers("ValidationException", SignedHttp.send(SignedHttp.sign(fixture.endpoint(),
        "TrentService.GenerateRandom", big, fixture.accessKey.id(), fixture.accessKey.secret(), Clock.systemUTC()),
        big));
  }

  @Test
  void anOversizedChunkedBodyWithoutContentLengthIsRefusedToo() throws Exception {
    byte[] big = new byte[KeyServerSettings.DEFAULT_MAX_BODY_BYTES * 4];
    var signed = SignedHttp.sign(fixture.endpoint(), "TrentService.GenerateRandom", big, fixture.accessKey.id(),
        fixture.accessKey.secret(), Clock.systemUTC());
    answers("ValidationException", SignedHttp.sendChunked(signed, big));
  }

  @Test
  void aStructureWithAnUnsupportedKeyKindIsRefused() throws Exception {
    answers("UnsupportedOperationException", "CreateKey", "{\"KeySpec\":\"RSA_2048\"}");
    answers("InvalidKeyUsageException", "Encrypt", "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"AA==\","
        + "\"EncryptionAlgorithm\":\"RSAES_OAEP_SHA_256\"}");
  }

  @Test
  void aBadMarkerIsAnInvalidMarker() throws Exception {
    answers("InvalidMarkerException", "ListKeys", "{\"Marker\":\"***\"}");
  }

  @Test
  void aWellFormedMarkerTheServerDidNotMake_isAnInvalidMarker_notAnEmptyLastPage() throws Exception {
    for (int i = 0; i < 3; i++) {
      fixture.keyring.createKey("marker " + i);
    }
    String made = fixture.kms.listKeys(b -> b.limit(1)).nextMarker();
    String forged = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("ffffffff-ffff-ffff-ffff-ffffffffffff".getBytes(StandardCharsets.UTF_8));
    String altered = (made.charAt(0) == 'A' ? "B" : "A") + made.substring(1);

    answers("InvalidMarkerException", "ListKeys", "{\"Marker\":\"" + forged + "\"}");
    answers("InvalidMarkerException", "ListKeys", "{\"Marker\":\"" + altered + "\"}");
    answers("InvalidMarkerException", "ListAliases", "{\"Marker\":\"" + made + "\"}");
    assertEquals(200, SignedHttp.post(fixture, "TrentService.ListKeys", "{\"Marker\":\"" + made + "\"}").status(),
        "the marker it made still works");
  }

  @Test
  void aQueryStringWithBrokenPercentEncodingIsABadSignatureNotAnInternalError() throws Exception {
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    var signed = SignedHttp.sign(fixture.endpoint(), "TrentService.GenerateRandom", body, fixture.accessKey.id(),
        fixture.accessKey.secret(), Clock.systemUTC());
    // The JDK's client will not send "%zz", so the request goes over a plain socket.
    StringBuilder request = new StringBuilder("POST /?a=%zz HTTP/1.1\r\n");
    signed.headers().forEach((name, values) -> values.forEach(v -> request.append(name).append(": ").append(v)
        .append("\r\n")));
    request.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n{}");
    String response;
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fixture.endpoint().getPort())) {
      socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
    String status = response.substring(0, response.indexOf("\r\n"));
    String json = response.substring(response.indexOf("\r\n\r\n") + 4);

    assertEquals("HTTP/1.1 400 Bad Request", status, response);
    assertEquals("InvalidSignatureException", KmsRequest.JSON.readTree(json).get("__type").asText(), json);
  }

  @Test
  void otherPathsAndMethodsAnswerInKmsTermsToo() throws Exception {
    int before = fixture.auditLines().size();
    var response = SignedHttp.send(fixture.endpoint().resolve("/elsewhere"), Map.of(), new byte[0]);
    assertEquals(404, response.status());
    assertEquals("UnknownOperationException", KmsRequest.JSON.readTree(response.body()).get("__type").asText());
    List<String> lines = fixture.auditLines();
    assertEquals(before + 1, lines.size(), "on the record too");
    assertTrue(lines.get(lines.size() - 1).contains("UnknownOperationException"));
  }
}
