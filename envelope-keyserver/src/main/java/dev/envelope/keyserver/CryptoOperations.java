package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.WrappedKey;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;

/**
 * The cryptographic operations of the KMS API. Ciphertexts travel as {@link CiphertextBlob}s, so Decrypt
 * finds the key by itself; a {@code KeyId} given anyway must name that same key
 * ({@code IncorrectKeyException} otherwise), and the encryption context must be the one the blob was made
 * under ({@code InvalidCiphertextException} otherwise).
 *
 * <h2>Security guarantees</h2>
 * Every plaintext array is registered with {@link Call#secret} and zeroed once the response is written; none
 * reaches the audit record or an error message.
 */
final class CryptoOperations {
  static final String ALGORITHM = "SYMMETRIC_DEFAULT";
  private static final int MAX_DATA_KEY_BYTES = 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ManagedKeyService keys;
  private final KeyIds ids;

  CryptoOperations(ManagedKeyService keys, KeyIds ids) {
    this.keys = keys;
    this.ids = ids;
  }

  void registerInto(Map<String, Operation> operations) {
    operations.put("Encrypt", this::encrypt);
    operations.put("Decrypt", this::decrypt);
    operations.put("ReEncrypt", this::reEncrypt);
    operations.put("GenerateDataKey", call -> generateDataKey(call, true));
    operations.put("GenerateDataKeyWithoutPlaintext", call -> generateDataKey(call, false));
    operations.put("GenerateRandom", this::generateRandom);
  }

  private ObjectNode encrypt(Call call) throws EnvelopeException {
    KmsRequest request = call.request();
    String keyId = ids.resolve(keys, request.requiredString("KeyId"));
    String keyArn = call.useKey(keyId);
    byte[] plaintext = call.secret(request.requiredBlob("Plaintext", 1, ManagedKeyService.MAX_PLAINTEXT_BYTES));
    EncryptionContext context = context(call, "EncryptionContext");
    request.requireSymmetricAlgorithm("EncryptionAlgorithm");
    WrappedKey wrapped = keys.encrypt(keyId, plaintext, context);
    ObjectNode response = KmsRequest.JSON.createObjectNode();
    response.put("CiphertextBlob", CiphertextBlob.encode(wrapped));
    response.put("KeyId", keyArn);
    response.put("EncryptionAlgorithm", ALGORITHM);
    return response;
  }

  private ObjectNode decrypt(Call call) throws EnvelopeException {
    KmsRequest request = call.request();
    WrappedKey wrapped = blob(request, "CiphertextBlob");
    EncryptionContext context = context(call, "EncryptionContext");
    request.requireSymmetricAlgorithm("EncryptionAlgorithm");
    checkSameKey(request.string("KeyId"), wrapped);
    String keyArn = call.useKey(wrapped.rootKeyId());
    byte[] plaintext = call.secret(keys.decryptBytes(wrapped, context));
    ObjectNode response = KmsRequest.JSON.createObjectNode();
    response.put("KeyId", keyArn);
    response.put("Plaintext", plaintext);
    response.put("EncryptionAlgorithm", ALGORITHM);
    return response;
  }

  /** Decrypts and encrypts again inside the key server: the plaintext never leaves it. */
  private ObjectNode reEncrypt(Call call) throws EnvelopeException {
    KmsRequest request = call.request();
    String destinationRef = request.requiredString("DestinationKeyId");
    WrappedKey wrapped = blob(request, "CiphertextBlob");
    EncryptionContext sourceContext = request.context("SourceEncryptionContext");
    EncryptionContext destinationContext = context(call, "DestinationEncryptionContext");
    request.requireSymmetricAlgorithm("SourceEncryptionAlgorithm");
    request.requireSymmetricAlgorithm("DestinationEncryptionAlgorithm");
    checkSameKey(request.string("SourceKeyId"), wrapped);
    String destinationId = ids.resolve(keys, destinationRef);
    String destinationArn = call.useKey(destinationId);
    String sourceArn = call.useSourceKey(wrapped.rootKeyId());
    byte[] plaintext = call.secret(keys.decryptBytes(wrapped, sourceContext));
    WrappedKey rewrapped = keys.encrypt(destinationId, plaintext, destinationContext);
    ObjectNode response = KmsRequest.JSON.createObjectNode();
    response.put("CiphertextBlob", CiphertextBlob.encode(rewrapped));
    response.put("SourceKeyId", sourceArn);
    response.put("KeyId", destinationArn);
    response.put("SourceEncryptionAlgorithm", ALGORITHM);
    response.put("DestinationEncryptionAlgorithm", ALGORITHM);
    return response;
  }

