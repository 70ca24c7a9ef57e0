package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.internal.AtomicFile;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The IN and OUT arguments of {@code encrypt}/{@code decrypt}: {@code -} is stdin/stdout, anything else a
 * path. A file output is written atomically: it exists under its name only if the whole command succeeded.
 */
final class StreamTarget {
  private StreamTarget() {}

  /** Something that writes its whole output to a stream, or fails. */
  interface Writer {
    void writeTo(OutputStream out) throws IOException, EnvelopeException;
  }

  static InputStream open(Cli cli, String in) throws IOException {
    if ("-".equals(in)) {
      return new FilterInputStream(cli.stdin()) {
        @Override
        public void close() {
          // stdin belongs to the process, not to this command
        }
      };
    }
    Path path = Path.of(in);
    if (Files.isDirectory(path)) {
      throw new IOException(in + " is a directory");
    }
    return Files.newInputStream(path);
  }

  static void write(Cli cli, String out, Writer writer) throws IOException, EnvelopeException {
    if ("-".equals(out)) {
      writer.writeTo(cli.stdout());
      cli.stdout().flush();
      return;
    }
    Path path = Path.of(out);
    if (Files.isDirectory(path)) {
      throw new IOException(out + " is a directory");
    }
    try (AtomicFile file = AtomicFile.create(path, AtomicFile.privateFile())) {
      writer.writeTo(file.stream());
      file.commit();
    }
  }
}
