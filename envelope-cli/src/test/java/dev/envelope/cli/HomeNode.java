package dev.envelope.cli;

import dev.envelope.service.FileService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A home's backends opened in-process as {@code envelope serve} opens them, with its file service: how the
 * command tests store files for the admin commands to work on, and check them afterwards.
 */
record HomeNode(Backends backends, FileService files, NodeSettings settings) implements AutoCloseable {
  /** The backends of the home {@code env} names ({@code ENVELOPE_*}), with {@code flags} set on top. */
  static HomeNode open(Map<String, String> env, Map<Setting, String> flags) throws Exception {
    Cli quiet = new Cli(env, new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    NodeSettings settings = NodeSettings.resolve(flags, null, env);
    Backends backends = Backends.open(settings, quiet);
    return new HomeNode(backends, backends.fileService(settings), settings);
  }

  static HomeNode open(Map<String, String> env) throws Exception {
    return open(env, Map.of());
  }

  @Override
  public void close() {
    backends.close();
  }
}
