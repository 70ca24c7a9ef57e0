package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.dynamodb.DynamoDbConfig;
import dev.envelope.dynamodb.DynamoDbMetadataStore;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code envelope admin ...}: one-off operator tasks that the server never does on its own, such as making the
 * DynamoDB table. They read the same settings as {@code envelope serve} (flags, {@code ENVELOPE_*}, the config
 * file).
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "One-off operator tasks the server never does by itself.",
    subcommands = {AdminCommand.InitDynamoDb.class, AdminCommand.RewrapCommand.class})
final class AdminCommand {
  @ParentCommand
  EnvelopeCommand parent;

  @Command(name = "init-dynamodb", mixinStandardHelpOptions = true,
      description = {"Create the DynamoDB table of the file rows and tokens (on-demand capacity, with its index),"
          + " and wait until it is active. Credentials come from the AWS SDK's default chain.",
          "The table, endpoint and region are the server's settings: dynamodb-table, dynamodb-endpoint,"
              + " aws-region (flags, ENVELOPE_* variables or the config file)."})
  static final class InitDynamoDb implements Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Option(names = "--config", paramLabel = "FILE", description = "settings file, as for 'envelope serve'")
    String config;

    @Option(names = "--dynamodb-table", paramLabel = "TABLE", description = "table name (default envelope)")
    String table;

    @Option(names = "--dynamodb-endpoint", paramLabel = "URL",
        description = "a DynamoDB-compatible endpoint; default AWS")
    String endpoint;

    @Option(names = "--aws-region", paramLabel = "REGION", description = "default: the AWS SDK's")
    String region;

    @Override
    public Integer call() throws EnvelopeException, java.io.IOException {
      Cli cli = admin.parent.cli;
      Map<Setting, String> flags = new EnumMap<>(Setting.class);
      if (table != null) {
        flags.put(Setting.DYNAMODB_TABLE, table);
      }
      if (endpoint != null) {
        flags.put(Setting.DYNAMODB_ENDPOINT, endpoint);
      }
      if (region != null) {
        flags.put(Setting.AWS_REGION, region);
      }
      Map<String, String> env = new HashMap<>(cli.env());
      if (admin.parent.home != null) {
        flags.put(Setting.HOME, admin.parent.home);
      }
      NodeSettings settings = NodeSettings.resolve(flags, config, env);
      DynamoDbConfig dynamo = Backends.dynamoDbConfig(settings);
      DynamoDbMetadataStore.createTable(dynamo);
      cli.println("created DynamoDB table " + settings.value(Setting.DYNAMODB_TABLE) + "; it is active");
      return 0;
    }
  }

  @Command(name = "rewrap", mixinStandardHelpOptions = true,
      description = {"Re-wrap every stored data key under the current version of its tenant's root key (the"
          + " tenant's own, else the node's), inside the key service; no file is read or re-encrypted.",
          "Idempotent and resumable: stop it at any point and run it again. Safe beside a running server: a row"
              + " changed meanwhile is left as the other writer left it.",
          "Exit status 0 when every row is current, 1 (internal) when some could not be re-wrapped: their ids are"
              + " printed and logged."})
  static final class RewrapCommand implements Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Option(names = "--config", paramLabel = "FILE", description = "settings file, as for 'envelope serve'")
    String config;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "only this tenant's files")
    String tenant;

    @Option(names = "--dry-run", description = "count what would be re-wrapped; change nothing")
    boolean dryRun;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
        description = "at most N re-wraps per second, to spare the key service (default: no limit)")
    double rate;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "" + dev.envelope.service.Rewrap.DEFAULT_PARALLELISM,
        description = "at most N rows re-wrapped at once, 1 to 64 (default: ${DEFAULT-VALUE})")
    int parallel;

    @Override
    public Integer call() throws EnvelopeException, java.io.IOException {
      Cli cli = admin.parent.cli;
      dev.envelope.service.Rewrap.Options options;
      try {
        options = new dev.envelope.service.Rewrap.Options(tenant, dryRun, rate, parallel);
      } catch (IllegalArgumentException e) {
        throw new EnvelopeException(dev.envelope.api.ErrorCode.INVALID_ARGUMENT, e.getMessage());
      }
      NodeSettings settings = NodeAccess.settings(admin.parent, config);
      dev.envelope.service.Rewrap.Summary done;
      try (AdminAudit audit = options.dryRun() ? null : AdminAudit.open(settings);
          Backends backends = Backends.open(settings, cli)) {
        dev.envelope.service.FileService files = backends.fileService(settings);
        long total = -1;
        if (cli.terminal()) {
          total = dev.envelope.service.KeyUsage.of(backends.metadata, tenant).tenants().values().stream()
              .mapToLong(dev.envelope.service.KeyUsage.Totals::files).sum();
        }
        try (RowProgress bar = RowProgress.start(cli, dryRun ? "rewrap (dry run)" : "rewrap", total)) {
          dev.envelope.service.Rewrap job = new dev.envelope.service.Rewrap(files, backends.keyAdmin());
          dev.envelope.service.Principal operator = dev.envelope.service.Principal.localOperator();
          done = audit == null ? job.run(operator, options, bar::update)
              : audit.record(dev.envelope.server.audit.AuditEvent.Type.KEYS_REWRAP, tenant, null,
                  () -> job.run(operator, options, bar::update), s -> java.util.Optional.of(s.rewrapped()));
        }
      }
      cli.println(String.format(java.util.Locale.ROOT,
          "rewrap%s: %d rows, %d %s, %d already current, %d changed meanwhile, %d skipped, %d failed, in %.1f s"
              + " (%.0f rows/s)",
          dryRun ? " (dry run)" : "", done.scanned(), done.rewrapped(), dryRun ? "to re-wrap" : "re-wrapped",
          done.current(), done.changed(), done.skipped(), done.failed(), done.elapsed().toMillis() / 1000.0,
          done.rate()));
      for (String failure : done.failures()) {
        cli.stderr().println("envelope: not re-wrapped: " + failure);
      }
      return done.failed() == 0 ? 0 : 1;
    }
  }
}
