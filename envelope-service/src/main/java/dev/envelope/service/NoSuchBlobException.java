package dev.envelope.service;

import java.io.IOException;

/** There is no blob under the key. The message names the key (keys are service-chosen, never client text). */
public final class NoSuchBlobException extends IOException {
  public NoSuchBlobException(String key) {
    super("no blob " + key);
  }
}
