package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.file.Files;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * How the operator's commands ({@code tenants}, {@code admin rewrap}, {@code keys usage}) reach a node's backends
 * without a server: the same settings as {@code envelope serve} (flags, {@code ENVELOPE_*}, the config file), the
 * same key service, blob store and metadata store. Whoever may open them is the operator already. SQLite's WAL
 * makes this safe beside a running server; the shared stores are made for many clients.
 */
final class NodeAccess {
  private NodeAccess() {}

  /** The node's settings; a data directory that does not exist is refused, as {@code envelope tokens} does. */
  static NodeSettings settings(EnvelopeCommand parent, String config) throws EnvelopeException {
    NodeSettings settings = resolve(parent, config);
    if (settings.value(Setting.METADATA).equalsIgnoreCase("sqlite") && !Files.isDirectory(settings.home())) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "no data directory at "
          + settings.home().toAbsolutePath() + ": give the server's --home (or ENVELOPE_HOME), or start"
          + " 'envelope serve' once to create it");
    }
    return settings;
  }

  /** The node's settings as they are (--home, --config, the environment), whether its data directory exists or not. */
  static NodeSettings resolve(EnvelopeCommand parent, String config) throws EnvelopeException {
    Map<Setting, String> flags = new EnumMap<>(Setting.class);
    if (parent.home != null) {
      flags.put(Setting.HOME, parent.home);
    }
    return NodeSettings.resolve(flags, config, env(parent));
  }

  /** The node's backends, opened as {@code envelope serve} opens them. */
  static Backends open(EnvelopeCommand parent, String config) throws EnvelopeException {
    return Backends.open(settings(parent, config), parent.cli);
  }

  static Map<String, String> env(EnvelopeCommand parent) {
    Map<String, String> env = new HashMap<>(parent.cli.env());
    if (parent.home != null) {
      env.put("ENVELOPE_HOME", parent.home);
    }
    return env;
  }
}
