package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.client.EnvelopeClient;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope download}: a stored file's plaintext from the server to stdout or a file. */
@Command(name = "download", mixinStandardHelpOptions = true,
    description = {"Download the file ID from the Envelope server.",
        "With -o FILE, FILE appears (owner-only permissions) only once every byte arrived; a failed or aborted"
            + " download leaves no FILE and an existing one untouched. An existing FILE is refused unless --force"
            + " (then replaced atomically).",
        "To stdout (the default), bytes stream as they arrive; a download the server aborts (it does when the"
            + " stored file fails authentication) ends with a non-zero exit status, so check it."})
final class DownloadCommand implements Callable<Integer> {
  @ParentCommand
  EnvelopeCommand parent;

  @Mixin
  ServerOptions server;

  @Parameters(paramLabel = "ID", description = "the file's id, as upload and ls print it")
  String id;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "-",
      description = "where to write it (default: - for stdout)")
  String output;

  @Option(names = "--force", description = "replace FILE if it exists (atomically); without it an existing file"
      + " is refused")
  boolean force;

  @Override
  public Integer call() throws IOException, EnvelopeException {
    StreamTarget.refuseExisting(output, force);
    Cli cli = parent.cli;
    EnvelopeClient client = server.client(cli);
    try (Progress progress = Progress.start(cli, "download")) {
      StreamTarget.write(cli, output, force, out -> client.download(id, out, progress));
    }
    return 0;
  }
}
