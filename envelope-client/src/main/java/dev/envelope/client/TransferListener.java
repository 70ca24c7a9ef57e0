package dev.envelope.client;

/**
 * Told how far an upload or a download has got, for a progress bar. Called on the thread that moves the
 * bytes, often: keep it cheap.
 */
@FunctionalInterface
public interface TransferListener {
  /** Listens to nothing. */
  TransferListener NONE = (done, total) -> { };

  /**
   * @param done bytes transferred so far
   * @param total the whole transfer in bytes, or -1 when it is not known (an upload from a stream)
   */
  void transferred(long done, long total);
}
