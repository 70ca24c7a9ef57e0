package dev.envelope.service.local;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.internal.PrivateFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.sqlite.SQLiteConfig;

/** How every connection to {@code envelope.db} is opened, so that none misses a setting. */
final class SqliteConnections {
  static final int BUSY_TIMEOUT_MILLIS = 10_000;
  private static final String WHAT = "metadata database";

  private SqliteConnections() {}

  /**
   * Creates the database file owner-only if it is missing, and refuses it, or its WAL files, when someone
   * else could change them: what SQLite reads from the WAL is part of the database.
   */
  static void createOrCheck(Path file) throws EnvelopeException, IOException {
    PrivateFiles.createFileIfMissing(file);
    PrivateFiles.checkOwnerOnly(file, WHAT);
    for (String log : List.of("-wal", "-shm")) {
      try {
        PrivateFiles.checkOwnerOnly(file.resolveSibling(file.getFileName() + log), WHAT);
      } catch (NoSuchFileException e) {
        // SQLite makes it when it needs it, with the database's mode
      }
    }
  }

  /**
   * A connection with the per-connection settings: {@code synchronous=FULL} (a commit waits for the WAL to
   * reach the disk), a busy timeout (another process, such as {@code envelope tokens}, may hold the write
   * lock for a moment) and foreign keys enforced. Creates the file owner-only first if it is missing, since
   * SQLite would create it 0644; its {@code -wal} and {@code -shm} files copy the database's mode.
   */
  static Connection open(Path file) throws SQLException, IOException {
    PrivateFiles.createFileIfMissing(file);
    SQLiteConfig config = new SQLiteConfig();
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(true);
    // As a file: URI, percent-encoded: the driver would read a '?' in a plain path as the start of parameters.
    return config.createConnection("jdbc:sqlite:" + file.toUri());
  }

  /** A connection that refuses to write: a read connection that tried would be a bug. */
  static Connection openForReading(Path file) throws SQLException {
    Connection connection;
    try {
      connection = open(file);
    } catch (IOException e) {
      throw new SQLException("cannot open the metadata database", e);
    }
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA query_only = true");
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
    return connection;
  }

  static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // already failing, or nothing left to lose
      }
    }
  }
}
