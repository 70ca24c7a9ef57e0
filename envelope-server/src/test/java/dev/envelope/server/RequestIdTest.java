package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.server.audit.ChainedAuditLog;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code X-Request-Id}: a client's is taken when it is valid, else replaced by the server's own, and echoed. */
class RequestIdTest {
  private static final String NODE = "request-id-node";
  private static final Pattern GENERATED = Pattern.compile("[0-9a-f]{16}");

  @TempDir
  Path auditDir;

  @Test
  void aValidClientId_isEchoed_andRecordedInTheAuditLog() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir, NODE, 1 << 20, Clock.systemUTC());
        TestServer t = TestServer.configured(b -> b.auditLog(log))) {
      String max = "a".repeat(64);
      for (String id : List.of("abc-123_X.y", "7", max, "trace.0af7651916cd43dd8448eb211c80319c")) {
        HttpResponse<String> r = t.send(t.request("/v1/files", t.reader).header("X-Request-Id", id).GET().build());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(id, r.headers().firstValue("X-Request-Id").orElseThrow());
      }
      HttpResponse<String> refused = t.send(t.request("/v1/files", "env_bad").header("X-Request-Id", "refused-1")
          .GET().build());
      assertEquals(401, refused.statusCode());
      assertEquals("refused-1", refused.headers().firstValue("X-Request-Id").orElseThrow(), "problems too");
      List<String> ids = new ArrayList<>();
      for (JsonNode line : lines()) {
        ids.add(line.path("requestId").asText());
      }
      assertTrue(ids.containsAll(List.of("abc-123_X.y", "7", max, "refused-1")), ids.toString());
    }
  }

  @Test
  void anInvalidClientId_isReplacedByAGeneratedOne_andNeverEchoedNorLogged() throws Exception {
    try (ChainedAuditLog log = ChainedAuditLog.open(auditDir, NODE, 1 << 20, Clock.systemUTC());
        TestServer t = TestServer.configured(b -> b.auditLog(log))) {
      List<String> hostile = List.of("", "a".repeat(65), "has space", "semi;colon", "quote\"d", "caf\u00e9",
          "x".repeat(10_000), "tab\there", "<script>", "a/b");
      for (String value : hostile) {
        Answer a = raw(t, "X-Request-Id: " + value + "\r\n");
        assertFalse(a.text.contains(value.isEmpty() ? "\u0000" : value), "echoed: " + clip(value));
        if (a.status < 400 || a.status == 401) {
          assertTrue(GENERATED.matcher(a.requestId).matches(), clip(value) + " -> " + a.requestId);
        }
      }
      Answer cr = raw(t, "X-Request-Id: abc\rdef\r\n");
      assertFalse(cr.text.contains("abc\rdef"));
      Answer two = raw(t, "X-Request-Id: first-id\r\nX-Request-Id: second-id\r\n");
      assertTrue(GENERATED.matcher(two.requestId).matches(), "two ids: neither is taken, " + two.requestId);
      Answer none = raw(t, "");
      assertTrue(GENERATED.matcher(none.requestId).matches(), none.requestId);
      assertNotEquals(none.requestId, two.requestId);

      String audit = String.join("\n", lines().stream().map(JsonNode::toString).toList());
      for (String value : hostile) {
        if (value.length() > 3) {
          assertFalse(audit.contains(value), "logged: " + clip(value));
        }
      }
      assertFalse(audit.contains("first-id") || audit.contains("second-id"));
    }
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  /** An answer read off the wire. */
  private record Answer(int status, String requestId, String text) {}

  /** {@code GET /v1/files} with a reader's token and {@code headers} as they are, on a raw connection. */
  private static Answer raw(TestServer t, String headers) throws Exception {
    try (Socket s = new Socket("127.0.0.1", t.server.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + t.reader
          + "\r\nConnection: close\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(headers.getBytes(StandardCharsets.UTF_8));
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(text.substring(9, 12));
      Matcher m = Pattern.compile("(?im)^X-Request-Id: ([^\r\n]*)\r\n").matcher(text);
      return new Answer(status, m.find() ? m.group(1) : "", text);
    }
  }

  private List<JsonNode> lines() throws Exception {
    return AuditLogTest.lines(auditDir, NODE);
  }
}
