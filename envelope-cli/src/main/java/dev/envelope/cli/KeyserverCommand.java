package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyserver.AccessKey;
import dev.envelope.keyserver.CredentialStore;
import dev.envelope.keyserver.KeyServer;
import dev.envelope.keyserver.KeyServerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code envelope keyserver}: serves the AWS KMS API over the local keyring or the HSM ({@link KeyBackend}), and manages
 * the access keys clients sign with. The key server's files live in {@code $ENVELOPE_HOME/keyserver/}.
 */
@Command(name = "keyserver", mixinStandardHelpOptions = true,
    description = "Serve the AWS KMS API (JSON 1.1, Signature Version 4) over Envelope's root keys, so that AWS"
        + " SDKs and the AWS CLI use them unchanged (--endpoint-url). Loopback only unless --host says so. Runs"
        + " until interrupted (Ctrl-C, SIGTERM). Files: $ENVELOPE_HOME/keyserver/credentials.json (access keys,"
        + " 0600) and audit.log (one JSON line per request).",
    subcommands = {KeyserverCommand.Credentials.class},
    footerHeading = "%nEnvironment:%n",
    footer = {
        "  ENVELOPE_KEYSERVER_TLS_PASSWORD       password of the --tls-keystore (PKCS#12)",
        "  ENVELOPE_KEYSERVER_TLS_PASSWORD_FILE  file holding that password (use one of the two)"})
final class KeyserverCommand implements Callable<Integer> {
  static final String TLS_PASSWORD = "ENVELOPE_KEYSERVER_TLS_PASSWORD";
  static final String TLS_PASSWORD_FILE = "ENVELOPE_KEYSERVER_TLS_PASSWORD_FILE";

  @ParentCommand
  EnvelopeCommand parent;

  @Option(names = "--port", paramLabel = "P", description = "port to listen on (default: ${DEFAULT-VALUE}; 0 = any)")
  int port = KeyServerSettings.DEFAULT_PORT;

  @Option(names = "--host", paramLabel = "H", description = "address to bind (default: ${DEFAULT-VALUE})")
  String host = KeyServerSettings.DEFAULT_HOST;

  @Option(names = "--keys", paramLabel = "local|pkcs11",
      description = "key service (default: ENVELOPE_KEYS, else local; pkcs11 reads ENVELOPE_PKCS11_*)")
  String keys;

  @Option(names = "--region", paramLabel = "R", description = "region in key ARNs and signatures (default: ${DEFAULT-VALUE})")
  String region = KeyServerSettings.DEFAULT_REGION;

  @Option(names = "--account", paramLabel = "A", description = "12-digit account in key ARNs (default: ${DEFAULT-VALUE})")
  String account = KeyServerSettings.DEFAULT_ACCOUNT;

  @Option(names = "--audit-log", paramLabel = "FILE", description = "audit log (default: keyserver/audit.log in the home)")
  Path auditLog;

  @Option(names = "--tls-keystore", paramLabel = "FILE",
      description = "serve HTTPS with this PKCS#12 key store (password from the environment, below)")
  Path tlsKeyStore;

  @Option(names = "--max-body", paramLabel = "BYTES", converter = LimitOptions.SizeConverter.class,
      description = "largest request body; a larger one is refused unread (default: 64K)")
  long maxBody = KeyServerSettings.DEFAULT_MAX_BODY_BYTES;

  @Option(names = "--max-json-depth", paramLabel = "N",
      description = "deepest nesting of a request's JSON (default: ${DEFAULT-VALUE})")
  int maxJsonDepth = KeyServerSettings.DEFAULT_MAX_JSON_DEPTH;

  @picocli.CommandLine.Mixin
  LimitOptions limits = new LimitOptions();

  /** Where the key server keeps its files: {@code keyserver/} in the Envelope home. */
  Path dir() {
    return (parent.home != null ? Path.of(parent.home) : KeyBackend.home(parent.cli.env())).resolve("keyserver");
  }