  /**
   * A 32-byte key (AES_256) is the key service's own {@link ManagedKeyService#generateDataKey}, so that it
   * unwraps through {@link ManagedKeyService#decrypt} as well; other sizes are random bytes put through
   * {@link ManagedKeyService#encrypt}.
   */
  private ObjectNode generateDataKey(Call call, boolean withPlaintext) throws EnvelopeException {
    KmsRequest request = call.request();
    String keyId = ids.resolve(keys, request.requiredString("KeyId"));
    String keyArn = call.useKey(keyId);
    int size = dataKeySize(request);
    EncryptionContext context = context(call, "EncryptionContext");
    byte[] plaintext;
    WrappedKey wrapped;
    if (size == DataKey.SIZE_BYTES) {
      try (DataKey key = keys.generateDataKey(keyId, context)) {
        plaintext = call.secret(key.copyPlaintext(InsecureKeyAccess.get()));
        wrapped = key.wrapped();
      }
    } else {
      plaintext = call.secret(new byte[size]);
      RANDOM.nextBytes(plaintext);
      wrapped = keys.encrypt(keyId, plaintext, context);
    }
    ObjectNode response = KmsRequest.JSON.createObjectNode();
    response.put("CiphertextBlob", CiphertextBlob.encode(wrapped));
    if (withPlaintext) {
      response.put("Plaintext", plaintext);
    }
    response.put("KeyId", keyArn);
    return response;
  }

  private ObjectNode generateRandom(Call call) {
    KmsRequest request = call.request();
    int size = request.integer("NumberOfBytes", 1, MAX_DATA_KEY_BYTES).orElseThrow(() ->
        KmsError.VALIDATION.exception("NumberOfBytes is required"));
    if (request.string("CustomKeyStoreId").isPresent()) {
      throw KmsError.UNSUPPORTED_OPERATION.exception("This key server has no custom key stores");
    }
    byte[] random = call.secret(new byte[size]);
    RANDOM.nextBytes(random);
    return KmsRequest.JSON.createObjectNode().put("Plaintext", random);
  }

  private static int dataKeySize(KmsRequest request) {
    Optional<String> spec = request.string("KeySpec");
    Optional<Integer> bytes = request.integer("NumberOfBytes", 1, MAX_DATA_KEY_BYTES);
    if (spec.isPresent() == bytes.isPresent()) {
      throw KmsError.VALIDATION.exception("Please specify either number of bytes or key spec.");
    }
    return bytes.orElseGet(() -> switch (spec.get()) {
      case "AES_256" -> 32;
      case "AES_128" -> 16;
      default -> throw KmsError.VALIDATION.exception("1 validation error detected: Value at 'keySpec' failed to"
          + " satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]");
    });
  }

  private WrappedKey blob(KmsRequest request, String field) {
    byte[] blob = request.requiredBlob(field, 1, CiphertextBlob.MAX_BYTES);
    return CiphertextBlob.decode(blob);
  }

  /** A {@code KeyId} given with a ciphertext must name the key the ciphertext was made under. */
  private void checkSameKey(Optional<String> keyId, WrappedKey wrapped) throws EnvelopeException {
    if (keyId.isPresent() && !ids.resolve(keys, keyId.get()).equals(wrapped.rootKeyId())) {
      throw KmsError.INCORRECT_KEY.exception("The key ID in the request does not identify the key that"
          + " encrypted the ciphertext.");
    }
  }

  private static EncryptionContext context(Call call, String field) {
    EncryptionContext context = call.request().context(field);
    call.audit().context(context);
    return context;
  }
}
