package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * {@code POST /v1/files}: a raw body (the name from {@code ?name=} or {@code Content-Disposition}, the type
 * from {@code Content-Type}) or a {@code multipart/form-data} body with a {@code file} part. Either way the
 * body streams into {@link FileService#upload}; nothing is buffered whole.
 */
final class Uploads {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Uploads.class);
  /** Room for the boundaries and part headers of a multipart body around a file at the size limit. */
  static final long MULTIPART_OVERHEAD = 64 * 1024;

  private final FileService files;
  private final int maxParts;
  private final int maxPartHeaders;
  private final ServerMetrics metrics;

  Uploads(FileService files, int maxParts, int maxPartHeaders, ServerMetrics metrics) {
    this.files = files;
    this.metrics = metrics;
    this.maxParts = maxParts;
    this.maxPartHeaders = maxPartHeaders;
  }

  void upload(Context ctx, Principal caller) throws EnvelopeException, IOException {
    metrics.uploadStarted();
    try {
      store(ctx, caller);
    } finally {
      metrics.uploadEnded();
    }
  }

  private void store(Context ctx, Principal caller) throws EnvelopeException, IOException {
    // Before a byte of the body: a token that may not upload never makes the server take one.
    caller.require(dev.envelope.service.Role.WRITE);
    String type = ctx.header("Content-Type");
    boolean multipart = type != null && type.strip().toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    refuseTooLarge(ctx.req().getContentLengthLong(), multipart);
    FileRecord stored = multipart ? multipart(ctx, caller, type) : raw(ctx, caller, type);
    AuditTrail trail = AuditTrail.in(ctx);
    trail.file(stored);
    trail.undo(() -> forget(caller, stored, trail));
    ctx.header("Location", "/v1/files/" + stored.id());
    Json.send(ctx, 201, Json.file(stored));
  }

  private FileRecord raw(Context ctx, Principal caller, String type) throws EnvelopeException, IOException {
    String name = QueryParameters.first(ctx, "name");
    if (name == null) {
      name = fileName(ctx.header("Content-Disposition"));
    }
    if (name == null || name.isEmpty()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a file needs a name: add ?name=NAME to the URL,"
          + " or send Content-Disposition: attachment; filename=\"NAME\"");
    }
    try (InputStream body = metrics.countUpload(ctx.bodyInputStream())) {
      // A declared length lets the data-key cache (if on) serve this upload; -1 when chunked.
      return files.upload(caller, name, type, body, ctx.req().getContentLengthLong());
    }
  }

  private FileRecord multipart(Context ctx, Principal caller, String type) throws EnvelopeException, IOException {
    MultipartUpload upload;
    try {
      upload = MultipartUpload.open(metrics.countUpload(ctx.bodyInputStream()), type, maxParts, maxPartHeaders);
    } catch (MultipartUpload.MalformedException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
    String named = QueryParameters.first(ctx, "name");
    String name = named != null ? named : upload.fileName();
    if (name == null || name.isEmpty()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a file needs a name: give the file part a filename"
          + " (curl -F 'file=@PATH' does), or add ?name=NAME to the URL");
    }
    try {
      return files.upload(caller, name, upload.contentType(), upload.content());
    } catch (EnvelopeException e) {
      // The service reports any failure of its source as IO; say what was wrong with the body when we know.
      if (e.code() == ErrorCode.IO && e.getCause() instanceof MultipartUpload.MalformedException) {
        throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, e.getCause().getMessage());
      }
      throw e;
    }
  }

  /** Takes back an upload the audit log could not record: no file the log does not know of stays stored. */
  private void forget(Principal caller, FileRecord stored, AuditTrail trail) {
    try {
      files.delete(caller, stored.id());
    } catch (EnvelopeException e) {
      LOG.error("request {}: file {} was stored but could not be audited, nor deleted again: {}",
          trail.requestId(), stored.id(), e.getMessage());
    }
  }

  /** A declared length over the limit is refused before a byte is read. */
  private void refuseTooLarge(long declared, boolean multipart) throws EnvelopeException {
    long limit = files.maxUploadBytes();
    long allowed = multipart && limit < Long.MAX_VALUE - MULTIPART_OVERHEAD ? limit + MULTIPART_OVERHEAD : limit;
    if (declared > allowed) {
      throw new EnvelopeException(ErrorCode.TOO_LARGE,
          "the upload (" + declared + " bytes) is larger than the limit of " + limit + " bytes");
    }
  }

  private static String fileName(String contentDisposition) throws EnvelopeException {
    try {
      return ContentDisposition.fileName(contentDisposition);
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
  }
}
