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

  @Test
  void malformedRequests_quotingTheirOwnHeaders_doNotReachTheLog() throws Exception {
    ServeProcess server = serve();
    try {
      URI url = URI.create(server.url());
      String marker = "x-forged-log-line-" + "y".repeat(2000);
      for (int i = 0; i < 100; i++) {
        try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
          socket.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: " + marker
              + "\u0085forged\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          assertTrue(new String(socket.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1)
              .startsWith("HTTP/1.1 400"));
        }
      }

      String log = java.nio.file.Files.list(dir).filter(p -> p.getFileName().toString().startsWith("stderr-"))
          .map(p -> {
            try {
              return java.nio.file.Files.readString(p, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }).reduce("", String::concat);
      assertFalse(log.contains("x-forged-log-line"), "no client header text in the log");
      assertTrue(log.length() < 20_000, "the log did not grow with the requests: " + log.length() + " chars");
    } finally {
      server.process().destroy();
      server.process().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
