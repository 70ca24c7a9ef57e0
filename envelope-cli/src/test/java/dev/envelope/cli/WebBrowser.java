package dev.envelope.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver, for the web page's browser tests. Both paths
 * are given, so Selenium Manager never runs (it would try to download a browser: these machines reach only Maven
 * Central, Debian and npm). {@code bin/test} installs both packages; a test run without them fails, saying so.
 */
final class WebBrowser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(20);

  final ChromeDriver driver;
  final WebDriverWait wait;
  /** Where the browser saves downloads. */
  final Path downloads;

  private WebBrowser(ChromeDriver driver, Path downloads) {
    this.driver = driver;
    this.downloads = downloads;
    this.wait = new WebDriverWait(driver, WAIT);
  }

  /** A fresh browser (its own profile and download directory under {@code dir}). */
  static WebBrowser start(Path dir) throws IOException {
    for (Path needed : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(needed)) {
        throw new AssertionError(needed + " is missing: the browser tests need Debian's chromium and chromium-driver"
            + " (bin/test installs them: apt-get install chromium chromium-driver)");
      }
    }
    Path downloads = Files.createDirectories(dir.resolve("downloads"));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // As root Chromium needs --no-sandbox; the rest keep it from calling out to a network it cannot reach.
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,1000",
        "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
    options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
        "download.prompt_for_download", false, "safebrowsing.enabled", false));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().withLogFile(dir.resolve("chromedriver.log").toFile()).build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath",
        downloads.toString()));
    return new WebBrowser(driver, downloads);
  }

  WebElement find(String cssSelector) {
    return driver.findElement(By.cssSelector(cssSelector));
  }

  /** Waits until the element is shown, and returns it. */
  WebElement shown(String cssSelector) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(cssSelector)));
  }

  Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Opens the page and signs in with {@code token}, as a person would: paste, then press the button. */
  void signIn(String url, String token) {
    driver.get(url + "/");
    shown("#token").sendKeys(token);
    find("#sign-in-form button[type=submit]").click();
  }

  /** Picks {@code files} in the page's file picker (the input a person reaches through "Choose files…"). */
  void upload(Path... files) {
    WebElement picker = find("#file-picker");
    script("arguments[0].hidden = false;", picker); // chromedriver types paths only into a shown input
    StringBuilder paths = new StringBuilder();
    for (Path file : files) {
      paths.append(paths.length() == 0 ? "" : "\n").append(file.toAbsolutePath());
    }
    picker.sendKeys(paths.toString());
    script("arguments[0].hidden = true;", picker);
  }

  /** The row of the file list that shows {@code name}, once there is one. */
  WebElement row(String name) {
    return wait.until(d -> d.findElements(By.cssSelector("#file-rows tr")).stream()
        .filter(tr -> tr.findElement(By.cssSelector("td.name")).getText().equals(name)).findFirst().orElse(null));
  }

  /** Waits for a download the browser finished into {@link #downloads}. */
  Path downloaded(String name) {
    Path file = downloads.resolve(name);
    wait.until(d -> Files.isRegularFile(file) && !Files.exists(downloads.resolve(name + ".crdownload")));
    return file;
  }

  File screenshot() {
    return driver.getScreenshotAs(org.openqa.selenium.OutputType.FILE);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
