package dev.envelope.cli.jsonlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;

class JsonLoggerTest {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final BasicMDCAdapter mdc = new BasicMDCAdapter();
  private final JsonLogger log = new JsonLogger("dev.envelope.Test", Level.INFO.toInt(), mdc,
      () -> new PrintStream(out, true, StandardCharsets.UTF_8),
      Clock.fixed(Instant.parse("2026-01-02T03:04:05.006Z"), ZoneOffset.UTC));

  private String[] lines() {
    return out.toString(StandardCharsets.UTF_8).split("\n", -1);
  }

  private JsonNode onlyEvent() throws Exception {
    String[] lines = lines();
    assertEquals(2, lines.length, out.toString(StandardCharsets.UTF_8));
    assertEquals("", lines[1], "the line ends with its newline");
    return JSON.readTree(lines[0]);
  }

  @Test
  void quotesNewlinesAndControlCharactersInAMessage_stayInsideOneLineAndOneString() throws Exception {
    String hostile = "a \"quoted\" \\ back\nslash\r\n{\"level\":\"ERROR\"}\t\u0001\u001f end";

    log.info("name {}", hostile);

    JsonNode event = onlyEvent();
    assertEquals("name " + hostile, event.get("message").asText());
    java.util.Set<String> fields = new java.util.HashSet<>();
    event.fieldNames().forEachRemaining(fields::add);
    assertEquals(java.util.Set.of("time", "level", "logger", "message", "thread"), fields);
    assertEquals("2026-01-02T03:04:05.006Z", event.get("time").asText());
    assertEquals("INFO", event.get("level").asText());
    assertEquals("dev.envelope.Test", event.get("logger").asText());
    assertEquals(Thread.currentThread().getName(), event.get("thread").asText());
  }

  @Test
  void anExceptionIsAFieldWithItsClassMessageAndStackTrace() throws Exception {
    log.warn("reading {} failed", "f1", new IllegalStateException("disk \"gone\"\nreally"));

    JsonNode event = onlyEvent();
    assertEquals("WARN", event.get("level").asText());
    assertEquals("reading f1 failed", event.get("message").asText());
    JsonNode exception = event.get("exception");
    assertEquals("java.lang.IllegalStateException", exception.get("class").asText());
    assertEquals("disk \"gone\"\nreally", exception.get("message").asText());
    assertTrue(exception.get("stackTrace").asText().contains("at dev.envelope.cli.jsonlog.JsonLoggerTest."),
        exception.toString());
  }

  @Test
  void theRequestIdOfTheLogContext_isAField() throws Exception {
    mdc.put("requestId", "test-req-1");
    try {
      log.error("stored");
    } finally {
      mdc.remove("requestId");
    }

    assertEquals("test-req-1", onlyEvent().get("requestId").asText());
  }

  @Test
  void eventsBelowTheLevel_areNotWritten() {
    log.debug("not shown {}", 1);
    log.trace("nor this");

    assertFalse(log.isDebugEnabled());
    assertEquals(0, out.size());
  }

  @Test
  void levelsAreSimpleLoggersOwn_theNearestNamedParentFirst_systemPropertiesBeforeTheFile() {
    Properties file = new Properties();
    file.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
    file.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "warn");
    file.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty.http.HttpParser", "off");
    Properties system = new Properties();
    system.setProperty("org.slf4j.simpleLogger.log.dev.envelope.service", "debug");
    LogLevels levels = new LogLevels(file, system);

    assertEquals(Level.WARN.toInt(), levels.threshold("com.zaxxer.hikari.pool.HikariPool"));
    assertEquals(LogLevels.OFF, levels.threshold("org.eclipse.jetty.http.HttpParser"));
    assertEquals(Level.INFO.toInt(), levels.threshold("dev.envelope.security"));
    assertEquals(Level.DEBUG.toInt(), levels.threshold("dev.envelope.service.FileService"));
  }

  @Test
  void theShippedConfiguration_keepsHikariAtWarnAndTheSecurityLoggerShown() {
    LogLevels levels = LogLevels.load();

    assertEquals(Level.WARN.toInt(), levels.threshold("com.zaxxer.hikari.HikariDataSource"));
    assertEquals(Level.WARN.toInt(), levels.threshold("org.eclipse.jetty.server.Server"));
    assertEquals(LogLevels.OFF, levels.threshold("org.eclipse.jetty.http.HttpParser"));
    assertEquals(Level.INFO.toInt(), levels.threshold("dev.envelope.security"));
  }
}
