package dev.envelope.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

class DynamoDbConfigTest {
  @Test
  void defaults_areBounded() {
    DynamoDbConfig config = DynamoDbConfig.builder().tableName("envelope").build();
    assertEquals(Duration.ofSeconds(2), config.connectTimeout());
    assertEquals(Duration.ofSeconds(3), config.attemptTimeout());
    assertEquals(Duration.ofSeconds(10), config.callTimeout());
    assertEquals(4, config.maxAttempts());
    assertEquals(null, config.endpoint());
    assertEquals(null, config.region());
    assertEquals(null, config.credentials());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ab", "has space", "slash/name", "ünïcode", "tab\tname", "semi;colon", "x#y"})
  void badTableNames_areRefused(String name) {
    assertThrows(IllegalArgumentException.class, () -> DynamoDbConfig.builder().tableName(name).build());
  }

  @Test
  void tableNames_followDynamoDbsRule() {
    assertThrows(IllegalArgumentException.class, () -> DynamoDbConfig.builder().build());
    assertThrows(IllegalArgumentException.class, () -> DynamoDbConfig.builder().tableName("x".repeat(256)).build());
    DynamoDbConfig.builder().tableName("x".repeat(255)).build();
    DynamoDbConfig.builder().tableName("abc").build();
    DynamoDbConfig.builder().tableName("Envelope_files-prod.v1").build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://127.0.0.1:8000", "127.0.0.1:8000", "file:///tmp/x", "http:/nohost", "mailto:a@b"})
  void badEndpoints_areRefused(String endpoint) {
    assertThrows(IllegalArgumentException.class,
        () -> DynamoDbConfig.builder().tableName("envelope").endpoint(URI.create(endpoint)).build());
  }

  @Test
  void badRegionsAndBounds_areRefused() {
    DynamoDbConfig.Builder b = DynamoDbConfig.builder().tableName("envelope");
    assertThrows(IllegalArgumentException.class, () -> b.region("EU WEST 1").build());
    assertThrows(IllegalArgumentException.class, () -> b.region("").build());
    b.region("eu-west-1");
    assertThrows(IllegalArgumentException.class, () -> b.connectTimeout(Duration.ZERO).build());
    b.connectTimeout(Duration.ofSeconds(1));
    assertThrows(IllegalArgumentException.class, () -> b.attemptTimeout(Duration.ofSeconds(-1)).build());
    b.attemptTimeout(Duration.ofSeconds(1));
    assertThrows(IllegalArgumentException.class, () -> b.callTimeout(Duration.ofHours(1)).build());
    assertThrows(NullPointerException.class, () -> b.callTimeout(null).build());
    b.callTimeout(Duration.ofSeconds(5));
    assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(0).build());
    assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(11).build());
    assertEquals(1, b.maxAttempts(1).build().maxAttempts());
  }

  @Test
  void toString_neverShowsTheCredentials() {
    DynamoDbConfig config = DynamoDbConfig.builder().tableName("envelope").region("eu-west-1")
        .endpoint(URI.create("https://dynamodb.example")).credentials(StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIAEXAMPLEKEYID", "very-secret-access-key"))).build();
    String text = config.toString();
    assertFalse(text.contains("very-secret-access-key") || text.contains("AKIAEXAMPLEKEYID"), text);
    assertTrue(text.contains("envelope") && text.contains("eu-west-1"), text);
  }
}
