package dev.envelope.service.local;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files and directories only their owner can open (0600, 0700), created so from the first moment: the mode
 * is given at creation, never set afterwards. Where the file system has no POSIX modes, the defaults apply.
 */
final class PrivateFiles {
  private static final FileAttribute<?> FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  private static final FileAttribute<?> DIRECTORY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  private PrivateFiles() {}

  /** Whether the file system that holds (or will hold) {@code path} has POSIX modes. */
  static boolean posix(Path path) throws IOException {
    Path p = path.toAbsolutePath();
    while (p.getParent() != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return Files.getFileStore(p).supportsFileAttributeView("posix");
  }

  /** The attributes that make a new file owner-only, for {@code Files}/{@code FileChannel} create calls. */
  static FileAttribute<?>[] fileAttributes(boolean posix) {
    return posix ? new FileAttribute<?>[] {FILE} : new FileAttribute<?>[0];
  }

  /** Creates {@code dir} 0700 unless it is already a directory. */
  static void createDirectory(Path dir, boolean posix) throws IOException {
    try {
      Files.createDirectory(dir, posix ? new FileAttribute<?>[] {DIRECTORY} : new FileAttribute<?>[0]);
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
    }
  }

  /** Creates {@code dir} and any missing parents, each new one 0700. */
  static void createDirectories(Path dir, boolean posix) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, posix ? new FileAttribute<?>[] {DIRECTORY} : new FileAttribute<?>[0]);
    }
  }

  /** Creates an empty file 0600 unless one exists (which keeps its mode). */
  static void createFileIfMissing(Path file, boolean posix) throws IOException {
    try {
      Files.createFile(file, fileAttributes(posix));
    } catch (FileAlreadyExistsException e) {
      // an existing file keeps the mode it has
    }
  }
}
