package dev.envelope.service.local;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The one connection that writes, on its own thread, with group commit. SQLite takes one writer at a time
 * and, with {@code synchronous=FULL}, every commit waits for an fsync of the WAL; so writes that arrive while
 * a commit is on its way to disk are gathered and committed together in the next transaction, one fsync for
 * all of them. A caller returns only after the transaction holding its write is durable.
 *
 * <p>Each write is a single statement. A constraint violation (a duplicate id) fails that write only: SQLite
 * undoes the statement, not the transaction. Any other error rolls the whole batch back and fails every write
 * in it, so no caller is told "failed" about a write that is in fact stored, nor the reverse.
 */
final class SqliteWriter implements AutoCloseable {
  /** One statement against the write connection, inside a transaction the writer owns. */
  interface Write<T> {
    T apply(Connection connection) throws SQLException;
  }

  private static final int MAX_BATCH = 512;
  private static final int SQLITE_CONSTRAINT = 19;
  private static final Task<?> STOP = new Task<>(c -> null);

  private final Connection connection;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private boolean closed;

  SqliteWriter(Connection connection, String name) {
    this.connection = connection;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Runs {@code write} in the next batch and waits until that batch is committed (or failed). Waiting is not
   * interruptible: a caller must learn whether its write is stored.
   */
  <T> T submit(Write<T> write) throws SQLException {
    Task<T> task = new Task<>(write);
    synchronized (this) {
      if (closed) {
        throw new SQLException("the metadata store is closed");
      }
      queue.add(task);
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.result.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof SQLException) {
            throw (SQLException) e.getCause();
          }
          throw new SQLException("the metadata write failed", e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether the writer thread still runs. */
  boolean isAlive() {
    return thread.isAlive();
  }

  /** Finishes the writes already submitted, then stops the thread and closes the connection. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(STOP);
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing is pending: every write was committed or failed
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    List<Task<?>> batch = new ArrayList<>();
    try {
      boolean stop = false;
      while (!stop) {
        batch.clear();
        try {
          batch.add(queue.take());
        } catch (InterruptedException e) {
          continue; // only close() stops the writer
        }
        queue.drainTo(batch, MAX_BATCH - 1);
        stop = batch.remove(STOP);
        if (!batch.isEmpty()) {
          commit(batch);
        }
      }
    } finally {
      // Normally nothing is left; after an Error (out of memory) no caller may wait forever.
      synchronized (this) {
        closed = true;
      }
      SQLException stopped = new SQLException("the metadata writer has stopped");
      batch.forEach(task -> task.result.completeExceptionally(stopped));
      queue.forEach(task -> task.result.completeExceptionally(stopped));
    }
  }

  private void commit(List<Task<?>> batch) {
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
      try {
        for (Task<?> task : batch) {
          task.run(connection);
        }
        statement.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        rollback(statement);
        throw e;
      }
    } catch (SQLException | RuntimeException e) {
      batch.forEach(task -> task.result.completeExceptionally(e));
      return;
    }
    batch.forEach(Task::complete);
  }

  private static void rollback(Statement statement) {
    try {
      statement.execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite may have rolled back already; either way nothing of the batch is stored
    }
  }

  private static final class Task<T> {
    final Write<T> write;
    final CompletableFuture<T> result = new CompletableFuture<>();
    T value;
    SQLException violation;

    Task(Write<T> write) {
      this.write = write;
    }

    /** Runs the statement; keeps a constraint violation as this task's own failure, throws anything else. */
    void run(Connection connection) throws SQLException {
      try {
        value = write.apply(connection);
      } catch (SQLException e) {
        if ((e.getErrorCode() & 0xff) != SQLITE_CONSTRAINT) {
          throw e;
        }
        violation = e;
      }
    }

    void complete() {
      if (violation != null) {
        result.completeExceptionally(violation);
      } else {
        result.complete(value);
      }
    }
  }
}
