package dev.envelope.keyserver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One authenticated request on its way through an {@link Operation}: the body, who sent it, and the audit
 * record it fills in. Operations name every key they touch through {@link #useKey}, which is where the
 * caller's key allow list is enforced, so no operation can forget it.
 */
final class Call {
  private final String operation;
  private final KmsRequest request;
  private final AccessKey caller;
  private final AuditRecord audit;
  private final KeyIds ids;
  private final List<byte[]> secrets = new ArrayList<>();

  Call(String operation, KmsRequest request, AccessKey caller, AuditRecord audit, KeyIds ids) {
    this.operation = operation;
    this.request = request;
    this.caller = caller;
    this.audit = audit;
    this.ids = ids;
  }

  KmsRequest request() {
    return request;
  }

  AuditRecord audit() {
    return audit;
  }

  /**
   * Checks that the caller may use the key with this canonical id, and records it as the request's key.
   *
   * @return the key's ARN, for the response
   * @throws KmsException {@code AccessDeniedException}
   */
  String useKey(String keyId) {
    String arn = ids.keyArn(keyId);
    caller.checkKey(operation, keyId, arn);
    audit.keyId(arn);
    return arn;
  }

  /** Checks that the caller may create keys (a caller limited to listed keys may not). */
  void createsKey() {
    caller.checkMayCreateKeys(operation);
  }

  /** As {@link #useKey}, for the key a ReEncrypt decrypts with. */
  String useSourceKey(String keyId) {
    String arn = ids.keyArn(keyId);
    caller.checkKey(operation, keyId, arn);
    audit.sourceKeyId(arn);
    return arn;
  }

  /** Registers an array that holds a secret (a plaintext) to be zeroed once the response has been sent. */
  byte[] secret(byte[] bytes) {
    secrets.add(bytes);
    return bytes;
  }

  void wipeSecrets() {
    secrets.forEach(b -> Arrays.fill(b, (byte) 0));
  }
}
