package dev.envelope.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;

/**
 * An executor that runs nothing until told: tasks wait in order of arrival, so a test chooses when and in which
 * order segments finish. After {@link #runFromNowOn()} it runs each task at once on the submitting thread.
 */
final class HeldTasks implements Executor {
  private final List<Runnable> tasks = new ArrayList<>();
  private final Semaphore arrived = new Semaphore(0);
  private boolean direct;

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      if (!direct) {
        tasks.add(task);
        arrived.release();
        return;
      }
    }
    task.run();
  }

  /** Waits until {@code n} more tasks have arrived since the last wait. */
  void awaitArrivals(int n) {
    arrived.acquireUninterruptibly(n);
  }

  synchronized int waiting() {
    return tasks.size();
  }

  /** Runs the waiting tasks, newest first, on this thread. */
  void runNewestFirst() {
    List<Runnable> batch;
    synchronized (this) {
      batch = new ArrayList<>(tasks);
      tasks.clear();
    }
    Collections.reverse(batch);
    batch.forEach(Runnable::run);
  }

  /** Runs the waiting tasks newest first, then every later task at once. */
  void runFromNowOn() {
    runNewestFirst();
    synchronized (this) {
      direct = true;
    }
    runNewestFirst();
  }
}
