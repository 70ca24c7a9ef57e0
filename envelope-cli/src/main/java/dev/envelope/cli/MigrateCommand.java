package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditEvent;
import dev.envelope.service.KeyUsage;
import dev.envelope.service.Migration;
import dev.envelope.service.Principal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code envelope admin migrate --to CONFIG}: copies the node's files, tokens and tenants from its backends (the
 * settings of {@code envelope serve}) to the backends {@code CONFIG} names, and reads every file back there ({@link
 * Migration}). The target's settings come from {@code CONFIG} alone: no {@code ENVELOPE_*} variable of the source
 * reaches them, but for the target's secrets in {@code ENVELOPE_TARGET_POSTGRES_PASSWORD}, {@code
 * ENVELOPE_TARGET_MASTER_KEY} and {@code ENVELOPE_TARGET_PKCS11_PIN}.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = {"Copy every file, token, tenant and share link of this node's backends (the settings of"
        + " 'envelope serve') to"
        + " the backends the settings file CONFIG names, such as S3, PostgreSQL and AWS KMS; then read every copied"
        + " file back there.",
        "Blobs are copied as ciphertext; each data key is unwrapped by this node's key service and wrapped by the"
            + " target's, in memory; nothing is re-encrypted, and this node's stores are only read.",
        "Resumable: stop it at any point and run it again; what is on the target already is skipped. A tenant with a"
            + " root key of its own gets a new key in the target's key service, unless --tenant-key names one.",
        "Exit status 0 when every file reads back on the target, 1 when some could not be copied or read back"
            + " (their ids are printed), 12 (already-exists) when the target holds other rows, tokens or tenants"
            + " under the same ids."},
    footerHeading = "%nEnvironment:%n",
    footer = {"  The target's settings come from CONFIG only. Its secrets, where CONFIG names no file for them:",
        "  ENVELOPE_TARGET_POSTGRES_PASSWORD, ENVELOPE_TARGET_MASTER_KEY, ENVELOPE_TARGET_PKCS11_PIN"})
final class MigrateCommand implements Callable<Integer> {
  /** The target's secrets, from these variables (the source's are the usual {@code ENVELOPE_*} ones). */
  static final Map<String, String> TARGET_SECRETS = Map.of(
      "ENVELOPE_TARGET_POSTGRES_PASSWORD", Backends.ENV_POSTGRES_PASSWORD,
      "ENVELOPE_TARGET_MASTER_KEY", dev.envelope.keyring.MasterKey.ENV_KEY,
      "ENVELOPE_TARGET_PKCS11_PIN", KeyBackend.ENV_PKCS11_PIN);

  @ParentCommand
  AdminCommand admin;

  @Option(names = "--config", paramLabel = "FILE", description = "this node's settings file, as for 'envelope serve'")
  String config;

  @Option(names = "--to", required = true, paramLabel = "CONFIG",
      description = "the target's settings file (blob, metadata, keys and their settings; 'home' when it keeps"
          + " anything in a directory)")
  String to;

  @Option(names = "--dry-run", description = "count what would be copied and check for conflicts; change nothing")
  boolean dryRun;

