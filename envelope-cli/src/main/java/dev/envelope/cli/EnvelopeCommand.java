package dev.envelope.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code envelope}: the top-level command. Its subcommands do the work. */
@Command(
    name = "envelope",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Envelope encryption of files: each file gets a fresh AES-256 data key, wrapped by a root key"
        + " that never leaves the key service.",
    subcommands = {KeysCommand.class, EncryptCommand.class, DecryptCommand.class, InspectCommand.class,
        KeyserverCommand.class, ServeCommand.class, UploadCommand.class, DownloadCommand.class, ListCommand.class,
        RemoveCommand.class, RenameCommand.class, ShareCommand.class, UsageCommand.class, TokensCommand.class,
        TenantsCommand.class, AdminCommand.class, AuditCommand.class, S3Command.class},
    footerHeading = "%nEnvironment:%n",
    footer = {
        "  ENVELOPE_HOME              data directory holding the keyring (default ./envelope-data)",
        "  ENVELOPE_MASTER_KEY        base64 of the 32-byte master key that seals the keyring",
        "  ENVELOPE_MASTER_KEY_FILE   file holding that base64 text (use one of the two);",
        "                             yours, mode 0600 or 0400, or it is refused",
        "                             With neither, the first use generates ENVELOPE_HOME/master.key:",
        "                             fine for trying Envelope out, not for production.",
        "  ENVELOPE_SERVER            the server of upload, download, ls and rm",
        "                             (default http://127.0.0.1:8080)",
        "  ENVELOPE_TOKEN             the bearer token they send (or --token-file FILE)",
        "  ENVELOPE_TOKEN_FILE        a file holding that token",
        "  ENVELOPE_DEBUG=1           print stack traces of errors",
        "",
        "Errors are one line on stderr, 'envelope: error: MESSAGE [CODE]', and these exit statuses:",
        "  0  success",
        "  1  internal         a bug: please report it",
        "  2  invalid-argument a wrong option, argument, alias, context or segment size",
        "  3  io               a file or stream could not be read or written",
        "  4  keyring-unavailable  wrong or missing master key, or a damaged keyring",
        "  5  key-not-found    no root key (or version) with that id or alias",
        "  6  key-disabled     the root key is disabled",
        "  7  context-mismatch the file's encryption context is not the one given with --context",
        "  8  invalid-ciphertext  the file was modified, truncated or extended; nothing of a bad",
        "                      segment was written, and a decrypted file is not kept",
        "  9  invalid-wrapped-key the wrapped data key does not belong to this file, or is damaged",
        " 10  unsupported-format  not an Envelope file, or a newer format version",
        " 11  key-invalid-state   the key's state forbids it (pending deletion, say)",
        " 12  already-exists   the name (an alias) is already taken",
        " 13  not-found        no such file or token (or not one of yours)",
        " 14  unauthenticated  no token, or a wrong, unknown or revoked one",
        " 15  forbidden        the token's role does not allow that",
        " 16  too-large        the upload is larger than the server accepts",
        " 17  range-not-satisfiable  the byte range lies outside the file",
        " 18  unavailable      the server cannot be reached, or did not answer in time",
        " 19  insecure-file    a file of keys, secrets or audit records that others could change",
        "                      (or read, for a secret): the message says how to fix its mode",
        " 20  throttled        too many failed authentications from this address; try again later",
        " 21  audit-chain-broken  an audit log line is missing, altered, out of order or cut short",
        " 22  tenant-shredded  the tenant was crypto-shredded: its files are gone for good",
        " 23  key-in-use       the root key (or version) still wraps files; rewrap first, or --force",
        " 24  precondition-failed  the file is not the one the request's If-Match named",
        " 25  conflict         the change conflicts with how the file is stored (see the message)",
        " 26  quota-exceeded   the upload would take the tenant past its quota"})
final class EnvelopeCommand {
  final Cli cli;

  @Option(names = "--home", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "data directory holding the keyring (overrides ENVELOPE_HOME)")
  String home;

  EnvelopeCommand(Cli cli) {
    this.cli = cli;
  }
}
