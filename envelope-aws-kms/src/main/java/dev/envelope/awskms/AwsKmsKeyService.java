package dev.envelope.awskms;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.KeyService;
import dev.envelope.core.RootKeyAdmin;
import dev.envelope.core.WrappedKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptionAlgorithmSpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.KeyManagerType;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.ReEncryptResponse;
import software.amazon.awssdk.services.kms.model.ScheduleKeyDeletionResponse;

/**
 * The {@link KeyService} over AWS KMS, or over any server that speaks its API (Envelope's own key server).
 * Root keys are KMS symmetric keys; a data key is one {@code GenerateDataKey} (AES_256), unwrapped by one
 * {@code Decrypt} and rewrapped inside KMS by one {@code ReEncrypt}. The file's {@link EncryptionContext} is
 * the KMS encryption context of every call, so KMS itself refuses to unwrap a key moved to another file.
 *
 * <h2>Contract and choices</h2>
 * <ul>
 *   <li>A {@link WrappedKey} names its root key by the key's <em>ARN</em> (from the KMS response, whatever
 *       id or alias the caller gave), with version 0: KMS does not expose which backing key version wrapped a
 *       ciphertext, and rotation is invisible to callers (every version stays usable for Decrypt).</li>
 *   <li>{@code Decrypt} sends that ARN as {@code KeyId}, so KMS refuses a ciphertext made under another key
 *       ({@code IncorrectKeyException}); the response's {@code KeyId} must be the same ARN and the plaintext 32
 *       bytes, or the call fails with {@link ErrorCode#INVALID_WRAPPED_KEY}.</li>
 *   <li>Errors: {@code NotFound} → {@code KEY_NOT_FOUND}; {@code Disabled} → {@code KEY_DISABLED};
 *       {@code KMSInvalidState} → {@code KEY_INVALID_STATE}; {@code InvalidCiphertext}/{@code IncorrectKey} →
 *       {@code INVALID_WRAPPED_KEY}; refused credentials → {@code KEYRING_UNAVAILABLE} saying so; throttling,
 *       5xx, timeouts and connection failures are retried as {@link AwsKmsConfig} says, then
 *       {@code KEYRING_UNAVAILABLE} ("did not answer within N s after K attempts"). No message holds a data
 *       key, a secret access key or the SDK's raw text.</li>
 *   <li>Thread-safe: the SDK client is, and this class holds no other state. Nothing is cached: every upload
 *       costs one {@code GenerateDataKey} and every download one {@code Decrypt}.</li>
 * </ul>
 *
 * <h2>Root key administration ({@link RootKeyAdmin})</h2>
 * Tenants' root keys are KMS keys named by their ARN, the same ARN their wrapped keys record:
 * <ul>
 *   <li>{@link #createRootKey}: one {@code CreateKey} ({@code SYMMETRIC_DEFAULT}, {@code ENCRYPT_DECRYPT}, the
 *       description); {@link #resolveRootKey}: one {@code DescribeKey} (an id, ARN, alias or alias ARN in, the
 *       ARN out; an AWS managed key, which can be neither disabled nor deleted, is {@code KEY_INVALID_STATE});
 *       {@link #currentVersion}: one {@code DescribeKey} (the key must exist), then always 0, because KMS keeps
 *       every backing key of a rotated key and never needs a rewrap after rotation.</li>
 *   <li>{@link #wrapDataKey}: one {@code Encrypt} of the key's 32 bytes under the file's context; the answer's
 *       {@code KeyId} must be an ARN, and the very key asked for when that was named by ARN or key id (an alias
 *       cannot be checked without another call), else {@code INVALID_WRAPPED_KEY}.</li>
 *   <li>{@link #disableRootKey}: {@code DescribeKey}, then {@code DisableKey} unless the key is disabled or
 *       pending deletion already; {@link #scheduleRootKeyDeletion}: {@code DescribeKey}, then
 *       {@code ScheduleKeyDeletion} with the shortest waiting period KMS allows (7 days) unless the key is pending
 *       deletion already, whose date is kept. Both send the ARN {@code DescribeKey} answered (KMS takes no alias
 *       there). A change made by someone else between the two calls (KMS then answers
 *       {@code KMSInvalidStateException}) is looked up again rather than reported.</li>
 *   <li>{@link #destroyRootKeyNow} is always {@code KEY_INVALID_STATE}, with no call to KMS: KMS never deletes
 *       a key sooner than 7 days after its deletion was scheduled.</li>
 *   <li>{@code CreateKey} has no idempotency token: when its answer is lost and the SDK retries it, KMS may hold
 *       one more key than the caller was told of (enabled and unused).</li>
 * </ul>
 *
 * <h2>Security guarantees and restrictions</h2>
 * The plaintext data key is copied into a {@link DataKey} and the SDK's byte array behind the response's
 * {@code Plaintext} is zeroed at once ({@link SdkBytes#asByteArrayUnsafe()}). What cannot be zeroed from here:
 * the HTTP response body (JSON with the key in base64) in the HTTP client's and the SDK's buffers, and the
 * base64 string the JSON parser made; they are left to the garbage collector. TLS protects the key in transit
 * to AWS; an {@code http://} endpoint (a local key server) should only ever be loopback.
 */
