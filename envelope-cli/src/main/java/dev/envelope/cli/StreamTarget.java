package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The IN and OUT arguments of {@code encrypt}/{@code decrypt} (and {@code download -o}): {@code -} is
 * stdin/stdout, anything else a path. A file output is written atomically: it exists under its name only if the
 * whole command succeeded. An existing file is replaced only with {@code --force}: without it the command is
 * refused before any work ({@link #refuseExisting}), and again at the final link if the file appeared meanwhile,
 * so a file is never clobbered by accident.
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

  /** The help line of the {@code --force} options. */
  static final String FORCE_HELP = "replace OUT if it exists (atomically); without it an existing file is refused";

  /**
   * Refuses an output file that exists (a symbolic link counts, even a dangling one) unless {@code force}: the
   * check the commands make before they read, unwrap or download anything.
   */
  static void refuseExisting(String out, boolean force) throws EnvelopeException {
    if (!force && !"-".equals(out) && Files.exists(Path.of(out), LinkOption.NOFOLLOW_LINKS)
        && !Files.isDirectory(Path.of(out))) {
      throw exists(out);
    }
  }

  static void write(Cli cli, String out, boolean force, Writer writer) throws IOException, EnvelopeException {
    if ("-".equals(out)) {
      writer.writeTo(cli.stdout());
      cli.stdout().flush();
      return;
    }
    Path path = Path.of(out);
    if (Files.isDirectory(path)) {
      throw new IOException(out + " is a directory");
    }
    refuseExisting(out, force);
    try (AtomicFile file = AtomicFile.create(path, AtomicFile.privateFile())) {
      writer.writeTo(file.stream());
      if (force) {
        file.commit();
      } else {
        try {
          file.commitNew(); // fails, changing nothing, if the file appeared while we wrote
        } catch (FileAlreadyExistsException e) {
          throw exists(out);
        }
      }
    }
  }

  private static EnvelopeException exists(String out) {
    return new EnvelopeException(ErrorCode.ALREADY_EXISTS, out + " exists: use --force to replace it");
  }
}
