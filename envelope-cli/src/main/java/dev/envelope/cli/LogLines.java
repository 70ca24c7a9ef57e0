package dev.envelope.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * A stream whose every line becomes a log event: what a command prints for people on stderr (its warnings, "envelope:
 * stopped", the keyring's master-key warning), as one JSON object each with {@code --log-format json}. A line
 * that starts {@code envelope: error:} is logged at error, {@code envelope: warning:} at warn, any other at info;
 * blank lines, which only space out text for people, are left out.
 */
final class LogLines extends OutputStream {
  private final Logger log;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  private LogLines(Logger log) {
    this.log = log;
  }

  /** A print stream that logs each line it is given to {@code log}. */
  static PrintStream to(Logger log) {
    return new PrintStream(new LogLines(log), true, StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void write(int b) {
    if (b == '\n') {
      emit();
    } else {
      line.write(b);
    }
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      write(bytes[i]);
    }
  }

  @Override
  public synchronized void close() {
    emit();
  }

  private void emit() {
    String text = line.toString(StandardCharsets.UTF_8).strip();
    line.reset();
    String lower = text.toLowerCase(Locale.ROOT);
    if (text.isEmpty()) {
      return;
    } else if (lower.startsWith("envelope: error:")) {
      log.error("{}", text);
    } else if (lower.startsWith("envelope: warning:")) {
      log.warn("{}", text);
    } else {
      log.info("{}", text);
    }
  }
}
