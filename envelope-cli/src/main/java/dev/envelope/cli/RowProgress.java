package dev.envelope.cli;

import dev.envelope.service.Rewrap;
import java.io.PrintStream;
import java.util.Locale;

/** A progress bar over rows for the admin jobs, on stderr when it is a terminal; nothing otherwise. */
final class RowProgress implements Rewrap.Progress, AutoCloseable {
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int WIDTH = 24;

  private final PrintStream err;
  private final String verb;
  private final long total;
  private long lastDraw;
  private int drawnLength;

  private RowProgress(PrintStream err, String verb, long total) {
    this.err = err;
    this.verb = verb;
    this.total = total;
  }

  /** @param total the rows there are, or a negative number when not known */
  static RowProgress start(Cli cli, String verb, long total) {
    return new RowProgress(cli.terminal() ? cli.stderr() : null, verb, total);
  }

  @Override
  public void update(Rewrap.Summary soFar) {
    update(soFar.scanned(), soFar.elapsed());
  }

  /** Redraws the bar (at most 5 times a second) for {@code done} rows in {@code elapsed}. */
  void update(long done, java.time.Duration elapsed) {
    if (err == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    double seconds = Math.max(elapsed.toNanos() / 1e9, 1e-3);
    String line = line(done, total, done / seconds);
    err.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
    err.flush();
    drawnLength = line.length();
  }

  static String line(String verb, long done, long total, double rate) {
    if (total <= 0) {
      return String.format(Locale.ROOT, "%s %,d rows  %,.0f rows/s", verb, done, rate);
    }
    long shown = Math.min(done, total);
    int filled = (int) (WIDTH * shown / total);
    return String.format(Locale.ROOT, "%s [%s%s] %3d%% %,d of %,d rows  %,.0f rows/s", verb, "#".repeat(filled),
        "-".repeat(WIDTH - filled), 100 * shown / total, done, total, rate);
  }

  private String line(long done, long total, double rate) {
    return line(verb, done, total, rate);
  }

  @Override
  public void finished() {
    close();
  }

  @Override
  public void close() {
    if (drawnLength > 0) {
      err.print("\r" + " ".repeat(drawnLength) + "\r");
      err.flush();
      drawnLength = 0;
    }
  }
}
