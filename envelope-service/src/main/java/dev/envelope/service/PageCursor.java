package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Where the next page of a tenant's newest-first listing starts: after the row {@code (createdAt, id)}.
 * As text it is base64url of {@code 1 | created_at millis (8 bytes) | id (UTF-8) | check (8 bytes)}, where
 * the check is the start of SHA-256 over the tenant and everything before it. The check is not a secret and
 * need not be: a client that forges a cursor only pages its own files. It makes a garbled cursor, or one
 * made for another tenant, a clear {@link ErrorCode#INVALID_ARGUMENT} instead of a silently wrong page.
 */
public record PageCursor(long createdAtMillis, String id) {
  private static final byte VERSION = 1;
  private static final int CHECK_BYTES = 8;
  private static final int MAX_TEXT = 1024;

  public String encode(String tenant) {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    ByteBuffer payload = ByteBuffer.allocate(1 + 8 + idBytes.length + CHECK_BYTES);
    payload.put(VERSION).putLong(createdAtMillis).put(idBytes);
    payload.put(check(tenant, payload.array(), payload.position()));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(payload.array());
  }

  public static PageCursor decode(String tenant, String text) throws EnvelopeException {
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
    try {
      String id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(buffer).toString();
      return new PageCursor(createdAt, id);
    } catch (CharacterCodingException e) {
      throw invalid();
    }
  }

  /**
   * The cursor of a {@link MetadataStore#scan}: after the row {@code id}, for a scan of {@code tenant} (null: of
   * every tenant). Its check binds the scan's filter, so a cursor of one scan does not continue another.
   */
  public static String encodeScan(String tenant, String id) {
    return new PageCursor(0, id).encode(scanScope(tenant));
  }

  /** The id after which a scan continues; {@link ErrorCode#INVALID_ARGUMENT} for a cursor this scan did not make. */
  public static String decodeScan(String tenant, String text) throws EnvelopeException {
    PageCursor cursor = decode(scanScope(tenant), text);
    if (cursor.createdAtMillis() != 0 || cursor.id().isEmpty()) {
      throw invalid();
    }
    return cursor.id();
  }

  private static String scanScope(String tenant) {
    return "\0scan\0" + (tenant == null ? "*" : tenant); // no tenant name starts with NUL
  }

  private static byte[] check(String tenant, byte[] bytes, int length) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("envelope-page-cursor-v1\0".getBytes(StandardCharsets.US_ASCII));
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
