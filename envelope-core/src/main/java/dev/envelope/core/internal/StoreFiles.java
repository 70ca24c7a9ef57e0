package dev.envelope.core.internal;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a store kept in one file under a directory needs around the file itself (the keyring, the PKCS#11
 * metadata): a cheap stamp of its content, and a write lock held across processes and within this JVM.
 */
public final class StoreFiles {
  private static final ConcurrentMap<String, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private StoreFiles() {}

  /**
   * Identifies the file's current content cheaply: it changes with every atomic write (a rename is a new inode);
   * null when there is no file.
   */
  public static Object stamp(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.size());
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Takes the write lock {@code dir/lockName}. File locks belong to the whole JVM (a second lock of the same file
   * from this JVM throws), so threads and instances of one JVM first queue on a lock of their own.
   *
   * @param what what is locked, for messages ("the keyring")
   */
  public static ManagedKeyBackend.WriteLock lock(Path dir, String lockName, String what) throws EnvelopeException {
    ReentrantLock local;
    try {
      PrivateFiles.createDirectories(dir);
      local = JVM_LOCKS.computeIfAbsent(dir.toRealPath().resolve(lockName).toString(), k -> new ReentrantLock());
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.IO, "cannot lock " + what + " in " + dir + ": " + e.getMessage());
    }
    local.lock();
    try {
      FileChannel channel = PrivateFiles.openForWriting(dir.resolve(lockName));
      try {
        FileLock lock = channel.lock();
        return () -> {
          try {
            lock.release();
            channel.close();
          } catch (IOException e) {
            throw new EnvelopeException(ErrorCode.IO, "cannot unlock " + what + " in " + dir + ": "
                + e.getMessage());
          } finally {
            local.unlock();
          }
        };
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    } catch (IOException e) {
      local.unlock();
      throw new EnvelopeException(ErrorCode.IO, "cannot lock " + what + " in " + dir + ": " + e.getMessage());
    } catch (RuntimeException e) {
      local.unlock();
      throw e;
    }
  }
}
