package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.core.EncryptionContext;
import java.time.Instant;

/**
 * What one request did, filled in as the request goes along and written as one JSON line by {@link AuditLog}.
 * It only ever holds names, ids, the encryption context (authenticated, not secret) and the outcome: there is
 * no field a plaintext or a key could go into.
 */
final class AuditRecord {
  private final Instant time;
  private final String requestId;
  private final String sourceIp;
  private String accessKeyId;
  private String operation;
  private String keyId;
  private String sourceKeyId;
  private EncryptionContext context;
  private String error;
  private boolean authenticated;

  AuditRecord(Instant time, String requestId, String sourceIp) {
    this.time = time;
    this.requestId = requestId;
    this.sourceIp = sourceIp;
  }

  String requestId() {
    return requestId;
  }

  void accessKeyId(String id) {
    this.accessKeyId = id;
  }

  void operation(String name) {
    this.operation = name;
  }

  /** The operation the request names (as claimed until its signature is checked). */
  String operation() {
    return operation;
  }

  /** The key the operation used (its ARN); for ReEncrypt the destination key. */
  void keyId(String arn) {
    this.keyId = arn;
  }

  /** The key a ReEncrypt decrypted with. */
  void sourceKeyId(String arn) {
    this.sourceKeyId = arn;
  }

  void context(EncryptionContext context) {
    this.context = context;
  }

  /** The request's signature checked out: its access key id is proven, not claimed. */
  void authenticated() {
    this.authenticated = true;
  }

  void error(KmsError error) {
    this.error = error.type();
  }

  /** Claimed values come from any client: at most 128 characters of them go on record. */
  private static String clip(String text) {
    return text == null || text.length() <= 128 ? text : text.substring(0, 128) + "...";
  }

  ObjectNode toJson() {
    ObjectNode line = KmsRequest.JSON.createObjectNode();
    line.put("time", time.toString());
    line.put("requestId", requestId);
    line.put("sourceIp", sourceIp);
    line.put("accessKeyId", clip(accessKeyId));
    line.put("authenticated", authenticated);
    line.put("operation", clip(operation));
    line.put("keyId", keyId);
    if (sourceKeyId != null) {
      line.put("sourceKeyId", sourceKeyId);
    }
    if (context != null && !context.isEmpty()) {
      ObjectNode map = line.putObject("encryptionContext");
      context.asMap().forEach(map::put);
    }
    line.put("outcome", error == null ? "ok" : "error");
    if (error != null) {
      line.put("errorType", error);
    }
    return line;
  }
}
