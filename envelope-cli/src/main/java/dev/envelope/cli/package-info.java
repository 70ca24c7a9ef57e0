/**
 * The {@code envelope} command: a thin picocli adapter over {@code envelope-core} and
 * {@code envelope-keyring}; {@link dev.envelope.cli.Cli} runs one command line against given streams.
 */
package dev.envelope.cli;
