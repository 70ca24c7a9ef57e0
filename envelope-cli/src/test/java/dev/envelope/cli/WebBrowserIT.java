package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;

/**
 * The web page in a real browser (Debian's Chromium) against {@code envelope serve} as a real process: one server
 * and one browser session for the whole class, its steps in order, as one person would use the page. With
 * {@code -Denvelope.web.screenshot=PATH} it also saves the screenshot the README shows (docs/web.png).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebBrowserIT {
  private static final String HOSTILE_NAME = "<img src=x onerror=alert(1)>.txt";

  @TempDir
  static Path dir;

  private ServeProcess server;
  private String token;
  private WebBrowser browser;
  private final HttpClient http = HttpClient.newHttpClient();
  private byte[] content;

  @BeforeAll
  void start() throws Exception {
    server = ServeProcess.start(dir.resolve("home"), Keyrings.newMasterKeyBase64(), dir, "128m");
    token = server.firstToken().orElseThrow(() -> new AssertionError(server.stdout()));
    browser = WebBrowser.start(dir);
    content = new byte[3 * 1024 * 1024 + 17];
    new Random(15).nextBytes(content);
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.process().destroy();
      server.process().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void thePageIsServedUnderAStrictPolicy_andCannotBeFramed() throws Exception {
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, page.statusCode());
    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
        && csp.contains("style-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
    assertFalse(csp.contains("unsafe-inline"), csp);
    assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElseThrow());
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
    assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElseThrow());
  }

  @Test
  @Order(2)
  void aRefusedTokenIsToldInPlainWords() {
    browser.signIn(server.url(), "env1.aaaaaaaaaaaaaaaa.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

    String error = browser.shown("#error").getText();
    assertTrue(error.contains("The token was not accepted"), error);
    assertFalse(error.contains("{") || error.contains("problem"), "words, not the problem's JSON: " + error);
    assertTrue(browser.find("#sign-in-view").isDisplayed());
    assertEquals(0L, browser.script("return sessionStorage.length;"), "a refused token is not kept");
  }

  @Test
  @Order(3)
  void signingInKeepsTheTokenInThisTabOnly() {
    browser.driver.get(server.url() + "/");
    browser.shown("#token");
    browser.driver.switchTo().activeElement().sendKeys(token, Keys.ENTER); // by keyboard: focus starts there

    browser.shown("#files-view");
    assertFalse(browser.find("#error").isDisplayed(), "the earlier error is gone");
    assertEquals(token, browser.script("return sessionStorage.getItem('envelope.token');"));
    assertEquals(0L, browser.script("return localStorage.length;"), "nothing in localStorage");
    assertTrue(browser.find("#empty").isDisplayed(), "no files yet");
  }

  @Test
  @Order(4)
  void anUploadShowsItsProgress_thenItsRow() throws Exception {
    Path file = Files.write(dir.resolve("report.bin"), content);
    // Every state the upload's line shows, as it changes (the page's own code cannot be changed by a test).
    browser.script("window.seen = []; new MutationObserver(() => document.querySelectorAll('#uploads .state')"
        + ".forEach(s => window.seen.push(s.textContent))).observe(document.getElementById('uploads'),"
        + " {subtree: true, childList: true, characterData: true});");

    browser.upload(file);

    WebElement row = browser.row("report.bin");
    assertEquals("3.0 MiB", row.findElement(By.cssSelector("td.num")).getText());
    WebElement line = browser.find("#uploads li");
    browser.wait.until(d -> line.findElement(By.cssSelector(".state")).getText().equals("Done"));
    assertEquals("100", line.findElement(By.tagName("progress")).getAttribute("value"));
    @SuppressWarnings("unchecked")
    List<String> seen = (List<String>) browser.script("return window.seen;");
    assertTrue(seen.stream().anyMatch(s -> Pattern.matches("[1-9][0-9]*%", s)), "progress shown: " + seen);
    assertTrue(browser.find("#status").getText().contains("Uploaded report.bin"));
  }

  @Test
  @Order(5)
  void aDownloadIsTheSameBytes() throws Exception {
    browser.row("report.bin").findElement(By.xpath(".//button[text()='Download']")).click();

    assertArrayEquals(content, Files.readAllBytes(browser.downloaded("report.bin")));
    assertEquals(server.url() + "/", browser.driver.getCurrentUrl(), "the page stays");
  }

  @Test
  @Order(6)
  void aNameThatIsHtml_isShownAsText_andRunsNothing() throws Exception {
    Path file = Files.writeString(Files.createDirectories(dir.resolve("hostile")).resolve(HOSTILE_NAME), "hi");

    browser.upload(file);

    WebElement row = browser.row(HOSTILE_NAME);
    assertEquals(HOSTILE_NAME, row.findElement(By.cssSelector("td.name")).getText());
    assertEquals(0L, browser.script("return document.querySelectorAll('main img, #uploads img').length;"));
    assertThrows(NoAlertPresentException.class, () -> browser.driver.switchTo().alert());
  }

  @Test
  @Order(7)
  void severalFilesAtOnce_eachGetsItsLineAndItsRow() throws Exception {
    Path several = Files.createDirectories(dir.resolve("several"));
    Path notes = Files.writeString(several.resolve("design notes.md"), "# Envelope\n".repeat(400));
    Path photo = Files.write(several.resolve("site photo.jpg"), new byte[240_000]);

    browser.upload(notes, photo);

    browser.row("design notes.md");
    browser.row("site photo.jpg");
    browser.wait.until(d -> d.findElements(By.cssSelector("#uploads li.done")).size() == 4);
    browser.find("#filter").sendKeys("NOTES");
    assertEquals(1L, browser.script("return [...document.querySelectorAll('#file-rows tr')]"
        + ".filter(tr => !tr.hidden).length;"), "the filter is case-insensitive, on the name");
    browser.find("#filter").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
    assertEquals(4L, browser.script("return [...document.querySelectorAll('#file-rows tr')]"
        + ".filter(tr => !tr.hidden).length;"));
    saveScreenshot();
  }

  @Test
  @Order(8)
  void deleteAsksFirst_thenTheFileIsGone() throws Exception {
    String id = browser.row("report.bin").getAttribute("data-id");

    WebElement delete = browser.row("report.bin").findElement(By.xpath(".//button[text()='Delete']"));
    delete.click();
    browser.shown("#delete-dialog");
    assertEquals("report.bin", browser.find("#delete-name").getText());
    browser.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
    browser.wait.until(d -> !browser.find("#delete-dialog").isDisplayed());
    assertTrue(browser.row("report.bin").isDisplayed(), "Escape keeps the file");

    delete.click(); // then, by keyboard: the dialog starts on "Keep it"; Tab goes to "Delete", Enter presses it
    browser.shown("#delete-dialog");
    browser.driver.switchTo().activeElement().sendKeys(Keys.TAB);
    assertEquals("delete-confirm", browser.script("return document.activeElement.id;"));
    assertEquals("solid", browser.script("return getComputedStyle(document.activeElement).outlineStyle;"),
        "the focus is visible");
    browser.driver.switchTo().activeElement().sendKeys(Keys.ENTER);

    browser.wait.until(d -> d.findElements(By.cssSelector("#file-rows tr[data-id='" + id + "']")).isEmpty());
    HttpResponse<String> gone = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/files/" + id))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, gone.statusCode());
  }

  @Test
  @Order(9)
  void signingOutForgetsTheToken_andAnotherTenantSeesNothingOfThisOne() throws Exception {
    browser.find("#sign-out").click();

    browser.shown("#sign-in-view");
    assertEquals(0L, browser.script("return sessionStorage.length;"));
    assertEquals(0L, browser.script("return document.querySelectorAll('#file-rows tr, #uploads li').length;"));

    HttpResponse<String> made = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/tokens"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"tenant\":\"acme\",\"role\":\"write\",\"name\":\"web\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, made.statusCode(), made.body());
    String acme = new com.fasterxml.jackson.databind.ObjectMapper().readTree(made.body()).get("token").asText();
    browser.signIn(server.url(), acme);
    browser.shown("#empty");
    assertEquals(0L, browser.script("return document.querySelectorAll('#file-rows tr').length;"));
    assertFalse(browser.driver.getPageSource().contains("img src=x"), "nothing of the other tenant's files");
  }

  /** The README's picture: the page signed in, with its files and uploads. */
  private void saveScreenshot() throws Exception {
    Path shot = Path.of("target", "web.png");
    Files.copy(browser.screenshot().toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
    String wanted = System.getProperty("envelope.web.screenshot");
    if (wanted != null && !wanted.isBlank()) {
      Files.copy(shot, Path.of(wanted), StandardCopyOption.REPLACE_EXISTING);
    }
    assertTrue(Files.size(shot) > 10_000, "a screenshot of the page");
  }
}
