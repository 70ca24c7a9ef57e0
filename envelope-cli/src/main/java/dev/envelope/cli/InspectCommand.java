package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.FileHeader;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope inspect}: shows a file's header. Needs no key and decrypts nothing. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {"Show the header of an Envelope file (root key, context, format); decrypts nothing.",
        "Control characters in the header are shown as \\uXXXX escapes."})
final class InspectCommand implements Callable<Integer> {
  @ParentCommand
  EnvelopeCommand parent;

  @Parameters(paramLabel = "IN", description = "the Envelope file, or - for stdin")
  String in;

  @Override
  public Integer call() throws IOException, EnvelopeException {
    FileHeader header;
    try (InputStream stream = StreamTarget.open(parent.cli, in)) {
      header = FileHeader.read(stream);
    }
    Cli cli = parent.cli;
    cli.println("format version:   " + FileHeader.FORMAT_VERSION);
    cli.println("key service:      " + header.keyService());
    cli.println("root key:         " + Printable.of(header.wrappedKey().rootKeyId()));
    cli.println("root key version: " + header.wrappedKey().rootKeyVersion());
    cli.println("segment size:     " + header.segmentSize());
    // One pair a line, aligned under the first (which shares the label's line); "(none)" for an empty context.
    String label = "context:          ";
    if (header.context().isEmpty()) {
      cli.println(label + "(none)");
    }
    for (Map.Entry<String, String> e : header.context().asMap().entrySet()) {
      cli.println(label + Printable.of(e.getKey()) + "=" + Printable.of(e.getValue()));
      label = " ".repeat(label.length());
    }
    return 0;
  }
}
