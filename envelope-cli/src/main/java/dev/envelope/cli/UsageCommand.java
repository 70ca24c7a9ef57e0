package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.client.Usage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code envelope usage}: how much the token's tenant stores. */
@Command(name = "usage", mixinStandardHelpOptions = true,
    description = {"Show how many files the token's tenant stores on the Envelope server, and their bytes",
        "(plaintext sizes)."})
final class UsageCommand implements Callable<Integer> {
  @ParentCommand
  EnvelopeCommand parent;

  @Mixin
  ServerOptions server;

  @Option(names = "--json", description = "JSON for programs: {\"tenant\",\"files\",\"bytes\"}")
  boolean json;

  @Override
  public Integer call() throws EnvelopeException, java.io.IOException {
    Usage usage = server.client(parent.cli).usage();
    if (json) {
      parent.cli.println("{\"tenant\":\"" + usage.tenant() + "\",\"files\":" + usage.files() + ",\"bytes\":"
          + usage.bytes() + "}");
    } else {
      parent.cli.println("tenant " + usage.tenant() + ": " + usage.files() + (usage.files() == 1 ? " file, " : " files, ")
          + Sizes.human(usage.bytes()) + " (" + usage.bytes() + " bytes)");
    }
    return 0;
  }
}
