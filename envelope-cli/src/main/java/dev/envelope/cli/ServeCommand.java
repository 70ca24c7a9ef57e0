package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.cli.jsonlog.JsonLogProvider;
import dev.envelope.server.EnvelopeServer;
import dev.envelope.server.ServerMetrics;
import dev.envelope.server.SettingKey;
import dev.envelope.server.audit.AuditLog;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.TenantAdmin;
import dev.envelope.service.Tenants;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code envelope serve}: the file service over HTTP on the embedded defaults (local keyring, a directory of
 * blobs, a SQLite file), all under the home. On first start it makes the master key (loudly), the root key and
 * an admin token, which it prints once. Runs until Ctrl-C or SIGTERM, then stops cleanly.
 *
 * <p>The setting options are made from {@link Setting}, so the flags, the help and the settings
 * cannot drift apart; {@code --home} is the top-level option every subcommand shares.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, modelTransformer = ServeCommand.SettingOptions.class,
    description = "Run the Envelope file service (HTTP API v1): on the embedded stores under the home by default,"
        + " or on S3, PostgreSQL or DynamoDB and AWS KMS (settings blob, metadata, keys). The"
        + " first start generates the master key (unless ENVELOPE_MASTER_KEY or ENVELOPE_MASTER_KEY_FILE is"
        + " set), the root key, and an admin token for tenant 'default', printed once. When ready it prints"
        + " 'listening on http://HOST:PORT'. Ctrl-C or SIGTERM stops it cleanly.")
final class ServeCommand implements Callable<Integer> {
  static final String FIRST_TENANT = Tenants.DEFAULT;