  @Override
  public Integer call() throws EnvelopeException, IOException {
    KeyServerSettings settings;
    try {
      settings = KeyServerSettings.defaults(dir()).withAddress(host, port).withArnParts(region, account)
          .withBodyLimits((int) Math.min(maxBody, Integer.MAX_VALUE), maxJsonDepth).withLimits(limits.limits());
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
    if (auditLog != null) {
      settings = settings.withAuditLog(auditLog);
    }
    if (tlsKeyStore != null) {
      String password = tlsPassword();
      checkKeyStore(password);
      settings = settings.withTls(new KeyServerSettings.Tls(tlsKeyStore, password));
    }
    ManagedKeyService service = openKeys();
    CountDownLatch stopped = new CountDownLatch(1);
    boolean interrupted = false;
    KeyServerSettings starting = settings;
    try (KeyServer server = QuietStart.start(() -> KeyServer.start(starting, service))) {
      Thread hook = new Thread(() -> {
        closeQuietly(server);
        stopped.countDown();
      }, "keyserver-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      parent.cli.stderr().println("envelope keyserver: serving the AWS KMS API on " + server.endpoint()
 + " (keys: " + service.name() + ", region " + region + ", account " + account + ")");
      parent.cli.stderr().println("envelope keyserver: access keys in " + settings.credentialsFile()
          + ", audit log " + settings.auditLogFile().toAbsolutePath());
      try {
        stopped.await();
      } catch (InterruptedException e) {
        interrupted = true; // an embedding caller stopped us: close (not interrupted: Jetty would fail) and return
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private ManagedKeyService openKeys() throws EnvelopeException {
    return KeyBackend.open(parent.cli.env(), keys, parent.home, false, parent.cli.stderr());
  }

  private String tlsPassword() throws EnvelopeException, IOException {
    Map<String, String> env = parent.cli.env();
    String inline = env.get(TLS_PASSWORD);
    String file = env.get(TLS_PASSWORD_FILE);
    if ((inline == null) == (file == null)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--tls-keystore needs exactly one of " + TLS_PASSWORD
          + " and " + TLS_PASSWORD_FILE);
    }
    return inline != null ? inline : Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
  }

  /**
   * Opens the key store before the server starts, so that a wrong password or a file that is no PKCS#12 key store
   * is said as such (Jetty would report it as a failure to listen).
   */
  private void checkKeyStore(String password) throws EnvelopeException {
    String problem;
    try (InputStream in = Files.newInputStream(tlsKeyStore)) {
      KeyStore.getInstance("PKCS12").load(in, password.toCharArray());
      return;
    } catch (NoSuchFileException e) {
      problem = "no such file";
    } catch (IOException | GeneralSecurityException e) {
      problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    String passwordFrom = parent.cli.env().get(TLS_PASSWORD) != null ? TLS_PASSWORD : TLS_PASSWORD_FILE;
    throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "cannot serve HTTPS on " + host + ":" + port
        + (port == 0 ? " (any free port)" : "") + ": cannot open the TLS key store " + tlsKeyStore + ": " + problem
        + " (a PKCS#12 file; its password comes from " + passwordFrom + ")");
  }

  private static void closeQuietly(KeyServer server) {
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      // Shutting down anyway.
    }
  }

  /** {@code envelope keyserver credentials ...}: the access keys clients sign requests with. */
  @Command(name = "credentials", mixinStandardHelpOptions = true,
      description = "Manage the key server's access keys (a running server sees changes at once).",
      subcommands = {Credentials.Create.class, Credentials.ListKeys.class, Credentials.Revoke.class})
  static final class Credentials {
    @ParentCommand
    KeyserverCommand keyserver;

    CredentialStore store() {
      return CredentialStore.at(keyserver.dir().resolve("credentials.json"));
    }

    Cli cli() {
      return keyserver.parent.cli;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create an access key; prints its id and secret, the only time the secret is shown.")
    static final class Create implements Callable<Integer> {
      @ParentCommand
      Credentials credentials;

      @Option(names = "--name", paramLabel = "N", description = "a label for the key (default: none)")
      String name = "";

      @Option(names = "--allow-operation", paramLabel = "OP",
          description = "allow only these KMS operations (repeatable; e.g. Decrypt); default all")
      List<String> operations = List.of();

      @Option(names = "--allow-key", paramLabel = "ID",
          description = "allow only these root keys, by id (repeatable); default all")
      List<String> keyIds = List.of();

      @Override
      public Integer call() throws EnvelopeException, IOException {
        for (String operation : operations) {
          if (!KeyServer.OPERATIONS.contains(operation)) {
            throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "unknown operation '" + operation
                + "'; the key server serves " + String.join(", ", KeyServer.OPERATIONS));
          }
        }
        AccessKey key = credentials.store().create(name, new LinkedHashSet<>(operations),
            Set.copyOf(keyIds));
        credentials.cli().println("access key id:     " + key.id());
        credentials.cli().println("secret access key: " + key.secret());
        credentials.cli().stderr().println("envelope: the secret is shown only now; it is stored in "
            + credentials.store().file() + " (0600)");
        return 0;
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the access keys (no secrets).")
    static final class ListKeys implements Callable<Integer> {
      @ParentCommand
      Credentials credentials;

      @Override
      public Integer call() throws EnvelopeException, IOException {
        String format = "%-20s  %-20s  %-24s  %s";
        credentials.cli().println(String.format(format, "ACCESS KEY ID", "CREATED", "NAME", "ALLOWED"));
        for (AccessKey key : credentials.store().list()) {
          String allowed = (key.allowedOperations().isEmpty() ? "all operations"
              : String.join(",", key.allowedOperations())) + "; "
              + (key.allowedKeys().isEmpty() ? "all keys" : String.join(",", key.allowedKeys()));
          credentials.cli().println(String.format(format, key.id(), key.createdAt(), Printable.of(key.name()),
              allowed));
        }
        return 0;
      }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Delete an access key for good.")
    static final class Revoke implements Callable<Integer> {
      @ParentCommand
      Credentials credentials;

      @Parameters(paramLabel = "ID", description = "the access key id")
      String id;

      @Override
      public Integer call() throws EnvelopeException, IOException {
        if (!credentials.store().revoke(id)) {
          throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no access key '" + Printable.of(id) + "'");
        }
        credentials.cli().println("revoked " + id);
        return 0;
      }
    }
  }
}
