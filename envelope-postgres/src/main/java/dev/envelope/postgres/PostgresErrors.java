package dev.envelope.postgres;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Turns a {@link SQLException} into the seam's codes by its SQLSTATE. The message names neither SQL nor the
 * password; the exception stays the cause, for logs (the PostgreSQL driver does not put passwords in its
 * messages; the pool's own messages name the pool, not the credentials).
 */
final class PostgresErrors {
  private PostgresErrors() {}

  /** SQLSTATE of a unique constraint violation. */
  static final String UNIQUE_VIOLATION = "23505";
  /** SQLSTATE of a foreign key violation. */
  static final String FOREIGN_KEY_VIOLATION = "23503";

  /**
   * Whether the failure is about reaching the server rather than the statement: connection exceptions (class
   * 08), the server shutting down or starting (57P01-57P03), a cancelled statement (57014, the statement
   * timeout), too many connections or no resources (class 53), login refused (class 28, 3D000: the server is
   * there but will not serve us), lock or serialization trouble (40001, 40P01, 55P03), and the pool's own
   * timeouts (transient exceptions without a state).
   */
  static boolean isUnavailable(SQLException e) {
    String state = e.getSQLState();
    if (state == null) {
      return e instanceof SQLTransientException || e instanceof SQLRecoverableException;
    }
    return state.startsWith("08") || state.startsWith("53") || state.startsWith("28")
        || state.equals("57P01") || state.equals("57P02") || state.equals("57P03") || state.equals("57014")
        || state.equals("3D000") || state.equals("40001") || state.equals("40P01") || state.equals("55P03")
        || e instanceof SQLTransientException || e instanceof SQLRecoverableException;
  }

  /**
   * Whether the statement may not have reached the server, or its connection broke: the only failures a
   * retry on another connection can cure (a stale pooled connection after a server restart).
   */
  static boolean isBrokenConnection(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02"));
  }

  /** The exception a caller of the store sees for {@code e}. */
  static EnvelopeException translate(SQLException e) {
    if (isUnavailable(e)) {
      return new EnvelopeException(ErrorCode.UNAVAILABLE,
          "the PostgreSQL metadata database is not available now (" + describe(e) + ")", e);
    }
    return new EnvelopeException(ErrorCode.INTERNAL,
        "a statement of the PostgreSQL metadata store failed (SQLSTATE " + e.getSQLState() + ")", e);
  }

  /** Why {@link PostgresMetadataStore#open} failed, in words an operator can act on. */
  static EnvelopeException openFailure(PostgresConfig config, SQLException e) {
    SQLException root = rootSqlException(e);
    String state = root.getSQLState() == null ? "" : root.getSQLState();
    String where = config.jdbcUrl() + " as " + config.user();
    String mistake = null;
    if (state.equals("28P01") || state.equals("28000")) {
      mistake = "the server refused the user name or password (check postgres-user and postgres-password-file)";
    } else if (state.equals("3D000")) {
      mistake = "the database does not exist (create it, or fix the database name in postgres-url)";
    } else if (state.equals("42501")) {
      mistake = "the user may not create the tables (grant CREATE on the database or schema)";
    }
    if (mistake != null) {
      // A mistake of the settings, not an outage: no retry would help, so it is not 'unavailable' either.
      return new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
          "cannot open the PostgreSQL metadata database at " + where + ": " + mistake, e);
    }
    String why;
    if (isUnavailable(root) || isUnavailable(e)) {
      why = "the server cannot be reached or is not accepting connections (" + describe(root) + ")";
    } else {
      return new EnvelopeException(ErrorCode.INTERNAL,
          "cannot prepare the PostgreSQL metadata database at " + where + " (SQLSTATE " + state + ")", e);
    }
    return new EnvelopeException(ErrorCode.UNAVAILABLE,
        "cannot open the PostgreSQL metadata database at " + where + ": " + why, e);
  }

  /** The SQLSTATE and its first line, short, for a message. */
  private static String describe(SQLException e) {
    String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    if (text.length() > 200) {
      text = text.substring(0, 200) + "...";
    }
    return e.getSQLState() == null ? text : "SQLSTATE " + e.getSQLState() + ": " + text;
  }

  /** The innermost SQLException in the cause chain (the pool wraps the driver's). */
  private static SQLException rootSqlException(SQLException e) {
    SQLException found = e;
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof SQLException s) {
        found = s;
      }
    }
    return found;
  }
}
