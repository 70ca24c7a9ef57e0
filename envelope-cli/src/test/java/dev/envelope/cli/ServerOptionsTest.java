package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the client commands find their server and token, against a stand-in that records what it is shown. */
class ServerOptionsTest {
  private static final String FROM_ENV = "env1.aaaaaaaaaaaaaaaa.from-env";
  private static final String FROM_FILE = "env1.aaaaaaaaaaaaaaaa.from-file";

  @TempDir
  Path dir;

  private HttpServer server;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private CliRunner cli;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/files", exchange -> {
      authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
      byte[] body = "{\"files\":[],\"nextCursor\":null}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    cli = new CliRunner(dir.resolve("home"), null);
    cli.env.put("ENVELOPE_SERVER", "http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void theTokenComesFromTheEnvironmentOrAFileWithItsNewlineDropped() throws Exception {
    cli.env.put("ENVELOPE_TOKEN", FROM_ENV);
    assertEquals(0, cli.run("ls").status);
    Path file = Files.writeString(dir.resolve("token"), FROM_FILE + "\n");
    assertEquals(0, cli.run("ls", "--token-file", file.toString()).status);
    cli.env.remove("ENVELOPE_TOKEN");
    cli.env.put("ENVELOPE_TOKEN_FILE", file.toString());
    assertEquals(0, cli.run("ls").status);
    assertEquals(List.of("Bearer " + FROM_ENV, "Bearer " + FROM_FILE, "Bearer " + FROM_FILE), authorizations);
  }

  @Test
  void withoutATokenNothingIsSentAndTheExitStatusIsUnauthenticated() {
    CliRunner.Result r = cli.run("ls");
    assertEquals(14, r.status, r.toString());
    assertTrue(r.stderr.startsWith("envelope: error: no token: set ENVELOPE_TOKEN"), r.stderr);
    assertEquals(List.of(), authorizations);
  }

  @Test
  void anEmptyOrUnreadableTokenIsAnErrorNeverAnAnonymousCall() {
    cli.env.put("ENVELOPE_TOKEN", "");
    assertEquals(2, cli.run("ls").status);
    cli.env.remove("ENVELOPE_TOKEN");
    CliRunner.Result missing = cli.run("ls", "--token-file", dir.resolve("nope").toString());
    assertEquals(3, missing.status, missing.toString());
    assertEquals(2, cli.run("ls", "--token", "a", "--token-file", "b").status);
    assertEquals(List.of(), authorizations);
  }

  @Test
  void aTokenWithABrokenCharacterIsRefusedWithoutBeingPrinted() {
    CliRunner.Result r = cli.run("ls", "--token", "env1.secret\u0007part");
    assertEquals(2, r.status);
    assertFalse(r.stderr.contains("secret"), r.stderr);
  }

  @Test
  void aServerThatIsNotThereIsUnavailableAndNamed() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    CliRunner.Result r = cli.run("ls", "--token", FROM_ENV, "--server", "http://127.0.0.1:" + port);
    assertEquals(18, r.status, r.toString());
    assertEquals("envelope: error: cannot connect to http://127.0.0.1:" + port + " (connection refused)"
        + " [unavailable]\n", r.stderr);
    assertEquals(2, cli.run("ls", "--token", FROM_ENV, "--server", "ftp://x").status);
    assertEquals(2, cli.run("ls", "--token", FROM_ENV, "--server", "not a url").status);
  }
}
