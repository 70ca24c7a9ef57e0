package dev.envelope.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.io.Content;

/**
 * The {@code file} part of a {@code multipart/form-data} body, as a stream, with no part ever spooled to disk
 * or held whole in memory (security invariant 4: no plaintext byte on disk).
 *
 * <p>Design: pull, on the request thread. {@link #content()} is the stream that {@code FileService.upload}
 * reads; each time it runs dry it reads one buffer ({@value #BUFFER} bytes) of the request body and feeds it to
 * Jetty's low-level {@link MultiPart.Parser}, whose listener copies the {@code file} part's bytes into
 * {@link #pending} and drops every other part's. One body buffer yields at most one buffer of content, so
 * memory is bounded by two buffers whatever the size of the upload, and no second thread or pipe is needed.
 *
 * <p>The stream ends only when the whole multipart body has been parsed to its closing boundary: a body cut
 * short, a malformed one, or a second {@code file} part fails the read, so the upload is not stored. Jetty
 * swallows exceptions thrown by listener callbacks, so failures are kept in {@link #failure} and thrown after
 * each {@code parse}.
 */
final class MultipartUpload implements MultiPart.Parser.Listener {
  static final String FIELD = "file";
  private static final int BUFFER = 64 * 1024;

  private final InputStream body;
  private final MultiPart.Parser parser;
  /** {@code --boundary}, which a line feed before it makes a delimiter: see {@link #pump()}. */
  private final byte[] dashBoundary;
  private final byte[] buffer;
  /** Bytes at the start of {@link #buffer} held back from the last chunk. */
  private int held;
  /** Whether the last byte given to the parser was a line feed. */
  private boolean fedLineFeedLast;
  private ByteBuffer pending = ByteBuffer.allocate(0);
  private Throwable failure;
  private boolean bodyEnded;
  private boolean complete;
  // The part being parsed.
  private String disposition;
  private String contentType;
  private boolean inFilePart;
  // The file part.
  private boolean fileStarted;
  private boolean fileEnded;
  private String fileName;
  private String fileContentType;

  /** The malformed body; its message is fit for a problem's detail. */
  static final class MalformedException extends IOException {
    MalformedException(String message) {
      super(message);
    }
  }

  private MultipartUpload(InputStream body, String boundary, int maxParts, int maxPartHeaders) {
    this.body = body;
    this.parser = new MultiPart.Parser(boundary, this);
    this.dashBoundary = ("--" + boundary).getBytes(StandardCharsets.US_ASCII); // as the parser's SearchPattern
    this.buffer = new byte[BUFFER + dashBoundary.length];
    parser.setMaxParts(maxParts);
    parser.setPartHeadersMaxLength(maxPartHeaders);
  }

