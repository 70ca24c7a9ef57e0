package dev.envelope.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Wraps an upload's source and remembers whether reading it failed. The HTTP client reports a source that
 * fails exactly like a connection that fails; this tells them apart, so that "your disk" is not blamed on
 * "the server" (and the other way round).
 */
final class SourceGuard extends FilterInputStream {
  private volatile IOException failure;

  SourceGuard(InputStream in) {
    super(in);
  }

  IOException failure() {
    return failure;
  }

  @Override
  public int read() throws IOException {
    try {
      return super.read();
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      return super.read(b, off, len);
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }
}