  @ParentCommand
  EnvelopeCommand parent;

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE",
      description = "settings file (Java properties); default $ENVELOPE_HOME/envelope.conf if it exists")
  String config;

  @Override
  public Integer call() throws EnvelopeException, IOException, InterruptedException {
    sequentialCipherUnlessAsked();
    NodeSettings settings = NodeSettings.resolve(flags(), config, parent.cli.env());
    Cli cli = settings.jsonLogs() ? jsonLogs(parent.cli) : parent.cli;
    String mixed = Backends.checkChoices(settings);
    if (mixed != null) {
      cli.stderr().println("envelope: " + mixed);
    }
    AuditSettings auditSettings = AuditSettings.from(settings);
    Backends stores = Backends.open(settings, cli);
    AuditLog audit;
    try {
      audit = auditSettings.open(Clock.systemUTC());
    } catch (EnvelopeException | RuntimeException e) {
      stores.close();
      throw e;
    }
    if (!audit.enabled()) {
      cli.stderr().println("envelope: warning: audit-log = off: no security event of this node is recorded");
    }
    ServerMetrics metrics = new ServerMetrics();
    FileService files = stores.fileService(settings, metrics.serviceObserver());
    AccessTokens tokens = new AccessTokens(stores.tokens, stores.tenants, Clock.systemUTC());
    EnvelopeServer.S3Settings s3;
    try {
      s3 = s3(settings, files, stores);
    } catch (EnvelopeException e) {
      audit.close();
      stores.close();
      throw e;
    }
    EnvelopeServer server;
    try {
      server = QuietStart.start(() -> EnvelopeServer.builder(files, tokens).settings(settings.http()).auditLog(audit).metrics(metrics)
          .tenants(new TenantAdmin(files, stores.tokens, stores.keyAdmin())).links(stores.links).s3(s3)
          .orphanSweep(settings.orphanGrace(), settings.sweepInterval()).build().start());
    } catch (RuntimeException e) {
      audit.close();
      stores.close();
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "cannot listen on " + settings.http().host() + ":"
          + settings.http().port() + (s3 == null ? "" : " and " + s3.port()) + " (" + rootCause(e) + ")");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop();
      audit.close(); // after the server: the last requests' lines go down first
      stores.close();
      cli.stderr().println("envelope: stopped");
      stopped.countDown();
    }, "envelope-shutdown"));
    if (!tokens.any()) {
      // Only after the server is up: a token printed by a server that then failed to start would be lost.
      printFirstToken(cli, tokens.create(Principal.localOperator(), FIRST_TENANT, Role.OPERATOR,
          "first operator (envelope serve)").token(),
          server.url());
    }
    warnIfExposed(cli, settings.http().host());
    cli.println("listening on " + server.url());
    if (server.s3Url() != null) {
      cli.println("S3 API on " + server.s3Url() + " (region " + s3.region() + "; credentials: envelope s3"
          + " credentials create --tenant T)");
    }
    stopped.await();
    return 0;
  }

  /** The S3 API's settings when {@code s3-port} is set; null when it is off. */
  private static EnvelopeServer.S3Settings s3(NodeSettings settings, FileService files, Backends stores)
      throws EnvelopeException {
    if (settings.http().s3Port() < 0) {
      return null;
    }
    dev.envelope.service.BucketStore buckets = stores.bucketStore();
    Clock clock = Clock.systemUTC();
    return new EnvelopeServer.S3Settings(settings.http().s3Port(), settings.http().s3Region(),
        settings.http().s3Domain(), new dev.envelope.service.S3Objects(files, buckets, clock),
        new dev.envelope.service.S3Credentials(files, buckets, clock), settings.http().s3UploadExpiry());
  }

  /**
   * The server encrypts and decrypts each transfer on its request thread (the sequential engine) unless the
   * process was started with {@code -Denvelope.cipher.parallel=auto} (through {@code ENVELOPE_JAVA_OPTS}). Measured
   * on 2 cores (docs/FORMAT.md, "Parallel streams"): 1 GiB uploads and downloads
   * over loopback ran 10-20% slower with the parallel engine, because the request thread's socket work and the
   * client already take the cores the engine's workers would use. The library's default ({@code auto}, within
   * the JVM's budget for parallel buffers) stays for the {@code envelope} command's own encrypt and decrypt.
   */
  static void sequentialCipherUnlessAsked() {
    if (System.getProperty(dev.envelope.core.EnvelopeCipher.PARALLEL_PROPERTY) == null) {
      System.setProperty(dev.envelope.core.EnvelopeCipher.PARALLEL_PROPERTY, "off");
    }
  }

  /**
   * With log-format = json: the JSON log backend for the process (when this run is the process's, see {@link
   * Cli#ofProcess}), chosen here because no logger has been made yet, only settings read; and this command's own
   * lines for stderr as log events. Stdout (the first token, "listening on") stays as it is.
   */
  private static Cli jsonLogs(Cli cli) {
    if (cli.wholeProcess()) {
      JsonLogProvider.select();
    }
    return cli.withStderr(LogLines.to(LoggerFactory.getLogger(ServeCommand.class)));
  }

  private Map<SettingKey, String> flags() {
    Map<SettingKey, String> flags = new HashMap<>();
    for (SettingKey s : NodeSettings.ALL) {
      OptionSpec option = spec.findOption(s.flag());
      if (s != Setting.HOME && option != null && option.getValue() != null) {
        flags.put(s, option.getValue());
      }
    }
    if (parent.home != null) {
      flags.put(Setting.HOME, parent.home);
    }
    return flags;
  }

  private static void printFirstToken(Cli cli, String token, String url) throws IOException {
    cli.println("");
    cli.println("First start: created an operator token for tenant '" + FIRST_TENANT + "'. It is shown only now;");
    cli.println("Envelope stores only its hash. Keep it somewhere safe:");
    cli.println("");
    cli.println("    " + token);
    cli.println("");
    cli.println("Use it as a bearer token, for example:");
    cli.println("    export ENVELOPE_TOKEN='" + token + "'");
    cli.println("    curl -H \"Authorization: Bearer $ENVELOPE_TOKEN\" " + url + "/v1/files");
    cli.println("Make tokens for people and programs with POST /v1/tokens (or 'envelope tokens create').");
    cli.println("");
  }

  private static void warnIfExposed(Cli cli, String host) {
    try {
      if (!InetAddress.getByName(host).isLoopbackAddress()) {
        cli.stderr().println("envelope: warning: listening on " + host + " without TLS: tokens and files cross"
            + " the network in clear text. Put a TLS-terminating proxy in front.");
      }
    } catch (IOException e) {
      // The server is already listening on it; the warning is only advice.
    }
  }

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** Adds one option per setting, and the settings table to the help. */
  static final class SettingOptions implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      for (SettingKey s : NodeSettings.ALL) {
        if (s != Setting.HOME) {
          spec.addOption(OptionSpec.builder(s.flag()).paramLabel(s.key().toUpperCase(java.util.Locale.ROOT)
              .replace('-', '_')).type(String.class).description(s.description()
                  + " (" + s.variable() + (s.defaultValue().isEmpty() ? "" : ", default " + s.defaultValue())
                  + ")").build());
        }
      }
      spec.usageMessage().footerHeading("%n").footer(NodeSettings.help().replace("%", "%%").split("\n"));
      return spec;
    }
  }
}
