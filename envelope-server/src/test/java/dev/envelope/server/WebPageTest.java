package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The web page's files: served without a token, under a strict policy, and written to keep it. */
class WebPageTest {
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/app.js", "/app.css"})
  void eachFileIsServedWithoutATokenUnderTheStrictPolicy(String path) throws Exception {
    HttpResponse<String> r = t.send(t.request(path, null).build());

    assertEquals(200, r.statusCode());
    assertEquals("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
        + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        r.headers().firstValue("Content-Security-Policy").orElseThrow());
    assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElseThrow());
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
    assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElseThrow());
    assertEquals("no-cache", r.headers().firstValue("Cache-Control").orElseThrow());
    String type = r.headers().firstValue("Content-Type").orElseThrow();
    assertTrue(type.startsWith(path.equals("/") ? "text/html" : path.endsWith(".js") ? "text/javascript"
        : "text/css"), type);
  }

  @Test
  void aCurrentCopyIsAnswered304WithoutABody() throws Exception {
    String etag = t.send(t.request("/app.js", null).build()).headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> r = t.send(t.request("/app.js", null).header("If-None-Match", etag).build());

    assertEquals(304, r.statusCode());
    assertEquals("", r.body());
  }

  @Test
  void thePageHasNoInlineScriptOrStyle() {
    String html = new String(WebPage.load("index.html"), StandardCharsets.UTF_8);

    assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)", Pattern.CASE_INSENSITIVE).matcher(html).find(),
        "every script is a file");
    assertFalse(Pattern.compile("<style|\\sstyle=|\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html).find(),
        "no inline style or event handler");
  }

  @Test
  void theTokenFieldCanNeverBeSubmittedIntoAUrl() {
    // Enter pressed before app.js runs (slow network, scripts off) submits the form natively: a GET form with a
    // named field would put the token in the address bar, the history and every log on the way.
    String html = new String(WebPage.load("index.html"), StandardCharsets.UTF_8);
    java.util.regex.Matcher form = Pattern.compile("<form id=\"sign-in-form\"[^>]*>").matcher(html);
    assertTrue(form.find() && form.group().contains("method=\"post\""), "a POST form: " + html);
    java.util.regex.Matcher input = Pattern.compile("<input id=\"token\"[^>]*>", Pattern.DOTALL).matcher(html);
    assertTrue(input.find() && !input.group().contains("name="), "a field without a name is never submitted");
  }

  @Test
  void theScriptNeverParsesDataAsHtml() {
    String js = new String(WebPage.load("app.js"), StandardCharsets.UTF_8);

    for (String sink : new String[] {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
        "new Function", "localStorage", ".style."}) {
      assertFalse(js.contains(sink), sink);
    }
  }

  @Test
  void nothingIsFetchedFromAnotherOrigin() {
    for (String file : new String[] {"index.html", "app.js", "app.css"}) {
      String text = new String(WebPage.load(file), StandardCharsets.UTF_8);
      assertFalse(Pattern.compile("(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/", Pattern.CASE_INSENSITIVE).matcher(text)
          .find(), file);
      assertFalse(text.contains("@import") || text.contains("url("), file);
    }
  }
}