public final class AwsKmsKeyService implements KeyService, RootKeyAdmin, AutoCloseable {
  /** The name written into file headers. */
  public static final String NAME = "aws-kms";
  private static final int MAX_KEY_REF_LENGTH = 2048;
  /** The longest description {@code CreateKey} takes. */
  private static final int MAX_DESCRIPTION_CHARS = 8192;
  /** The shortest waiting period AWS KMS allows before it deletes a key. */
  static final int MIN_PENDING_WINDOW_DAYS = 7;

  private final KmsClient kms;
  private final boolean ownsClient;
  private final KmsErrors errors;

  private AwsKmsKeyService(KmsClient kms, boolean ownsClient, KmsErrors errors) {
    this.kms = kms;
    this.ownsClient = ownsClient;
    this.errors = errors;
  }

  /**
   * A key service with its own client, built as {@code config} says (Apache HTTP client, explicit retry
   * strategy and timeouts); {@link #close()} closes it.
   *
   * @throws EnvelopeException {@code INVALID_ARGUMENT} when no region is configured and the default chain
   *     finds none
   */
  public static AwsKmsKeyService create(AwsKmsConfig config) throws EnvelopeException {
    Objects.requireNonNull(config, "config");
    KmsClients.Built built = KmsClients.build(config);
    return new AwsKmsKeyService(built.client(), true,
        new KmsErrors(config.describeEndpoint(built.region()), config.callTimeout()));
  }

  /**
   * A key service over an embedder's own client, with whatever retries and timeouts it was built with (it
   * should have bounded ones). {@link #close()} leaves the client open.
   *
   * @param where how messages name the service, e.g. its endpoint URL
   */
  public static AwsKmsKeyService over(KmsClient client, String where) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(where, "where");
    return new AwsKmsKeyService(client, false, new KmsErrors(where, null));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException {
    checkKeyRef(rootKey, "root key");
    Objects.requireNonNull(context, "context");
    GenerateDataKeyResponse response = call("GenerateDataKey", () -> kms.generateDataKey(r -> r
        .keyId(rootKey).keySpec(DataKeySpec.AES_256).encryptionContext(context.asMap())));
    byte[] plaintext = plaintextOf(response.plaintext());
    try {
      WrappedKey wrapped = wrappedKey("GenerateDataKey", response.keyId(), response.ciphertextBlob());
      if (plaintext == null || plaintext.length != DataKey.SIZE_BYTES) {
        throw new EnvelopeException(ErrorCode.INTERNAL, "AWS KMS at " + errors.where() + " answered GenerateDataKey"
            + " with a data key of " + (plaintext == null ? 0 : plaintext.length) + " bytes, not "
            + DataKey.SIZE_BYTES);
      }
      return DataKey.of(plaintext, wrapped);
    } finally {
      wipe(plaintext);
    }
  }

