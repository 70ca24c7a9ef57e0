package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope serve} from the shaded jar as a real process (Jetty and its service files from the fat
 * jar): it prints the first admin token once and {@code listening on http://HOST:PORT}, serves a round trip,
 * stops on SIGTERM, and starts again on the same home without a new token.
 */
class ServeProcessIT {

  @TempDir
  Path dir;

  private final String master = Keyrings.newMasterKeyBase64();

  private ServeProcess serve() throws IOException {
    return ServeProcess.start(dir.resolve("home"), master, dir, "96m");
  }

  @Test
  void servesFromTheFatJarStopsOnSigtermAndKeepsItsTokens() throws Exception {
    ServeProcess first = serve();
    String token = first.firstToken().orElseThrow(() -> new AssertionError(first.stdout()));
    HttpClient http = HttpClient.newHttpClient();
    byte[] content = "attack at dawn".getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(first.url() + "/v1/files?name=n.txt"))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, up.statusCode(), up.body());
    String location = up.headers().firstValue("Location").orElseThrow();

    first.process().destroy(); // SIGTERM
    assertTrue(first.process().waitFor(30, TimeUnit.SECONDS), "stopped on SIGTERM");

    ServeProcess again = serve();
    try {
      assertFalse(again.firstToken().isPresent(), "no second token");
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
