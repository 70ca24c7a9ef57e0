package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * The web page's Share dialog in a real browser against {@code envelope serve} as a process: a link made through
 * the page works with no token. Needs the share-link API ({@code POST /v1/files/{id}/links}, branch links).
 */
class WebShareLinkBrowserIT {
  @TempDir
  Path dir;

  @Test
  void aLinkMadeOnThePage_isCopied_andOpensTheFileWithoutAToken() throws Exception {
    ServeProcess server = ServeProcess.start(dir.resolve("home"), Keyrings.newMasterKeyBase64(), dir, "128m");
    try (WebBrowser browser = WebBrowser.start(dir)) {
      byte[] content = "the plans, shared".getBytes(StandardCharsets.UTF_8);
      browser.signIn(server.url(), server.firstToken().orElseThrow(() -> new AssertionError(server.stdout())));
      browser.shown("#files-view");
      browser.upload(Files.write(dir.resolve("plans.txt"), content));

      browser.row("plans.txt").findElement(By.xpath(".//button[text()='Share']")).click();
      browser.shown("#share-dialog");
      assertEquals("plans.txt", browser.find("#share-name").getText());
      new Select(browser.find("#share-expiry")).selectByValue("7d");
      browser.find("#share-max").sendKeys("3");
      browser.find("#share-create").click();

      browser.wait.until(d -> browser.find("#share-result").isDisplayed() || browser.find("#share-error").isDisplayed());
      assertFalse(browser.find("#share-error").isDisplayed(), () -> browser.find("#share-error").getText());
      String url = browser.find("#share-url").getAttribute("value");
      assertTrue(url.startsWith(server.url() + "/s/"), url);
      assertTrue(browser.find("#share-info").getText().contains("for 3 downloads"),
          browser.find("#share-info").getText());
      browser.find("#share-copy").click();
      browser.wait.until(d -> {
        String info = browser.find("#share-info").getText();
        return info.equals("Copied.") || info.startsWith("Selected");
      });
      browser.find("#share-close").click();

      HttpResponse<byte[]> opened = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build()
          .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, opened.statusCode());
      assertArrayEquals(content, opened.body());
    } finally {
      server.process().destroy();
      server.process().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