  @Override
  public DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    Objects.requireNonNull(wrapped, "wrapped");
    Objects.requireNonNull(context, "context");
    String keyArn = wrapped.rootKeyId();
    DecryptResponse response = call("Decrypt", () -> kms.decrypt(r -> r
        .keyId(keyArn)
        .ciphertextBlob(SdkBytes.fromByteArrayUnsafe(wrapped.ciphertext()))
        .encryptionContext(context.asMap())
        .encryptionAlgorithm(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT)));
    byte[] plaintext = plaintextOf(response.plaintext());
    try {
      if (!keyArn.equals(response.keyId())) {
        throw new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "AWS KMS unwrapped the data key with another"
            + " root key than the one it names (" + keyArn + ")");
      }
      if (plaintext == null || plaintext.length != DataKey.SIZE_BYTES) {
        throw new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "the wrapped key under " + keyArn
            + " is not a " + DataKey.SIZE_BYTES + "-byte data key");
      }
      return DataKey.of(plaintext, wrapped);
    } finally {
      wipe(plaintext);
    }
  }

  @Override
  public WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
      throws EnvelopeException {
    Objects.requireNonNull(wrapped, "wrapped");
    Objects.requireNonNull(context, "context");
    checkKeyRef(newRootKey, "new root key");
    Map<String, String> map = context.asMap();
    ReEncryptResponse response = call("ReEncrypt", () -> kms.reEncrypt(r -> r
        .ciphertextBlob(SdkBytes.fromByteArrayUnsafe(wrapped.ciphertext()))
        .sourceKeyId(wrapped.rootKeyId())
        .sourceEncryptionContext(map)
        .destinationKeyId(newRootKey)
        .destinationEncryptionContext(map)
        .sourceEncryptionAlgorithm(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT)
        .destinationEncryptionAlgorithm(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT)));
    if (response.sourceKeyId() != null && !wrapped.rootKeyId().equals(response.sourceKeyId())) {
      throw new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "AWS KMS unwrapped the data key with another"
          + " root key than the one it names (" + wrapped.rootKeyId() + ")");
    }
    return wrappedKey("ReEncrypt", response.keyId(), response.ciphertextBlob());
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code Encrypt} of the key's 32 bytes ({@code SYMMETRIC_DEFAULT}, the context as the KMS encryption
   * context): its {@code CiphertextBlob} unwraps through {@link #decrypt} like one {@code GenerateDataKey} made. The
   * answer's {@code KeyId} must be an ARN; when {@code rootKey} is a key ARN it must be that ARN, and when it is a
   * bare key id an ARN of that id: KMS wrapping under another key than the one asked for is {@link
   * ErrorCode#INVALID_WRAPPED_KEY}, as it is for {@code Decrypt}. The copy of the plaintext handed to the SDK is
   * zeroed when the call returns; the request's JSON (the key in base64) in the SDK's and the HTTP client's buffers
   * cannot be, and is left to the garbage collector.
   */
  @Override
  public WrappedKey wrapDataKey(String rootKey, DataKey key, EncryptionContext context) throws EnvelopeException {
    checkKeyRef(rootKey, "root key");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(context, "context");
    byte[] plaintext = key.copyPlaintext(InsecureKeyAccess.get());
    EncryptResponse response;
    try {
      response = call("Encrypt", () -> kms.encrypt(r -> r
          .keyId(rootKey)
          .plaintext(SdkBytes.fromByteArrayUnsafe(plaintext))
          .encryptionContext(context.asMap())
          .encryptionAlgorithm(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT)));
    } finally {
      wipe(plaintext);
    }
    WrappedKey wrapped = wrappedKey("Encrypt", response.keyId(), response.ciphertextBlob());
    if (!answersFor(rootKey, wrapped.rootKeyId())) {
      throw new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "AWS KMS at " + errors.where() + " wrapped the"
          + " data key under another root key (" + wrapped.rootKeyId() + ") than the one asked for (" + rootKey + ")");
    }
    return wrapped;
  }

  /** Whether an answer naming {@code arn} can be for {@code keyRef}: the same ARN, or an ARN of the same key id. */
  private static boolean answersFor(String keyRef, String arn) {
    if (keyRef.startsWith("arn:")) {
      return keyRef.contains(":alias/") || keyRef.equals(arn);
    }
    if (keyRef.startsWith("alias/")) {
      return true;
    }
    return arn.endsWith(":key/" + keyRef);
  }

  /**
   * Checks that a root key is usable for Envelope and returns its ARN: the server calls this at start, so a
   * wrong key fails at once rather than at the first upload.
   *
   * @param keyIdOrAlias a key id, key ARN, {@code alias/name} or alias ARN
   * @throws EnvelopeException {@code KEY_NOT_FOUND} if there is no such key; {@code KEY_DISABLED} if it is
   *     disabled; {@code KEY_INVALID_STATE} if it is pending deletion, import or otherwise unusable;
   *     {@code INVALID_ARGUMENT} if it is not a symmetric {@code ENCRYPT_DECRYPT} key;
   *     {@code KEYRING_UNAVAILABLE} if KMS cannot be reached or refuses the credentials
   */
  public String describeRootKey(String keyIdOrAlias) throws EnvelopeException {
    checkKeyRef(keyIdOrAlias, "root key");
    KeyMetadata key = describe(keyIdOrAlias);
    requireDataKeyKind(key, ErrorCode.INVALID_ARGUMENT);
    requireEnabled(key);
    return key.arn();
  }

  // ---- RootKeyAdmin ----

  /**
   * {@inheritDoc}
   *
   * <p>One {@code CreateKey} of a {@code SYMMETRIC_DEFAULT} key for {@code ENCRYPT_DECRYPT}; the answer is its
   * ARN, the name its wrapped keys will carry.
   */
  @Override
  public String createRootKey(String description) throws EnvelopeException {
    String text = description == null ? "" : description;
    if (text.length() > MAX_DESCRIPTION_CHARS) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a description is at most " + MAX_DESCRIPTION_CHARS
          + " characters");
    }
    KeyMetadata key = call("CreateKey", () -> kms.createKey(r -> r
        .keySpec(KeySpec.SYMMETRIC_DEFAULT)
        .keyUsage(KeyUsageType.ENCRYPT_DECRYPT)
        .description(text))).keyMetadata();
    return arnOf("CreateKey", key);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code DescribeKey}: {@code keyRef} may be a key id, key ARN, {@code alias/name} or alias ARN; the
   * answer is the key's ARN. A key that cannot be a tenant's root key (not a symmetric {@code ENCRYPT_DECRYPT}
   * key, or an AWS managed key, which only its AWS service may use and nobody may disable or delete) is
   * {@link ErrorCode#KEY_INVALID_STATE}; so is a key in any state but {@code Enabled} and {@code Disabled}
   * ({@code PendingDeletion}, {@code PendingImport}, {@code Unavailable}, ...).
   */
  @Override
  public String resolveRootKey(String keyRef) throws EnvelopeException {
    checkKeyRef(keyRef, "root key");
    KeyMetadata key = describe(keyRef);
    requireDataKeyKind(key, ErrorCode.KEY_INVALID_STATE);
    if (key.keyManager() == KeyManagerType.AWS) {
      throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "root key " + key.arn() + " is an AWS managed key:"
          + " it can be neither disabled nor deleted, so it cannot be a tenant's root key");
    }
    requireEnabled(key);
    return key.arn();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Always 0 once one {@code DescribeKey} found the key, in any state: AWS KMS does not say which backing key
   * wraps new data keys, and keeps every backing key of a rotated key, so no wrapped key ever needs a rewrap
   * after rotation.
   */
  @Override
  public int currentVersion(String keyId) throws EnvelopeException {
    checkKeyRef(keyId, "root key");
    describe(keyId);
    return 0;
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code DescribeKey}, then {@code DisableKey} of the ARN it answered (KMS takes no alias there) when the key
   * is in any other state.
   */
  @Override
  public void disableRootKey(String keyId) throws EnvelopeException {
    checkKeyRef(keyId, "root key");
    KeyMetadata key = describe(keyId);
    if (isDisabledOrPendingDeletion(key)) {
      return;
    }
    try {
      call("DisableKey", () -> kms.disableKey(r -> r.keyId(key.arn())));
    } catch (EnvelopeException e) {
      // Scheduled for deletion by someone else since DescribeKey: as good as disabled.
      if (e.code() != ErrorCode.KEY_INVALID_STATE || !isDisabledOrPendingDeletion(describe(key.arn()))) {
        throw e;
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code DescribeKey}, then {@code ScheduleKeyDeletion} of the ARN it answered with {@code
   * PendingWindowInDays} 7 unless the key is pending deletion already; the date is the one KMS answers with, by its
   * own clock.
   */
  @Override
  public Instant scheduleRootKeyDeletion(String keyId) throws EnvelopeException {
    checkKeyRef(keyId, "root key");
    KeyMetadata key = describe(keyId);
    if (key.keyState() == KeyState.PENDING_DELETION) {
      return deletionDateOf("DescribeKey", key.arn(), key.deletionDate());
    }
    ScheduleKeyDeletionResponse response;
    try {
      response = call("ScheduleKeyDeletion", () -> kms.scheduleKeyDeletion(r -> r
          .keyId(key.arn()).pendingWindowInDays(MIN_PENDING_WINDOW_DAYS)));
    } catch (EnvelopeException e) {
      if (e.code() == ErrorCode.KEY_INVALID_STATE) { // scheduled by someone else since DescribeKey?
        KeyMetadata again = describe(key.arn());
        if (again.keyState() == KeyState.PENDING_DELETION) {
          return deletionDateOf("DescribeKey", again.arn(), again.deletionDate());
        }
      }
      throw e;
    }
    return deletionDateOf("ScheduleKeyDeletion", key.arn(), response.deletionDate());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Always {@link ErrorCode#KEY_INVALID_STATE}, without calling KMS: AWS KMS deletes a key no sooner than 7
   * days after its deletion was scheduled ({@link #scheduleRootKeyDeletion}); disabling it
   * ({@link #disableRootKey}) stops its use at once.
   */
  @Override
  public void destroyRootKeyNow(String keyId) throws EnvelopeException {
    checkKeyRef(keyId, "root key");
    throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "AWS KMS cannot destroy root key " + keyId
        + " at once: it deletes a key no sooner than " + MIN_PENDING_WINDOW_DAYS + " days after its deletion is"
        + " scheduled; disable the key and schedule its deletion instead");
  }

  /** Closes the SDK client if {@link #create} made it; an embedder's client stays open. */
  @Override
  public void close() {
    if (ownsClient) {
      kms.close();
    }
  }

  @Override
  public String toString() {
    return "AwsKmsKeyService[" + errors.where() + "]";
  }

  /** One {@code DescribeKey}: the key's metadata, with its ARN. */
  private KeyMetadata describe(String keyRef) throws EnvelopeException {
    KeyMetadata key = call("DescribeKey", () -> kms.describeKey(r -> r.keyId(keyRef))).keyMetadata();
    arnOf("DescribeKey", key);
    return key;
  }

  private String arnOf(String operation, KeyMetadata key) throws EnvelopeException {
    if (key == null || key.arn() == null || !key.arn().startsWith("arn:")) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "AWS KMS at " + errors.where()
          + " answered " + operation + " without the key's ARN");
    }
    return key.arn();
  }

  /** A symmetric {@code ENCRYPT_DECRYPT} key, or {@code code}. */
  private static void requireDataKeyKind(KeyMetadata key, ErrorCode code) throws EnvelopeException {
    if (key.keyUsage() != KeyUsageType.ENCRYPT_DECRYPT || key.keySpec() != KeySpec.SYMMETRIC_DEFAULT) {
      throw new EnvelopeException(code, "root key " + key.arn() + " is a " + key.keySpecAsString() + " key for "
          + key.keyUsageAsString() + "; Envelope needs a SYMMETRIC_DEFAULT key for ENCRYPT_DECRYPT");
    }
  }

  private static void requireEnabled(KeyMetadata key) throws EnvelopeException {
    if (key.keyState() == KeyState.DISABLED) {
      throw new EnvelopeException(ErrorCode.KEY_DISABLED, "root key " + key.arn() + " is disabled");
    }
    if (key.keyState() != KeyState.ENABLED) {
      throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "root key " + key.arn() + " is "
          + key.keyStateAsString() + ", not Enabled");
    }
  }

  private static boolean isDisabledOrPendingDeletion(KeyMetadata key) {
    return key.keyState() == KeyState.DISABLED || key.keyState() == KeyState.PENDING_DELETION
        || key.keyState() == KeyState.PENDING_REPLICA_DELETION;
  }

  private Instant deletionDateOf(String operation, String keyArn, Instant date) throws EnvelopeException {
    if (date == null) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "AWS KMS at " + errors.where() + " answered "
          + operation + " for root key " + keyArn + " without its deletion date");
    }
    return date;
  }

  private <T> T call(String operation, Supplier<T> call) throws EnvelopeException {
    try {
      return call.get();
    } catch (SdkException e) {
      throw errors.translate(operation, e);
    }
  }

  private WrappedKey wrappedKey(String operation, String keyArn, SdkBytes blob) throws EnvelopeException {
    if (keyArn == null || !keyArn.startsWith("arn:") || blob == null) {
      throw new EnvelopeException(ErrorCode.INTERNAL, "AWS KMS at " + errors.where() + " answered " + operation
          + " without a key ARN or ciphertext");
    }
    try {
      return WrappedKey.of(keyArn, 0, blob.asByteArrayUnsafe());
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(ErrorCode.INTERNAL, "AWS KMS at " + errors.where() + " answered " + operation
          + " with a wrapped key Envelope cannot store: " + e.getMessage());
    }
  }

  /** The array behind the SDK's bytes (no copy where the SDK allows it), so that wiping it wipes the SDK's. */
  private static byte[] plaintextOf(SdkBytes bytes) {
    return bytes == null ? null : bytes.asByteArrayUnsafe();
  }

  private static void wipe(byte[] plaintext) {
    if (plaintext != null) {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  private static void checkKeyRef(String ref, String what) throws EnvelopeException {
    if (ref == null || ref.isBlank()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, what + " must be given");
    }
    if (ref.length() > MAX_KEY_REF_LENGTH) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, what + " must be at most " + MAX_KEY_REF_LENGTH
          + " characters");
    }
    if (ref.chars().anyMatch(Character::isISOControl)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, what + " must not hold control characters");
    }
  }
}
