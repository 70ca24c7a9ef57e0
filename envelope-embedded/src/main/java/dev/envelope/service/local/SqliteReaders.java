package dev.envelope.service.local;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small pool of read connections. In WAL mode readers neither block the writer nor each other, so reads
 * run in parallel on up to {@code size} connections, opened when first needed and kept.
 */
final class SqliteReaders implements AutoCloseable {
  /** Opens a new read connection. */
  interface Opener {
    Connection open() throws SQLException;
  }

  /** A query against a read connection. */
  interface Read<T> {
    T apply(Connection connection) throws SQLException;
  }

  private static final long WAIT_SECONDS = 30;

  private final Opener opener;
  private final Semaphore permits;
  private final Queue<Connection> idle = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  SqliteReaders(Opener opener, int size) {
    this.opener = opener;
    this.permits = new Semaphore(size, true);
  }

  <T> T read(Read<T> read) throws SQLException {
    try {
      if (!permits.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new SQLException("no read connection became free in " + WAIT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while waiting for a read connection", e);
    }
    Connection connection = null;
    try {
      if (closed) {
        throw new SQLException("the metadata store is closed");
      }
      connection = idle.poll();
      if (connection == null) {
        connection = opener.open();
      }
      return read.apply(connection);
    } finally {
      if (connection != null) {
        release(connection);
      }
      permits.release();
    }
  }

  private void release(Connection connection) {
    idle.add(connection);
    if (closed) {
      closeIdle();
    }
  }

  @Override
  public void close() {
    closed = true;
    closeIdle();
  }

  private void closeIdle() {
    Connection connection;
    while ((connection = idle.poll()) != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // a read connection holds nothing that could be lost
      }
    }
  }
}
