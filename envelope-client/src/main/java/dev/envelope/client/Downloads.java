package dev.envelope.client;

import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moving a download's bytes, and the checks that make a cut-short download fail instead of looking complete.
 * The server aborts a response whose stored ciphertext fails authentication by closing the connection before
 * {@code Content-Length} (or the final chunk): the HTTP client then fails the read; and should any layer ever
 * end the stream quietly instead, the byte count against {@code Content-Length} still catches it.
 */
final class Downloads {
  private static final int BUFFER = 64 * 1024;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private Downloads() {}

  /**
   * Copies {@code body} into {@code out} and returns the count.
   *
   * @param length the announced {@code Content-Length}, or -1 (chunked: the HTTP client checks the final chunk)
   * @throws IOException only when reading {@code body} fails; a failing {@code out} is a client exception
   */
  static long copy(String id, InputStream body, OutputStream out, long length, TransferListener listener)
      throws IOException, EnvelopeClientException {
    byte[] buffer = new byte[BUFFER];
    long done = 0;
    for (int n; (n = body.read(buffer)) != -1; ) {
      try {
        out.write(buffer, 0, n);
      } catch (IOException e) {
        throw new EnvelopeClientException(ErrorCode.IO, 0, "cannot write the download: " + e.getMessage(), e);
      }
      done += n;
      listener.transferred(done, length);
    }
    if (length >= 0 && done != length) {
      throw cutShort(id, done, length);
    }
    return done;
  }

  /** The bytes of a 206 answer, checked against the range asked for. */
  static byte[] range(String id, HttpResponse<InputStream> response, InputStream body, long first, long last)
      throws IOException, EnvelopeClientException {
    String header = response.headers().firstValue("Content-Range").orElse("");
    Matcher m = CONTENT_RANGE.matcher(header);
    if (!m.matches() || Long.parseLong(m.group(1)) != first || Long.parseLong(m.group(2)) > last
        || Long.parseLong(m.group(2)) < first) {
      throw Json.unexpected("its Content-Range '" + header + "' is not the range asked for");
    }
    int expected = (int) (Long.parseLong(m.group(2)) - first + 1);
    byte[] bytes = body.readNBytes(expected);
    if (bytes.length != expected || body.read() != -1) {
      throw cutShort(id, bytes.length, expected);
    }
    return bytes;
  }

  static EnvelopeClientException brokenOff(String id, IOException e) {
    return new EnvelopeClientException(ErrorCode.IO, 0, "the download of " + id + " broke off ("
        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
        + "): the server aborted it (it does when the stored file fails authentication) or the connection"
        + " failed; what arrived is incomplete", e);
  }

  private static EnvelopeClientException cutShort(String id, long got, long expected) {
    return new EnvelopeClientException(ErrorCode.IO, 0, "the download of " + id + " ended after " + got
        + " of " + expected + " bytes: what arrived is incomplete");
  }
}
