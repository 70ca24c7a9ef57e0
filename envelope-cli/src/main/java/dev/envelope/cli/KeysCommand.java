package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import dev.envelope.core.internal.ManagedKeyRules;
import dev.envelope.service.KeyUsage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/** {@code envelope keys ...}: manage the root keys of the local keyring or of a PKCS#11 token. */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = {"Manage root keys: in the local keyring (default) or in a PKCS#11 HSM (--keys pkcs11).",
        "PKCS#11: ENVELOPE_PKCS11_LIBRARY, ENVELOPE_PKCS11_SLOT or ENVELOPE_PKCS11_TOKEN_LABEL, and"
            + " ENVELOPE_PKCS11_PIN or ENVELOPE_PKCS11_PIN_FILE."},
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Describe.class,
        KeysCommand.Rotate.class, KeysCommand.Rotation.class, KeysCommand.Disable.class, KeysCommand.Enable.class,
        KeysCommand.ScheduleDeletion.class, KeysCommand.CancelDeletion.class, KeysCommand.Alias.class,
        KeysCommand.Usage.class, KeysCommand.DestroyVersion.class})
final class KeysCommand {
  @ParentCommand
  EnvelopeCommand parent;

  @Option(names = "--keys", paramLabel = "SERVICE", scope = ScopeType.INHERIT,
      description = "the key service: local or pkcs11 (default: ENVELOPE_KEYS, else local)")
  String backend;

