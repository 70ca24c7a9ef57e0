package dev.envelope.keyserver;

import java.time.Instant;
import java.util.Set;

/**
 * One access key of the key server: the pair a client signs with (SigV4 needs the secret itself, so it is
 * stored as the operator gave it, in a 0600 file, and never logged) and what it may do. An empty allow list
 * allows everything.
 *
 * @param id the access key id, public (it is in every request and in the audit log)
 * @param secret the secret access key; {@link #toString()} never shows it
 * @param name the operator's label for it
 * @param allowedOperations KMS operation names this key may call, or empty for all
 * @param allowedKeys canonical root key ids this key may use, or empty for all
 */
public record AccessKey(String id, String secret, String name, Instant createdAt, Set<String> allowedOperations,
    Set<String> allowedKeys) {
  public AccessKey {
    allowedOperations = Set.copyOf(allowedOperations);
    allowedKeys = Set.copyOf(allowedKeys);
  }

  void checkOperation(String operation) {
    if (!allowedOperations.isEmpty() && !allowedOperations.contains(operation)) {
      throw KmsError.ACCESS_DENIED.exception("Access key " + id + " is not authorized to perform kms:"
          + operation);
    }
  }

  /**
   * Refuses an operation that makes a new key when this access key is limited to listed keys: the new key
   * could never be on its list, and making it anyway would let a narrow credential fill the key service.
   */
  void checkMayCreateKeys(String operation) {
    if (!allowedKeys.isEmpty()) {
      throw KmsError.ACCESS_DENIED.exception("Access key " + id + " is limited to listed keys and is not "
          + "authorized to perform kms:" + operation);
    }
  }

  void checkKey(String operation, String keyId, String keyArn) {
    if (!allowedKeys.isEmpty() && !allowedKeys.contains(keyId)) {
      throw KmsError.ACCESS_DENIED.exception("Access key " + id + " is not authorized to perform kms:"
          + operation + " on resource " + keyArn);
    }
  }

  @Override
  public String toString() {
    return "AccessKey[" + id + ", " + name + "]";
  }
}
