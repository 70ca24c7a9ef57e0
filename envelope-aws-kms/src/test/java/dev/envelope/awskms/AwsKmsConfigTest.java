package dev.envelope.awskms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

class AwsKmsConfigTest {
  @Test
  void defaults_areBounded() {
    AwsKmsConfig config = AwsKmsConfig.builder().build();

    assertEquals(Optional.empty(), config.endpoint());
    assertEquals(Optional.empty(), config.region());
    assertEquals(Optional.empty(), config.credentials());
    assertEquals(5, config.maxAttempts());
    assertEquals(Duration.ofSeconds(10), config.callTimeout());
    assertTrue(config.attemptTimeout().compareTo(config.callTimeout()) < 0);
  }

  @Test
  void toBuilder_roundTrips() {
    AwsKmsConfig config = AwsKmsConfig.builder().endpoint(URI.create("https://kms.example:8443")).region("eu-west-3")
        .maxAttempts(3).callTimeout(Duration.ofSeconds(4)).attemptTimeout(Duration.ofSeconds(1))
        .connectTimeout(Duration.ofMillis(300)).baseDelay(Duration.ofMillis(5))
        .throttlingBaseDelay(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(500)).build();

    assertEquals(config, config.toBuilder().build());
  }

  @Test
  void wrongValues_areRefused_withTheFieldNamed() {
    assertRefused("maxAttempts", () -> AwsKmsConfig.builder().maxAttempts(0).build());
    assertRefused("maxAttempts", () -> AwsKmsConfig.builder().maxAttempts(1000).build());
    assertRefused("callTimeout", () -> AwsKmsConfig.builder().callTimeout(Duration.ZERO).build());
    assertRefused("attemptTimeout", () -> AwsKmsConfig.builder().attemptTimeout(Duration.ofMillis(-1)).build());
    assertRefused("connectTimeout", () -> AwsKmsConfig.builder().connectTimeout(Duration.ofDays(2)).build());
    assertRefused("callTimeout", () -> AwsKmsConfig.builder().callTimeout(null).build());
    assertRefused("region", () -> AwsKmsConfig.builder().region("").build());
    assertRefused("region", () -> AwsKmsConfig.builder().region("US EAST 1").build());
    assertRefused("region", () -> AwsKmsConfig.builder().region("x".repeat(10_000)).build());
    assertRefused("endpoint", () -> AwsKmsConfig.builder().endpoint(URI.create("ftp://kms.example")).build());
    assertRefused("endpoint", () -> AwsKmsConfig.builder().endpoint(URI.create("kms.example:443")).build());
    assertRefused("endpoint", () -> AwsKmsConfig.builder().endpoint(URI.create("https://kms.example/?a=b")).build());
    assertRefused("endpoint", () -> AwsKmsConfig.builder().endpoint(URI.create("https://u:p@kms.example")).build());
  }

  @Test
  void toString_namesNoSecret() {
    AwsKmsConfig config = AwsKmsConfig.builder().credentials(StaticCredentialsProvider.create(
        AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))).build();

    assertFalse(config.toString().contains("wJalrXUtnFEMI"), config.toString());
    assertFalse(config.toString().contains("AKIDEXAMPLE"), config.toString());
  }

  private static void assertRefused(String field, Runnable build) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run, field);
    assertTrue(e.getMessage().contains(field), e.getMessage());
  }
}
