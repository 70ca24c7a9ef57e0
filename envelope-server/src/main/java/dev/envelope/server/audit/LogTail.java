package dev.envelope.server.audit;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The end of a log file, as a writer resuming its chain needs it: where the last whole line ends, how many
 * bytes after it a crash left (a line cut while it was written, never acknowledged: its request got no answer),
 * and the last whole line's link and hash. Only the tail is read, however long the file.
 */
record LogTail(long wholeLength, long cutBytes, Optional<AuditLines.Link> last, String lastHash) {
  static LogTail read(FileChannel channel, Path file) throws IOException, EnvelopeException {
    long end = channel.size();
    long lastFeed = lastFeedBefore(channel, end, end);
    if (lastFeed < 0) {
      return new LogTail(0, end, Optional.empty(), null);
    }
    long start = lastFeedBefore(channel, lastFeed, AuditLines.MAX_LINE) + 1;
    int length = (int) (lastFeed - start);
    if (start == 0 && lastFeed >= AuditLines.MAX_LINE || length > AuditLines.MAX_LINE) {
      throw broken(file, "is longer than an audit line");
    }
    ByteBuffer line = ByteBuffer.allocate(length);
    while (line.hasRemaining()) {
      if (channel.read(line, start + line.position()) < 0) {
        throw broken(file, "changed while it was read");
      }
    }
    Object parsed = AuditLines.parse(line.array(), length);
    if (!(parsed instanceof AuditLines.Link link)) {
      throw broken(file, "is not an audit line (" + parsed + ")");
    }
    return new LogTail(lastFeed + 1, end - lastFeed - 1, Optional.of(link), AuditLines.hash(line.array(), length));
  }

  /** The position of the last line feed before {@code before}, looking back at most {@code limit} bytes; or -1. */
  private static long lastFeedBefore(FileChannel channel, long before, long limit) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(8192);
    long floor = Math.max(0, before - limit - 1);
    long pos = before;
    while (pos > floor) {
      int n = (int) Math.min(chunk.capacity(), pos - floor);
      chunk.clear().limit(n);
      long from = pos - n;
      while (chunk.hasRemaining()) {
        if (channel.read(chunk, from + chunk.position()) < 0) {
          break;
        }
      }
      for (int i = chunk.position() - 1; i >= 0; i--) {
        if (chunk.get(i) == '\n') {
          return from + i;
        }
      }
      pos = from;
    }
    return -1;
  }

  private static EnvelopeException broken(Path file, String what) {
    return new EnvelopeException(ErrorCode.AUDIT_CHAIN_BROKEN, "the last line of the audit log " + file + " " + what
        + ": check it with 'envelope audit verify'; to start a new chain, move the node's files away");
  }
}
