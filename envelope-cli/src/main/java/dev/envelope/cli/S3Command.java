package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.service.Role;
import dev.envelope.service.S3CredentialRecord;
import dev.envelope.service.S3Credentials;
import dev.envelope.service.Tenants;
import java.io.IOException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * {@code envelope s3 credentials ...}: the access keys of the S3 API ({@code serve --s3-port}), on the node's own
 * backends like {@code envelope tokens} (no server needed, safe while it runs). Making one needs the key service
 * too: the secret is a data key made under the tenant's root key, and only its wrapped form is stored.
 */
@Command(name = "s3", mixinStandardHelpOptions = true,
    description = "The S3 API of 'envelope serve --s3-port': its credentials.",
    subcommands = {S3Command.Credentials.class})
final class S3Command {
  @ParentCommand
  EnvelopeCommand parent;

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "the server's settings file (keys and metadata backends); default as for 'envelope serve'")
  String config;

  @Command(name = "credentials", mixinStandardHelpOptions = true,
      description = {"Manage S3 access keys: create, list, revoke. Works on the node's backends"
          + " (--home/ENVELOPE_HOME, --config); no server needed.",
          "An access key opens the buckets of one tenant: read and write, or read only."},
      subcommands = {Create.class, ListCredentials.class, Revoke.class})
  static final class Credentials {
    @ParentCommand
    S3Command s3;

    <T> T with(Work<T> work) throws EnvelopeException, IOException {
      NodeSettings settings = NodeAccess.settings(s3.parent, s3.config);
      try (Backends backends = Backends.open(settings, s3.parent.cli)) {
        return work.run(new S3Credentials(backends.fileService(settings), backends.bucketStore(),
            Clock.systemUTC()));
      }
    }

    interface Work<T> {
      T run(S3Credentials credentials) throws EnvelopeException, IOException;
    }

    Cli cli() {
      return s3.parent.cli;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create an access key for a tenant's buckets; prints its id and secret, labelled, on two lines.",
          "This is the only time the secret is shown: only its wrapped form is stored."})
  static final class Create implements Callable<Integer> {
    @ParentCommand
    Credentials credentials;

    @Option(names = "--tenant", required = true, paramLabel = "TENANT",
        description = "whose buckets it opens: 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit")
    String tenant;

    @Option(names = "--read-only", description = "list and read only (no put, copy or delete)")
    boolean readOnly;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "",
        description = "a label for people, shown by 'credentials list'")
    String name;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      if (!Tenants.isValid(tenant)) {
        throw new EnvelopeException(dev.envelope.api.ErrorCode.INVALID_ARGUMENT, "--tenant must be 1 to 64 of a-z"
            + " 0-9 . _ -, starting with a letter or digit");
      }
      S3Credentials.Created made = credentials.with(c -> c.create(tenant, readOnly ? Role.READ : Role.WRITE, name));
      credentials.cli().println("access key id:     " + made.record().accessKeyId());
      credentials.cli().println("secret access key: " + made.secret());
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the access keys (never their secrets), oldest first, revoked ones too.")
  static final class ListCredentials implements Callable<Integer> {
    private static final String ROW = "%-20s  %-16s  %-10s  %-7s  %-20s  %s";

    @ParentCommand
    Credentials credentials;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "only this tenant's access keys")
    String tenant;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      List<S3CredentialRecord> all = credentials.with(c -> c.list(tenant));
      Cli cli = credentials.cli();
      cli.println(String.format(ROW, "ACCESS KEY ID", "TENANT", "ACCESS", "STATE", "CREATED", "NAME"));
      for (S3CredentialRecord r : all) {
        cli.println(String.format(ROW, r.accessKeyId(), r.tenant(), r.role() == Role.READ ? "read-only"
            : "read-write", r.isRevoked() ? "revoked" : "active", r.createdAt().truncatedTo(ChronoUnit.SECONDS),
            Printable.of(r.name())));
      }
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke an access key: every node refuses it from the next request on.")
  static final class Revoke implements Callable<Integer> {
    @ParentCommand
    Credentials credentials;

    @Parameters(paramLabel = "ID", description = "the access key id, as 'credentials list' shows it")
    String id;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      credentials.with(c -> {
        c.revoke(null, id);
        return null;
      });
      credentials.cli().println("revoked " + id);
      return 0;
    }
  }
}
