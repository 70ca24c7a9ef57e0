package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.client.EnvelopeClient;
import dev.envelope.client.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLConnection;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope upload}: a file or stdin to the server, which encrypts and stores it. */
@Command(name = "upload", mixinStandardHelpOptions = true,
    description = {"Upload FILE to the Envelope server; prints the new file's id alone on stdout.",
        "The file streams: its size does not matter. The server encrypts it under a fresh data key."})
final class UploadCommand implements Callable<Integer> {
  @ParentCommand
  EnvelopeCommand parent;

  @Mixin
  ServerOptions server;

  @Parameters(paramLabel = "FILE", description = "the file to upload, or - for stdin (then --name is required)")
  String file;

  @Option(names = "--name", paramLabel = "NAME", description = "the name to store (default: FILE's own name)")
  String name;

  @Option(names = "--type", paramLabel = "MEDIA-TYPE",
      description = "the media type (default: guessed from the name's extension, else application/octet-stream)")
  String type;

  @Override
  public Integer call() throws IOException, EnvelopeException {
    boolean stdin = "-".equals(file);
    Path path = stdin ? null : Path.of(file);
    if (stdin && name == null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "uploading stdin needs --name");
    }
    if (!stdin && Files.isDirectory(path)) {
      throw new IOException(file + " is a directory");
    }
    if (!stdin && !Files.exists(path)) {
      throw new NoSuchFileException(file);
    }
    if (!stdin && !Files.isReadable(path)) {
      throw new AccessDeniedException(file);
    }
    String storedName = name != null ? name : path.getFileName().toString();
    String mediaType = type != null ? type : URLConnection.guessContentTypeFromName(storedName);
    Cli cli = parent.cli;
    EnvelopeClient client = server.client(cli);
    FileInfo stored;
    try (Progress progress = Progress.start(cli, "upload")) {
      if (stdin) {
        try (InputStream in = StreamTarget.open(cli, "-")) {
          stored = client.upload(in, storedName, mediaType, progress);
        }
      } else {
        stored = client.upload(path, storedName, mediaType, progress);
      }
    }
    cli.println(stored.id());
    return 0;
  }
}
