/**
 * The {@code envelope} command: a thin picocli adapter over {@code envelope-core} and {@code envelope-keyring}
 * (keys, encrypt, decrypt), {@code envelope-server} (serve), {@code envelope-client} (upload, download, ls, rm)
 * and {@code envelope-service} (the local token admin); {@link dev.envelope.cli.Cli} runs one command line
 * against given streams.
 */
package dev.envelope.cli;