  @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
      description = "files copied (and read back) at once, 1 to 64 (default ${DEFAULT-VALUE}): each waits on several"
          + " round trips to the stores and key services")
  int parallel;

  @Option(names = "--tenant-key", paramLabel = "TENANT=KEY",
      description = "put TENANT's files under this existing key of the target's key service (id, ARN or alias)"
          + " instead of a new key of its own (or the target's root key); repeatable")
  List<String> tenantKeys = new ArrayList<>();

  @Override
  public Integer call() throws EnvelopeException, IOException {
    Cli cli = admin.parent.cli;
    Migration.Options options;
    try {
      options = new Migration.Options(dryRun, tenantKeys(tenantKeys), parallel);
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, (e.getMessage().startsWith("parallelism")
          ? "--parallel: " : "--tenant-key: ") + e.getMessage());
    }
    NodeSettings source = NodeAccess.settings(admin.parent, config);
    Map<String, String> targetEnv = targetEnv(cli.env());
    NodeSettings target = targetSettings(to, targetEnv);
    refuseSameStore(source, target, to);
    Cli targetCli = new Cli(targetEnv, cli.stdin(), cli.stdout(), cli.stderr(), cli.terminal());
    Migration.Summary done;
    try (AdminAudit audit = dryRun ? null : AdminAudit.open(source);
        Backends from = Backends.open(source, cli);
        Backends into = openTarget(target, targetCli)) {
      Migration job = new Migration(side(from, source), side(into, target));
      long total = cli.terminal() ? KeyUsage.of(from.metadata, null).tenants().values().stream()
          .mapToLong(KeyUsage.Totals::files).sum() : -1;
      try (Bars bars = new Bars(cli, dryRun, total)) {
        Principal operator = Principal.localOperator();
        done = audit == null ? job.run(operator, options, bars::update)
            : audit.record(AuditEvent.Type.ADMIN_MIGRATE, null, describe(target),
                () -> job.run(operator, options, bars::update), s -> Optional.of(s.copied()));
      }
    }
    cli.println(summaryLine(done, dryRun));
    for (String notice : done.notices()) {
      cli.stderr().println("envelope: note: " + notice);
    }
    for (String failure : done.failures()) {
      cli.stderr().println("envelope: not migrated: " + failure);
    }
    if (done.failed() > done.failures().size()) {
      cli.stderr().println("envelope: ... and " + (done.failed() - done.failures().size())
          + " more (the log names them all)");
    }
    if (done.missing() > 0) {
      cli.stderr().println("envelope: " + done.missing() + " files of this node are not on the target: stored"
          + " since the migration began (run it again), or removed from the target meanwhile");
    }
    return dryRun || done.complete() ? 0 : ErrorCode.INTERNAL.exitCode();
  }

  /** The one summary line. */
  static String summaryLine(Migration.Summary s, boolean dryRun) {
    double seconds = s.elapsed().toMillis() / 1000.0;
    if (dryRun) {
      return String.format(Locale.ROOT, "migrate (dry run): %d rows, %d to copy (%d bytes), %d skipped (on the target"
          + " already), %d of shredded tenants, %d failed; %d tokens to copy, %d tenants to copy (%d new root keys);"
          + " in %.1f s", s.rows(), s.copied(), s.bytes(), s.present(), s.shredded(), s.failed(), s.tokensCopied(),
          s.tenantsCopied(), s.keysCreated(), seconds);
    }
    return String.format(Locale.ROOT, "migrate: %d rows, %d copied (%d bytes), %d skipped (on the target already),"
        + " %d of shredded tenants, %d failed, %d verified; %d tokens, %d tenants (%d new root keys) copied; in %.1f s"
        + " (%.0f rows/s)", s.rows(), s.copied(), s.bytes(), s.present(), s.shredded(), s.failed(), s.verified(),
        s.tokensCopied(), s.tenantsCopied(), s.keysCreated(), seconds, seconds <= 0 ? 0 : s.rows() / seconds);
  }

  private static Migration.Side side(Backends b, NodeSettings settings) {
    return new Migration.Side(b.keys, settings.rootKey(), b.blobs, b.metadata, b.tokens, b.tenants);
  }

  private Backends openTarget(NodeSettings target, Cli targetCli) throws EnvelopeException {
    try {
      return dryRun ? Backends.openToInspect(target, targetCli) : Backends.open(target, targetCli);
    } catch (EnvelopeException e) {
      throw new EnvelopeException(e.code(), "the target (--to " + to + "): " + forTarget(e.getMessage(), to), e);
    }
  }

  /** A message about the target's secrets, naming where the target's come from rather than the source's. */
  static String forTarget(String message, String to) {
    String out = message.replace(dev.envelope.keyring.MasterKey.ENV_KEY + "_FILE", "'master-key-file' in " + to);
    for (Map.Entry<String, String> secret : TARGET_SECRETS.entrySet()) {
      out = out.replaceAll("\\b" + secret.getValue() + "\\b", secret.getKey());
    }
    return out;
  }

  /** {@code T=KEY} options, each tenant once. */
  static Map<String, String> tenantKeys(List<String> options) {
    Map<String, String> keys = new TreeMap<>();
    for (String option : options) {
      int eq = option.indexOf('=');
      if (eq <= 0 || eq == option.length() - 1) {
        throw new IllegalArgumentException("'" + option + "' is not TENANT=KEY");
      }
      if (keys.put(option.substring(0, eq), option.substring(eq + 1).strip()) != null) {
        throw new IllegalArgumentException("tenant " + option.substring(0, eq) + " is given twice");
      }
    }
    return keys;
  }

  /** The environment the target's settings see: none of the source's {@code ENVELOPE_*}, its own secrets. */
  static Map<String, String> targetEnv(Map<String, String> env) {
    Map<String, String> out = new HashMap<>();
    env.forEach((k, v) -> {
      if (!k.startsWith("ENVELOPE_")) {
        out.put(k, v);
      }
    });
    TARGET_SECRETS.forEach((variable, as) -> {
      String value = env.get(variable);
      if (value != null) {
        out.put(as, value);
      }
    });
    return out;
  }

  /** The target's settings: the file {@code to}, and defaults; a target that keeps files in a home must name it. */
  static NodeSettings targetSettings(String to, Map<String, String> targetEnv) throws EnvelopeException {
    if (to == null || to.isBlank()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--to names no settings file");
    }
    NodeSettings target;
    try {
      target = NodeSettings.resolve(Map.of(), to, targetEnv);
      Backends.checkChoices(target);
    } catch (EnvelopeException e) {
      throw new EnvelopeException(e.code(), "the target: " + e.getMessage().replace("--config " + to, "--to " + to),
          e);
    }
    List<String> local = new ArrayList<>();
    if (target.value(Setting.METADATA).equalsIgnoreCase("sqlite")) {
      local.add("metadata = sqlite");
    }
    if (target.value(Setting.BLOB).equalsIgnoreCase("fs")) {
      local.add("blob = fs");
    }
    if (!target.value(Setting.KEYS).equalsIgnoreCase("aws-kms")) {
      local.add("keys = " + target.value(Setting.KEYS).toLowerCase(Locale.ROOT));
    }
    if (!local.isEmpty() && target.where(Setting.HOME).startsWith("default")) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the target (--to " + to + ") keeps "
          + String.join(", ", local) + " (its defaults, where not set) in a directory: name it with 'home = DIR' in "
          + to + ", or name the scale-out backends (blob = s3, metadata = postgres or dynamodb, keys = aws-kms)");
    }
    return target;
  }

  /**
   * Refuses a target whose metadata store is the source's by its settings: the same SQLite file, PostgreSQL
   * database or DynamoDB table. ({@link Migration} also refuses a store that holds the source's very rows.)
   */
  static void refuseSameStore(NodeSettings source, NodeSettings target, String to) throws EnvelopeException {
    String kind = source.value(Setting.METADATA).toLowerCase(Locale.ROOT);
    if (!kind.equals(target.value(Setting.METADATA).toLowerCase(Locale.ROOT))) {
      return;
    }
    boolean same = switch (kind) {
      case "sqlite" -> samePath(source.home(), target.home());
      case "postgres" -> postgresDatabase(source.value(Setting.POSTGRES_URL))
          .equals(postgresDatabase(target.value(Setting.POSTGRES_URL)));
      case "dynamodb" -> source.value(Setting.DYNAMODB_TABLE).equals(target.value(Setting.DYNAMODB_TABLE))
          && source.value(Setting.DYNAMODB_ENDPOINT).equals(target.value(Setting.DYNAMODB_ENDPOINT))
          && source.value(Setting.AWS_REGION).equals(target.value(Setting.AWS_REGION));
      default -> false;
    };
    if (same) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the target (--to " + to + ") names this node's own"
          + " metadata store (" + kind + (kind.equals("sqlite") ? " in " + source.home() : "") + "): a migration"
          + " copies to other backends");
    }
  }

  private static boolean samePath(Path a, Path b) {
    try {
      if (Files.exists(a) && Files.exists(b)) {
        return Files.isSameFile(a, b);
      }
    } catch (IOException e) {
      // compared by name below
    }
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  /** {@code host:port/database} of a PostgreSQL JDBC URL, the host in lower case and the port made explicit. */
  static String postgresDatabase(String url) {
    String rest = url.strip();
    String prefix = "jdbc:postgresql://";
    if (!rest.toLowerCase(Locale.ROOT).startsWith(prefix)) {
      return rest;
    }
    rest = rest.substring(prefix.length());
    int query = rest.indexOf('?');
    if (query >= 0) {
      rest = rest.substring(0, query);
    }
    int slash = rest.indexOf('/');
    String hosts = (slash < 0 ? rest : rest.substring(0, slash)).toLowerCase(Locale.ROOT);
    String database = slash < 0 ? "" : rest.substring(slash + 1);
    StringBuilder out = new StringBuilder();
    for (String host : hosts.split(",")) {
      out.append(host.contains(":") && !host.endsWith("]") ? host : host + ":5432").append(',');
    }
    return out + "/" + database;
  }

  /** What the audit line names as the target: the kinds of its backends, never an address or a secret. */
  private static String describe(NodeSettings target) {
    return "blob=" + target.value(Setting.BLOB).toLowerCase(Locale.ROOT) + " metadata="
        + target.value(Setting.METADATA).toLowerCase(Locale.ROOT) + " keys="
        + target.value(Setting.KEYS).toLowerCase(Locale.ROOT);
  }

  /** One progress bar per phase, on a terminal. */
  private static final class Bars implements AutoCloseable {
    private final Cli cli;
    private final boolean dryRun;
    private final long total;
    private Migration.Phase phase;
    private Duration phaseStart = Duration.ZERO;
    private RowProgress bar;

    Bars(Cli cli, boolean dryRun, long total) {
      this.cli = cli;
      this.dryRun = dryRun;
      this.total = total;
    }

    void update(Migration.Phase now, long rows, Duration elapsed) {
      if (now != phase) {
        close();
        phase = now;
        phaseStart = elapsed;
        bar = RowProgress.start(cli, now == Migration.Phase.COPY ? (dryRun ? "migrate (dry run)" : "migrate")
            : "verify", total);
      }
      bar.update(rows, elapsed.minus(phaseStart));
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
        bar = null;
      }
    }
  }
}
