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
    subcommands = {AdminCommand.InitDynamoDb.class})
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
}
