package dev.envelope.awskms;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.KeyService;
import dev.envelope.core.WrappedKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptionAlgorithmSpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.ReEncryptResponse;

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
 * <h2>Security guarantees and restrictions</h2>
 * The plaintext data key is copied into a {@link DataKey} and the SDK's byte array behind the response's
 * {@code Plaintext} is zeroed at once ({@link SdkBytes#asByteArrayUnsafe()}). What cannot be zeroed from here:
 * the HTTP response body (JSON with the key in base64) in the HTTP client's and the SDK's buffers, and the
 * base64 string the JSON parser made; they are left to the garbage collector. TLS protects the key in transit
 * to AWS; an {@code http://} endpoint (a local key server) should only ever be loopback.
 */
public final class AwsKmsKeyService implements KeyService, AutoCloseable {
  /** The name written into file headers. */
  public static final String NAME = "aws-kms";
  private static final int MAX_KEY_REF_LENGTH = 2048;

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
    KeyMetadata key = call("DescribeKey", () -> kms.describeKey(r -> r.keyId(keyIdOrAlias))).keyMetadata();
    if (key == null || key.arn() == null) {
      throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "AWS KMS at " + errors.where()
          + " answered DescribeKey without the key's ARN");
    }
    if (key.keyUsage() != KeyUsageType.ENCRYPT_DECRYPT || key.keySpec() != KeySpec.SYMMETRIC_DEFAULT) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "root key " + key.arn() + " is a "
          + key.keySpecAsString() + " key for " + key.keyUsageAsString()
          + "; Envelope needs a SYMMETRIC_DEFAULT key for ENCRYPT_DECRYPT");
    }
    if (key.keyState() == KeyState.DISABLED) {
      throw new EnvelopeException(ErrorCode.KEY_DISABLED, "root key " + key.arn() + " is disabled");
    }
    if (key.keyState() != KeyState.ENABLED) {
      throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "root key " + key.arn() + " is "
          + key.keyStateAsString() + ", not Enabled");
    }
    return key.arn();
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
