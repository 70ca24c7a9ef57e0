package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.api.ErrorCode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every error, whatever produced it, is the same RFC 9457 shape with a stable code. */
class ProblemShapeTest {
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  static Stream<Arguments> errors() {
    String missing = "/v1/files/aaaaaaaaaaaaaaaaaaaaaaaaaa";
    return Stream.of(
        Arguments.of("no token", (Req) () -> t.request("/v1/files", null).build(), 401, "unauthenticated"),
        Arguments.of("read token uploads", (Req) () -> t.request("/v1/files?name=x", t.reader)
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(), 403, "forbidden"),
        Arguments.of("missing file", (Req) () -> t.request(missing, t.reader).build(), 404, "not-found"),
        Arguments.of("missing metadata", (Req) () -> t.request(missing + "/metadata", t.reader).build(), 404,
            "not-found"),
        Arguments.of("unknown route", (Req) () -> t.request("/nowhere", null).build(), 404, "not-found"),
        Arguments.of("unknown v1 route", (Req) () -> t.request("/v1/nowhere", t.reader).build(), 404, "not-found"),
        Arguments.of("wrong method", (Req) () -> t.request("/v1/files", t.reader)
            .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), 405, "method-not-allowed"),
        Arguments.of("bad limit", (Req) () -> t.request("/v1/files?limit=zero", t.reader).build(), 400,
            "invalid-argument"),
        Arguments.of("bad cursor", (Req) () -> t.request("/v1/files?cursor=%00garbage", t.reader).build(), 400,
            "invalid-argument"),
        Arguments.of("no name", (Req) () -> t.request("/v1/files", t.writer)
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(), 400, "invalid-argument"),
        Arguments.of("bad media type", (Req) () -> t.request("/v1/files?name=x", t.writer).header("Content-Type", "nope")
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(), 400, "invalid-argument"),
        Arguments.of("bad json", (Req) () -> t.request("/v1/tokens", t.admin)
            .POST(HttpRequest.BodyPublishers.ofString("{")).build(), 400, "invalid-argument"),
        Arguments.of("missing token id", (Req) () -> t.request("/v1/tokens/aaaaaaaaaaaaaaaa", t.admin).DELETE().build(),
            404, "not-found"));
  }

  @FunctionalInterface
  interface Req {
    HttpRequest build() throws Exception;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void everyErrorIsAProblem(String what, Req request, int status, String code) throws Exception {
    HttpResponse<String> r = t.send(request.build());

    assertEquals(status, r.statusCode(), r.body());
    assertEquals(Problem.MEDIA_TYPE, r.headers().firstValue("Content-Type").orElseThrow());
    JsonNode json = Json.MAPPER.readTree(r.body());
    assertEquals(Set.of("type", "title", "status", "detail", "code"), RoundTripTest.fields(json));
    assertEquals(code, json.get("code").asText());
    assertEquals("https://envelope.dev/problems/" + code, json.get("type").asText());
    assertEquals(status, json.get("status").asInt());
    assertFalse(r.body().contains("Exception") || r.body().contains("at dev.") || r.body().contains("/tmp")
        || r.body().contains(t.home.toString()), r.body());
  }

  @Test
  void aWrongMethodSaysWhichOnesTheResourceTakes() throws Exception {
    HttpResponse<String> r = t.send(t.request("/v1/files", t.reader).PUT(HttpRequest.BodyPublishers.ofString("x"))
        .build());

    assertEquals(405, r.statusCode());
    assertEquals("GET, POST", r.headers().firstValue("Allow").orElseThrow());
    // curl -T FILE without -X POST: the detail says what the resource takes and how to upload.
    assertEquals("/v1/files does not take PUT; it takes GET, POST. An upload is a POST: curl -T FILE sends PUT"
        + " unless you add -X POST (curl -X POST -T FILE '.../v1/files?name=NAME')",
        Json.MAPPER.readTree(r.body()).get("detail").asText());

    HttpResponse<String> delete = t.send(t.request("/v1/files", t.writer).DELETE().build());
    assertEquals(405, delete.statusCode());
    assertEquals("/v1/files does not take DELETE; it takes GET, POST",
        Json.MAPPER.readTree(delete.body()).get("detail").asText());
  }

  @Test
  void anUploadWithoutAName_saysWhereANameGoes() throws Exception {
    HttpResponse<String> raw = t.send(t.request("/v1/files", t.writer).POST(HttpRequest.BodyPublishers.ofString("x"))
        .build());
    assertEquals(400, raw.statusCode());
    assertEquals("a file needs a name: add ?name=NAME to the URL, or send Content-Disposition: attachment;"
        + " filename=\"NAME\"", Json.MAPPER.readTree(raw.body()).get("detail").asText());

    String boundary = "b0undary";
    String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--" + boundary
        + "--\r\n";
    HttpResponse<String> multipart = t.send(t.request("/v1/files", t.writer)
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    assertEquals(400, multipart.statusCode());
    assertTrue(Json.MAPPER.readTree(multipart.body()).get("detail").asText()
        .startsWith("a file needs a name: give the file part a filename"), multipart.body());
    assertEquals(0, t.fileCount(), "nothing stored");
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void everyErrorCodeHasAStatusAndATitleOfItsOwnFamily(ErrorCode code) {
    Problem problem = Problem.of(code, "x");

    assertEquals(Problem.status(code), problem.status());
    assertFalse(problem.title().isBlank());
    assertEquals(code == ErrorCode.INTERNAL, problem.title().equals("Internal error"), "only internal is generic");
  }

  @Test
  void theStatusTableIsTheDocumentedOne() {
    assertEquals(400, Problem.status(ErrorCode.IO));
    assertEquals(409, Problem.status(ErrorCode.ALREADY_EXISTS));
    assertEquals(413, Problem.status(ErrorCode.TOO_LARGE));
    assertEquals(416, Problem.status(ErrorCode.RANGE_NOT_SATISFIABLE));
    assertEquals(500, Problem.status(ErrorCode.INVALID_CIPHERTEXT));
    assertEquals(500, Problem.status(ErrorCode.UNSUPPORTED_FORMAT));
    assertEquals(503, Problem.status(ErrorCode.KEY_DISABLED));
    assertEquals(503, Problem.status(ErrorCode.KEYRING_UNAVAILABLE));
    assertEquals(503, Problem.status(ErrorCode.INSECURE_FILE));
  }
}
