package dev.envelope.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.ErrorCode;
import dev.envelope.client.FakeServer.Answer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvelopeClientTest {
  private static final String TOKEN = "env1.aaaaaaaaaaaaaaaa.SECRET-SECRET-SECRET-SECRET-SECRET-SECRET-abc";
  private static final String ID = "abcdefghijklmnopqrstuvwxyz";
  private static final String FILE_JSON = "{\"id\":\"" + ID + "\",\"name\":\"x\",\"size\":5,"
      + "\"contentType\":\"text/plain\",\"createdAt\":\"2025-01-01T00:00:00Z\"}";

  @TempDir
  Path dir;

  private FakeServer server;
  private EnvelopeClient client;

  @BeforeEach
  void start() throws IOException {
    server = new FakeServer();
    client = EnvelopeClient.builder(server.uri()).token(TOKEN).build();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void anUploadFromAFileSendsItsLengthTypeNameAndToken() throws Exception {
    server.on("POST /v1/files", Answer.json(201, FILE_JSON));
    Path file = Files.write(dir.resolve("f"), "hello".getBytes(StandardCharsets.UTF_8));
    AtomicLong progress = new AtomicLong();
    FileInfo info = client.upload(file, "a b&c=ü/../x", "text/plain", (done, total) -> progress.set(done * 10 + total));
    assertEquals(ID, info.id());
    FakeServer.Seen request = server.last();
    assertEquals("/v1/files?name=a%20b%26c%3D%C3%BC%2F..%2Fx", request.rawPathAndQuery());
    assertEquals("Bearer " + TOKEN, request.header("Authorization"));
    assertEquals("text/plain", request.header("Content-type"));
    assertEquals("5", request.header("Content-length"));
    assertEquals("hello", new String(request.body(), StandardCharsets.UTF_8));
    assertEquals(55, progress.get(), "5 of 5 bytes reported");
  }

  @Test
  void anUploadFromAStreamIsChunkedAndDefaultsToOctetStream() throws Exception {
    server.on("POST /v1/files", Answer.json(201, FILE_JSON));
    client.upload(new ByteArrayInputStream(new byte[100_000]), "n", null);
    assertEquals("chunked", server.last().header("Transfer-encoding"));
    assertEquals("application/octet-stream", server.last().header("Content-type"));
    assertEquals(100_000, server.last().body().length);
  }

  @Test
  void aSourceThatFailsIsAnIoErrorNotTheServers() {
    server.on("POST /v1/files", Answer.json(201, FILE_JSON));
    InputStream failing = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("disk on fire");
      }
    };
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> client.upload(failing, "n", null));
    assertEquals(ErrorCode.IO, e.code());
    assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
  }

  @Test
  void anErrorAnswerCarriesTheCodeAndDetailButNeverTheToken() {
    server.on("GET /v1/files/" + ID + "/metadata",
        Answer.json(401, "{\"status\":401,\"code\":\"unauthenticated\",\"detail\":\"a valid bearer token is required\"}"));
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> client.describe(ID));
    assertEquals(ErrorCode.UNAUTHENTICATED, e.code());
    assertEquals("a valid bearer token is required", e.getMessage());
    assertFalse(e.toString().contains("SECRET") || client.toString().contains("SECRET"));
  }

  @Test
  void aDownloadStreamsTheBodyAndADownloadToAFileIsPrivate() throws Exception {
    server.on("GET /v1/files/" + ID, new Answer(200, "text/plain", "hello".getBytes(StandardCharsets.UTF_8)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(5, client.download(ID, out));
    assertEquals("hello", out.toString(StandardCharsets.UTF_8));
    Path target = dir.resolve("got");
    client.download(ID, target);
    assertEquals("hello", Files.readString(target));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
  }

  @Test
  void aDownloadCutShortBeforeContentLengthFailsAndLeavesNoFile() throws Exception {
    byte[] answer = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n"
        + "only part of it").getBytes(StandardCharsets.US_ASCII);
    assertBrokenOff(answer);
  }

  @Test
  void aChunkedDownloadWithoutItsLastChunkFails() throws Exception {
    byte[] answer = ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    assertBrokenOff(answer);
  }

  private void assertBrokenOff(byte[] answer) throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AutoCloseable raw = FakeServer.raw(answer, socket)) {
      EnvelopeClient rawClient = EnvelopeClient.builder(URI.create("http://127.0.0.1:" + socket.getLocalPort()))
          .token(TOKEN).build();
      EnvelopeClientException e = assertThrows(EnvelopeClientException.class,
          () -> rawClient.download(ID, new ByteArrayOutputStream()));
      assertEquals(ErrorCode.IO, e.code());
      assertTrue(e.getMessage().contains("incomplete"), e.getMessage());
      assertThrows(EnvelopeClientException.class, () -> rawClient.download(ID, dir.resolve("out")));
      try (var files = Files.list(dir)) {
        assertEquals(List.of(), files.toList(), "neither the file nor a temporary file is left");
      }
    }
  }

  @Test
  void aRangeIsAskedForAndCheckedAgainstContentRange() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AutoCloseable raw = FakeServer.raw(("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 10-12/100\r\n"
            + "Content-Length: 3\r\n\r\nabc").getBytes(StandardCharsets.US_ASCII), socket)) {
      EnvelopeClient rawClient = EnvelopeClient.builder(URI.create("http://127.0.0.1:" + socket.getLocalPort()))
          .token(TOKEN).build();
      assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), rawClient.downloadRange(ID, 10, 3));
      EnvelopeClientException wrong = assertThrows(EnvelopeClientException.class,
          () -> rawClient.downloadRange(ID, 11, 3));
      assertEquals(ErrorCode.INTERNAL, wrong.code(), "a range other than the one asked for is refused");
    }
    server.on("GET /v1/files/" + ID, Answer.json(416, "{\"code\":\"range-not-satisfiable\",\"detail\":\"past the end\"}"));
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> client.downloadRange(ID, 500, 10));
    assertEquals(ErrorCode.RANGE_NOT_SATISFIABLE, e.code());
    assertEquals("bytes=500-509", server.last().header("Range"));
  }

  @Test
  void listAllFollowsTheCursorToTheLastPage() {
    String file = FILE_JSON;
    server.on("GET /v1/files", Answer.json(200, "{\"files\":[" + file + "," + file + "],\"nextCursor\":\"c 2\"}"));
    Iterator<FileInfo> all = client.listAll(2);
    assertTrue(all.hasNext());
    all.next();
    all.next();
    server.on("GET /v1/files", Answer.json(200, "{\"files\":[" + file + "],\"nextCursor\":null}"));
    List<FileInfo> rest = new ArrayList<>();
    all.forEachRemaining(rest::add);
    assertEquals(1, rest.size());
    assertEquals(List.of("/v1/files?limit=2", "/v1/files?limit=2&cursor=c%202"),
        server.seen.stream().map(FakeServer.Seen::rawPathAndQuery).toList());
  }

  @Test
  void aFailingPageSurfacesFromTheIteratorUnchecked() {
    server.on("GET /v1/files", Answer.json(503, "{\"code\":\"unavailable\",\"detail\":\"db down\"}"));
    UncheckedEnvelopeClientException e = assertThrows(UncheckedEnvelopeClientException.class,
        () -> client.listAll(10).hasNext());
    assertEquals(ErrorCode.UNAVAILABLE, e.getCause().code());
  }

  @Test
  void deleteAndTokenCallsUseTheirRoutes() throws Exception {
    server.on("DELETE /v1/files/" + ID, new Answer(204, null, new byte[0]));
    client.delete(ID);
    server.on("POST /v1/tokens", Answer.json(201, "{\"id\":\"aaaaaaaaaaaaaaaa\",\"tenant\":\"acme\",\"role\":"
        + "\"write\",\"name\":\"ci\",\"createdAt\":\"2025-01-01T00:00:00Z\",\"token\":\"env1.x.y\"}"));
    NewToken token = client.createToken("acme", "write", "ci");
    assertEquals("acme", token.info().tenant());
    assertEquals("{\"tenant\":\"acme\",\"role\":\"write\",\"name\":\"ci\"}",
        new String(server.last().body(), StandardCharsets.UTF_8));
    server.on("GET /v1/tokens", Answer.json(200, "{\"tokens\":[{\"id\":\"aaaaaaaaaaaaaaaa\",\"tenant\":\"acme\","
        + "\"role\":\"write\",\"name\":\"ci\",\"createdAt\":\"2025-01-01T00:00:00Z\",\"revokedAt\":\"2025-01-02T00:00:00Z\"}]}"));
    assertTrue(client.listTokens("acme").get(0).revokedAt().isPresent());
    assertEquals("/v1/tokens?tenant=acme", server.last().rawPathAndQuery());
    server.on("DELETE /v1/tokens/aaaaaaaaaaaaaaaa", new Answer(204, null, new byte[0]));
    client.revokeToken("aaaaaaaaaaaaaaaa");
  }

  @Test
  void anIdThatIsNotOneIsRefusedBeforeAnyRequest() {
    for (String bad : new String[] {"..", "a/b", "", "x?y", "a b"}) {
      EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> client.delete(bad));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
    assertEquals(0, server.seen.size());
  }

  @Test
  void aRefusedConnectionIsUnavailableAndNamesTheServer() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    EnvelopeClient nobody = EnvelopeClient.builder(URI.create("http://127.0.0.1:" + port + "/")).token(TOKEN).build();
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> nobody.list(10, null));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().startsWith("cannot connect to http://127.0.0.1:" + port + " "), e.getMessage());
  }

  @Test
  void aServerThatDoesNotAnswerTimesOutAsUnavailable() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      EnvelopeClient slow = EnvelopeClient.builder(URI.create("http://127.0.0.1:" + silent.getLocalPort()))
          .token(TOKEN).requestTimeout(Duration.ofMillis(300)).build();
      EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> slow.describe(ID));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().endsWith("did not answer within 300 ms"), e.getMessage());
    }
  }

  @Test
  void aTokenThatCannotBeAHeaderIsRefusedWithoutRepeatingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EnvelopeClient.builder(server.uri()).token("env1.abc\r\nX-Evil: SECRET"));
    assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> EnvelopeClient.builder(server.uri()).token(" \n"));
    assertThrows(IllegalArgumentException.class, () -> EnvelopeClient.builder(URI.create("file:///etc/passwd")));
  }

  @Test
  void withoutATokenNoRequestIsSent() {
    EnvelopeClient anonymous = EnvelopeClient.builder(server.uri()).build();
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> anonymous.list(1, null));
    assertEquals(ErrorCode.UNAUTHENTICATED, e.code());
    assertEquals(0, server.seen.size());
  }
}
