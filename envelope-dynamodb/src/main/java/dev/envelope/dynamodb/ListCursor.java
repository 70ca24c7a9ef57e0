package dev.envelope.dynamodb;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Where the next page of a tenant's listing starts: after the file {@code (createdAt, id)}, which is all the
 * index's LastEvaluatedKey holds besides the tenant (the table key is {@code f#<id>}, the index key the tenant
 * and the order key made of the same two values). As text: base64url of {@code 1 | createdAt millis (8
 * bytes) | id (UTF-8) | check (8 bytes)}, the check being the start of SHA-256 over a label, the tenant and
 * everything before it.
 *
 * <p>The check is not a secret, and needs none: every node of a cluster must read every other node's cursors,
 * and the decoded values are validated and then put into a key whose partition is the caller's own tenant, so
 * a forged cursor can only move the start of the caller's own listing. What the check does is turn a garbled,
 * truncated or made-up cursor, or one made for another tenant, into a clear {@link ErrorCode#INVALID_ARGUMENT}
 * instead of a silently wrong page.
 */
record ListCursor(long createdAtMillis, String id) {
  private static final byte VERSION = 1;
  private static final int CHECK_BYTES = 8;
  private static final int MAX_TEXT = 1024;

  String encode(String tenant) {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    ByteBuffer payload = ByteBuffer.allocate(1 + 8 + idBytes.length + CHECK_BYTES);
    payload.put(VERSION).putLong(createdAtMillis).put(idBytes);
    payload.put(check(tenant, payload.array(), payload.position()));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(payload.array());
  }

  static ListCursor decode(String tenant, String text) throws EnvelopeException {
    if (text.isEmpty() || text.length() > MAX_TEXT) {
      throw invalid();
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    int body = bytes.length - CHECK_BYTES;
    if (body < 1 + 8 + 1 || bytes[0] != VERSION
        || !MessageDigest.isEqual(check(tenant, bytes, body), Arrays.copyOfRange(bytes, body, bytes.length))) {
      throw invalid();
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, body - 1);
    long createdAt = buffer.getLong();
    String id;
    try {
      id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(buffer).toString();
    } catch (CharacterCodingException e) {
      throw invalid();
    }
    if (!Items.isValidId(id)) {
      throw invalid();
    }
    return new ListCursor(createdAt, id);
  }

  private static byte[] check(String tenant, byte[] bytes, int length) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("envelope-dynamodb-list-cursor-v1\0".getBytes(StandardCharsets.US_ASCII));
      sha.update(tenant.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(bytes, 0, length);
      return Arrays.copyOf(sha.digest(), CHECK_BYTES);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }

  private static EnvelopeException invalid() {
    return new EnvelopeException(ErrorCode.INVALID_ARGUMENT,
        "the cursor is not one this server made for your listing: start again without a cursor");
  }
}
