package dev.envelope.server.audit;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Checks the hash chain of audit log files given in order, and names the first line that is missing, altered or
 * out of order. It reads any bytes at all: a line is hashed as it streams by and only its first
 * {@value AuditLines#MAX_LINE} bytes are kept, so a huge line, a binary file or an empty one is a finding, never
 * a crash.
 *
 * <h2>Restrictions</h2>
 * A chain proves the order and content of the lines it links, not that none were cut off its end or that it was
 * not rewritten whole: compare the last hash it reports with one kept elsewhere (see {@code docs/AUDIT.md}). A
 * change to the last line alone shows only as a change to it or to its {@code prev}, which cannot be told apart.
 */
public final class AuditChainVerifier {
  /** What is wrong at the line named. */
  public enum Kind {
    MISSING("missing"),
    ALTERED("altered"),
    OUT_OF_ORDER("out of order"),
    TRUNCATED("truncated"),
    EMPTY("empty");

    private final String text;

    Kind(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** The first thing wrong: at {@code file}, line {@code line} (from 1; 0 for the file as a whole). */
  public record Failure(Path file, long line, Kind kind, String why) {
    /** {@code FILE:LINE: KIND: WHY}. */
    public String describe() {
      return file + (line > 0 ? ":" + line : "") + ": " + kind + ": " + why;
    }
  }

  /**
   * What the files hold: how many lines (on a failure, the good lines before the bad one), the last line's seq
   * and hash, where the chain starts when it continues
   * one whose earlier files were not given (null when it starts at its genesis), and the first failure if any.
   */
  public record Result(long lines, long lastSeq, String lastHash, String continues, Failure failure) {
    public boolean ok() {
      return failure == null;
    }
  }

  private AuditChainVerifier() {}

  /**
   * Verifies one chain: {@code files} in the order they were written. It may start later than its genesis (the
   * earlier files not given): the output says where it continues from.
   */
  public static Result verify(List<Path> files) throws IOException {
    return verify(files, false);
  }

  /**
   * Verifies one node's chain as {@link #chains} found it in a directory: as {@link #verify(List)}, and when its
   * first file is generation 1, that file must start at the chain's genesis (seq 1, prev
   * {@link AuditLines#GENESIS}): lines cut off its head are {@code missing}, not a chain that continues.
   */
  public static Result verifyFound(List<Path> files) throws IOException {
    boolean first = !files.isEmpty() && AuditLines.named(files.get(0).getFileName().toString())
        .map(n -> n.generation() == 1).orElse(false);
    return verify(files, first);
  }

  private static Result verify(List<Path> files, boolean fromGenesis) throws IOException {
    try (Cursor cursor = new Cursor(files)) {
      return new Walk(cursor, fromGenesis).run();
    }
  }

  /**
   * The chains in a directory: each node's files (named {@code NODE.NNNNNN.jsonl}) in generation order, by node.
   * Other files are left alone.
   *
   * @throws EnvelopeException {@code audit-chain-broken} naming the path, for a file of that name that is not a
   *     regular file (a link, which could lead to a FIFO or {@code /dev/zero} and hang the reader; a directory; a
   *     FIFO), and for two files of one generation ({@code n.000001.jsonl} and {@code n.0000001.jsonl})
   */
  public static Map<String, List<Path>> chains(Path dir) throws IOException, EnvelopeException {
    Map<String, TreeMap<Integer, Path>> byNode = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        var named = AuditLines.named(p.getFileName().toString());
        if (named.isEmpty()) {
          continue;
        }
        BasicFileAttributes attributes = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
          throw new EnvelopeException(ErrorCode.AUDIT_CHAIN_BROKEN, p + ": named like an audit log file, but it is "
              + (attributes.isSymbolicLink() ? "a symbolic link" : attributes.isDirectory() ? "a directory"
                  : "not a regular file") + ", which the log never writes; give the files themselves");
        }
        Path other = byNode.computeIfAbsent(named.get().node(), k -> new TreeMap<>())
            .putIfAbsent(named.get().generation(), p);
        if (other != null) {
          Path[] both = {other, p};
          java.util.Arrays.sort(both);
          throw new EnvelopeException(ErrorCode.AUDIT_CHAIN_BROKEN, "two files for generation "
              + named.get().generation() + " of node " + named.get().node() + ": " + both[0] + " and " + both[1]
              + "; the log writes one, so which belongs to the chain is ambiguous: move the other away");
        }
      }
    }
    Map<String, List<Path>> chains = new TreeMap<>();
    byNode.forEach((node, files) -> chains.put(node, new ArrayList<>(files.values())));
    return chains;
  }

  /** One pass over the lines, stopping at the first failure. */
  private static final class Walk {
    private final Cursor cursor;
    private final boolean fromGenesis;
    private long count;
    private String continues;

    Walk(Cursor cursor, boolean fromGenesis) {
      this.cursor = cursor;
      this.fromGenesis = fromGenesis;
    }

    Result run() throws IOException {
      Entry before = null;
      for (Entry e; (e = cursor.next()) != null; ) {
        Failure failure = check(before, e);
        if (failure != null) {
          // A line is found altered when the line after it does not link to it: then it is not a good line.
          boolean theLineBefore = before != null && failure.line() == before.number && failure.file().equals(before.file);
          return new Result(theLineBefore ? count - 1 : count, before == null ? 0 : before.link.seq(),
              before == null ? null : before.hash, continues, failure);
        }
        before = e;
        count++;
      }
      if (cursor.emptyFile != null) {
        return new Result(count, 0, null, continues, new Failure(cursor.emptyFile, 0, Kind.EMPTY, "no line at all"));
      }
      if (before == null) {
        return new Result(0, 0, null, null, new Failure(Path.of("(no file)"), 0, Kind.EMPTY, "no file given"));
      }
      return new Result(count, before.link.seq(), before.hash, continues, null);
    }

    private Failure check(Entry before, Entry e) throws IOException {
      if (cursor.emptyFile != null) {
        return new Failure(cursor.emptyFile, 0, Kind.EMPTY, "no line at all");
      }
      if (!e.terminated) {
        return e.fail(Kind.TRUNCATED, "the last line is cut short, as when the node stopped while writing it"
            + " (its request got no answer)");
      }
      if (e.link == null) {
        return e.fail(Kind.ALTERED, "not an audit line (" + e.notALine + ")");
      }
      if (before == null) {
        if (e.link.seq() == 1 && !e.link.prev().equals(AuditLines.GENESIS)) {
          return e.fail(Kind.ALTERED, "the first line of a chain must have prev " + AuditLines.GENESIS);
        }
        if (e.link.seq() > 1 && fromGenesis) {
          return e.fail(Kind.MISSING, "the first file of a chain starts at seq 1, but this line is seq " + e.link.seq()
              + ": the lines before it were cut off the file's head");
        }
        if (e.link.seq() > 1) {
          continues = e.link.previousFile().orElse("seq " + (e.link.seq() - 1)); // its link is not checked
        }
        return null;
      }
      long expected = before.link.seq() + 1;
      boolean seqOk = e.link.seq() == expected;
      boolean prevOk = e.link.prev().equals(before.hash);
      if (seqOk && prevOk) {
        return null;
      }
      if (seqOk) {
        Entry next = cursor.next();
        if (next != null && next.link != null && next.link.prev().equals(e.hash)) {
          return before.fail(Kind.ALTERED, "its hash is not the prev that the line after it records");
        }
        if (next != null) {
          return e.fail(Kind.ALTERED, "its prev is not the hash of the line before it");
        }
        return before.fail(Kind.ALTERED, "its hash is not the prev of the last line, " + e.where()
            + " (this line, or that prev, was changed)");
      }
      if (prevOk) {
        return e.fail(Kind.ALTERED, "its seq is " + e.link.seq() + ", but the line before it is " + before.link.seq());
      }
      for (Entry later; (later = cursor.next()) != null; ) {
        if (later.link != null && (later.link.seq() == expected || later.link.prev().equals(before.hash))) {
          return e.fail(Kind.OUT_OF_ORDER, "seq " + e.link.seq() + " here, but the line that follows seq "
              + before.link.seq() + " is at " + later.where());
        }
      }
      if (e.link.seq() > expected) {
        return e.fail(Kind.MISSING, e.link.seq() == expected + 1 ? "the line with seq " + expected
            + " should come before it" : "the lines with seq " + expected + " to " + (e.link.seq() - 1)
            + " should come before it");
      }
      return e.fail(Kind.OUT_OF_ORDER, "seq goes back from " + before.link.seq() + " to " + e.link.seq());
    }
  }

  /** One line as read: where it is, its hash, and its link or why it has none. */
  private static final class Entry {
    final Path file;
    final long number;
    final String hash;
    final boolean terminated;
    final AuditLines.Link link;
    final String notALine;

    Entry(Path file, long number, String hash, boolean terminated, Object parsed) {
      this.file = file;
      this.number = number;
      this.hash = hash;
      this.terminated = terminated;
      this.link = parsed instanceof AuditLines.Link l ? l : null;
      this.notALine = parsed instanceof String why ? why : null;
    }

    Failure fail(Kind kind, String why) {
      return new Failure(file, number, kind, why);
    }

    String where() {
      return file + ":" + number;
    }
  }

  /** The lines of the files in turn. */
  private static final class Cursor implements AutoCloseable {
    private final Iterator<Path> files;
    private final byte[] kept = new byte[AuditLines.MAX_LINE];
    private Path file;
    private InputStream in;
    private long number;
    /** A file that held nothing, once met. */
    Path emptyFile;

    Cursor(List<Path> files) {
      this.files = files.iterator();
    }

    /** The next line, or null after the last. */
    Entry next() throws IOException {
      while (true) {
        if (in == null) {
          if (!files.hasNext()) {
            return null;
          }
          file = files.next();
          try {
            in = new BufferedInputStream(Files.newInputStream(file), 65536);
          } catch (IOException e) {
            throw named(e);
          }
          number = 0;
        }
        Entry e;
        try {
          e = line();
        } catch (IOException ex) {
          throw named(ex);
        }
        if (e != null) {
          return e;
        }
        in.close();
        in = null;
        if (number == 0 && emptyFile == null) {
          emptyFile = file;
        }
      }
    }

    /** The failure with the file's path in its message: a bare "Is a directory" does not say which. */
    private IOException named(IOException e) {
      String message = String.valueOf(e.getMessage());
      return message.contains(file.toString()) ? e : new IOException(file + ": " + message, e);
    }

    private Entry line() throws IOException {
      MessageDigest sha = AuditLines.sha256();
      int length = 0;
      long total = 0;
      for (int b; (b = in.read()) != -1; ) {
        if (b == '\n') {
          return entry(sha, length, total, true);
        }
        sha.update((byte) b);
        if (length < kept.length) {
          kept[length++] = (byte) b;
        }
        total++;
      }
      return total == 0 ? null : entry(sha, length, total, false);
    }

    private Entry entry(MessageDigest sha, int length, long total, boolean terminated) {
      number++;
      Object parsed = total > kept.length ? "longer than " + kept.length + " bytes" : AuditLines.parse(kept, length);
      return new Entry(file, number, AuditLines.hex(sha.digest()), terminated, parsed);
    }

    @Override
    public void close() throws IOException {
      if (in != null) {
        in.close();
      }
    }
  }
}
