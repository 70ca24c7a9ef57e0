package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Clients that lie about {@code Content-Length}, over a raw socket (a real client would not lie). */
class ContentLengthLiesTest {
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  private static String head(long length, String name) {
    return "POST /v1/files?name=" + name + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + t.writer
        + "\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n";
  }

  private static String exchange(String head, byte[] body, boolean closeOutput) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", t.server.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      if (closeOutput) {
        socket.shutdownOutput();
      }
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      try (InputStream in = socket.getInputStream()) {
        in.transferTo(answer);
      } catch (java.net.SocketException reset) {
        // the server may reset a connection it gave up on
      }
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void aBodyShorterThanAnnouncedStoresNothing() throws Exception {
    int filesBefore = t.fileCount();
    int blobsBefore = t.blobCount();

    String answer = exchange(head(100_000, "short"), new byte[60_000], true);

    assertTrue(!answer.startsWith("HTTP/1.1 201"), answer);
    Thread.sleep(200);
    assertEquals(filesBefore, t.fileCount());
    assertEquals(blobsBefore, t.blobCount());
  }

  @Test
  void bytesBeyondTheAnnouncedLengthAreNotPartOfTheFile() throws Exception {
    byte[] body = "0123456789EXTRA BYTES THAT ARE NOT THE FILE".getBytes(StandardCharsets.US_ASCII);

    String answer = exchange(head(10, "long"), body, false);

    assertTrue(answer.startsWith("HTTP/1.1 201"), answer);
    Matcher id = Pattern.compile("\"id\":\"([a-z2-7]{26})\"").matcher(answer);
    assertTrue(id.find(), answer);
    byte[] stored = t.sendBytes(t.request("/v1/files/" + id.group(1), t.reader).build()).body();
    assertArrayEquals("0123456789".getBytes(StandardCharsets.US_ASCII), stored);
  }

  @Test
  void aContentLengthThatIsNotANumberIsA400Problem() throws Exception {
    String head = "POST /v1/files?name=x HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + t.writer
        + "\r\nContent-Length: ten\r\nConnection: close\r\n\r\n";

    String answer = exchange(head, "0123456789".getBytes(StandardCharsets.US_ASCII), false);

    assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
    assertTrue(answer.contains("Content-Type: application/problem+json"), answer);
    assertTrue(answer.contains("\"code\":\"invalid-argument\""), answer);
  }

  @Test
  void aDeclaredLengthOverTheLimitIsRefusedBeforeTheBody() throws Exception {
    try (TestServer limited = TestServer.withMaxUpload(1000)) {
      try (Socket socket = new Socket("127.0.0.1", limited.server.port())) {
        socket.setSoTimeout(10_000);
        String head = "POST /v1/files?name=big HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + limited.writer
            + "\r\nContent-Length: 5000000\r\n\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        // No body at all: the answer must come anyway.
        byte[] answer = new byte[2048];
        int n = socket.getInputStream().read(answer);
        String text = new String(answer, 0, n, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("HTTP/1.1 413"), text);
        assertTrue(text.contains("\"code\":\"too-large\""), text);
      }
      assertEquals(0, limited.blobCount());
    }
  }

  @Test
  void aStreamedBodyOverTheLimitIs413AndStoresNothing() throws Exception {
    try (TestServer limited = TestServer.withMaxUpload(1000)) {
      var r = limited.send(limited.request("/v1/files?name=big", limited.writer)
          .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
              () -> new java.io.ByteArrayInputStream(new byte[5000]))).build());

      assertEquals(413, r.statusCode());
      assertEquals(0, limited.blobCount());
      assertEquals(0, limited.fileCount());
    }
  }
}
