package dev.envelope.server;

/**
 * The settings of {@code envelope serve}: each with its config-file key, flag, environment variable, default
 * and meaning, in one place, so that the flags, the help and {@link ServerSettings} cannot drift apart.
 */
public enum Setting {
  HOME("home", "ENVELOPE_HOME", "./envelope-data", "data directory: keyring, master key, blobs, metadata"),
  HOST("host", "ENVELOPE_HOST", ServerSettings.DEFAULT_HOST, "address to listen on"),
  PORT("port", "ENVELOPE_PORT", "8080", "port to listen on, 0 for any free port"),
  MAX_UPLOAD("max-upload", "ENVELOPE_MAX_UPLOAD", "unlimited",
      "largest upload in bytes, with an optional K, M or G suffix (powers of 1024)"),
  ROOT_KEY("root-key", "ENVELOPE_ROOT_KEY", "envelope-files",
      "id or alias of the root key that wraps every file's data key (created on first start)"),
  ORPHAN_GRACE("orphan-grace", "ENVELOPE_ORPHAN_GRACE", "1h",
      "age after which a blob without a row (a failed upload) is removed; 90s, 10m, 1h, 2d"),
  SWEEP_INTERVAL("sweep-interval", "ENVELOPE_SWEEP_INTERVAL", "10m", "how often to look for such blobs"),
  IDLE_TIMEOUT("idle-timeout", "ENVELOPE_IDLE_TIMEOUT", "30s",
      "how long a connection may stall before it is closed");

  private final String key;
  private final String variable;
  private final String defaultValue;
  private final String description;

  Setting(String key, String variable, String defaultValue, String description) {
    this.key = key;
    this.variable = variable;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** The key in the config file. */
  public String key() {
    return key;
  }

  /** The command-line flag. */
  public String flag() {
    return "--" + key;
  }

  /** The environment variable. */
  public String variable() {
    return variable;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }
}
