package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.http.RawHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Uploads refused for what the request is, over raw sockets against a real server (hostile review of #15). */
class UploadRefusalsTest {
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  @Test
  void aReadTokensUpload_is403BeforeItsBodyIsRead() throws Exception {
    try (RawHttp raw = RawHttp.connect(t.server.port(), "127.0.0.1")) {
      raw.send("POST /v1/files?name=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.reader
          + "\r\nContent-Length: 100000000\r\n\r\n");

      RawHttp.Response r = raw.read(Duration.ofSeconds(5)); // not a byte of the 100 MB was sent

      assertEquals(403, r.status());
      assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("\"code\":\"forbidden\""));
    }
  }

  @Test
  void aChunkedBodyWithBrokenFraming_is400_notAnIncident() throws Exception {
    for (String type : new String[] {"multipart/form-data; boundary=abc", "text/plain"}) {
      try (RawHttp raw = RawHttp.connect(t.server.port(), "127.0.0.1")) {
        raw.send("POST /v1/files?name=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.writer
            + "\r\nContent-Type: " + type + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "zz\r\nabc\r\n0\r\n\r\n");

        RawHttp.Response r = raw.read(Duration.ofSeconds(10));

        assertEquals(400, r.status(), type + ": " + new String(r.body(), StandardCharsets.UTF_8));
      }
    }
  }
}
