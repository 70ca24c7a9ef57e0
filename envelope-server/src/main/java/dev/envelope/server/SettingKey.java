package dev.envelope.server;

/**
 * One setting: its config-file key, environment variable, default and meaning. Its flag is the key with two
 * dashes. {@link HttpSetting} holds the HTTP server's; the command that assembles a node adds its own (the
 * stores, the key service), and {@link SettingSources} reads both from the same sources.
 */
public interface SettingKey {
  /** What an enum of settings holds per constant. */
  record Definition(String key, String variable, String defaultValue, String description) {}

  Definition definition();

  /** The key in the config file. */
  default String key() {
    return definition().key();
  }

  /** The environment variable. */
  default String variable() {
    return definition().variable();
  }

  default String defaultValue() {
    return definition().defaultValue();
  }

  default String description() {
    return definition().description();
  }

  /** The command-line flag. */
  default String flag() {
    return "--" + key();
  }
}
