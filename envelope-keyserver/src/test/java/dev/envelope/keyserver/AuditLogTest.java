package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/** One JSON line per request, saying who did what to which key under which context, and never a secret. */
class AuditLogTest {
  @TempDir
  static Path home;
  static KeyServerFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = KeyServerFixture.start(home);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static JsonNode lastLine() throws Exception {
    List<String> lines = fixture.auditLines();
    return KmsRequest.JSON.readTree(lines.get(lines.size() - 1));
  }

  @Test
  void aSuccessfulDecryptIsRecordedWithItsCallerKeyAndContext() throws Exception {
    String id = fixture.kms.createKey(b -> b.description("audited")).keyMetadata().keyId();
    SdkBytes blob = fixture.kms.encrypt(b -> b.keyId(id).plaintext(SdkBytes.fromUtf8String("x"))
        .encryptionContext(Map.of("tenant", "t7"))).ciphertextBlob();
    fixture.kms.decrypt(b -> b.ciphertextBlob(blob).encryptionContext(Map.of("tenant", "t7")));
    JsonNode line = lastLine();
    assertEquals("Decrypt", line.get("operation").asText());
    assertEquals(fixture.accessKey.id(), line.get("accessKeyId").asText());
    assertEquals("arn:aws:kms:us-east-1:111122223333:key/" + id, line.get("keyId").asText());
    assertEquals("t7", line.get("encryptionContext").get("tenant").asText());
    assertEquals("ok", line.get("outcome").asText());
    assertTrue(line.get("time").asText().endsWith("Z"));
    assertEquals("127.0.0.1", line.get("sourceIp").asText());
  }

  @Test
  void aRefusedRequestIsRecordedWithItsErrorType() throws Exception {
    assertThrows(NotFoundException.class, () -> fixture.kms.describeKey(b -> b.keyId("alias/missing")));
    JsonNode line = lastLine();
    assertEquals("DescribeKey", line.get("operation").asText());
    assertEquals("error", line.get("outcome").asText());
    assertEquals("NotFoundException", line.get("errorType").asText());
  }

  @Test
  void aRequestWhoseBodyNeverArrivesIsRecordedToo() throws Exception {
    String claimed = "TrentService.CutShort" + System.nanoTime();
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fixture.endpoint().getPort())) {
      socket.getOutputStream().write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: " + claimed
          + "\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{\"Ke")
          .getBytes(StandardCharsets.US_ASCII));
      socket.shutdownOutput();
      socket.getInputStream().readAllBytes();
    }
    String operation = claimed.substring("TrentService.".length());
    JsonNode found = null;
    for (int i = 0; i < 50 && found == null; i++) {
      for (String line : fixture.auditLines()) {
        JsonNode json = KmsRequest.JSON.readTree(line);
        if (operation.equals(json.path("operation").asText())) {
          found = json;
        }
      }
      Thread.sleep(100);
    }
    assertTrue(found != null, "no audit line for the request");
    assertEquals("error", found.get("outcome").asText());
  }

  @Test
  void anUnauthenticatedRequestIsRecordedWithTheAccessKeyItClaimed() throws Exception {
    try (var stranger = fixture.client("ENVKCLAIMEDCLAIMED00", "x")) {
      assertThrows(Exception.class, () -> stranger.generateRandom(b -> b.numberOfBytes(8)));
    }
    JsonNode line = lastLine();
    assertEquals("ENVKCLAIMEDCLAIMED00", line.get("accessKeyId").asText());
    assertEquals("UnrecognizedClientException", line.get("errorType").asText());
  }

  @Test
  void theLogIsOwnerOnlyAndHoldsNoPlaintextOrDataKey() throws Exception {
    String id = fixture.kms.createKey(b -> b.description("secrets")).keyMetadata().keyId();
    List<byte[]> secrets = new ArrayList<>();
    byte[] plaintext = "attack at dawn, the password is hunter2".getBytes(StandardCharsets.UTF_8);
    secrets.add(plaintext);
    SdkBytes blob = fixture.kms.encrypt(b -> b.keyId(id).plaintext(SdkBytes.fromByteArray(plaintext)))
        .ciphertextBlob();
    secrets.add(fixture.kms.decrypt(b -> b.ciphertextBlob(blob)).plaintext().asByteArray());
    for (int i = 0; i < 5; i++) {
      secrets.add(fixture.kms.generateDataKey(b -> b.keyId(id).keySpec(DataKeySpec.AES_256)).plaintext()
          .asByteArray());
      secrets.add(fixture.kms.generateRandom(b -> b.numberOfBytes(32)).plaintext().asByteArray());
    }
    String log = fixture.auditText();
    for (byte[] secret : secrets) {
      for (String form : List.of(Base64.getEncoder().encodeToString(secret), HexFormat.of().formatHex(secret),
          new String(secret, StandardCharsets.ISO_8859_1))) {
        assertFalse(log.contains(form), "the audit log holds a secret");
      }
    }
    assertFalse(log.contains(fixture.accessKey.secret()), "the audit log holds an access key's secret");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        home.resolve("keyserver").resolve("audit.log"))));
  }
}
