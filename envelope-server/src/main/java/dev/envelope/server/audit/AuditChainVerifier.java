package dev.envelope.server.audit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** Verifies one chain: {@code files} in the order they were written. */
  public static Result verify(List<Path> files) throws IOException {
    try (Cursor cursor = new Cursor(files)) {
      return new Walk(cursor).run();
    }
  }

  /**
   * The chains in a directory: each node's files (named {@code NODE.NNNNNN.jsonl}) in generation order, by node.
   * Other files are left alone.
   */
  public static Map<String, List<Path>> chains(Path dir) throws IOException {
    Map<String, TreeMap<Integer, Path>> byNode = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        AuditLines.named(p.getFileName().toString()).ifPresent(n ->
            byNode.computeIfAbsent(n.node(), k -> new TreeMap<>()).put(n.generation(), p));
      }
    }
    Map<String, List<Path>> chains = new TreeMap<>();
    byNode.forEach((node, files) -> chains.put(node, new ArrayList<>(files.values())));
    return chains;
  }

  /** One pass over the lines, stopping at the first failure. */
  private static final class Walk {
    private final Cursor cursor;
    private long count;
    private String continues;

    Walk(Cursor cursor) {
      this.cursor = cursor;
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
          in = new BufferedInputStream(Files.newInputStream(file), 65536);
          number = 0;
        }
        Entry e = line();
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
