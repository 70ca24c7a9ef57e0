package dev.envelope.service.local;

import dev.envelope.api.internal.AtomicFile;
import dev.envelope.core.internal.PrivateFiles;
import dev.envelope.service.BlobExistsException;
import dev.envelope.service.BlobInfo;
import dev.envelope.service.BlobStore;
import dev.envelope.service.BlobWriter;
import dev.envelope.service.NoSuchBlobException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A {@link BlobStore} in a local directory. A blob lives at {@code <root>/<first two characters of the
 * key>/<key>}, so that a million blobs spread over about 1,400 directories instead of sharing one. Only keys
 * matching {@link #KEY_PATTERN} ever become file names, and they are checked before any path is built.
 *
 * <h2>Crash safety</h2>
 * A blob that fits its writer's buffer (16 KiB: small uploads) is written straight under its name, fsynced, and
 * the directory fsynced ({@link #publishSmall}). A larger one is written to
 * {@code <root>/.tmp/.envelope-tmp-<32 hex digits>}, fsynced, then hard-linked under its
 * real name, the directory fsynced, and the temporary name removed. The link is the atomic, no-replace step:
 * {@code Files.move(..., ATOMIC_MOVE)} is {@code rename(2)} on Linux, which silently replaces an existing
 * file, while {@code link(2)} fails if the name is taken, so two writers of one key can never overwrite each
 * other. A crash leaves at most a temporary file, which no listing or read can see (its name cannot match
 * {@link #KEY_PATTERN}). Temporary files untouched for {@link #STALE_AFTER} are deleted when the store opens
 * and at the start of every full listing, that is once per pass of the orphan sweeper; a writer that is alive
 * in this process is never touched.
 *
 * <p>Files are created owner-only (0600), directories 0700. Deletes are not fsynced: a delete lost in a
 * power cut leaves a blob without a row, which the orphan sweeper removes again.
 */
public final class DirectoryBlobStore implements BlobStore {
  /** How long a temporary file may sit untouched before it counts as the leftover of a dead writer. */
  public static final Duration STALE_AFTER = Duration.ofHours(1);
  static final String TEMP_DIR = ".tmp";
  static final String TEMP_PREFIX = AtomicFile.TEMP_MARKER;
  private static final Pattern KEY = Pattern.compile(KEY_PATTERN);
  private static final Pattern FAN_OUT_DIR = Pattern.compile("[a-z0-9][a-z0-9_-]?");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path root;
  private final Path temp;
  /** Fan-out directories whose entry in the root is known to be on disk. */
  private final Set<String> durableDirs = ConcurrentHashMap.newKeySet();
  /** Temporary files of writers alive in this process: never stale, whatever their age. */
  private final Set<Path> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private DirectoryBlobStore(Path root) {
    this.root = root;
    this.temp = root.resolve(TEMP_DIR);
  }

  /**
   * Opens the store in {@code root}, creating it (0700) when missing, and removes stale temporary files.
   */
  public static DirectoryBlobStore open(Path root) throws IOException {
    Path dir = root.toAbsolutePath().normalize();
    DirectoryBlobStore store = new DirectoryBlobStore(dir);
    PrivateFiles.createDirectories(store.temp);
    // Whatever fan-out directories exist now become durable with this one sync of the root, and the root
    // with the sync of its parent.
    AtomicFile.syncDirectory(dir);
    if (dir.getParent() != null) {
      AtomicFile.syncDirectory(dir.getParent());
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        store.durableDirs.add(entry.getFileName().toString());
      }
    }
    store.removeStaleTemporaryFiles();
    return store;
  }

  /** The directory the blobs live in. */
  public Path root() {
    return root;
  }

  @Override
  public BlobWriter create(String key) throws IOException {
    Path target = path(key);
    ensureOpen();
    if (Files.exists(target)) {
      throw new BlobExistsException(key);
    }
    return new DirectoryBlobWriter(this, key);
  }

  /** A new temporary file for a blob that outgrew its writer's buffer, owned by this process until forgotten. */
  Path newTemporaryFile() {
    Path file = temp.resolve(TEMP_PREFIX + HexFormat.of().formatHex(randomBytes(16)));
    inFlight.add(file);
    return file;
  }

  /**
   * Stores a small blob, whole in memory, straight under its name: create (fails if the key is taken), write,
   * fsync the file, fsync the directory. No temporary file and no link: on ext4 the file's fsync commits the
   * journal transaction that also holds the new directory entry, so the directory's fsync after it finds nothing
   * left to write, and a small upload waits for one journal commit instead of two. The name exists before its bytes
   * are durable only for the microseconds of this call; a crash inside it leaves a blob that no row names, which
   * the orphan sweeper removes after its grace period, as it does the blob of any upload that died before its row.
   */
  void publishSmall(String key, byte[] bytes, int length) throws IOException {
    ensureOpen();
    Path dir = ensureFanOutDir(key);
    Path target = dir.resolve(key);
    FileChannel channel;
    try {
      channel = PrivateFiles.openForWriting(target, StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      throw new BlobExistsException(key);
    }
    boolean durable = false;
    try {
      try (channel) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      AtomicFile.syncDirectory(dir);
      durable = true;
    } finally {
      if (!durable) {
        Files.deleteIfExists(target); // not known to be durable: not committed
      }
    }
  }

  @Override
  public InputStream read(String key, long offset, long length) throws IOException {
    Path file = path(key);
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("offset and length must not be negative");
    }
    ensureOpen();
    try {
      return new FileRangeInputStream(FileChannel.open(file, StandardOpenOption.READ), offset, length);
    } catch (NoSuchFileException e) {
      throw new NoSuchBlobException(key);
    }
  }

  @Override
  public long size(String key) throws IOException {
    Path file = path(key);
    ensureOpen();
    try {
      return Files.size(file);
    } catch (NoSuchFileException e) {
      throw new NoSuchBlobException(key);
    }
  }

  @Override
  public boolean delete(String key) throws IOException {
    Path file = path(key);
    ensureOpen();
    return Files.deleteIfExists(file);
  }

  @Override
  public List<BlobInfo> list(String afterKey, int limit) throws IOException {
    if (afterKey != null) {
      checkKey(afterKey);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    ensureOpen();
    if (afterKey == null) {
      removeStaleTemporaryFiles();
    }
    // Every key in directory d starts with d, so directories in name order hold keys in key order.
    String firstDir = afterKey == null ? null : fanOutDir(afterKey);
    List<BlobInfo> page = new ArrayList<>();
    for (String dir : sortedEntries(root, FAN_OUT_DIR)) {
      if (firstDir != null && dir.compareTo(firstDir) < 0) {
        continue;
      }
      for (String key : sortedEntries(root.resolve(dir), KEY)) {
        if (!fanOutDir(key).equals(dir) || afterKey != null && key.compareTo(afterKey) <= 0) {
          continue;
        }
        try {
          BasicFileAttributes a = Files.readAttributes(root.resolve(dir).resolve(key), BasicFileAttributes.class);
          page.add(new BlobInfo(key, a.size(), a.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
          continue; // deleted since the directory was read
        }
        if (page.size() == limit) {
          return page;
        }
      }
    }
    return page;
  }

  /** Checks that the directory is there and a file can be created in it. */
  @Override
  public void checkReady() throws IOException {
    ensureOpen();
    if (!Files.isDirectory(root) || !Files.isDirectory(temp)) {
      throw new IOException("the blob directory is missing");
    }
    Path probe = temp.resolve(TEMP_PREFIX + "ready-" + HexFormat.of().formatHex(randomBytes(4)));
    try {
      PrivateFiles.openForWriting(probe, StandardOpenOption.CREATE_NEW).close();
    } catch (IOException e) {
      throw new IOException("the blob directory is not writable", e);
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  /**
   * Deletes temporary files that no writer of this process owns and that were last written more than
   * {@link #STALE_AFTER} ago: the leftovers of writers that died. Returns how many it deleted.
   */
  int removeStaleTemporaryFiles() throws IOException {
    Instant cutoff = Instant.now().minus(STALE_AFTER);
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(temp, TEMP_PREFIX + "*")) {
      for (Path file : entries) {
        try {
          if (!inFlight.contains(file) && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)
              && Files.deleteIfExists(file)) {
            removed++;
          }
        } catch (NoSuchFileException e) {
          // removed by someone else meanwhile
        }
      }
    }
    return removed;
  }

  /**
   * Publishes a written, fsynced temporary file under {@code key}: link (fails if the key is taken), sync the
   * directory, drop the temporary name.
   */
  void publish(String key, Path file) throws IOException {
    Path dir = ensureFanOutDir(key);
    Path target = dir.resolve(key);
    try {
      Files.createLink(target, file);
    } catch (FileAlreadyExistsException e) {
      throw new BlobExistsException(key);
    }
    try {
      AtomicFile.syncDirectory(dir);
    } catch (IOException e) {
      Files.deleteIfExists(target); // not known to be durable: not committed
      throw e;
    }
    forget(file);
  }

  /** The fan-out directory of {@code key}, created and made durable in the root on first use. */
  private Path ensureFanOutDir(String key) throws IOException {
    String dirName = fanOutDir(key);
    Path dir = root.resolve(dirName);
    if (!durableDirs.contains(dirName)) {
      PrivateFiles.createDirectories(dir);
      AtomicFile.syncDirectory(root);
      durableDirs.add(dirName);
    }
    return dir;
  }

  /** Deletes a temporary file (best effort: what stays behind is removed once stale). */
  void forget(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // left for removeStaleTemporaryFiles
    }
    inFlight.remove(file);
  }

  private Path path(String key) {
    checkKey(key);
    return root.resolve(fanOutDir(key)).resolve(key);
  }

  static void checkKey(String key) {
    if (key == null || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("a blob key is 1 to 128 of a-z, 0-9, '_' and '-', starting with a "
          + "letter or digit");
    }
  }

  static String fanOutDir(String key) {
    return key.length() <= 2 ? key : key.substring(0, 2);
  }

  private static List<String> sortedEntries(Path dir, Pattern names) throws IOException {
    List<String> found = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (names.matcher(name).matches()) {
          found.add(name);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    Collections.sort(found);
    return found;
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the blob store is closed");
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
