package dev.envelope.cli;

import dev.envelope.client.TransferListener;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on stderr for uploads and downloads, redrawn in place with {@code \r}. It appears
 * only on a terminal and only once a transfer has taken {@link #DELAY_NANOS}: a quick command and a script's
 * log stay clean. {@link #close()} erases it.
 */
final class Progress implements TransferListener, AutoCloseable {
  static final long DELAY_NANOS = 1_000_000_000L;
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int WIDTH = 24;

  private final PrintStream err;
  private final String verb;
  private final LongSupplier clock;
  private final long start;
  private long lastDraw;
  private int drawnLength;

  Progress(PrintStream err, String verb, LongSupplier clock) {
    this.err = err;
    this.verb = verb;
    this.clock = clock;
    this.start = clock.getAsLong();
  }

  /** A progress bar when stderr is a terminal, else a listener that does nothing. */
  static Progress start(Cli cli, String verb) {
    return new Progress(cli.terminal() ? cli.stderr() : null, verb, System::nanoTime);
  }

  @Override
  public synchronized void transferred(long done, long total) {
    if (err == null) {
      return;
    }
    long now = clock.getAsLong();
    if (now - start < DELAY_NANOS || now - lastDraw < REDRAW_NANOS && (total < 0 || done < total)) {
      return;
    }
    lastDraw = now;
    String line = line(done, total, (now - start) / 1e9);
    err.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
    err.flush();
    drawnLength = line.length();
  }

  String line(long done, long total, double seconds) {
    String rate = Sizes.human((long) (done / Math.max(seconds, 1e-3))) + "/s";
    if (total <= 0) {
      return verb + " " + Sizes.human(done) + "  " + rate;
    }
    int filled = (int) (WIDTH * Math.min(done, total) / total);
    return String.format(Locale.ROOT, "%s [%s%s] %3d%% %s of %s  %s", verb, "#".repeat(filled),
        "-".repeat(WIDTH - filled), 100 * Math.min(done, total) / total, Sizes.human(done), Sizes.human(total), rate);
  }

  /** Erases the bar, if one was drawn, so that what follows starts on a clean line. */
  @Override
  public synchronized void close() {
    if (drawnLength > 0) {
      err.print("\r" + " ".repeat(drawnLength) + "\r");
      err.flush();
      drawnLength = 0;
    }
  }
}
