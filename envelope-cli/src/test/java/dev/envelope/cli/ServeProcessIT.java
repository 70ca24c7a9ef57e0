package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope serve} from the shaded jar as a real process (Jetty and its service files from the fat
 * jar): it prints the first admin token once and {@code listening on http://HOST:PORT}, serves a round trip,
 * stops on SIGTERM, and starts again on the same home without a new token.
 */
class ServeProcessIT {
  private static final Path JAR = Path.of("target", "envelope.jar");
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
  private static final Pattern TOKEN = Pattern.compile("^\\s+(env1\\.[a-z2-7]{16}\\.[A-Za-z0-9_-]{43})$");

  @TempDir
  Path dir;

  private final String master = Keyrings.newMasterKeyBase64();

  private record Started(Process process, String url, List<String> stdout) {}

  private Started serve() throws IOException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx96m", "-XX:+UseSerialGC", "-jar", JAR.toAbsolutePath().toString(), "serve", "--port", "0");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("ENVELOPE_HOME", dir.resolve("home").toString());
    builder.environment().put("ENVELOPE_MASTER_KEY", master);
    builder.redirectError(dir.resolve("stderr-" + System.nanoTime()).toFile());
    Process process = builder.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    for (String line; (line = out.readLine()) != null; ) {
      lines.add(line);
      Matcher m = LISTENING.matcher(line);
      if (m.matches()) {
        return new Started(process, m.group(1), lines);
      }
    }
    throw new AssertionError("serve ended without listening: " + lines + " "
        + Files.readString(builder.redirectError().file().toPath()));
  }

  @Test
  void servesFromTheFatJarStopsOnSigtermAndKeepsItsTokens() throws Exception {
    Started first = serve();
    String token = first.stdout().stream().map(TOKEN::matcher).filter(Matcher::matches).map(m -> m.group(1))
        .findFirst().orElseThrow(() -> new AssertionError(first.stdout()));
    HttpClient http = HttpClient.newHttpClient();
    byte[] content = "attack at dawn".getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(first.url() + "/v1/files?name=n.txt"))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, up.statusCode(), up.body());
    String location = up.headers().firstValue("Location").orElseThrow();

    first.process().destroy(); // SIGTERM
    assertTrue(first.process().waitFor(30, TimeUnit.SECONDS), "stopped on SIGTERM");

    Started again = serve();
    try {
      assertFalse(again.stdout().stream().anyMatch(l -> TOKEN.matcher(l).matches()), "no second token");
      HttpResponse<byte[]> down = http.send(HttpRequest.newBuilder(URI.create(again.url() + location))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, down.statusCode());
      assertArrayEquals(content, down.body());
    } finally {
      again.process().destroy();
      again.process().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
