package dev.envelope.s3;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The body of a ranged {@code GetObject}, cut at the requested length. Closing it before the end aborts the
 * HTTP connection rather than reading the rest of the range to reuse it. SDK exceptions met while reading
 * become {@link IOException}s like everywhere else in this package.
 */
final class S3RangeStream extends InputStream {
  private final ResponseInputStream<GetObjectResponse> in;
  private final String key;
  private long remaining;
  private boolean closed;

  S3RangeStream(ResponseInputStream<GetObjectResponse> in, String key, long offset, long length)
      throws IOException {
    this.in = in;
    this.key = key;
    GetObjectResponse response = in.response();
    String contentRange = response.contentRange();
    if (offset > 0 && (contentRange == null || !contentRange.startsWith("bytes " + offset + "-"))) {
      abortQuietly();
      throw new IOException("S3 read of blob " + key + " failed: the store ignored the requested range");
    }
    Long contentLength = response.contentLength();
    this.remaining = contentLength == null ? length : Math.min(contentLength, length);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    if (remaining == 0) {
      return -1;
    }
    int n;
    try {
      n = in.read(b, off, (int) Math.min(len, remaining));
    } catch (SdkException e) {
      throw S3Failures.io("read of blob " + key, e);
    } catch (IOException e) {
      throw new IOException("S3 read of blob " + key + " failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
    if (n < 0) {
      // The connection ended before the promised length: never a clean end of a short blob.
      throw new IOException("S3 read of blob " + key + " failed: the response ended " + remaining
          + " bytes early");
    }
    remaining -= n;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (remaining > 0) {
      abortQuietly();
    } else {
      try {
        in.close();
      } catch (SdkException e) {
        throw S3Failures.io("read of blob " + key, e);
      }
    }
  }

  private void abortQuietly() {
    try {
      in.abort();
      in.close();
    } catch (IOException | RuntimeException e) {
      // the connection is dropped either way
    }
  }
}
