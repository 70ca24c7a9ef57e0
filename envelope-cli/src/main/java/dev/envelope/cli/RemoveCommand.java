package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.client.EnvelopeClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope rm}: deletes stored files. */
@Command(name = "rm", mixinStandardHelpOptions = true,
    description = {"Delete the files ID... from the Envelope server, in order; prints nothing.",
        "A file is unreadable from the moment its delete is acknowledged (its wrapped key is gone).",
        "The first failure stops the command: the files before it are deleted, the ones after it are not."})
final class RemoveCommand implements Callable<Integer> {
  @ParentCommand
  EnvelopeCommand parent;

  @Mixin
  ServerOptions server;

  @Parameters(paramLabel = "ID", arity = "1..*", description = "the ids of the files to delete")
  List<String> ids;

  @Override
  public Integer call() throws EnvelopeException {
    EnvelopeClient client = server.client(parent.cli);
    for (String id : ids) {
      client.delete(id);
    }
    return 0;
  }
}
