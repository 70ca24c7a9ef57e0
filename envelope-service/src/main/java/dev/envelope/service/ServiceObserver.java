package dev.envelope.service;

/**
 * What a {@link FileService} tells an application about the services it depends on, for its metrics: every call
 * to the key service, with its outcome and duration, and every failure of a store. The HTTP server counts these
 * in {@code /metrics}; the library itself depends on no metrics library.
 *
 * <h2>Restrictions</h2>
 * <ul>
 *   <li>Called on the thread that made the call, in the middle of a request: keep it fast, and do not throw (an
 *       exception thrown here fails the request).
 *   <li>It gets fixed names and {@link dev.envelope.api.ErrorCode} ids only: never a key, a tenant, a file id
 *       or name, nor an error's message.
 * </ul>
 */
public interface ServiceObserver {
  /** An observer that does nothing: the default. */
  ServiceObserver NONE = new ServiceObserver() {};

  /** A call to the key service, by what it was for. */
  enum KeyOperation {
    /** A new data key for an upload. */
    GENERATE_DATA_KEY("generate_data_key"),
    /** The unwrapping of a file's data key for a download. */
    DECRYPT("decrypt"),
    /** The rewrapping of a new file's data key under its root key's current version. */
    RE_ENCRYPT("re_encrypt"),
    /** The data key {@link FileService#checkReady()} makes (and throws away) to see the key service works. */
    READINESS_PROBE("readiness_probe");

    private final String label;

    KeyOperation(String label) {
      this.label = label;
    }

    /** Its name in metrics. */
    public String label() {
      return label;
    }
  }

  /** A store the file service uses. */
  enum Store {
    METADATA("metadata"), BLOB("blob");

    private final String label;

    Store(String label) {
      this.label = label;
    }

    /** Its name in metrics. */
    public String label() {
      return label;
    }
  }

  /**
   * One call to the key service ended.
   *
   * @param outcome {@code ok}, or the {@link dev.envelope.api.ErrorCode#id() id} of the error code it failed
   *     with ({@code internal} for an unexpected exception)
   * @param nanos how long it took
   */
  default void keyCall(KeyOperation operation, String outcome, long nanos) {}

  /**
   * One call to a store failed because the store could not be used (the metadata store's {@link
   * dev.envelope.api.ErrorCode#UNAVAILABLE}, the blob store's I/O errors); not for answers such as "no such row".
   *
   * @param operation the store's method ({@code insert}, {@code get}, {@code create}, {@code read}, ...)
   */
  default void storeError(Store store, String operation) {}
}
