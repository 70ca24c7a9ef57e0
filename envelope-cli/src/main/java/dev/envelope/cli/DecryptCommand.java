package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.Envelope;
import dev.envelope.core.internal.CipherWarmUp;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope decrypt}: an Envelope file or stdin back to plaintext. */
@Command(name = "decrypt", mixinStandardHelpOptions = true,
    description = {"Decrypt the Envelope file IN into OUT.",
        "To a file: OUT appears (owner-only permissions) only after the last segment authenticated; on any"
            + " failure no OUT is left behind. An existing OUT is refused unless --force (then replaced atomically).",
        "To stdout (-): plaintext streams out segment by segment, each only after it authenticated; a"
            + " failure ends the stream early with a non-zero exit status, so check it."})
final class DecryptCommand implements Callable<Integer> {
  @ParentCommand
  EnvelopeCommand parent;

  @Mixin
  ContextOptions context;

  @Option(names = "--force", description = StreamTarget.FORCE_HELP)
  boolean force;

  @Parameters(index = "0", paramLabel = "IN", description = "the Envelope file, or - for stdin")
  String in;

  @Parameters(index = "1", paramLabel = "OUT", description = "the plaintext file to write, or - for stdout")
  String out;

  @Override
  public Integer call() throws IOException, EnvelopeException {
    StreamTarget.refuseExisting(out, force);
    CipherWarmUp.startInBackground();
    // The expected context, when given, is checked against the header before any key is unwrapped.
    EncryptionContext expected = context.given() ? context.context() : null;
    Envelope envelope = Envelope.create(parent.cli.keyring(parent.home, false));
    try (InputStream ciphertext = StreamTarget.open(parent.cli, in)) {
      StreamTarget.write(parent.cli, out, force, sink -> envelope.decrypt(ciphertext, sink, expected));
    }
    return 0;
  }
}
