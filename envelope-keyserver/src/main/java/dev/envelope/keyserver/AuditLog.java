package dev.envelope.keyserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The audit log: one JSON line per request (see {@code docs/FORMAT.md}), appended to an owner-only file with
 * one {@code write} per line, so lines of concurrent requests never interleave and a crash loses at most the
 * lines still in the page cache (lines are not fsynced one by one: that would cost a disk flush per request).
 * A failed write is reported on stderr and does not fail the request.
 */
final class AuditLog implements Closeable {
  private final Path file;
  private final FileChannel channel;

  private AuditLog(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  static AuditLog open(Path file) throws IOException {
    Path absolute = file.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    FileChannel channel = FileChannel.open(absolute,
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
        PosixFilePermissions.asFileAttribute(dev.envelope.core.AtomicFile.privateFile()));
    return new AuditLog(absolute, channel);
  }

  Path file() {
    return file;
  }

  void write(AuditRecord record) {
    try {
      byte[] json = KmsRequest.JSON.writeValueAsBytes(record.toJson());
      ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
      synchronized (this) {
        while (line.hasRemaining()) {
          channel.write(line);
        }
      }
    } catch (JsonProcessingException e) {
      System.err.println("envelope keyserver: could not encode an audit line: " + e.getOriginalMessage());
    } catch (IOException e) {
      System.err.println("envelope keyserver: could not write the audit log " + file + ": " + e.getMessage());
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
