package dev.envelope.core.internal;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The argument and state rules every {@link ManagedKeyService} applies the same way, so that the local
 * keyring, the PKCS#11 key service and the key server answer the same input with the same {@link ErrorCode}.
 */
public final class ManagedKeyRules {
  private static final Pattern UUID_SHAPE = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", Pattern.CASE_INSENSITIVE);
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,255}");

  private ManagedKeyRules() {}

  /** Whether {@code keyRef} has the shape of a key id (a UUID): such a reference is never an alias. */
  public static boolean isKeyIdShaped(String keyRef) {
    return UUID_SHAPE.matcher(keyRef).matches();
  }

  /**
   * An alias is 1 to 256 characters of letters, digits and {@code . _ / -}, starts with a letter or digit,
   * and is never UUID-shaped (a reference must name an id or an alias, never both).
   */
  public static void checkAlias(String alias) throws EnvelopeException {
    if (alias == null || !ALIAS.matcher(alias).matches() || isKeyIdShaped(alias)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "an alias is 1 to 256 characters of letters,"
          + " digits and . _ / -, starting with a letter or digit, and must not look like a key id");
    }
  }

  public static void checkPendingDays(int days) throws EnvelopeException {
    if (days < ManagedKeyService.MIN_PENDING_DAYS || days > ManagedKeyService.MAX_PENDING_DAYS) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the waiting period before deletion must be "
          + ManagedKeyService.MIN_PENDING_DAYS + " to " + ManagedKeyService.MAX_PENDING_DAYS + " days, not "
          + days);
    }
  }

  /** {@code null} (rotation off) or a period within the AWS KMS bounds. */
  public static void checkRotationPeriod(Duration period) throws EnvelopeException {
    if (period != null && (period.compareTo(ManagedKeyService.MIN_ROTATION_PERIOD) < 0
        || period.compareTo(ManagedKeyService.MAX_ROTATION_PERIOD) > 0)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the rotation period must be "
          + ManagedKeyService.MIN_ROTATION_PERIOD.toDays() + " to " + ManagedKeyService.MAX_ROTATION_PERIOD.toDays()
          + " days");
    }
  }

  public static void checkPlaintext(byte[] plaintext) throws EnvelopeException {
    if (plaintext == null || plaintext.length < 1 || plaintext.length > ManagedKeyService.MAX_PLAINTEXT_BYTES) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "the plaintext must be 1 to "
          + ManagedKeyService.MAX_PLAINTEXT_BYTES + " bytes");
    }
  }

  /** A key that encrypts or decrypts must be enabled. */
  public static void requireEnabled(ManagedKeyService.KeyState state, String id) throws EnvelopeException {
    if (state == ManagedKeyService.KeyState.DISABLED) {
      throw new EnvelopeException(ErrorCode.KEY_DISABLED, "root key " + id + " is disabled");
    }
    requireNotPendingDeletion(state, id);
  }

  /** A key pending deletion refuses every change but {@code cancelKeyDeletion} (and alias removal). */
  public static void requireNotPendingDeletion(ManagedKeyService.KeyState state, String id)
      throws EnvelopeException {
    if (state == ManagedKeyService.KeyState.PENDING_DELETION) {
      throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "root key " + id + " is pending deletion"
          + " (cancel the deletion first)");
    }
  }

  /** The error for a reference that names nothing; long references are shortened. */
  public static EnvelopeException notFound(String keyRef) {
    String shown = keyRef.length() > 80 ? keyRef.substring(0, 80) + "..." : keyRef;
    return new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no root key with id or alias '" + shown + "'");
  }
}
