package dev.envelope.server.audit;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.internal.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

/**
 * The audit log of one node: a hash-chained file of JSON lines under a directory, named by node, that rotates by
 * size and continues its chain into the next file (see {@code docs/AUDIT.md}).
 *
 * <p>One thread writes. Requests hand it their event and wait; it writes every line waiting, fsyncs once, and
 * releases them all (group commit: one disk flush for many concurrent requests, yet no request returns before
 * its own line is durable). A request thread never touches the file, so interrupting one cannot close the log
 * under the others, as an interrupt closes a {@link FileChannel}.
 *
 * <h2>Failures</h2>
 * A line that cannot be written is cut off again (the file goes back to its last whole line) and its request
 * fails; the next line tries afresh, so a disk that was full and is not any more needs no restart. A failed
 * fsync is final: the kernel may have dropped the pages it could not write, so nothing written since can be
 * trusted, and every later request fails until the node restarts (PostgreSQL's lesson). A lock file keeps a
 * second process from writing the same node's chain.
 */
public final class ChainedAuditLog implements AuditLog {
  private static final int BATCH = 256;
  /** How long a request waits for its line before it fails (setting {@code audit-log-timeout}). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final Path dir;
  private final String node;
  private final long maxFileBytes;
  private final Clock clock;
  private final Duration timeout;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  // Touched by the writer thread only (and by open, before it starts).
  private FileChannel channel;
  private int generation;
  private long size;
  private long seq;
  private String prev;
  private volatile IOException fatal;
  private volatile boolean closed;
  /** When the writer started the batch it is on ({@link System#nanoTime}), or {@link #IDLE}. */
  private volatile long busySince = IDLE;
  /** A request gave up waiting for its line; cleared when a batch completes. */
  private volatile boolean late;
  private static final long IDLE = Long.MIN_VALUE;
  /** Tests only: runs on the writer thread before each batch, as a stuck disk would stop it there. */
  volatile Runnable beforeBatch = () -> {};

  /** How a batch is made durable: fsync. Tests only replace it, to make a disk that fails as fsync can. */
  interface Sync {
    void force(FileChannel channel) throws IOException;
  }

  volatile Sync durable = channel -> channel.force(false);

  private ChainedAuditLog(Path dir, String node, long maxFileBytes, Clock clock, Duration timeout,
      FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.node = node;
    this.maxFileBytes = maxFileBytes;
    this.clock = clock;
    this.timeout = timeout;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.writer = new Thread(this::run, "envelope-audit-" + node);
    this.writer.setDaemon(true);
  }

  /**
   * Opens the log of {@code node} in {@code dir} (made 0700 if missing), continues its chain from the last whole
   * line (dropping a line a crash cut short, and saying so), and writes an {@code audit.open} line.
   *
   * @param maxFileBytes size after which the next line goes to a new file
   * @throws EnvelopeException {@code insecure-file} if others could change the log; {@code unavailable} if
   *     another process writes this node's log or it cannot be written; {@code audit-chain-broken} if its last
   *     line is not an audit line
   */
  public static ChainedAuditLog open(Path dir, String node, long maxFileBytes, Clock clock)
      throws EnvelopeException {
    return open(dir, node, maxFileBytes, clock, DEFAULT_TIMEOUT);
  }