  /**
   * Reads {@code body} up to the headers of its {@code file} part.
   *
   * @throws MalformedException if there is no boundary, no {@code file} part, or the body is malformed
   */
  static MultipartUpload open(InputStream body, String contentType, int maxParts, int maxPartHeaders)
      throws IOException {
    String boundary;
    try {
      boundary = MultiPart.extractBoundary(contentType);
    } catch (RuntimeException e) {
      boundary = null;
    }
    if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
      throw new MalformedException("a multipart/form-data body needs a boundary of 1 to 70 characters");
    }
    MultipartUpload upload = new MultipartUpload(body, boundary, maxParts, maxPartHeaders);
    while (!upload.fileStarted) {
      if (upload.complete || !upload.pump()) {
        throw new MalformedException("the multipart body has no '" + FIELD + "' part");
      }
    }
    return upload;
  }

  /** The name the {@code file} part gives, or null. */
  String fileName() {
    return fileName;
  }

  /** The media type the {@code file} part gives, or null. */
  String contentType() {
    return fileContentType;
  }

  /** The content of the {@code file} part; it ends after the whole body parsed cleanly. */
  InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (!pending.hasRemaining()) {
          if (fileEnded && complete) {
            return -1;
          }
          if (!pump()) {
            throw new MalformedException("the multipart body ended before its closing boundary");
          }
        }
        int n = Math.min(len, pending.remaining());
        pending.get(b, off, n);
        return n;
      }
    };
  }

  /**
   * Feeds one buffer of the body to the parser; false once the body has ended.
   *
   * <p>A chunk never ends among bytes that follow a line feed and match the start of {@code --boundary}: they are
   * held back (fewer than {@code --boundary} has) and start the next chunk, so the parser gets them whole, with
   * the line feed or right after a chunk that ended with it. Jetty's parser (12.1) takes the line feed that ends a part's headers for the start of a
   * delimiter; when the part's first bytes also match the boundary for a while ({@code -----BEGIN} under a
   * boundary of dashes) and a chunk ends among them, the mismatch in the next chunk hands that line feed out as
   * the first byte of the content, and what is stored depends on how the network cut the body. Found by
   * {@code MultipartFuzzTest}.
   */
  private boolean pump() throws IOException {
    if (bodyEnded) {
      return false;
    }
    int n = body.read(buffer, held, BUFFER);
    if (n < 0) {
      bodyEnded = true;
      if (held > 0) {
        parser.parse(Content.Chunk.from(ByteBuffer.wrap(buffer, 0, held), false));
        held = 0;
      }
      parser.parse(Content.Chunk.EOF);
    } else {
      int end = held + n;
      int feed = safeEnd(end);
      if (feed > 0) {
        parser.parse(Content.Chunk.from(ByteBuffer.wrap(buffer, 0, feed), false)); // the listener copies content
        fedLineFeedLast = buffer[feed - 1] == '\n';
      }
      held = end - feed;
      System.arraycopy(buffer, feed, buffer, 0, held);
    }
    if (failure != null) {
      throw new MalformedException(failure instanceof EOFException
          ? "the multipart body ended before its closing boundary"
          : "the multipart body is malformed (" + failure.getMessage() + ")");
    }
    return true;
  }

  /**
   * How much of {@code buffer[0, end)} may go to the parser now: all of it, unless it ends with one or more bytes
   * that follow the last line feed and match the start of {@code --boundary}; then up to that line feed,
   * included (it may be the last byte fed before, which {@link #fedLineFeedLast} remembers).
   */
  private int safeEnd(int end) {
    int lineFeed = end - 1;
    while (lineFeed >= 0 && buffer[lineFeed] != '\n' && end - lineFeed <= dashBoundary.length) {
      lineFeed--;
    }
    if (lineFeed < 0 ? !fedLineFeedLast : buffer[lineFeed] != '\n') {
      return end; // no line feed within reach
    }
    int after = end - lineFeed - 1;
    boolean matching = after > 0 && after < dashBoundary.length
        && Arrays.equals(buffer, lineFeed + 1, end, dashBoundary, 0, after);
    return matching ? lineFeed + 1 : end;
  }

  // ---- the parser's listener: state changes only (Jetty swallows what these throw) ----

  @Override
  public void onPartBegin() {
    disposition = null;
    contentType = null;
  }

  @Override
  public void onPartHeader(String name, String value) {
    String header = name.toLowerCase(Locale.ROOT);
    if (header.equals("content-disposition")) {
      disposition = value;
    } else if (header.equals("content-type")) {
      contentType = value;
    }
  }

  @Override
  public void onPartHeaders() {
    try {
      inFilePart = disposition != null
          && FIELD.equals(ContentDisposition.formParameters(disposition).get("name"));
      if (inFilePart && fileStarted) {
        failure = new IllegalStateException("more than one '" + FIELD + "' part");
      } else if (inFilePart) {
        fileStarted = true;
        fileName = ContentDisposition.formFileName(disposition);
        fileContentType = contentType;
      }
    } catch (IllegalArgumentException e) {
      failure = e;
    }
  }

  @Override
  public void onPartContent(Content.Chunk chunk) {
    // Not released: it is a slice of our own heap buffer, which the parser releases itself.
    if (inFilePart && failure == null) {
      ByteBuffer content = chunk.getByteBuffer();
      ByteBuffer joined = ByteBuffer.allocate(pending.remaining() + content.remaining());
      joined.put(pending).put(content).flip();
      pending = joined;
    }
  }

  @Override
  public void onPartEnd() {
    if (inFilePart) {
      fileEnded = true;
      inFilePart = false;
    }
  }

  @Override
  public void onComplete() {
    complete = true;
  }

  @Override
  public void onFailure(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
  }
}
