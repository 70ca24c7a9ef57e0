package dev.envelope.service;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The bytes of a new blob, written as a stream. Nothing is visible under the blob's key until
 * {@link #commit()} returns; {@link #close()} without {@link #commit()} is an {@link #abort()}.
 */
public abstract class BlobWriter extends OutputStream {
  /**
   * Makes the blob durable and visible under its key. After this, {@link #close()} does nothing.
   *
   * @throws BlobExistsException if a blob with this key already exists
   */
  public abstract void commit() throws IOException;

  /** Discards everything written. Idempotent, never throws; does nothing after a successful commit. */
  public abstract void abort();

  /** Aborts unless committed. */
  @Override
  public void close() {
    abort();
  }
}
