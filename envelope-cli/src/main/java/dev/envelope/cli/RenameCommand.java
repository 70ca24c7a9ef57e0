package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.client.EnvelopeClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope rename}: a stored file's new name or content type. */
@Command(name = "rename", mixinStandardHelpOptions = true,
    description = {"Rename the file ID on the Envelope server, or set its content type; prints nothing.",
        "Only the metadata changes: the content, its data key and the id stay. A file the server stored under a",
        "shared data key (its opt-in data-key cache) cannot be renamed: exit 25, conflict."})
final class RenameCommand implements Callable<Integer> {
  @ParentCommand
  EnvelopeCommand parent;

  @Mixin
  ServerOptions server;

  @Parameters(index = "0", paramLabel = "ID", description = "the file's id")
  String id;

  @Parameters(index = "1", paramLabel = "NAME", arity = "0..1", description = "its new name (data, never a path)")
  String name;

  @Option(names = "--type", paramLabel = "MEDIA-TYPE", description = "its new content type")
  String type;

  @Override
  public Integer call() throws EnvelopeException {
    if (name == null && type == null) {
      throw new EnvelopeException(dev.envelope.api.ErrorCode.INVALID_ARGUMENT, "give a new NAME, --type or both");
    }
    EnvelopeClient client = server.client(parent.cli);
    client.rename(id, name, type);
    return 0;
  }
}
