/**
 * The {@code envelope} command: a thin picocli adapter over {@code envelope-core}, the local
 * keyring ({@code envelope-keyring}) and the PKCS#11 key service ({@code envelope-pkcs11}), chosen by
 * {@link dev.envelope.cli.KeyBackend}; {@link dev.envelope.cli.Cli} runs one command line against given streams.
 */
package dev.envelope.cli;
