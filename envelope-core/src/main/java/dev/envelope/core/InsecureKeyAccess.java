package dev.envelope.core;

/**
 * A token that must be passed to read a plaintext data key outside the envelope cipher, as Tink's
 * {@code InsecureSecretKeyAccess} does: every such read is visible in a search for this class name. Only key
 * service implementations need it (to re-wrap a key inside the service, or to answer a KMS
 * {@code GenerateDataKey} request); application code never should.
 */
public final class InsecureKeyAccess {
  private static final InsecureKeyAccess INSTANCE = new InsecureKeyAccess();

  private InsecureKeyAccess() {}

  public static InsecureKeyAccess get() {
    return INSTANCE;
  }
}
