package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import java.util.stream.Stream;

/** Names are data, never paths: any acceptable name round-trips exactly, through both kinds of header. */
class NamesTest {
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  private static HttpResponse<String> uploadNamed(String name) throws Exception {
    return t.send(t.request("/v1/files?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8), t.writer)
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());
  }

  static Stream<String> acceptedNames() {
    return Stream.of("../../etc/passwd", "a/b\\c", "..", "Отчёт за 2026.pdf", "報告書.txt", "تقرير.docx",
        "emoji 😀 file", "quote\" and ; semicolon", "100% sure", "x".repeat(1024), "é".repeat(512));
  }

  @ParameterizedTest
  @MethodSource("acceptedNames")
  void acceptedNamesRoundTripThroughContentDisposition(String name) throws Exception {
    HttpResponse<String> up = uploadNamed(name);
    assertEquals(201, up.statusCode(), up.body());
    String id = Json.MAPPER.readTree(up.body()).get("id").asText();
    assertEquals(name, Json.MAPPER.readTree(up.body()).get("name").asText());

    HttpResponse<String> down = t.send(t.request("/v1/files/" + id, t.reader).build());
    String disposition = down.headers().firstValue("Content-Disposition").orElseThrow();

    assertEquals(name, ContentDisposition.fileName(disposition));
    assertTrue(disposition.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "the header is plain ASCII");
  }

  @ParameterizedTest
  @ValueSource(strings = {"nul\u0000byte", "new\nline", "carriage\rreturn", "tab\there", "bell\u0007",
      "rtl\u202eexe.txt", "del\u007f"})
  void namesWithControlCharactersAreRefused(String name) throws Exception {
    HttpResponse<String> r = uploadNamed(name);

    assertEquals(400, r.statusCode());
    assertEquals("invalid-argument", Json.MAPPER.readTree(r.body()).get("code").asText());
  }

  @Test
  void aNameOverTheLimitIsRefused() throws Exception {
    HttpResponse<String> r = uploadNamed("n".repeat(1025));

    assertEquals(413, r.statusCode());
    assertEquals("too-large", Json.MAPPER.readTree(r.body()).get("code").asText());
  }

  @Test
  void aTenKilobyteNameIsRefusedWhereverItComesFrom() throws Exception {
    String name = "n".repeat(10 * 1024);
    byte[] multipart = MultipartTest.concat(MultipartTest.part("file", name, null, "x".getBytes()), MultipartTest.end());

    HttpResponse<String> inPart = t.send(t.request("/v1/files", t.writer)
        .header("Content-Type", "multipart/form-data; boundary=" + MultipartTest.BOUNDARY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(multipart)).build());
    HttpResponse<String> inQuery = t.send(t.request("/v1/files?name=" + name, t.writer)
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());
    // Jetty closes the connection after a 414: a client of its own, so no other request can race that close.
    HttpResponse<String> overTheHeaderLimit = java.net.http.HttpClient.newHttpClient().send(t.request(
        "/v1/files?name=" + name.repeat(2), t.writer).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(413, inQuery.statusCode(), inQuery.body());
    assertEquals("too-large", Json.MAPPER.readTree(inQuery.body()).get("code").asText());
    assertEquals(414, overTheHeaderLimit.statusCode(), "longer than the request line the server takes (16 KiB)");
    assertEquals("application/problem+json", overTheHeaderLimit.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(413, inPart.statusCode(), inPart.body());
    assertEquals("too-large", Json.MAPPER.readTree(inPart.body()).get("code").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Отчёт.pdf", "../x", "報告書.txt"})
  void aRawUploadMayNameItselfWithContentDisposition(String name) throws Exception {
    HttpResponse<String> r = t.send(t.request("/v1/files", t.writer)
        .header("Content-Disposition", ContentDisposition.attachment(name))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());

    assertEquals(201, r.statusCode(), r.body());
    assertEquals(name, Json.MAPPER.readTree(r.body()).get("name").asText());
  }

  @Test
  void aQueryNameIsUtf8WhateverCharsetTheBodyDeclares() throws Exception {
    for (String type : new String[] {"text/plain; charset=iso-8859-1", "text/plain; charset=utf-16"}) {
      HttpResponse<String> r = t.send(t.request("/v1/files?name=%C3%A9t%C3%A9.txt", t.writer)
          .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString("x")).build());

      assertEquals(201, r.statusCode(), r.body());
      assertEquals("\u00e9t\u00e9.txt", Json.MAPPER.readTree(r.body()).get("name").asText(), type);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"%C3%28", "%ED%A0%80", "a%FFb"})
  void aQueryNameThatIsNotPercentEncodedUtf8IsRefused(String encoded) throws Exception {
    HttpResponse<String> r = t.send(t.request("/v1/files?name=" + encoded, t.writer)
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());

    assertEquals(400, r.statusCode(), r.body());
    assertTrue(Json.MAPPER.readTree(r.body()).get("detail").asText().contains("UTF-8"), r.body());
  }

  @Test
  void anUnknownBodyCharsetDropsNoQueryParameter() throws Exception {
    HttpResponse<String> up = t.send(t.request("/v1/files?name=kept", t.writer)
        .header("Content-Type", "text/plain; charset=no-such-charset")
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());
    HttpResponse<String> tokens = t.send(t.request("/v1/tokens?tenant=nobody-here", t.operator)
        .header("Content-Type", "text/plain; charset=no-such-charset").build());

    assertEquals(201, up.statusCode(), up.body());
    assertEquals(0, Json.MAPPER.readTree(tokens.body()).get("tokens").size(), "the tenant filter applies");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "attachment"})
  void anUnnamedUploadIsRefused(String disposition) throws Exception {
    HttpRequest.Builder b = t.request("/v1/files", t.writer).POST(HttpRequest.BodyPublishers.ofString("x"));
    if (!disposition.isEmpty()) {
      b.header("Content-Disposition", disposition);
    }
    assertEquals(400, t.send(b.build()).statusCode());
  }

  /** As browsers and {@code curl -H} send it: raw UTF-8 bytes in a plain {@code filename}, on a raw socket. */
  @ParameterizedTest
  @ValueSource(strings = {"résumé.md", "Отчёт.pdf", "報告書.txt", "emoji 😀.txt", "plain.txt"})
  void rawUtf8InAPlainFilename_isReadAsUtf8(String name) throws Exception {
    java.net.URI uri = t.uri("/v1/files");
    try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(20_000);
      byte[] request = ("POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.writer
          + "\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Length: 1\r\n"
          + "Connection: close\r\n\r\nx").getBytes(StandardCharsets.UTF_8);
      socket.getOutputStream().write(request);
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 201"), answer);
      String json = answer.substring(answer.indexOf("\r\n\r\n") + 4);
      assertEquals(name, Json.MAPPER.readTree(json).get("name").asText());
    }
  }

  /** Latin-1 bytes that are not UTF-8 stay Latin-1, as RFC 9110 reads header bytes. */
  @Test
  void latin1BytesThatAreNotUtf8_stayLatin1() {
    assertEquals("caf\u00e9.txt", ContentDisposition.fileName("attachment; filename=\"caf\u00e9.txt\""));
    assertEquals("résumé.md", ContentDisposition.fileName("attachment; filename=\"r\u00c3\u00a9sum\u00c3\u00a9.md\""));
    assertEquals("plain", ContentDisposition.rawUtf8("plain"));
    assertEquals("Отчёт", ContentDisposition.rawUtf8("Отчёт"), "already decoded: kept");
  }

  /** curl -F 'file=@résumé.md' writes the part's filename as raw UTF-8 too. */
  @Test
  void rawUtf8InAFormPartsFilename_isReadAsUtf8() throws Exception {
    String boundary = "b0undary";
    byte[] form = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"résumé.md\"\r\n"
        + "Content-Type: text/markdown\r\n\r\nx\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> up = t.send(t.request("/v1/files", t.writer)
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(form)).build());
    assertEquals(201, up.statusCode(), up.body());
    assertEquals("résumé.md", Json.MAPPER.readTree(up.body()).get("name").asText());
  }
}
