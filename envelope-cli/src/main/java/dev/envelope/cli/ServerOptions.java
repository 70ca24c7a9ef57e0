package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.client.EnvelopeClient;
import dev.envelope.client.EnvelopeClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the server is and which token to show it: the options every client command shares. The token comes
 * from the first of {@code --token}, {@code --token-file}, {@code ENVELOPE_TOKEN}, {@code ENVELOPE_TOKEN_FILE}.
 * {@code --token} works but puts the secret where {@code ps} shows it to every user of the machine.
 */
final class ServerOptions {
  static final String DEFAULT_SERVER = "http://127.0.0.1:8080";

  @Option(names = "--server", paramLabel = "URL",
      description = "the Envelope server (default: ENVELOPE_SERVER, else " + DEFAULT_SERVER + ")")
  String server;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "a file holding the bearer token (default: ENVELOPE_TOKEN, else ENVELOPE_TOKEN_FILE)")
  Path tokenFile;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "the bearer token itself; other users can see it in 'ps': prefer ENVELOPE_TOKEN or --token-file")
  String token;

  /** A client of the chosen server with the chosen token. */
  EnvelopeClient client(Cli cli) throws EnvelopeException {
    EnvelopeClientBuilder builder;
    try {
      builder = EnvelopeClient.builder(new URI(serverUrl(cli)));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--server/ENVELOPE_SERVER is not a server URL like "
          + DEFAULT_SERVER + ": " + Printable.of(serverUrl(cli)));
    }
    String secret = token(cli);
    try {
      return builder.token(secret).build();
    } catch (IllegalArgumentException e) {
      // The builder's message never repeats the token.
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
  }

  private String serverUrl(Cli cli) {
    if (server != null) {
      return server;
    }
    String fromEnv = cli.env().get("ENVELOPE_SERVER");
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_SERVER : fromEnv;
  }

  private String token(Cli cli) throws EnvelopeException {
    if (token != null && tokenFile != null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "give --token or --token-file, not both");
    }
    if (token != null) {
      return nonEmpty(token, "--token");
    }
    if (tokenFile != null) {
      return read(tokenFile, "--token-file");
    }
    String fromEnv = cli.env().get("ENVELOPE_TOKEN");
    if (fromEnv != null) {
      return nonEmpty(fromEnv, "ENVELOPE_TOKEN");
    }
    String file = cli.env().get("ENVELOPE_TOKEN_FILE");
    if (file != null) {
      return read(Path.of(nonEmpty(file, "ENVELOPE_TOKEN_FILE")), "ENVELOPE_TOKEN_FILE");
    }
    throw new EnvelopeException(ErrorCode.UNAUTHENTICATED,
        "no token: set ENVELOPE_TOKEN or pass --token-file FILE (an admin makes one with 'envelope tokens create')");
  }

  private static String read(Path file, String source) throws EnvelopeException {
    try {
      return nonEmpty(Files.readString(file, StandardCharsets.UTF_8), source + " " + file);
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.IO, "cannot read the token file " + file + " (" + source + ")", e);
    }
  }

  private static String nonEmpty(String value, String source) throws EnvelopeException {
    if (value.isBlank()) {
      // Set but empty is a mistake (an unset variable in a script), never a reason to go on without a token.
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, source + " is set but empty");
    }
    return value;
  }
}
