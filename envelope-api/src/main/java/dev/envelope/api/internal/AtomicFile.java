package dev.envelope.api.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file that appears under its real name complete or not at all: bytes go to a temporary file beside the
 * target, which {@link #commit()} flushes to disk (fsync), renames over the target atomically, and makes
 * durable by syncing the directory. {@link #close()} without a commit deletes the temporary file, so a failed
 * write leaves nothing behind, and so does a JVM that exits or is interrupted (Ctrl-C, SIGTERM) mid-write: a
 * shutdown hook deletes the temporary files still open. Only a hard kill or a power loss can leave one, named
 * {@value #TEMP_MARKER} and 16 hex digits; never a half-written target.
 */
public final class AtomicFile implements Closeable {
  private static final Set<PosixFilePermission> PRIVATE_FILE =
      Set.copyOf(PosixFilePermissions.fromString("rw-------"));
  /** Part of the name of every temporary file, so that leftovers of a crash can be recognised. */
  public static final String TEMP_MARKER = ".envelope-tmp-";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();

  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private final OutputStream stream;
  private boolean done;

  private AtomicFile(Path target, Path temp, FileChannel channel) {
    this.target = target;
    this.temp = temp;
    this.channel = channel;
    this.stream = Channels.newOutputStream(channel);
  }

  /**
   * Starts writing {@code target}. On POSIX file systems the file is created with {@code permissions}
   * (before any byte is written), so a private file is never readable by others, not even briefly.
   */
  public static AtomicFile create(Path target, Set<PosixFilePermission> permissions) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    byte[] random = new byte[8];
    RANDOM.nextBytes(random);
    // A fixed-length name: the target's own name may already be as long as the file system allows.
    Path temp = dir.resolve(TEMP_MARKER + HexFormat.of().formatHex(random));
    if (HOOK_INSTALLED.compareAndSet(false, true)) {
      Runtime.getRuntime().addShutdownHook(new Thread(AtomicFile::deleteInFlight, "envelope-temp-cleanup"));
    }
    FileChannel channel;
    Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      channel = FileChannel.open(temp, options, PosixFilePermissions.asFileAttribute(permissions));
    } else {
      channel = FileChannel.open(temp, options);
    }
    IN_FLIGHT.add(temp);
    return new AtomicFile(absolute, temp, channel);
  }

  /** Owner read and write only ({@code rw-------}): the mode of every file Envelope writes. */
  public static Set<PosixFilePermission> privateFile() {
    return PRIVATE_FILE;
  }

  /** The stream to write the content to. Closing it does not commit. */
  public OutputStream stream() {
    return stream;
  }

  /** Makes the written bytes durable and visible under the target name, replacing any previous file. */
  public void commit() throws IOException {
    if (done) {
      throw new IllegalStateException("already committed or closed");
    }
    try {
      stream.flush();
      channel.force(true);
      channel.close();
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically on this file system", e);
      }
      done = true;
      IN_FLIGHT.remove(temp);
      syncDirectory(target.getParent());
    } finally {
      if (!done) {
        close();
      }
    }
  }

  /**
   * As {@link #commit()}, but never replaces a file: if {@code target} exists at the moment of the final link
   * (even one that appeared while the content was being written), nothing is changed, the temporary file is
   * deleted and {@link FileAlreadyExistsException} is thrown. The new file appears by a hard link, which the
   * kernel refuses atomically when the name is taken; where the file system has no hard links, by a rename after
   * an existence check (a narrow window remains there).
   */
  public void commitNew() throws IOException {
    if (done) {
      throw new IllegalStateException("already committed or closed");
    }
    try {
      stream.flush();
      channel.force(true);
      channel.close();
      try {
        Files.createLink(target, temp);
        Files.delete(temp);
      } catch (FileAlreadyExistsException e) {
        throw e;
      } catch (UnsupportedOperationException | FileSystemException e) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          throw new FileAlreadyExistsException(target.toString());
        }
        Files.move(temp, target); // without REPLACE_EXISTING: refuses a target that exists
      }
      done = true;
      IN_FLIGHT.remove(temp);
      syncDirectory(target.getParent());
    } finally {
      if (!done) {
        close();
      }
    }
  }

  /** Discards the temporary file unless {@link #commit()} succeeded. */
  @Override
  public void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    try {
      channel.close();
    } finally {
      Files.deleteIfExists(temp);
      IN_FLIGHT.remove(temp);
    }
  }

  private static void deleteInFlight() {
    for (Path temp : IN_FLIGHT) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        // Nothing more can be done while the JVM exits.
      }
    }
  }

  /** Makes a rename or a new file in {@code dir} durable (a no-op where directories cannot be opened). */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (AccessDeniedException e) {
      throw e;
    } catch (FileSystemException | UnsupportedOperationException e) {
      // Some platforms cannot open or sync a directory; the rename itself is still atomic there.
    }
  }
}
