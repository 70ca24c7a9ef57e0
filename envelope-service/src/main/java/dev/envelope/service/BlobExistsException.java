package dev.envelope.service;

import java.io.IOException;

/** A blob with that key already exists; blobs are never overwritten. */
public final class BlobExistsException extends IOException {
  public BlobExistsException(String key) {
    super("blob " + key + " already exists");
  }
}
