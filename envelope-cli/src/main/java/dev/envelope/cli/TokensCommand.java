package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.SettingSources;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.TenantStore;
import dev.envelope.service.TokenRecord;
import dev.envelope.service.TokenStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * {@code envelope tokens ...}: the operator's token admin. It works on the server's token store itself (the
 * SQLite file in the data directory, or the PostgreSQL or DynamoDB store named by the server's settings), so it
 * needs no server and no admin token: whoever may open that store is the operator already. SQLite's WAL makes
 * it safe beside a running server; the shared stores are made for many clients.
 *
 * <p>It refuses a data directory that does not exist, the default included: a token made where no server
 * looks would open nothing, and the person would find out only when the server refuses it.
 */
@Command(name = "tokens", mixinStandardHelpOptions = true,
    description = {"Manage the bearer tokens of the data directory (--home/ENVELOPE_HOME); no server needed.",
        "Run it on the server's machine with the server's data directory; it is safe while the server runs."},
    subcommands = {TokensCommand.Create.class, TokensCommand.ListTokens.class, TokensCommand.Revoke.class})
final class TokensCommand {
  @ParentCommand
  EnvelopeCommand parent;

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "the server's settings file, to reach the"
      + " token store it uses (metadata = sqlite, postgres or dynamodb); default as for 'envelope serve'")
  String config;

  /** The server's token store: the SQLite file in the home, or the shared PostgreSQL or DynamoDB store. */
  Stores open() throws EnvelopeException {
    NodeSettings settings = NodeAccess.settings(parent, config);
    Backends.MetadataAndTokens rows = Backends.openMetadata(settings, NodeAccess.env(parent), new ArrayDeque<>());
    return new Stores(rows.tokens(), rows.tenants(), rows.metadata());
  }

  /** The open token store; closing it closes the store (its pending writes finished first). */
  record Stores(TokenStore tokens, TenantStore tenants, MetadataStore store) implements AutoCloseable {
    @Override
    public void close() {
      store.close();
    }
  }

  static AccessTokens tokens(Stores stores) {
    return new AccessTokens(stores.tokens(), stores.tenants(), Clock.systemUTC());
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a token; prints it alone on stdout. This is the only time it is shown: only its"
          + " hash is stored.", "Its id (the part after 'env1.') names it in 'tokens list' and 'tokens revoke'."})
  static final class Create implements Callable<Integer> {
    @ParentCommand
    TokensCommand tokens;

    @Option(names = "--tenant", required = true, paramLabel = "TENANT",
        description = "whose files it opens: 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit")
    String tenant;

    @Option(names = "--role", required = true, paramLabel = "ROLE",
        description = "read (list, download), write (also upload, delete), admin (also manage its tenant's"
            + " tokens) or operator (also manage every tenant's tokens)")
    String role;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "",
        description = "a label for people, shown by 'tokens list'")
    String name;

    @Option(names = "--expires", paramLabel = "TIME",
        description = "how long it lives, such as 90m, 12h or 30d (at most 3660 days); after that the server refuses"
            + " it like an unknown token. Default: it never expires")
    String expires;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      Role parsed = Role.parse(role); // IllegalArgumentException: invalid-argument
      Optional<Duration> lifetime = Optional.empty();
      if (expires != null) {
        lifetime = SettingSources.parseDuration(expires);
        if (lifetime.isEmpty()) {
          throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--expires must be a duration such as 90m, 12h"
              + " or 30d");
        }
      }
      String token;
      try (Stores stores = tokens.open()) {
        AccessTokens access = tokens(stores);
        Instant expiresAt = lifetime.isEmpty() ? null : AccessTokens.expiryAfter(access.now(), lifetime.get());
        token = access.create(Principal.localOperator(), tenant, parsed, name, expiresAt).token();
      }
      tokens.parent.cli.println(token);
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"List the tokens (never their text or hash), oldest first, revoked and expired ones too.",
          "LAST USED is recorded at most about once a minute per server node."})
  static final class ListTokens implements Callable<Integer> {
    private static final String ROW = "%-16s  %-16s  %-8s  %-7s  %-20s  %-20s  %-20s  %s";

    @ParentCommand
    TokensCommand tokens;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "only this tenant's tokens")
    String tenant;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      List<TokenRecord> all;
      try (Stores stores = tokens.open()) {
        all = tokens(stores).list(Principal.localOperator(), tenant);
      }
      Cli cli = tokens.parent.cli;
      Instant now = Instant.now();
      cli.println(String.format(ROW, "ID", "TENANT", "ROLE", "STATE", "CREATED", "EXPIRES", "LAST USED", "NAME"));
      for (TokenRecord t : all) {
        String state = t.revoked() ? "revoked" : t.expiredAt(now) ? "expired" : "active";
        cli.println(String.format(ROW, t.id(), t.tenant(), t.role().id(), state, seconds(t.createdAt()),
            t.expiresAt().map(ListTokens::seconds).orElse("never"),
            t.lastUsedAt().map(ListTokens::seconds).orElse("never"), Printable.of(t.name())));
      }
      return 0;
    }

    /** An instant as the list shows it: UTC, to the second. */
    private static String seconds(Instant at) {
      return at.truncatedTo(ChronoUnit.SECONDS).toString();
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a token: the server refuses it from the next request on.")
  static final class Revoke implements Callable<Integer> {
    @ParentCommand
    TokensCommand tokens;

    @Parameters(paramLabel = "ID", description = "the token's id, as 'tokens list' shows it")
    String id;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      try (Stores stores = tokens.open()) {
        tokens(stores).revoke(Principal.localOperator(), id);
      }
      tokens.parent.cli.println("revoked " + id);
      return 0;
    }
  }
}
