package dev.envelope.cli;

import dev.envelope.core.EnvelopeException;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.core.RootKey;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope keys ...}: manage the root keys of the local keyring. */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = "Manage the root keys in the local keyring.",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Rotate.class,
        KeysCommand.Disable.class, KeysCommand.Enable.class})
final class KeysCommand {
  @ParentCommand
  EnvelopeCommand parent;

  LocalKeyring keyring() throws EnvelopeException {
    return parent.cli.keyring(parent.home, false);
  }

  LocalKeyring keyringForNewKeys() throws EnvelopeException {
    return parent.cli.keyring(parent.home, true);
  }

  Cli cli() {
    return parent.cli;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a root key; prints its id alone on stdout.")
  static final class Create implements Callable<Integer> {
    @ParentCommand
    KeysCommand keys;

    @Option(names = "--alias", paramLabel = "NAME",
        description = "a name usable instead of the id: letters, digits, . _ / -, at most 128 characters")
    String alias;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      LocalKeyring keyring = keys.keyringForNewKeys();
      RootKey key = keyring.createKey("");
      if (alias != null) {
        keyring.createAlias(alias, key.id());
      }
      keys.cli().println(key.id());
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the root keys.")
  static final class ListKeys implements Callable<Integer> {
    @ParentCommand
    KeysCommand keys;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      List<RootKey> all = keys.keyring().listKeys();
      String format = "%-36s  %-8s  %7s  %-20s  %s";
      keys.cli().println(String.format(format, "ID", "STATE", "VERSION", "CREATED", "ALIAS"));
      for (RootKey key : all) {
        keys.cli().println(String.format(format, key.id(), key.state().name().toLowerCase(),
            key.currentVersion(), key.createdAt(), String.join(",", key.aliases())));
      }
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Add a new version to a root key; new data keys use it, old versions still decrypt.")
  static final class Rotate implements Callable<Integer> {
    @ParentCommand
    KeysCommand keys;

    @Parameters(paramLabel = "ID", description = "the key's id or alias")
    String id;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      RootKey key = keys.keyring().rotateKey(id);
      keys.cli().println("rotated " + key.id() + ": new data keys now use version " + key.currentVersion());
      return 0;
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = "Disable a root key: it neither makes nor unwraps data keys until enabled.")
  static final class Disable implements Callable<Integer> {
    @ParentCommand
    KeysCommand keys;

    @Parameters(paramLabel = "ID", description = "the key's id or alias")
    String id;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      keys.cli().println("disabled " + keys.keyring().disableKey(id).id());
      return 0;
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled root key.")
  static final class Enable implements Callable<Integer> {
    @ParentCommand
    KeysCommand keys;

    @Parameters(paramLabel = "ID", description = "the key's id or alias")
    String id;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      keys.cli().println("enabled " + keys.keyring().enableKey(id).id());
      return 0;
    }
  }
}
