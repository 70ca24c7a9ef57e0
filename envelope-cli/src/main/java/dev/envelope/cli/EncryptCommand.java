package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.core.internal.CipherWarmUp;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope encrypt}: file or stdin to a self-contained Envelope file or stdout. */
@Command(name = "encrypt", mixinStandardHelpOptions = true,
    description = {"Encrypt IN into OUT under a fresh data key wrapped by the root key ID.",
        "OUT is written atomically (owner-only permissions): it appears only when complete. An existing OUT is"
            + " refused unless --force."})
final class EncryptCommand implements Callable<Integer> {
  @ParentCommand
  EnvelopeCommand parent;

  @Option(names = "--key", required = true, paramLabel = "ID", description = "the root key's id or alias")
  String key;

  @Mixin
  ContextOptions context;

  @Option(names = "--segment-size", paramLabel = "BYTES", defaultValue = "" + EnvelopeCipher.DEFAULT_SEGMENT_SIZE,
      description = "ciphertext segment size, 4096 to 8388608 (default: ${DEFAULT-VALUE}); recorded in the"
          + " file, so any size decrypts")
  int segmentSize;

  @Option(names = "--force", description = StreamTarget.FORCE_HELP)
  boolean force;

  @Parameters(index = "0", paramLabel = "IN", description = "the file to encrypt, or - for stdin")
  String in;

  @Parameters(index = "1", paramLabel = "OUT", description = "the encrypted file to write, or - for stdout")
  String out;

  @Override
  public Integer call() throws IOException, EnvelopeException {
    StreamTarget.refuseExisting(out, force);
    CipherWarmUp.startInBackground();
    EncryptionContext ctx = context.context();
    if (segmentSize < EnvelopeCipher.MIN_SEGMENT_SIZE || segmentSize > EnvelopeCipher.MAX_SEGMENT_SIZE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--segment-size must be between "
          + EnvelopeCipher.MIN_SEGMENT_SIZE + " and " + EnvelopeCipher.MAX_SEGMENT_SIZE);
    }
    Envelope envelope = Envelope.create(parent.cli.keyring(parent.home, false)).withSegmentSize(segmentSize);
    try (InputStream plaintext = StreamTarget.open(parent.cli, in)) {
      StreamTarget.write(parent.cli, out, force, sink -> envelope.encrypt(plaintext, sink, key, ctx));
    }
    return 0;
  }
}
