package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The repeatable {@code --context k=v} option, parsed strictly (no silent overwrite of a repeated key). */
final class ContextOptions {
  @Option(names = "--context", paramLabel = "KEY=VALUE",
      description = "an encryption context entry; repeat for more. The context is authenticated, not secret.")
  List<String> entries = new ArrayList<>();

  boolean given() {
    return !entries.isEmpty();
  }

  EncryptionContext context() throws EnvelopeException {
    Map<String, String> map = new LinkedHashMap<>();
    for (String entry : entries) {
      if (entry.indexOf('\uFFFD') >= 0) {
        // What the JVM makes of bytes it cannot decode: two different values would become one context.
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--context '" + Printable.of(entry)
            + "' holds U+FFFD, the replacement character: either it was typed so, or the locale could not"
            + " decode the argument (use a UTF-8 locale, e.g. LC_ALL=C.UTF-8)");
      }
      int eq = entry.indexOf('=');
      if (eq < 0) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--context needs KEY=VALUE, got '" + Printable.of(entry) + "'");
      }
      String key = entry.substring(0, eq);
      if (map.put(key, entry.substring(eq + 1)) != null) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--context key '" + Printable.of(key) + "' is given twice");
      }
    }
    try {
      return EncryptionContext.of(map);
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
  }
}
