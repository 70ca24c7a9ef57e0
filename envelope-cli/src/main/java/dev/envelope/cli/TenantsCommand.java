package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditEvent;
import dev.envelope.service.KeyUsage;
import dev.envelope.service.Principal;
import dev.envelope.service.TenantAdmin;
import dev.envelope.service.TenantRecord;
import java.io.IOException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * {@code envelope tenants ...}: tenants with root keys of their own, on the node's own backends (no server
 * needed, like {@code envelope tokens}). See {@link TenantAdmin} for the rules.
 */
@Command(name = "tenants", mixinStandardHelpOptions = true,
    description = {"Give tenants root keys of their own, move them to other keys, and crypto-shred them.",
        "Works on the node's backends (--home/ENVELOPE_HOME, --config); no server needed, safe while it runs.",
        "A tenant without its own key uses the node's root key."},
    subcommands = {TenantsCommand.Create.class, TenantsCommand.ListTenants.class, TenantsCommand.SetKey.class,
        TenantsCommand.Quota.class, TenantsCommand.Shred.class, TenantsCommand.Purge.class})
final class TenantsCommand {
  @ParentCommand
  EnvelopeCommand parent;

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "the server's settings file (keys, blob and metadata backends); default as for 'envelope serve'")
  String config;

  /** Runs {@code work} on the tenant admin of the node's backends, which it closes after. */
  <T> T withAdmin(Work<T> work) throws EnvelopeException, IOException {
    return withAdmin(null, null, work);
  }

  /** As {@link #withAdmin(Work)}, audited as {@code type} on {@code tenant} in the node's admin audit log. */
  <T> T withAdmin(AuditEvent.Type type, String tenant, Work<T> work) throws EnvelopeException, IOException {
    NodeSettings settings = NodeAccess.settings(parent, config);
    try (AdminAudit audit = type == null ? null : AdminAudit.open(settings);
        Backends backends = Backends.open(settings, parent.cli)) {
      TenantAdmin admin = new TenantAdmin(backends.fileService(settings), backends.tokens, backends.keyAdmin());
      if (audit == null) {
        return work.run(admin);
      }
      return audit.record(type, dev.envelope.service.Tenants.isValid(tenant) ? tenant : null, null,
          () -> work.run(admin), r -> java.util.Optional.empty());
    }
  }

  interface Work<T> {
    T run(TenantAdmin admin) throws EnvelopeException, IOException;
  }

  void println(String line) throws IOException {
    parent.cli.println(line);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Give a tenant a root key of its own: a new key made in the node's key service, or an"
          + " existing one (--root-key: bring your own key). Prints the key's id.",
          "Its new files are wrapped under it; files it stored before stay under the node's key until"
              + " 'envelope admin rewrap --tenant T'."})
  static final class Create implements Callable<Integer> {
    @ParentCommand
    TenantsCommand tenants;

    @Parameters(paramLabel = "TENANT", description = "1 to 64 of a-z 0-9 . _ -, starting with a letter or digit")
    String tenant;

    @Option(names = "--root-key", paramLabel = "KEY",
        description = "an existing enabled key: id, ARN or alias (alias/NAME on AWS KMS)")
    String rootKey;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      TenantRecord made = tenants.withAdmin(AuditEvent.Type.TENANT_CREATE, tenant, a -> a.create(Principal.localOperator(), tenant, rootKey));
      tenants.println(made.rootKey());
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"List the tenants (with a key of their own, or with files): root key, state, files and bytes.",
          "Counts come from one pass over every file row."})
  static final class ListTenants implements Callable<Integer> {
    private static final String ROW = "%-24s  %-8s  %10s  %14s  %-24s  %s";

    @ParentCommand
    TenantsCommand tenants;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      List<TenantAdmin.TenantView> all = tenants.withAdmin(a -> a.list(Principal.localOperator()));
      tenants.println(String.format(ROW, "TENANT", "STATE", "FILES", "BYTES", "SINCE", "ROOT KEY"));
      for (TenantAdmin.TenantView t : all) {
        String since = t.record().map(r -> r.createdAt().truncatedTo(ChronoUnit.SECONDS).toString()).orElse("-");
        tenants.println(String.format(ROW, t.name(), t.state(), t.files(), t.bytes(), since,
            t.nodeKey() ? "(node's) " + t.rootKey() : t.rootKey()));
      }
      return 0;
    }
  }

  @Command(name = "set-key", mixinStandardHelpOptions = true,
      description = {"Move a tenant's new files to another existing root key.",
          "Then 'envelope admin rewrap --tenant T' moves its stored files too."})
  static final class SetKey implements Callable<Integer> {
    @ParentCommand
    TenantsCommand tenants;

    @Parameters(index = "0", paramLabel = "TENANT")
    String tenant;

    @Parameters(index = "1", paramLabel = "KEY", description = "an enabled key: id, ARN or alias")
    String key;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      TenantRecord moved = tenants.withAdmin(AuditEvent.Type.TENANT_SET_KEY, tenant, a -> a.setKey(Principal.localOperator(), tenant, key));
      tenants.println("tenant " + tenant + " now wraps new files under " + moved.rootKey()
          + "; run 'envelope admin rewrap --tenant " + tenant + "' to move its stored files");
      return 0;
    }
  }

  @Command(name = "quota", mixinStandardHelpOptions = true,
      description = {"Set the most plaintext bytes a tenant may store, or 'none'. An upload that would pass it is",
          "refused (413 quota-exceeded); files stored already stay, even above a lowered quota. Every node applies",
          "it within 2 seconds."})
  static final class Quota implements Callable<Integer> {
    @ParentCommand
    TenantsCommand tenants;

    @Parameters(index = "0", paramLabel = "TENANT")
    String tenant;

    @Parameters(index = "1", paramLabel = "SIZE", description = "bytes, with an optional K, M or G (powers of 1024),"
        + " or none")
    String size;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      Long bytes = null;
      if (!size.equalsIgnoreCase("none")) {
        java.util.OptionalLong parsed = dev.envelope.server.SettingSources.parseSize(size);
        if (parsed.isEmpty() || parsed.getAsLong() == Long.MAX_VALUE) {
          throw new EnvelopeException(dev.envelope.api.ErrorCode.INVALID_ARGUMENT, "a quota is a size such as"
              + " 500M or 20G, or none");
        }
        bytes = parsed.getAsLong();
      }
      Long quota = bytes;
      tenants.withAdmin(AuditEvent.Type.TENANT_SET_QUOTA, tenant,
          a -> a.setQuota(Principal.localOperator(), tenant, quota));
      tenants.println(quota == null ? "tenant " + tenant + " has no quota"
          : "tenant " + tenant + " may store " + Sizes.human(quota) + " (" + quota + " bytes)");
      return 0;
    }
  }

  @Command(name = "shred", mixinStandardHelpOptions = true,
      description = {"Crypto-shred a tenant: every request for its files answers 410 Gone from now on, its tokens"
          + " are revoked, and its root key is disabled and scheduled for deletion in 7 days (--now: destroyed at"
          + " once; local and pkcs11 key services only).",
          "Refused for a tenant that shares a root key. Cannot be undone once the key is destroyed."})
  static final class Shred implements Callable<Integer> {
    @ParentCommand
    TenantsCommand tenants;

    @Parameters(paramLabel = "TENANT")
    String tenant;

    @Option(names = "--yes", description = "yes, shred it (required)")
    boolean yes;

    @Option(names = "--now", description = "destroy the key at once instead of in 7 days")
    boolean now;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      if (!yes) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "shredding destroys every file of tenant "
            + tenant + " for good: add --yes to do it");
      }
      TenantAdmin.Shredded done = tenants.withAdmin(AuditEvent.Type.TENANT_SHRED, tenant, a -> a.shred(Principal.localOperator(), tenant, now));
      tenants.println("tenant " + tenant + " shredded: " + done.tokensRevoked() + " tokens revoked, root key "
          + done.tenant().rootKey() + (done.destroyed() ? " destroyed"
              : " disabled and destroyed at " + done.deletionDate().orElseThrow().truncatedTo(ChronoUnit.SECONDS))
          + "; 'envelope tenants purge " + tenant + "' frees its space");
      return 0;
    }
  }

  @Command(name = "purge", mixinStandardHelpOptions = true,
      description = "Remove the file rows and ciphertext of a shredded tenant (they are unreadable already).")
  static final class Purge implements Callable<Integer> {
    @ParentCommand
    TenantsCommand tenants;

    @Parameters(paramLabel = "TENANT")
    String tenant;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      KeyUsage.Totals gone = tenants.withAdmin(AuditEvent.Type.TENANT_PURGE, tenant, a -> a.purge(Principal.localOperator(), tenant));
      tenants.println("purged tenant " + tenant + ": " + gone.files() + " files, " + gone.bytes() + " bytes");
      return 0;
    }
  }
}
