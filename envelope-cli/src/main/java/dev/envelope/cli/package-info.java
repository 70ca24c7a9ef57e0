/**
 * The {@code envelope} command: a thin picocli adapter over {@code envelope-core}, the key services (the local
 * keyring of {@code envelope-keyring} and the PKCS#11 one of {@code envelope-pkcs11}, chosen by
 * {@link dev.envelope.cli.KeyBackend}), {@code envelope-keyserver} (keyserver), {@code envelope-server} (serve),
 * {@code envelope-client} (upload, download, ls, rm) and {@code envelope-service} (the local token admin);
 * {@link dev.envelope.cli.Cli} runs one command line against given streams.
 */
package dev.envelope.cli;
