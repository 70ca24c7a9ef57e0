package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.service.Role;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RFC 9110 conditional requests on files: 304 for GET and HEAD, 412 for DELETE, through a real server. */
class ConditionalRequestsTest {
  private static final String CONTENT = "conditional content";
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  private static String upload() throws Exception {
    HttpResponse<String> up = t.send(t.request("/v1/files?name=c.txt", t.writer)
        .POST(HttpRequest.BodyPublishers.ofString(CONTENT)).build());
    assertEquals(201, up.statusCode(), up.body());
    return Json.MAPPER.readTree(up.body()).get("id").asText();
  }

  private static HttpResponse<String> get(String id, String header, String value) throws Exception {
    return t.send(t.request("/v1/files/" + id, t.reader).header(header, value).build());
  }

  private static String httpDate(ZonedDateTime time) {
    return DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US)
        .format(time.withZoneSameInstant(ZoneOffset.UTC));
  }

  @Test
  void ifNoneMatch_answers304WhenTheClientHoldsThisFile_elseTheFile() throws Exception {
    String id = upload();
    HttpResponse<String> full = t.send(t.request("/v1/files/" + id, t.reader).build());
    String etag = full.headers().firstValue("ETag").orElseThrow();
    assertEquals("\"" + id + "\"", etag);
    assertTrue(full.headers().firstValue("Last-Modified").isPresent(), "a validator for If-Modified-Since");

    for (String held : new String[] {etag, "W/" + etag, "\"other\", " + etag, "*"}) {
      HttpResponse<String> r = get(id, "If-None-Match", held);
      assertEquals(304, r.statusCode(), held);
      assertEquals("", r.body());
      assertEquals(etag, r.headers().firstValue("ETag").orElseThrow());
      assertEquals("private, no-cache", r.headers().firstValue("Cache-Control").orElseThrow());
    }
    HttpResponse<String> other = get(id, "If-None-Match", "\"someone-else\"");
    assertEquals(200, other.statusCode());
    assertEquals(CONTENT, other.body());

    HttpResponse<String> head = t.send(t.request("/v1/files/" + id, t.reader).header("If-None-Match", etag)
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(304, head.statusCode());
  }

  @Test
  void ifModifiedSince_answers304UnlessStoredLater_andIfNoneMatchWins() throws Exception {
    String id = upload();
    String lastModified = t.send(t.request("/v1/files/" + id, t.reader).build()).headers()
        .firstValue("Last-Modified").orElseThrow();
    assertEquals(304, get(id, "If-Modified-Since", lastModified).statusCode());
    assertEquals(304, get(id, "If-Modified-Since", httpDate(ZonedDateTime.now().plusDays(1))).statusCode());
    HttpResponse<String> older = get(id, "If-Modified-Since", httpDate(ZonedDateTime.now().minusDays(1)));
    assertEquals(200, older.statusCode());
    assertEquals(CONTENT, older.body());
    assertEquals(200, get(id, "If-Modified-Since", "not a date").statusCode(), "an unparseable date is ignored");

    HttpResponse<String> both = t.send(t.request("/v1/files/" + id, t.reader)
        .header("If-None-Match", "\"someone-else\"").header("If-Modified-Since", lastModified).build());
    assertEquals(200, both.statusCode(), "If-None-Match decides alone when present");
  }

  @Test
  void aConditionOnAnotherTenantsFile_isA404_notA304() throws Exception {
    String id = upload();
    String stranger = t.token("stranger", Role.READ);
    HttpResponse<String> r = t.send(t.request("/v1/files/" + id, stranger).header("If-None-Match", "\"" + id + "\"")
        .build());
    assertEquals(404, r.statusCode(), "no oracle of another tenant's ids");
    HttpResponse<String> d = t.send(t.request("/v1/files/" + id, t.token("stranger", Role.WRITE))
        .header("If-Match", "\"" + id + "\"").DELETE().build());
    assertEquals(404, d.statusCode());
    assertEquals(200, t.send(t.request("/v1/files/" + id, t.reader).build()).statusCode(), "still there");
  }

  @Test
  void ifMatch_onDelete_deletesOnlyTheFileItNames() throws Exception {
    String id = upload();
    String etag = "\"" + id + "\"";
    for (String wrong : new String[] {"\"another-file\"", "W/" + etag}) {
      HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.writer).header("If-Match", wrong).DELETE()
          .build());
      assertEquals(412, r.statusCode(), wrong);
      assertEquals("precondition-failed", Json.MAPPER.readTree(r.body()).get("code").asText());
      assertEquals(200, t.send(t.request("/v1/files/" + id, t.reader).build()).statusCode(), "nothing deleted");
    }
    assertEquals(204, t.send(t.request("/v1/files/" + id, t.writer).header("If-Match", etag).DELETE().build())
        .statusCode());
    assertEquals(404, t.send(t.request("/v1/files/" + id, t.reader).build()).statusCode());

    String star = upload();
    assertEquals(204, t.send(t.request("/v1/files/" + star, t.writer).header("If-Match", "*").DELETE().build())
        .statusCode());
  }

  @Test
  void ifUnmodifiedSince_onDelete_refusesAFileStoredAfterTheDate() throws Exception {
    String id = upload();
    HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.writer)
        .header("If-Unmodified-Since", httpDate(ZonedDateTime.now().minusDays(1))).DELETE().build());
    assertEquals(412, r.statusCode(), r.body());
    assertEquals(200, t.send(t.request("/v1/files/" + id, t.reader).build()).statusCode(), "nothing deleted");
    assertEquals(204, t.send(t.request("/v1/files/" + id, t.writer)
        .header("If-Unmodified-Since", httpDate(ZonedDateTime.now().plusDays(1))).DELETE().build()).statusCode());
  }

  /** Hostile review: If-Match and If-Unmodified-Since were ignored on GET and HEAD. */
  @Test
  void ifMatchAndIfUnmodifiedSince_onGetAndHead_answer412UnlessTheyHold() throws Exception {
    String id = upload();
    String etag = "\"" + id + "\"";
    for (String method : new String[] {"GET", "HEAD"}) {
      HttpResponse<String> wrong = t.send(t.request("/v1/files/" + id, t.reader).header("If-Match", "\"zz\"")
          .method(method, HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(412, wrong.statusCode(), method);
      HttpResponse<String> old = t.send(t.request("/v1/files/" + id, t.reader)
          .header("If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")
          .method(method, HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(412, old.statusCode(), method);
      HttpResponse<String> right = t.send(t.request("/v1/files/" + id, t.reader).header("If-Match", etag)
          .method(method, HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(200, right.statusCode(), method);
    }
    assertEquals(CONTENT, t.send(t.request("/v1/files/" + id, t.reader).header("If-Match", "*").build()).body());
    // If-Match decides before If-None-Match: a failing If-Match is 412 even when If-None-Match would be 304.
    assertEquals(412, t.send(t.request("/v1/files/" + id, t.reader).header("If-Match", "\"zz\"")
        .header("If-None-Match", etag).build()).statusCode());
  }

  /** Hostile review: a read token with a condition got 412 (and the ETag) where it gets 403 without one. */
  @Test
  void aConditionalDelete_byAReadToken_isForbiddenFirst() throws Exception {
    String id = upload();
    for (String[] condition : new String[][] {{"If-Match", "\"zz\""}, {"If-Match", "\"" + id + "\""},
        {"If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}) {
      HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.reader).header(condition[0], condition[1])
          .DELETE().build());
      assertEquals(403, r.statusCode(), condition[0] + ": " + r.body());
    }
    assertEquals(200, t.send(t.request("/v1/files/" + id, t.reader).build()).statusCode(), "nothing deleted");
  }

  /** Hostile review: a lenient parser read a date with another zone as GMT and answered a wrong 412. */
  @Test
  void datesThatAreNotImfFixdates_areIgnored() throws Exception {
    String id = upload();
    String yesterday = httpDate(ZonedDateTime.now().minusDays(1));
    String tomorrow = httpDate(ZonedDateTime.now().plusDays(1));
    assertEquals(304, get(id, "If-Modified-Since", tomorrow).statusCode(), "the valid form is read");
    for (String notImf : new String[] {tomorrow.replace(" GMT", " -1200"), tomorrow.replace(" GMT", ""),
        "Sunday, 06-Nov-00 08:49:37 GMT", "Sun Nov  6 08:49:37 2100", "Sun, 30 Feb 2100 00:00:00 GMT",
        tomorrow + ", " + tomorrow}) {
      assertEquals(200, get(id, "If-Modified-Since", notImf).statusCode(), notImf);
    }
    HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.writer)
        .header("If-Unmodified-Since", yesterday.replace(" GMT", " -1200")).DELETE().build());
    assertEquals(204, r.statusCode(), "an invalid date is ignored: the delete is unconditional");
  }

  /** Hostile review: only the first of two If-None-Match lines was read. */
  @Test
  void aListHeaderSentOnTwoLines_isOneList() throws Exception {
    String id = upload();
    String etag = "\"" + id + "\"";
    java.net.URI uri = t.uri("/v1/files/" + id);
    try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(("GET /v1/files/" + id + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + t.reader + "\r\nIf-None-Match: \"zz\"\r\nIf-None-Match: " + etag + "\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 304"), answer);
    }
  }
}
