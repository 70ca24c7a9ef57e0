package dev.envelope.bench;

/** Byte sizes in the units the report uses. */
public final class Sizes {
  public static final int KIB = 1024;
  public static final int MIB = 1024 * 1024;

  private Sizes() {}

  /** "64 KiB", "1 MiB", or plain bytes when not a whole number of either. */
  public static String format(long bytes) {
    if (bytes >= MIB && bytes % MIB == 0) {
      return bytes / MIB + " MiB";
    }
    if (bytes >= KIB && bytes % KIB == 0) {
      return bytes / KIB + " KiB";
    }
    return bytes + " B";
  }
}