  ManagedKeyService keys() throws EnvelopeException {
    return KeyBackend.open(parent.cli.env(), backend, parent.home, false, parent.cli.stderr());
  }

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "the file server's settings file, to find the files a key still wraps (default as for"
          + " 'envelope serve')")
  String config;

  void println(String line) throws IOException {
    parent.cli.println(line);
  }

  /**
   * How many stored files of this home's file server are wrapped under {@code keyId} of this key service (under
   * {@code version}, or any when null); empty when the home has no file server (a key server's keyring, say).
   */
  java.util.Optional<Long> filesUnder(ManagedKeyService service, String keyId, Integer version)
      throws EnvelopeException {
    java.util.Optional<KeyUsage> usage = usage();
    return usage.map(u -> u.filesUnder(service.name(), keyId, version));
  }

  /** The key usage of this home's file server, if it has one. */
  java.util.Optional<KeyUsage> usage() throws EnvelopeException {
    NodeSettings settings = NodeAccess.resolve(parent, config);
    if (settings.value(Setting.METADATA).equalsIgnoreCase("sqlite")
        && !java.nio.file.Files.isRegularFile(settings.home().resolve(dev.envelope.service.local.LocalStores.DATABASE))) {
      return java.util.Optional.empty();
    }
    Backends.MetadataAndTokens rows = Backends.openMetadata(settings, NodeAccess.env(parent),
        new java.util.ArrayDeque<>());
    try {
      return java.util.Optional.of(KeyUsage.of(rows.metadata(), null));
    } finally {
      rows.metadata().close();
    }
  }

  /**
   * Refuses, unless {@code force}, to take out of use a key (or version) that still wraps stored files. Returns
   * the note to print once the change is made (null for none): that no file server was found to check.
   */
  String requireUnused(ManagedKeyService service, String keyRef, Integer version, boolean force, String what)
      throws EnvelopeException, IOException {
    String id = service.resolveKeyId(keyRef);
    java.util.Optional<Long> files = filesUnder(service, id, version);
    if (files.isEmpty()) {
      return "envelope: note: no file server data in this home; not checked whether the key still wraps files";
    }
    if (files.get() > 0 && !force) {
      throw new EnvelopeException(ErrorCode.KEY_IN_USE, "root key " + id + (version == null ? "" : " version "
          + version) + " still wraps " + files.get() + " stored files: " + what + " would make them unreadable."
          + " Run 'envelope admin rewrap' (after 'tenants set-key' or 'keys rotate') to move them, check with"
          + " 'envelope keys usage', or add --force");
    }
    if (files.get() > 0) {
      parent.cli.stderr().println("envelope: warning: --force: " + files.get() + " stored files under root key " + id
          + " become unreadable");
    }
    return null;
  }

  void note(String note) {
    if (note != null) {
      parent.cli.stderr().println(note);
    }
  }

  /** A key reference argument, shared by the subcommands that act on one key. */
  abstract static class OnOneKey implements Callable<Integer> {
    @ParentCommand
    KeysCommand keys;

    @Parameters(index = "0", paramLabel = "ID", description = "the key's id or alias")
    String id;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a root key; prints its id alone on stdout.")
  static final class Create implements Callable<Integer> {
    @ParentCommand
    KeysCommand keys;

    @Option(names = "--alias", paramLabel = "NAME",
        description = "a name usable instead of the id: letters, digits, . _ / -, at most 256 characters")
    String alias;

    @Option(names = "--description", paramLabel = "TEXT", defaultValue = "", description = "free text")
    String description;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      if (alias != null) {
        ManagedKeyRules.checkAlias(alias); // before the key exists: a bad alias leaves no key behind
      }
      ManagedKeyService service = KeyBackend.open(keys.parent.cli.env(), keys.backend, keys.parent.home, true,
          keys.parent.cli.stderr());
      if (alias != null) {
        requireFree(service, alias);
      }
      RootKey key = service.createKey(description);
      if (alias != null) {
        service.createAlias(alias, key.id());
      }
      keys.println(key.id());
      return 0;
    }

    private static void requireFree(ManagedKeyService service, String alias) throws EnvelopeException {
      try {
        String owner = service.resolveKeyId(alias);
        throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, "the alias '" + alias + "' already names root key "
            + owner);
      } catch (EnvelopeException e) {
        if (e.code() != ErrorCode.KEY_NOT_FOUND) {
          throw e;
        }
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the root keys: state, current version, rotation, deletion date, aliases.")
  static final class ListKeys implements Callable<Integer> {
    @ParentCommand
    KeysCommand keys;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      String format = "%-36s  %-16s  %7s  %-8s  %-20s  %-20s  %s";
      keys.println(String.format(Locale.ROOT, format, "ID", "STATE", "VERSION", "ROTATION", "CREATED", "DELETION",
          "ALIASES"));
      for (RootKey key : keys.keys().listKeys()) {
        keys.println(String.format(Locale.ROOT, format, key.id(), state(key), key.currentVersion(),
            key.rotationPeriod().map(p -> p.toDays() + "d").orElse("off"), time(key.createdAt()),
            key.deletionDate().map(KeysCommand::time).orElse("-"), String.join(",", key.aliases())));
      }
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show everything about one root key.")
  static final class Describe extends OnOneKey {
    @Override
    public Integer call() throws EnvelopeException, IOException {
      RootKey key = keys.keys().describeKey(id);
      keys.println("id:               " + key.id());
      keys.println("aliases:          " + String.join(", ", key.aliases()));
      keys.println("description:      " + Printable.of(key.description()));
      keys.println("state:            " + state(key));
      keys.println("current version:  " + key.currentVersion() + " (versions 1 to " + key.currentVersion()
          + " decrypt)");
      keys.println("created:          " + time(key.createdAt()));
      keys.println("rotation:         " + key.rotationPeriod().map(p -> "every " + p.toDays() + " days, next "
          + time(key.nextRotation().orElseThrow())).orElse("off"));
      keys.println("deletion:         " + key.deletionDate().map(KeysCommand::time).orElse("-"));
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Add a new version to a root key now; new data keys use it, old versions still decrypt.")
  static final class Rotate extends OnOneKey {
    @Override
    public Integer call() throws EnvelopeException, IOException {
      RootKey key = keys.keys().rotateKey(id);
      keys.println("rotated " + key.id() + ": new data keys now use version " + key.currentVersion());
      return 0;
    }
  }

  @Command(name = "rotation", mixinStandardHelpOptions = true,
      description = "Turn automatic rotation on (every --period-days, at the first use after it is due) or off.")
  static final class Rotation extends OnOneKey {
    @Parameters(index = "1", paramLabel = "on|off", description = "on or off")
    String onOff;

    @Option(names = "--period-days", paramLabel = "DAYS", defaultValue = "365",
        description = "days between rotations, 90 to 2560 (default: ${DEFAULT-VALUE})")
    int periodDays;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      Duration period;
      switch (onOff) {
        case "on" -> period = Duration.ofDays(periodDays);
        case "off" -> period = null;
        default -> throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "say 'on' or 'off', not '" + onOff + "'");
      }
      RootKey key = keys.keys().setAutomaticRotation(id, period);
      keys.println(key.rotationPeriod().map(p -> "automatic rotation of " + key.id() + " every " + p.toDays()
          + " days, next at the first use after " + time(key.nextRotation().orElseThrow()))
          .orElse("automatic rotation of " + key.id() + " is off"));
      return 0;
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = "Disable a root key: it neither makes nor unwraps data keys until enabled.")
  static final class Disable extends OnOneKey {
    @Option(names = "--force", description = "disable it even though it still wraps stored files")
    boolean force;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      ManagedKeyService service = keys.keys();
      String note = keys.requireUnused(service, id, null, force, "disabling it");
      keys.println("disabled " + service.disableKey(id).id());
      keys.note(note);
      return 0;
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled root key.")
  static final class Enable extends OnOneKey {
    @Override
    public Integer call() throws EnvelopeException, IOException {
      keys.println("enabled " + keys.keys().enableKey(id).id());
      return 0;
    }
  }

  @Command(name = "schedule-deletion", mixinStandardHelpOptions = true,
      description = {"Schedule the destruction of a root key and all its versions: every file under it becomes"
          + " undecryptable for good.", "Until then the key refuses all use, and cancel-deletion brings it back."})
  static final class ScheduleDeletion extends OnOneKey {
    @Option(names = "--pending-days", paramLabel = "DAYS", defaultValue = "30",
        description = "days before the destruction, 7 to 30 (default: ${DEFAULT-VALUE})")
    int pendingDays;

    @Option(names = "--force", description = "schedule it even though it still wraps stored files")
    boolean force;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      ManagedKeyService service = keys.keys();
      String note = keys.requireUnused(service, id, null, force, "deleting it");
      RootKey key = service.scheduleKeyDeletion(id, pendingDays);
      keys.note(note);
      keys.println("root key " + key.id() + " will be destroyed at " + time(key.deletionDate().orElseThrow())
          + "; until then 'envelope keys cancel-deletion " + key.id() + "' keeps it");
      return 0;
    }
  }

  @Command(name = "cancel-deletion", mixinStandardHelpOptions = true,
      description = "Cancel a scheduled deletion; the key comes back disabled.")
  static final class CancelDeletion extends OnOneKey {
    @Override
    public Integer call() throws EnvelopeException, IOException {
      RootKey key = keys.keys().cancelKeyDeletion(id);
      keys.println("deletion of " + key.id() + " cancelled; it is disabled: 'envelope keys enable " + key.id()
          + "' to use it again");
      return 0;
    }
  }

  @Command(name = "usage", mixinStandardHelpOptions = true,
      description = {"Show, per root key and version, how many stored files of this home's file server it still"
          + " wraps: a version that wraps none can be destroyed ('keys destroy-version').",
          "Counts come from one pass over every file row (--config for a PostgreSQL or DynamoDB store)."})
  static final class Usage implements Callable<Integer> {
    private static final String ROW = "%-9s  %-40s  %7s  %10s  %14s  %s";

    @ParentCommand
    KeysCommand keys;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      KeyUsage usage = keys.usage().orElseThrow(() -> new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "no file server data in this home: give the server's --home (or ENVELOPE_HOME) or --config"));
      ManagedKeyService service = null;
      try {
        service = keys.keys();
      } catch (EnvelopeException e) {
        // The file server may use AWS KMS: the counts stand without the keyring's view of each key.
      }
      keys.println(String.format(ROW, "SERVICE", "ROOT KEY", "VERSION", "FILES", "BYTES", "KEY"));
      for (KeyUsage.KeyEntry e : usage.keys()) {
        keys.println(String.format(ROW, e.keyService(), e.rootKeyId(), e.version(), e.files(), e.bytes(),
            describe(service, e)));
      }
      return 0;
    }

    private static String describe(ManagedKeyService service, KeyUsage.KeyEntry e) {
      if (service == null || !service.name().equals(e.keyService())) {
        return "";
      }
      try {
        RootKey key = service.describeKey(e.rootKeyId());
        return key.state().name().toLowerCase(Locale.ROOT) + (key.currentVersion() == e.version() ? ", current"
            : ", current is " + key.currentVersion());
      } catch (EnvelopeException ex) {
        return ex.code().id();
      }
    }
  }

  @Command(name = "destroy-version", mixinStandardHelpOptions = true,
      description = {"Destroy one older version of a root key at once: every data key wrapped under it is lost.",
          "Refused for the current version, and while stored files are still wrapped under it ('keys usage';"
              + " 'admin rewrap' moves them) unless --force."})
  static final class DestroyVersion extends OnOneKey {
    @Parameters(index = "1", paramLabel = "VERSION", description = "the version number, as 'keys usage' shows it")
    int version;

    @Option(names = "--force", description = "destroy it even though it still wraps stored files")
    boolean force;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      ManagedKeyService service = keys.keys();
      String note = keys.requireUnused(service, id, version, force, "destroying it");
      RootKey key;
      try (AdminAudit audit = AdminAudit.open(NodeAccess.resolve(keys.parent, keys.config))) {
        String keyId = service.resolveKeyId(id);
        key = audit.record(dev.envelope.server.audit.AuditEvent.Type.KEYS_DESTROY_VERSION, null,
            keyId + ":" + version, () -> service.destroyKeyVersion(keyId, version), k -> java.util.Optional.empty());
      }
      keys.println("destroyed version " + version + " of root key " + key.id() + "; current version "
          + key.currentVersion());
      keys.note(note);
      return 0;
    }
  }

  @Command(name = "alias", mixinStandardHelpOptions = true, description = "Create or delete key aliases.",
      subcommands = {Alias.CreateAlias.class, Alias.DeleteAlias.class})
  static final class Alias {
    @ParentCommand
    KeysCommand keys;

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Point a new alias at a root key.")
    static final class CreateAlias implements Callable<Integer> {
      @ParentCommand
      Alias alias;

      @Parameters(index = "0", paramLabel = "NAME", description = "the alias: letters, digits, . _ / -")
      String name;

      @Parameters(index = "1", paramLabel = "ID", description = "the key's id or one of its aliases")
      String id;

      @Override
      public Integer call() throws EnvelopeException, IOException {
        ManagedKeyService service = alias.keys.keys();
        service.createAlias(name, id);
        alias.keys.println("alias " + name + " -> " + service.resolveKeyId(name));
        return 0;
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an alias; the key stays.")
    static final class DeleteAlias implements Callable<Integer> {
      @ParentCommand
      Alias alias;

      @Parameters(index = "0", paramLabel = "NAME", description = "the alias")
      String name;

      @Override
      public Integer call() throws EnvelopeException, IOException {
        alias.keys.keys().deleteAlias(name);
        alias.keys.println("deleted alias " + name);
        return 0;
      }
    }
  }

  static String state(RootKey key) {
    return key.state().name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
