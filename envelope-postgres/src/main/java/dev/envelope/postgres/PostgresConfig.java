package dev.envelope.postgres;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to reach the PostgreSQL database of a {@link PostgresMetadataStore}. Built with {@link #builder(String)},
 * which checks every value; the record's constructor checks them too.
 *
 * <h2>Time bounds</h2>
 * A stopped or unreachable server never hangs a request:
 * <ul>
 *   <li>{@link #connectionTimeout()} (default 5 s) bounds how long a request waits for a connection: from the
 *       pool, or a new one (the TCP connect and login each have this bound too);
 *   <li>{@link #statementTimeout()} (default 15 s) is the server's {@code statement_timeout}: a statement stuck
 *       behind a lock or on a slow disk is cancelled by the server;
 *   <li>the socket read timeout is the statement timeout plus 15 s: it ends a statement whose server went
 *       silent (a cut network, a frozen host) even when the server can no longer cancel it.
 * </ul>
 * So a request fails within about {@code connectionTimeout + statementTimeout + 15 s} at worst, and within
 * {@code connectionTimeout} when the server is down (refused connections fail at once and are retried by the
 * pool until that bound).
 *
 * <h2>Restrictions</h2>
 * The password is never part of {@link #toString()}; the URL may not carry one either (it would be printed
 * wherever the URL is), so a URL with a {@code password} or {@code sslpassword} parameter, or with user
 * information before the host, is refused.
 *
 * @param jdbcUrl {@code jdbc:postgresql://host[:port]/database[?parameters]}
 * @param user the role to log in as
 * @param password its password (may be empty, e.g. for trust or certificate authentication)
 * @param maxPoolSize most connections this store opens (default 16)
 * @param connectionTimeout the bound on getting a connection (at least 250 ms)
 * @param statementTimeout the bound on one statement on the server (at least 1 s)
 * @param schema the schema the tables live in (created when missing); empty for the role's default
 *     ({@code search_path}, usually {@code public})
 */
public record PostgresConfig(String jdbcUrl, String user, String password, int maxPoolSize,
    Duration connectionTimeout, Duration statementTimeout, Optional<String> schema) {
  /** Default {@link #maxPoolSize()}. */
  public static final int DEFAULT_MAX_POOL_SIZE = 16;
  /** Default {@link #connectionTimeout()}. */
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
  /** Default {@link #statementTimeout()}. */
  public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(15);

  private static final String PREFIX = "jdbc:postgresql://";
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  // password= and sslpassword= (the client key's passphrase) parameters, and user:password@ before the host
  // (which the driver refuses, after which the URL, secret and all, would be printed in the error).
  private static final Pattern PASSWORD_IN_URL = Pattern.compile("(?i)[?&;](ssl)?password=|^jdbc:postgresql://[^/?]*@");

  public PostgresConfig {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(connectionTimeout, "connectionTimeout");
    Objects.requireNonNull(statementTimeout, "statementTimeout");
    Objects.requireNonNull(schema, "schema");
    if (!jdbcUrl.startsWith(PREFIX) || jdbcUrl.length() == PREFIX.length()) {
      throw new IllegalArgumentException("the PostgreSQL URL must start with " + PREFIX);
    }
    if (PASSWORD_IN_URL.matcher(jdbcUrl).find()) {
      // Not echoing the URL: it holds a password.
      throw new IllegalArgumentException("the PostgreSQL URL must not hold the password: give it separately");
    }
    if (user.isEmpty()) {
      throw new IllegalArgumentException("the PostgreSQL user must not be empty");
    }
    if (maxPoolSize < 1 || maxPoolSize > 1000) {
      throw new IllegalArgumentException("the PostgreSQL pool size must be 1 to 1000");
    }
    if (connectionTimeout.compareTo(Duration.ofMillis(250)) < 0 || connectionTimeout.toHours() > 1) {
      throw new IllegalArgumentException("the PostgreSQL connection timeout must be 250 ms to 1 h");
    }
    if (statementTimeout.compareTo(Duration.ofSeconds(1)) < 0 || statementTimeout.toHours() > 1) {
      throw new IllegalArgumentException("the PostgreSQL statement timeout must be 1 s to 1 h");
    }
    if (schema.isPresent() && !SCHEMA.matcher(schema.get()).matches()) {
      throw new IllegalArgumentException("a PostgreSQL schema name must match " + SCHEMA.pattern());
    }
  }

  /** A builder for the database at {@code jdbcUrl}, with the defaults above. */
  public static Builder builder(String jdbcUrl) {
    return new Builder(jdbcUrl);
  }

  /** Everything but the password. */
  @Override
  public String toString() {
    return "PostgresConfig[jdbcUrl=" + jdbcUrl + ", user=" + user + ", maxPoolSize=" + maxPoolSize
        + ", connectionTimeout=" + connectionTimeout + ", statementTimeout=" + statementTimeout
        + ", schema=" + schema.orElse("(default)") + "]";
  }

  /** Builds a {@link PostgresConfig}; {@link #build()} checks the values. Not thread-safe. */
  public static final class Builder {
    private final String jdbcUrl;
    private String user = "envelope";
    private String password = "";
    private int maxPoolSize = DEFAULT_MAX_POOL_SIZE;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
    private String schema;

    private Builder(String jdbcUrl) {
      this.jdbcUrl = jdbcUrl;
    }

    /** The role to log in as (default {@code envelope}). */
    public Builder user(String user) {
      this.user = user;
      return this;
    }

    /** Its password (default empty). */
    public Builder password(String password) {
      this.password = password;
      return this;
    }

    public Builder maxPoolSize(int maxPoolSize) {
      this.maxPoolSize = maxPoolSize;
      return this;
    }

    public Builder connectionTimeout(Duration connectionTimeout) {
      this.connectionTimeout = connectionTimeout;
      return this;
    }

    public Builder statementTimeout(Duration statementTimeout) {
      this.statementTimeout = statementTimeout;
      return this;
    }

    /** The schema of the tables; {@code null} for the role's default. */
    public Builder schema(String schema) {
      this.schema = schema;
      return this;
    }

    /** @throws IllegalArgumentException naming the value that is wrong (never the password) */
    public PostgresConfig build() {
      return new PostgresConfig(jdbcUrl, user, password, maxPoolSize, connectionTimeout, statementTimeout,
          Optional.ofNullable(schema));
    }
  }
}
