package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final AtomicLong now = new AtomicLong();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Progress progress() {
    return new Progress(new PrintStream(err, true, StandardCharsets.UTF_8), "download", now::get);
  }

  @Test
  void aQuickTransferDrawsNothing() {
    Progress p = progress();
    now.set(Progress.DELAY_NANOS - 1);
    p.transferred(100, 100);
    p.close();
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aLongTransferDrawsABarInPlaceAndErasesIt() {
    Progress p = progress();
    now.set(2 * Progress.DELAY_NANOS);
    p.transferred(512 << 20, 1L << 30);
    String drawn = err.toString(StandardCharsets.UTF_8);
    assertEquals("\rdownload [############------------]  50% 512.0 MiB of 1.0 GiB  256.0 MiB/s", drawn);
    p.close();
    String all = err.toString(StandardCharsets.UTF_8);
    assertTrue(all.endsWith("\r" + " ".repeat(drawn.length() - 1) + "\r"), all);
    assertTrue(!all.contains("\n"), "the bar never scrolls the terminal");
  }

  @Test
  void redrawsAreThrottledButTheEndIsAlwaysShown() {
    Progress p = progress();
    now.set(2 * Progress.DELAY_NANOS);
    p.transferred(10, 100);
    int length = err.size();
    now.addAndGet(1_000_000);
    p.transferred(20, 100);
    assertEquals(length, err.size(), "no redraw 1 ms later");
    p.transferred(100, 100);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("100%"));
  }

  @Test
  void anUnknownTotalShowsBytesAndRate() {
    assertEquals("download 3.0 MiB  1.5 MiB/s", progress().line(3 << 20, -1, 2.0));
  }

  @Test
  void aTestRunsStderrIsAPipeNotATerminal() {
    assertEquals(false, Main.stderrIsTerminal(), "surefire pipes a forked JVM's stderr");
  }

  @Test
  void withoutATerminalThereIsNoBar() {
    Cli cli = new Cli(java.util.Map.of(), java.io.InputStream.nullInputStream(), new ByteArrayOutputStream(),
        new PrintStream(err, true, StandardCharsets.UTF_8), false);
    Progress p = Progress.start(cli, "upload");
    p.transferred(1, 2);
    assertEquals(0, err.size());
  }
}
