package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.InvalidCiphertextException;
import dev.envelope.server.audit.AuditEvent;
import dev.envelope.service.Download;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.ByteRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET} and {@code HEAD /v1/files/{id}}: the plaintext, whole or one byte range.
 *
 * <p>Everything that can fail before the first byte (owner, wrapped key, blob length, range) fails before the
 * status is sent, as a problem. After that, a failure cannot be reported in-band: the response has a
 * {@code Content-Length}, and the connection is closed under it, so that no client can take a tampered file
 * (an {@link InvalidCiphertextException}, logged as a security event) or a cut one for a complete one. A file
 * deleted after it was opened ({@link Download.DeletedException}) is a 404 when nothing was sent yet.
 *
 * <p>Several ranges in one {@code Range} header are answered with the whole file (200), which RFC 9110
 * allows: multipart/byteranges would only add a format every client must parse for no gain here. A
 * {@code Range} that is not a syntactically valid {@code bytes=} range is ignored (200), as RFC 9110 says; a
 * valid one outside the file is {@code 416}.
 */
final class Downloads {
  private static final Logger LOG = LoggerFactory.getLogger(Downloads.class);
  private static final Logger SECURITY = LoggerFactory.getLogger("dev.envelope.security");
  /**
   * One {@code first-[last]} or {@code -suffix} of a {@code bytes=} list; numbers short enough not to overflow. The
   * list is split and each spec matched alone: a repeated group in one pattern makes Java's matcher recurse once per
   * spec, and a header of a thousand specs overflowed the stack.
   */
  private static final Pattern RANGE_SPEC = Pattern.compile("\\s*(\\d{1,18}-\\d{0,18}|-\\d{1,18})\\s*");

  private final FileService files;
  private final ServerMetrics metrics;

  Downloads(FileService files, ServerMetrics metrics) {
    this.files = files;
    this.metrics = metrics;
  }

  /** Where a download's file comes from: a caller's token and a file id, or a share link. */
  interface Source {
    /** The file's row, its blob checked ({@link FileService#stat}). */
    FileRecord stat() throws EnvelopeException;

    /** The file, opened ({@link FileService#download}). */
    Download open() throws EnvelopeException;

    /** Called once a body is about to be sent, before its first audit line: a share link counts it here. */
    default void starting() throws EnvelopeException {}
  }

  /** The file {@code id} of the path, as {@code caller} may read it. */
  Source file(Context ctx, Principal caller) {
    String id = ctx.pathParam("id");
    return new Source() {
      @Override
      public FileRecord stat() throws EnvelopeException {
        return files.stat(caller, id);
      }

      @Override
      public Download open() throws EnvelopeException {
        return files.download(caller, id);
      }
    };
  }

  void head(Context ctx, Principal caller) throws EnvelopeException {
    head(ctx, file(ctx, caller));
  }

  void get(Context ctx, Principal caller) throws EnvelopeException {
    get(ctx, file(ctx, caller));
  }

  /**
   * The headers of a download, after the stored ciphertext is found present and of the right length
   * ({@link FileService#stat}); a file whose blob is missing or cut answers 500 here as on GET. HEAD does not read
   * the ciphertext, so it cannot see a byte flipped inside: only a download can.
   */
  void head(Context ctx, Source source) throws EnvelopeException {
    FileRecord file = source.stat();
    if (Conditions.writeConditions(ctx)) {
      Conditions.requireMatch(ctx, etag(file), file.createdAt());
    }
    if (answeredNotModified(ctx, file)) {
      return;
    }
    describe(ctx.res(), file);
    ctx.res().setContentLengthLong(file.size());
  }

  void get(Context ctx, Source source) throws EnvelopeException {
    // A conditional GET is looked up first, without unwrapping the file's key: a 304 or a 412 needs no key and no
    // byte, and (on a share link) counts no download.
    if (Conditions.writeConditions(ctx) || Conditions.readConditions(ctx)) {
      FileRecord file = source.stat();
      if (Conditions.writeConditions(ctx)) {
        AuditTrail.in(ctx).file(file);
        Conditions.requireMatch(ctx, etag(file), file.createdAt());
      }
      if (answeredNotModified(ctx, file)) {
        return;
      }
    }
    try (Download download = source.open()) {
      FileRecord file = download.file();
      HttpServletResponse res = ctx.res();
      List<ByteRange> ranges = requestedRanges(ctx, file);
      if (ranges != null && ranges.isEmpty()) {
        res.setHeader("Content-Range", ByteRange.toNonSatisfiableHeaderValue(file.size()));
        throw new EnvelopeException(ErrorCode.RANGE_NOT_SATISFIABLE,
            "the range is outside the file, which has " + file.size() + " bytes");
      }
      source.starting();
      AuditTrail trail = AuditTrail.in(ctx);
      trail.file(file);
      ByteRange range = ranges == null || ranges.size() > 1 ? null : ranges.get(0);
      if (range != null) {
        trail.range(range.first(), range.last());
        trail.sent(range.getLength(), null);
      }
      // Durable before the first byte and the first header, or no byte and no header of the file at all.
      trail.record(AuditEvent.Outcome.STARTED, null);
      describe(res, file);
      if (range == null) {
        res.setStatus(200);
        res.setContentLengthLong(file.size());
        stream(ctx, file, trail, download::writeTo);
      } else {
        res.setStatus(206);
        res.setHeader("Content-Range", range.toHeaderValue(file.size()));
        res.setContentLengthLong(range.getLength());
        stream(ctx, file, trail, out -> download.writeRange(out, range.first(), range.getLength()));
      }
    }
  }

