package dev.envelope.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PostgresConfigTest {
  private static final String URL = "jdbc:postgresql://db.example:5432/envelope";

  @Test
  void builder_hasTheDocumentedDefaults() {
    PostgresConfig config = PostgresConfig.builder(URL).build();
    assertEquals(URL, config.jdbcUrl());
    assertEquals("envelope", config.user());
    assertEquals("", config.password());
    assertEquals(16, config.maxPoolSize());
    assertEquals(Duration.ofSeconds(5), config.connectionTimeout());
    assertEquals(Duration.ofSeconds(15), config.statementTimeout());
    assertEquals(Optional.empty(), config.schema());
  }

  @Test
  void toString_neverShowsThePassword() {
    PostgresConfig config = PostgresConfig.builder(URL).user("svc").password("hunter2-very-secret").build();
    assertFalse(config.toString().contains("hunter2"), config.toString());
    assertTrue(config.toString().contains("svc"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "postgresql://db/envelope", "jdbc:mysql://db/envelope", "jdbc:postgresql://",
      "JDBC:POSTGRESQL://db/x", " jdbc:postgresql://db/x", "jdbc:sqlite:/tmp/x.db"})
  void urlThatIsNotPostgres_isRefused(String url) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PostgresConfig.builder(url).build());
    assertTrue(e.getMessage().contains("jdbc:postgresql://"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdbc:postgresql://db/x?password=s3cr3t", "jdbc:postgresql://db/x?user=a&password=s3cr3t",
      "jdbc:postgresql://db/x?PASSWORD=s3cr3t", "jdbc:postgresql://db/x?sslpassword=s3cr3t",
      "jdbc:postgresql://db/x?user=a&sslPassword=s3cr3t", "jdbc:postgresql://bob:s3cr3t@db/x",
      "jdbc:postgresql://bob:s3cr3t@db:5432/x?ssl=true"})
  void urlWithAPassword_isRefused_withoutEchoingIt(String url) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PostgresConfig.builder(url).build());
    assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
  }

  @Test
  void nullsAndEmptyUser_areRefused() {
    assertThrows(NullPointerException.class, () -> PostgresConfig.builder(null).build());
    assertThrows(NullPointerException.class, () -> PostgresConfig.builder(URL).password(null).build());
    assertThrows(IllegalArgumentException.class, () -> PostgresConfig.builder(URL).user("").build());
  }

  @Test
  void poolSizeAndTimeouts_outsideTheirRange_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> PostgresConfig.builder(URL).maxPoolSize(0).build());
    assertThrows(IllegalArgumentException.class, () -> PostgresConfig.builder(URL).maxPoolSize(1001).build());
    assertThrows(IllegalArgumentException.class,
        () -> PostgresConfig.builder(URL).connectionTimeout(Duration.ofMillis(249)).build());
    assertThrows(IllegalArgumentException.class,
        () -> PostgresConfig.builder(URL).connectionTimeout(Duration.ofHours(2)).build());
    assertThrows(IllegalArgumentException.class,
        () -> PostgresConfig.builder(URL).statementTimeout(Duration.ofMillis(999)).build());
    assertThrows(IllegalArgumentException.class,
        () -> PostgresConfig.builder(URL).connectionTimeout(Duration.ofSeconds(-1)).build());
    assertEquals(1, PostgresConfig.builder(URL).maxPoolSize(1).build().maxPoolSize());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Envelope", "1abc", "a-b", "a b", "a;DROP SCHEMA public", "\"x\"", "ä",
      "a234567890123456789012345678901234567890123456789012345678901234"})
  void badSchemaName_isRefused(String schema) {
    assertThrows(IllegalArgumentException.class, () -> PostgresConfig.builder(URL).schema(schema).build());
  }

  @Test
  void goodSchemaName_isKept() {
    assertEquals(Optional.of("envelope_1"), PostgresConfig.builder(URL).schema("envelope_1").build().schema());
  }
}
