package dev.envelope.core.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A test tool, not production code: looks for plaintext at rest. It reads every regular file under some roots
 * (byte by byte, whatever the format: blobs, SQLite pages and WAL, PostgreSQL heap and WAL segments, LevelDB
 * logs, S3Proxy's objects, temporary files) and reports where a needle occurs.
 *
 * <p>A {@link #plaintext plaintext} needle is looked for as it is, in hex (both cases) and in base64 (standard
 * and URL-safe, at each of the three byte alignments): a leak in any of those forms counts. Use content from
 * {@link #repeatedMarker}: a random 96-byte marker repeated, so that a leak of about 200 or more consecutive
 * bytes of it, from any offset, raw or encoded, holds one of the needle's forms whole; or short content, which
 * would leak whole. A {@link #verbatim verbatim} needle is looked for as it is only: for a value stored in the
 * clear on purpose (a file's name), so a test can show the scan reaches the files where such values live.
 *
 * <p>Files that vanish while the scan runs (a database at work) are skipped; every other failure to read is an
 * error. The search is one pass per file, whatever the number of needles.
 */
public final class PlaintextScan {
  /** The period of {@link #repeatedMarker}; a multiple of 3, so base64 alignments repeat with it. */
  public static final int MARKER = 96;
  /** How much of a plaintext is looked for: one period and the two bytes the other alignments need. */
  private static final int NEEDLE = MARKER + 2;
  private static final int CHUNK = 1 << 20;
  /** Hits recorded per needle form and file: enough to see a leak, few enough to list every leaking file. */
  private static final int MAX_HITS = 3;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final List<Needle> needles = new ArrayList<>();
  private int chunk = CHUNK;

  private record Needle(String label, String form, byte[] bytes) {}

  /** Where a needle was found. */
  public record Hit(String label, String form, Path file, long offset) {
    @Override
    public String toString() {
      return label + " (" + form + ") in " + file + " at byte " + offset;
    }
  }

  /**
   * What a scan found and how much it read.
   *
   * @param hits the first {@value #MAX_HITS} hits of each needle form in each file
   * @param bytesUnder bytes read under each root, in the order given
   */
  public record Result(List<Hit> hits, Map<Path, Long> bytesUnder) {
    /** The hits of the needles of {@code label}. */
    public List<Hit> of(String label) {
      return hits.stream().filter(h -> h.label().equals(label)).toList();
    }
  }

  private PlaintextScan() {}

  /** A scan with no needles yet. */
  public static PlaintextScan create() {
    return new PlaintextScan();
  }

  /** Reads files {@code bytes} at a time (1 MiB unless set): small chunks put needles across their boundaries. */
  PlaintextScan chunk(int bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("a chunk is at least 1 byte");
    }
    this.chunk = bytes;
    return this;
  }

  /** {@code size} bytes: a fresh random {@value #MARKER}-byte marker, repeated (the last copy cut short). */
  public static byte[] repeatedMarker(int size) {
    byte[] marker = new byte[MARKER];
    RANDOM.nextBytes(marker);
    byte[] content = new byte[size];
    for (int i = 0; i < size; i += MARKER) {
      System.arraycopy(marker, 0, content, i, Math.min(MARKER, size - i));
    }
    return content;
  }

  /**
   * Looks for {@code content} (its first {@value #NEEDLE} bytes when longer) as it is, as hex and as base64.
   *
   * @throws IllegalArgumentException if it is shorter than 16 bytes: too short not to occur by chance
   */
  public PlaintextScan plaintext(String label, byte[] content) {
    if (content.length < 16) {
      throw new IllegalArgumentException("a plaintext needle needs at least 16 bytes");
    }
    byte[] needle = Arrays.copyOf(content, Math.min(NEEDLE, content.length));
    needles.add(new Needle(label, "raw", needle));
    String hex = HexFormat.of().formatHex(needle);
    needles.add(new Needle(label, "hex", ascii(hex)));
    needles.add(new Needle(label, "HEX", ascii(hex.toUpperCase(Locale.ROOT))));
    for (int shift = 0; shift < 3; shift++) {
      // Base64 of the bytes from `shift` on, cut to whole 3-byte groups: what any encoding of the content
      // holds, whichever byte its groups start at (offsets modulo 3).
      int whole = (needle.length - shift) / 3 * 3;
      byte[] part = Arrays.copyOfRange(needle, shift, shift + whole);
      needles.add(new Needle(label, "base64+" + shift, Base64.getEncoder().withoutPadding().encode(part)));
      needles.add(new Needle(label, "base64url+" + shift, Base64.getUrlEncoder().withoutPadding().encode(part)));
    }
    return this;
  }

  /** Looks for {@code bytes} exactly as they are. */
  public PlaintextScan verbatim(String label, byte[] bytes) {
    if (bytes.length < 8) {
      throw new IllegalArgumentException("a verbatim needle needs at least 8 bytes");
    }
    needles.add(new Needle(label, "raw", bytes.clone()));
    return this;
  }

  /** Scans every regular file under each root (a root may be a file; a missing root reads 0 bytes). */
  public Result scan(Collection<Path> roots) throws IOException {
    List<Hit> hits = new ArrayList<>();
    Map<Path, Long> bytesUnder = new LinkedHashMap<>();
    @SuppressWarnings("unchecked")
    List<Needle>[] byFirstByte = new List[256];
    int longest = 1;
    for (Needle n : needles) {
      int first = n.bytes()[0] & 0xff;
      if (byFirstByte[first] == null) {
        byFirstByte[first] = new ArrayList<>();
      }
      byFirstByte[first].add(n);
      longest = Math.max(longest, n.bytes().length);
    }
    for (Path root : roots) {
      long bytes = 0;
      if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        for (Path file : regularFiles(root)) {
          bytes += scanFile(file, byFirstByte, longest, chunk, hits);
        }
      }
      bytesUnder.put(root, bytes);
    }
    return new Result(List.copyOf(hits), bytesUnder);
  }

  /** The regular files under {@code root} (or root itself), links not followed; what vanishes meanwhile is left out. */
  private static List<Path> regularFiles(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile()) {
          files.add(file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) {
          throw e;
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return files;
  }

  /** Bytes read from {@code file}; 0 if it vanished. */
  private static long scanFile(Path file, List<Needle>[] byFirstByte, int longest, int chunk, List<Hit> hits)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(chunk + longest);
    byte[] b = buffer.array();
    long base = 0; // file offset of b[0]
    long read = 0;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      boolean end = false;
      while (!end) {
        int n = channel.read(buffer);
        if (n < 0) {
          end = true;
        } else {
          read += n;
          if (buffer.hasRemaining()) {
            continue;
          }
        }
        int filled = buffer.position();
        // Until the end, positions whose longest needle could run past the buffer wait for the next round.
        int last = end ? filled : filled - (longest - 1);
        for (int i = 0; i < last; i++) {
          List<Needle> candidates = byFirstByte[b[i] & 0xff];
          if (candidates != null) {
            for (Needle needle : candidates) {
              if (matches(b, i, filled, needle.bytes()) && count(hits, needle, file) < MAX_HITS) {
                hits.add(new Hit(needle.label(), needle.form(), file, base + i));
              }
            }
          }
        }
        if (!end) {
          System.arraycopy(b, last, b, 0, filled - last);
          buffer.position(filled - last);
          base += last;
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    }
    return read;
  }

  private static boolean matches(byte[] b, int at, int filled, byte[] needle) {
    if (at + needle.length > filled) {
      return false;
    }
    for (int j = 1; j < needle.length; j++) {
      if (b[at + j] != needle[j]) {
        return false;
      }
    }
    return true;
  }

  private static long count(List<Hit> hits, Needle needle, Path file) {
    return hits.stream().filter(h -> h.label().equals(needle.label()) && h.form().equals(needle.form())
        && h.file().equals(file)).count();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
