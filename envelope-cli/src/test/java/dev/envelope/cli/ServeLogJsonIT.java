package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.keyring.Keyrings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope serve --log-format json} from the shaded jar as a real process: every stderr line is one JSON
 * object, a request's lines carry its id, and the first operator token (on stdout) is in none of them.
 */
class ServeLogJsonIT {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

  @TempDir
  Path dir;

  @Test
  void everyStderrLineIsAJsonEvent_requestsCarryTheirId_andTheTokenIsInNone() throws Exception {
    Path logs = Files.createDirectories(dir.resolve("logs"));
    ServeProcess serve = ServeProcess.start(dir.resolve("home"), Keyrings.newMasterKeyBase64(), logs, "96m",
        "--log-format", "json");
    String token = serve.firstToken().orElseThrow(() -> new AssertionError(serve.stdout()));
    HttpClient http = HttpClient.newHttpClient();
    try {
      HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(serve.url() + "/v1/files?name=n.txt"))
          .header("Authorization", "Bearer " + token).header("X-Request-Id", "test-req-1")
          .POST(HttpRequest.BodyPublishers.ofString("attack at dawn")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(201, up.statusCode(), up.body());
      HttpResponse<String> down = http.send(HttpRequest.newBuilder(URI.create(serve.url()
          + up.headers().firstValue("Location").orElseThrow())).header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals("attack at dawn", down.body());
      HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(serve.url() + "/v1/files/nothing"))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(404, missing.statusCode());
    } finally {
      serve.process().destroy(); // SIGTERM
      assertTrue(serve.process().waitFor(30, TimeUnit.SECONDS), "stopped on SIGTERM");
    }

    List<JsonNode> events = events(logs);
    assertTrue(events.stream().anyMatch(e -> "test-req-1".equals(text(e, "requestId"))
        && text(e, "message").startsWith("stored file ")), events.toString());
    assertTrue(events.stream().anyMatch(e -> "envelope: stopped".equals(text(e, "message"))), events.toString());
    assertTrue(events.stream().noneMatch(e -> e.toString().contains(token)), "the token is in no log line");
  }

  @Test
  void theConfigFilesLogFormat_choosesJsonToo() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Files.writeString(home.resolve("envelope.conf"), "log-format = json\naudit-log = off\n");
    Path logs = Files.createDirectories(dir.resolve("logs"));
    ServeProcess serve = ServeProcess.start(home, Keyrings.newMasterKeyBase64(), logs, "96m");
    serve.process().destroy();
    assertTrue(serve.process().waitFor(30, TimeUnit.SECONDS), "stopped on SIGTERM");

    List<JsonNode> events = events(logs);
    assertTrue(events.stream().anyMatch(e -> "WARN".equals(text(e, "level"))
        && text(e, "message").startsWith("envelope: warning: audit-log = off")), events.toString());
  }

  /** Every line of the one stderr file in {@code logs}, each checked to be one event with the fields. */
  private static List<JsonNode> events(Path logs) throws Exception {
    Path stderr;
    try (Stream<Path> files = Files.list(logs)) {
      stderr = files.filter(f -> f.getFileName().toString().startsWith("stderr-")).findFirst().orElseThrow();
    }
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(stderr)) {
      JsonNode event = JSON.readTree(line);
      assertTrue(event.isObject(), line);
      assertTrue(text(event, "time").matches(TIME), line);
      for (String field : List.of("level", "logger", "message", "thread")) {
        assertFalse(text(event, field).isEmpty(), field + " in " + line);
      }
      events.add(event);
    }
    assertFalse(events.isEmpty(), "no log line at all");
    return events;
  }

  private static String text(JsonNode event, String field) {
    JsonNode value = event.get(field);
    return value == null || !value.isTextual() ? "" : value.asText();
  }
}