  /**
   * As {@link #open(Path, String, long, Clock)}, with {@code timeout}: how long a request waits for its line to be
   * durable before it fails with {@code unavailable} (and the log says it is not {@link #healthy()}).
   */
  public static ChainedAuditLog open(Path dir, String node, long maxFileBytes, Clock clock, Duration timeout)
      throws EnvelopeException {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (!AuditLines.NODE.matcher(node).matches()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the node name '" + node + "' is not 1 to 64 letters,"
          + " digits, '.', '_' or '-' (it names the node's audit file)");
    }
    if (maxFileBytes < 1) {
      throw new IllegalArgumentException("maxFileBytes must be positive");
    }
    Path absolute = dir.toAbsolutePath().normalize();
    FileChannel lockChannel = null;
    try {
      PrivateFiles.createDirectories(absolute);
      // Files are made and rotated by name in it: nobody else may create one there (not even in a sticky /tmp).
      PrivateFiles.checkPrivateDirectory(absolute, "audit log");
      Path lockFile = absolute.resolve(node + ".lock");
      lockChannel = PrivateFiles.openForWriting(lockFile, LinkOption.NOFOLLOW_LINKS);
      PrivateFiles.checkOwnerOnly(lockFile, "audit log lock");
      FileLock lock = tryLock(lockChannel, absolute, node);
      ChainedAuditLog log = new ChainedAuditLog(absolute, node, maxFileBytes, clock, timeout, lockChannel, lock);
      long cut = log.resume();
      log.writer.start();
      log.record(AuditEvent.of(AuditEvent.Type.AUDIT_OPEN, AuditEvent.Outcome.OK).bytes(cut).build());
      return log;
    } catch (IOException e) {
      close(lockChannel);
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "cannot open the audit log of node " + node + " in "
          + absolute + ": " + e, e);
    } catch (EnvelopeException | RuntimeException e) {
      close(lockChannel);
      throw e;
    }
  }

  private static FileLock tryLock(FileChannel channel, Path dir, String node) throws IOException, EnvelopeException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this process holds it already: another server in the same JVM
    }
    if (lock == null) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "another process writes the audit log of node " + node
          + " in " + dir + ": give each node its own name (setting node)");
    }
    return lock;
  }

  /** Finds the newest file and the chain's last line; returns the bytes of a cut line it dropped. */
  private long resume() throws IOException, EnvelopeException {
    int newest = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        var named = AuditLines.named(p.getFileName().toString());
        if (named.isPresent() && named.get().node().equals(node)) {
          newest = Math.max(newest, named.get().generation());
        }
      }
    }
    if (newest == 0) {
      generation = 1;
      seq = 0;
      prev = AuditLines.GENESIS;
      channel = createFile(generation);
      return 0;
    }
    generation = newest;
    channel = openExisting(generation);
    LogTail tail = LogTail.read(channel, file(generation));
    channel.truncate(tail.wholeLength());
    size = tail.wholeLength();
    if (tail.last().isPresent()) {
      seq = tail.last().get().seq();
      prev = tail.lastHash();
      return tail.cutBytes();
    }
    if (generation == 1) {
      seq = 0;
      prev = AuditLines.GENESIS;
      return tail.cutBytes();
    }
    // A rotation that crashed before the new file's first line: continue from the file before.
    try (FileChannel before = FileChannel.open(file(generation - 1), StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS)) {
      LogTail previous = LogTail.read(before, file(generation - 1));
      if (previous.last().isEmpty() || previous.cutBytes() > 0) {
        throw new EnvelopeException(ErrorCode.AUDIT_CHAIN_BROKEN, "the audit log " + file(generation - 1)
            + " does not end with a whole audit line; check it with 'envelope audit verify'");
      }
      seq = previous.last().get().seq();
      prev = previous.lastHash();
    }
    append(continuation(generation - 1));
    return tail.cutBytes();
  }

  /**
   * Makes a new file for generation {@code gen}. Never one that exists: whatever is there under that name (a link
   * to someone's file, a file someone else made) is not ours to empty or write, so this fails instead.
   */
  private FileChannel createFile(int gen) throws IOException {
    Path file = file(gen);
    try {
      return PrivateFiles.openForWriting(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
          LinkOption.NOFOLLOW_LINKS);
    } catch (FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException(file.toString(), null, "the next audit log file exists already, and the"
          + " log never writes a file it did not make: move it away (and find out who made it)");
    }
  }

  /**
   * Opens the newest file of the chain to go on with it (it is cut back to its last whole line next). Only a
   * regular file of ours that nobody else may write: never through a link, which could lead to anyone's file.
   */
  private FileChannel openExisting(int gen) throws IOException, EnvelopeException {
    Path file = file(gen);
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attributes.isRegularFile()) {
      throw new EnvelopeException(ErrorCode.INSECURE_FILE, "refusing to use the audit log " + file + ": it is "
          + (attributes.isSymbolicLink() ? "a symbolic link" : "not a regular file") + ", not a file the log made;"
          + " move it away");
    }
    // NOFOLLOW: a link put there since the look above fails to open instead of being followed.
    FileChannel opened = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
    try {
      PrivateFiles.checkOwnerOnly(file, "audit log"); // before anything is cut off it
      opened.position(opened.size());
      return opened;
    } catch (IOException | EnvelopeException | RuntimeException e) {
      opened.close();
      throw e;
    }
  }

  Path file(int gen) {
    return dir.resolve(AuditLines.fileName(node, gen));
  }

  /** The file lines go to now. */
  public Path currentFile() {
    return file(generation);
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public void record(AuditEvent event) throws EnvelopeException {
    if (closed) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "the audit log is closed");
    }
    Pending pending = new Pending(event);
    queue.add(pending);
    try {
      pending.await(writer, timeout);
    } catch (EnvelopeException e) {
      // Unhealthy from this moment, not only once the batch has been busy a whole timeout by the writer's clock.
      late = true;
      throw e;
    }
  }

  @Override
  public boolean healthy() {
    long since = busySince;
    // An idle writer means the disk answers; a busy one is stuck once a request gave up on it, or after a timeout.
    return !closed && fatal == null && writer.isAlive()
        && (since == IDLE || !late && System.nanoTime() - since < timeout.toNanos());
  }

  private void run() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, BATCH - 1);
      busySince = System.nanoTime();
      boolean stop;
      try {
        beforeBatch.run();
        stop = writeBatch(batch);
      } catch (RuntimeException | Error e) {
        // A bug, not the disk: no line may follow what it left, and no request may wait for ever.
        fatal = new IOException("the audit writer failed: " + e, e);
        stop = false;
      }
      for (Pending p : batch) {
        p.done("the audit writer failed: " + fatal); // no-op for those already done
      }
      batch.clear();
      busySince = IDLE;
      late = false; // the disk answered again
      if (stop) {
        return;
      }
    }
  }

  /** Writes a batch, fsyncs it and releases its requests; whether the log is to stop after it. */
  private boolean writeBatch(List<Pending> batch) {
    List<Pending> written = new ArrayList<>();
    boolean stop = false;
    for (Pending p : batch) {
      if (p.event == null) {
        stop = true;
        p.done(null);
      } else if (fatal != null) {
        p.done("the audit log failed earlier (" + fatal.getMessage() + "); restart the node");
      } else {
        String failure = write(p.event);
        if (failure == null) {
          written.add(p);
        } else {
          p.done(failure);
        }
      }
    }
    sync(written);
    return stop;
  }

  /** Writes one line (rotating first when the file is full); null, or why it could not. */
  private String write(AuditEvent event) {
    try {
      if (size >= maxFileBytes) {
        rotate();
      }
      append(event);
      return null;
    } catch (IOException e) {
      return "cannot write the audit log " + file(generation) + ": " + e;
    }
  }

  private void sync(List<Pending> written) {
    if (written.isEmpty()) {
      return;
    }
    try {
      durable.force(channel);
    } catch (IOException e) {
      fatal = e;
    }
    for (Pending p : written) {
      p.done(fatal == null ? null : "cannot fsync the audit log " + file(generation) + ": " + fatal);
    }
  }

  /** Writes a line at the end of the current file; on failure the file is cut back to its last whole line. */
  private void append(AuditEvent event) throws IOException {
    byte[] json = AuditLines.encode(seq + 1, prev, clock.instant(), node, event);
    ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
    try {
      while (line.hasRemaining()) {
        channel.write(line);
      }
    } catch (IOException e) {
      try {
        channel.truncate(size);
        channel.position(size);
      } catch (IOException cannotCut) {
        fatal = cannotCut; // a half line stays at the end: no line may follow it
        e.addSuppressed(cannotCut);
      }
      throw e;
    }
    size += json.length + 1;
    seq++;
    prev = AuditLines.hash(json, json.length);
  }

  /** Moves on to the next file: the old one fsynced, the new one starting with a line that links back to it. */
  private void rotate() throws IOException {
    FileChannel old = channel;
    old.force(false);
    int next = generation + 1;
    FileChannel created = createFile(next);
    long oldSize = size;
    long oldSeq = seq;
    String oldPrev = prev;
    channel = created;
    size = 0;
    try {
      append(continuation(generation));
      created.force(false);
      forceDirectory();
    } catch (IOException e) {
      channel = old;
      size = oldSize;
      seq = oldSeq;
      prev = oldPrev;
      close(created);
      // Ours (made just now, in a directory only we may write) and without a line of the chain: gone, so the next
      // try can make it afresh.
      try {
        Files.deleteIfExists(file(next));
      } catch (IOException cannotDelete) {
        e.addSuppressed(cannotDelete);
      }
      throw e;
    }
    generation = next;
    close(old);
  }

  private AuditEvent continuation(int previousGeneration) {
    return AuditEvent.of(AuditEvent.Type.AUDIT_CONTINUE, AuditEvent.Outcome.OK)
        .previousFile(AuditLines.fileName(node, previousGeneration)).build();
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Not every file system lets a directory be opened; the new file's own fsync still holds its lines.
    }
  }

  /** Stops the writer once the lines already handed to it are written; later calls fail. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Pending stop = new Pending(null);
    queue.add(stop);
    try {
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Pending p; (p = queue.poll()) != null; ) {
      p.done("the audit log is closed");
    }
    close(channel);
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    close(lockChannel);
  }

  private static void close(java.io.Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // nothing left to do with it
      }
    }
  }
}