  /**
   * Answers 304 (the validators and caching headers, no body) when the client's copy is current
   * ({@link Conditions#notModified}).
   */
  private static boolean answeredNotModified(Context ctx, FileRecord file) {
    if (!Conditions.notModified(ctx, etag(file), file.createdAt())) {
      return false;
    }
    AuditTrail.in(ctx).file(file);
    HttpServletResponse res = ctx.res();
    res.setStatus(304);
    res.setHeader("ETag", etag(file));
    res.setDateHeader("Last-Modified", file.createdAt().toEpochMilli());
    res.setHeader("Cache-Control", "private, no-cache");
    return true;
  }

  /** The headers GET and HEAD share. */
  private static void describe(HttpServletResponse res, FileRecord file) {
    res.setContentType(file.contentType());
    res.setHeader("Content-Disposition", ContentDisposition.attachment(file.name()));
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Content-Security-Policy", "sandbox");
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("ETag", etag(file));
    res.setDateHeader("Last-Modified", file.createdAt().toEpochMilli());
    res.setHeader("Cache-Control", "private, no-cache");
  }

  /** The file's id: its content never changes, so the id is a strong validator. */
  static String etag(FileRecord file) {
    return "\"" + file.id() + "\"";
  }

  /** Null for the whole file; empty when the range is valid but unsatisfiable. */
  private static List<ByteRange> requestedRanges(Context ctx, FileRecord file) {
    return requestedRanges(java.util.Collections.list(ctx.req().getHeaders("Range")), ctx.header("If-Range"),
        etag(file), file.size());
  }

  /**
   * The ranges {@code Range} headers ask of a file of {@code size} bytes with this ETag: null for the whole file
   * (no header, several, one that is not a valid {@code bytes=} range, or an {@code If-Range} that does not
   * match); empty when the range is valid but unsatisfiable.
   */
  static List<ByteRange> requestedRanges(List<String> rangeHeaders, String ifRange, String etag, long size) {
    if (rangeHeaders.size() != 1 || !isValid(rangeHeaders.get(0).strip())) {
      return null;
    }
    if (ifRange != null && !ifRange.strip().equals(etag)) {
      return null;
    }
    return ByteRange.parse(rangeHeaders, size);
  }

  /** RFC 9110 syntax, and no {@code first-last} with last before first (such a header is invalid, not empty). */
  private static boolean isValid(String range) {
    if (!range.startsWith("bytes=")) {
      return false;
    }
    for (String spec : range.substring("bytes=".length()).split(",", -1)) {
      if (!RANGE_SPEC.matcher(spec).matches()) {
        return false;
      }
      String[] ends = spec.strip().split("-", -1);
      if (!ends[0].isEmpty() && !ends[1].isEmpty() && Long.parseLong(ends[0]) > Long.parseLong(ends[1])) {
        return false;
      }
    }
    return true;
  }

  @FunctionalInterface
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  void stream(Context ctx, FileRecord file, AuditTrail trail, Body body) throws EnvelopeException {
    CountingOutputStream out = null;
    ErrorCode cutBy = ErrorCode.IO;
    try {
      out = new CountingOutputStream(ctx.res().getOutputStream());
      body.writeTo(out);
      out.flush();
      cutBy = null;
    } catch (InvalidCiphertextException e) {
      cutBy = ErrorCode.INVALID_CIPHERTEXT;
      SECURITY.warn("security: file {} (tenant {}) failed authentication while streaming; response aborted: {}",
          file.id(), file.tenant(), e.getMessage());
      abort(ctx, ErrorCode.INVALID_CIPHERTEXT, "file " + file.id() + " is damaged");
    } catch (Download.DeletedException e) {
      cutBy = ErrorCode.NOT_FOUND;
      // A delete came between opening the file and reading it: it is gone, as if the delete had come first.
      LOG.debug("file {} was deleted while being read", file.id());
      abort(ctx, ErrorCode.NOT_FOUND, "no file " + file.id());
    } catch (Download.SinkException e) {
      LOG.debug("client went away while downloading file {}: {}", file.id(), e.getMessage());
      abort(ctx, ErrorCode.IO, "the client went away");
    } catch (IOException e) {
      cutBy = ErrorCode.UNAVAILABLE;
      String incident = Incidents.log(LOG, "reading file " + file.id() + " failed mid-stream", e);
      abort(ctx, ErrorCode.UNAVAILABLE, "the file could not be read (incident " + incident + ")");
    } finally {
      trail.sent(out == null ? 0 : out.count, cutBy);
      metrics.downloadSent(out == null ? 0 : out.count);
    }
  }

  /** Counts the bytes that reach the client, for the download's last audit line. */
  private static final class CountingOutputStream extends java.io.FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }

  /**
   * Ends a failed download: as a problem if nothing was sent yet, else by closing the connection under the
   * response, so that the client sees it cut short rather than a clean end.
   */
  private static void abort(Context ctx, ErrorCode code, String detail) throws EnvelopeException {
    if (!ctx.res().isCommitted()) {
      ctx.res().reset();
      throw new EnvelopeException(code, detail);
    }
    CommittedResponses.cutShort(ctx);
  }
}
