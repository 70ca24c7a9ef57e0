package dev.envelope.keyserver;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import java.util.regex.Pattern;

/**
 * Translates between the names AWS KMS clients use and the key service's own: key ARNs
 * ({@code arn:aws:kms:<region>:<account>:key/<id>}) in every response, and in requests a bare key id, a key
 * ARN, {@code alias/<name>} or an alias ARN. A KMS alias {@code alias/name} is the key service's alias
 * {@code name}; the {@code alias/aws/} names of AWS managed keys exist nowhere here and are refused.
 */
final class KeyIds {
  static final String ALIAS_PREFIX = "alias/";
  private static final String RESERVED_ALIAS_PREFIX = "alias/aws/";
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z0-9]+){1,4}");
  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
  private static final int MAX_KEY_ID_LENGTH = 2048;
  private static final int MAX_ALIAS_LENGTH = 256;

  private final String region;
  private final String account;
  private final String arnPrefix;

  KeyIds(String region, String account) {
    if (!REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("region must look like an AWS region (us-east-1): " + region);
    }
    if (!ACCOUNT.matcher(account).matches()) {
      throw new IllegalArgumentException("account must be 12 digits: " + account);
    }
    this.region = region;
    this.account = account;
    this.arnPrefix = "arn:aws:kms:" + region + ":" + account + ":";
  }

  String region() {
    return region;
  }

  String account() {
    return account;
  }

  String keyArn(String keyId) {
    return arnPrefix + "key/" + keyId;
  }

  /** The KMS alias name of a key service alias: {@code alias/<alias>}. */
  String aliasName(String alias) {
    return ALIAS_PREFIX + alias;
  }

  String aliasArn(String alias) {
    return arnPrefix + ALIAS_PREFIX + alias;
  }

  /**
   * The canonical id of the key a request names.
   *
   * @throws KmsException {@code NotFoundException} when no key answers to it (including a key ARN of another
   *     region or account, and a bare name that is an alias rather than an id), {@code ValidationException}
   *     when it is empty or too long
   * @throws EnvelopeException what the key service says
   */
  String resolve(ManagedKeyService keys, String kmsKeyId) throws EnvelopeException {
    if (kmsKeyId.isEmpty() || kmsKeyId.length() > MAX_KEY_ID_LENGTH) {
      throw KmsError.VALIDATION.exception("KeyId must be 1 to " + MAX_KEY_ID_LENGTH + " characters");
    }
    String ref = kmsKeyId;
    if (ref.startsWith("arn:")) {
      if (!ref.startsWith(arnPrefix)) {
        throw KmsError.NOT_FOUND.exception("Invalid arn " + kmsKeyId + " (not in " + region + " of account "
            + account + ")");
      }
      ref = ref.substring(arnPrefix.length());
      if (ref.startsWith("key/")) {
        ref = ref.substring("key/".length());
      } else if (!ref.startsWith(ALIAS_PREFIX)) {
        throw KmsError.NOT_FOUND.exception("Invalid arn " + kmsKeyId);
      }
    }
    if (ref.startsWith(ALIAS_PREFIX)) {
      String alias = ref.substring(ALIAS_PREFIX.length());
      if (alias.isEmpty() || ref.startsWith(RESERVED_ALIAS_PREFIX)) {
        throw KmsError.NOT_FOUND.exception("Alias " + aliasArnOf(ref) + " is not found.");
      }
      try {
        return keys.resolveKeyId(alias);
      } catch (EnvelopeException e) {
        throw notFound(e, "Alias " + aliasArnOf(ref) + " is not found.");
      }
    }
    String id;
    try {
      id = keys.resolveKeyId(ref);
    } catch (EnvelopeException e) {
      throw notFound(e, "Key '" + keyArn(ref) + "' does not exist");
    }
    if (!id.equals(ref)) { // the key service took a bare alias name; KMS would not
      throw KmsError.NOT_FOUND.exception("Invalid keyId " + ref);
    }
    return id;
  }

  /**
   * The canonical id of the key a request names by key id or key ARN only, as AWS KMS requires of the operations
   * that change a key's state or rotation (EnableKey, DisableKey, ScheduleKeyDeletion, ...): an alias name or
   * alias ARN is {@code NotFoundException} ("Invalid keyId"), as there.
   *
   * @throws KmsException as {@link #resolve}, and {@code NotFoundException} for an alias
   * @throws EnvelopeException what the key service says
   */
  String resolveKeyOnly(ManagedKeyService keys, String kmsKeyId) throws EnvelopeException {
    if (kmsKeyId.startsWith(ALIAS_PREFIX) || kmsKeyId.startsWith("arn:") && kmsKeyId.contains(":" + ALIAS_PREFIX)) {
      if (kmsKeyId.length() > MAX_KEY_ID_LENGTH) {
        throw KmsError.VALIDATION.exception("KeyId must be 1 to " + MAX_KEY_ID_LENGTH + " characters");
      }
      throw KmsError.NOT_FOUND.exception("Invalid keyId " + kmsKeyId + ": this operation takes a key id or key ARN,"
          + " not an alias");
    }
    return resolve(keys, kmsKeyId);
  }

  /**
   * The key service alias for a KMS alias name given to CreateAlias or DeleteAlias ({@code alias/name}).
   *
   * @throws KmsException {@code ValidationException} for anything that is not {@code alias/...};
   *     {@code InvalidAliasNameException} for the reserved {@code alias/aws/} prefix
   */
  String alias(String aliasName) {
    if (!aliasName.startsWith(ALIAS_PREFIX) || aliasName.length() == ALIAS_PREFIX.length()
        || aliasName.length() > MAX_ALIAS_LENGTH) {
      throw KmsError.VALIDATION.exception("AliasName must begin with " + ALIAS_PREFIX + " and be at most "
          + MAX_ALIAS_LENGTH + " characters");
    }
    if (aliasName.startsWith(RESERVED_ALIAS_PREFIX)) {
      throw KmsError.INVALID_ALIAS_NAME.exception("Alias names beginning with " + RESERVED_ALIAS_PREFIX
          + " are reserved for AWS managed keys");
    }
    return aliasName.substring(ALIAS_PREFIX.length());
  }

  private String aliasArnOf(String aliasName) {
    return arnPrefix + aliasName;
  }

  /** Unknown and malformed names are both "not found", as in KMS; any other failure is the key service's. */
  private static KmsException notFound(EnvelopeException e, String message) throws EnvelopeException {
    if (e.code() == ErrorCode.KEY_NOT_FOUND || e.code() == ErrorCode.INVALID_ARGUMENT) {
      return KmsError.NOT_FOUND.exception(message);
    }
    throw e;
  }
}
