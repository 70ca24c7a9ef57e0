package dev.envelope.keyserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.envelope.api.EnvelopeException;
import dev.envelope.core.internal.PrivateFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The audit log: one JSON line per request (see {@code docs/FORMAT.md}), appended to an owner-only file with
 * one {@code write} per line, so lines of concurrent requests never interleave and a crash loses at most the
 * lines still in the page cache (lines are not fsynced one by one: that would cost a disk flush per request).
 * A failed write is reported on stderr and does not fail the request. The log is refused at open when
 * someone else could change it or its directory ({@link PrivateFiles#checkOwnerOnly}); others may read it.
 */
final class AuditLog implements Closeable {
  /**
   * Every character outside ASCII escaped: a claimed value holding U+0085 or U+2028, which many readers take for a
   * line break, cannot split a line of the log into two.
   */
  private static final ObjectWriter LINES = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build()
      .writer();

  private static final String WHAT = "audit log";
  private final Path file;
  private final FileChannel channel;

  private AuditLog(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /**
   * Opens (creating it 0600, and its directories 0700, when missing) the log to append to.
   *
   * @throws EnvelopeException {@link dev.envelope.api.ErrorCode#INSECURE_FILE} if someone else could change
   *     the log or its directory: records anyone could rewrite prove nothing
   */
  static AuditLog open(Path file) throws IOException, EnvelopeException {
    Path absolute = file.toAbsolutePath();
    PrivateFiles.createDirectories(absolute.getParent());
    if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
      PrivateFiles.checkOwnerOnly(absolute, WHAT); // before opening: a link planted there is not followed
    }
    FileChannel channel = PrivateFiles.openForWriting(absolute, StandardOpenOption.APPEND);
    try {
      PrivateFiles.checkOwnerOnly(absolute, WHAT); // a new log too: its directory may be anyone's
    } catch (IOException | EnvelopeException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return new AuditLog(absolute, channel);
  }

  Path file() {
    return file;
  }

  void write(AuditRecord record) {
    try {
      byte[] json = LINES.writeValueAsBytes(record.toJson());
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
